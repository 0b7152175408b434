/**
 * `solus-hooks history`: recent runs from the journal, newest first.
 *
 * @module
 */
import { parsePositive } from "../cli/args.ts";
import type { Command } from "../cli/command.ts";
import { journalReading } from "../cli/load_run.ts";
import { formatDuration } from "../cli/render.ts";
import { escapeControls } from "../cli/escape.ts";
import { parseDuration } from "../duration.ts";
import { UsageError } from "../errors.ts";
import { quote } from "../event/schema_issues.ts";
import { isUnfinished, type JournalEntry, NoJournalError, readNewest } from "../journal/read.ts";

/** One run in a line: what `history --json` prints per run. */
export interface RunSummary {
  run_id: string;
  event_id: string;
  started_at: string;
  action: string;
  stage: string;
  /**
   * `finished` when its report was written; `running` or `unfinished` (its
   * runner died) when only its start was recorded.
   */
  state: "finished" | "running" | "unfinished";
  ok: boolean;
  interrupted: boolean;
  /** Null when the run has no report. */
  duration_ms: number | null;
  hooks: number;
  failed: string[];
  replay_of?: string;
  /** Why no hook ran, in one word, when the run was refused (`event`, `config`, `directory`, `recursion`). */
  refusal?: string;
  /** Without a report: the hooks due to start, its deadline and its runner's pid. */
  started_hooks?: string[];
  deadline_at?: string;
  pid?: number;
}

/**
 * Summarise a run for `history`: its report, or what its start record knows.
 *
 * @example
 * ```ts
 * import { summarize } from "./history.ts";
 * import assert from "node:assert/strict";
 * const summary = summarize({
 *   record: "start", state: "unfinished", run_id: "0b6f3c2a", event_id: "e", dir: "/hooks",
 *   event: { action: "server-stop", stage: "pre", data: {} },
 *   started_at: "2026-11-25T04:14:37.000Z", deadline_at: "2026-11-25T04:15:37.000Z",
 *   kill_grace_ms: 2000, hooks: ["10-firewall"], pid: 4242,
 * });
 * assert.equal(summary.state, "unfinished");
 * assert.deepEqual(summary.started_hooks, ["10-firewall"]);
 * ```
 */
export function summarize(run: JournalEntry): RunSummary {
  const common = {
    run_id: run.run_id,
    event_id: run.event_id,
    started_at: run.started_at,
    action: run.event.action,
    stage: run.event.stage,
  };
  if (isUnfinished(run)) {
    return {
      ...common,
      state: run.state,
      ok: false,
      interrupted: false,
      duration_ms: null,
      hooks: run.hooks.length,
      failed: [],
      ...(run.replay_of ? { replay_of: run.replay_of } : {}),
      started_hooks: run.hooks,
      deadline_at: run.deadline_at,
      pid: run.pid,
    };
  }
  return {
    ...common,
    state: "finished",
    ok: run.ok,
    interrupted: run.interrupted,
    duration_ms: run.duration_ms,
    hooks: run.hooks.length,
    failed: [
      ...run.hooks.filter((hook) => hook.status !== "ok").map((hook) => hook.name),
      ...run.skipped.filter((skip) => skip.refused).map((skip) => skip.name),
    ],
    ...(run.replay_of ? { replay_of: run.replay_of } : {}),
    ...(run.refused && run.refusal ? { refusal: run.refusal } : {}),
  };
}

/** When a run's record was last appended at the latest: its end, or for a start record its deadline. */
function lastWrite(run: JournalEntry): number {
  return isUnfinished(run)
    ? Date.parse(run.deadline_at) + run.kill_grace_ms
    : Date.parse(run.started_at) + run.duration_ms;
}

/** Records are appended when a stage ends; allow this much clock and append skew between runners. */
const APPEND_SKEW_MS = 60_000;

/**
 * The `history` command.
 *
 * @example
 * ```ts
 * import { historyCommand } from "./history.ts";
 * import assert from "node:assert/strict";
 * assert.match(historyCommand.help, /Examples?:/);
 * ```
 */
export const historyCommand: Command = {
  name: "history",
  summary: "list recent runs from the journal, newest first",
  help: `Usage: solus-hooks history [--limit N] [--failed] [--action A] [--since DURATION] [--json]

Lists recorded runs, newest first: when, run id, action and stage, outcome,
hooks, time. It reads the journal from its end, so it stays fast on a big one.
A run whose runner died (SIGKILL, power loss) shows as "unfinished", with the
hooks it was starting; one still within its deadline shows as "running".
  --limit N          at most N runs (default 20)
  --failed           only runs that failed, were interrupted or are unfinished
  --action A         only runs of action A
  --since DURATION   only runs started within DURATION: 90s, 15m, 2h, 7d, 1h30m
  --json             a JSON array of run summaries on stdout ([] when there
                     is no journal yet)
The list goes to stdout, one run a line.

Examples:
  solus-hooks history --failed --since 1d
  solus-hooks show $(solus-hooks history --limit 1 --json | jq -r '.[0].run_id')`,
  options: {
    limit: { type: "string" },
    failed: { type: "boolean" },
    action: { type: "string" },
    since: { type: "string" },
  },
  async run(context) {
    if (context.positionals.length > 0) {
      throw new UsageError(`history takes no arguments (got ${context.positionals[0]})`);
    }
    const limit = parsePositive(
      (context.values.limit as string | undefined) ?? "20",
      "--limit",
      Number.MAX_SAFE_INTEGER,
    );
    let cutoff: number | undefined;
    if (context.values.since !== undefined) {
      try {
        cutoff = Date.now() - parseDuration(context.values.since as string);
      } catch (error) {
        throw new UsageError(`--since: ${(error as Error).message}`);
      }
    }
    const action = context.values.action as string | undefined;
    if (action !== undefined) {
      const registry = await context.registry();
      if (!registry.get(action)) {
        throw new UsageError(
          `--action: unknown action ${quote(action)} (did you mean ${registry.nearest(action)}?)`,
        );
      }
    }
    const reading = await journalReading(context);
    const found: RunSummary[] = [];
    try {
      for await (const run of readNewest(reading)) {
        if (cutoff !== undefined && lastWrite(run) < cutoff - APPEND_SKEW_MS) break;
        if (cutoff !== undefined && !(Date.parse(run.started_at) >= cutoff)) continue;
        const summary = summarize(run);
        // Failed: a hook failed or was refused, the run was interrupted, or its runner died.
        if (context.values.failed === true && (summary.ok || summary.state === "running")) continue;
        if (action !== undefined && summary.action !== action) continue;
        found.push(summary);
        if (found.length >= limit) break;
      }
    } catch (error) {
      // No journal yet is no run yet: a fleet script asking for JSON gets an empty list.
      if (!(error instanceof NoJournalError && context.global.json)) throw error;
    }
    if (context.global.json) {
      context.out.json(found);
      return 0;
    }
    if (found.length === 0) {
      context.out.line(`no runs recorded in ${reading.path} match`);
      return 0;
    }
    const colors = context.out.stdoutColors; // the table goes to stdout
    for (const run of found) {
      const outcome = run.state !== "finished"
        ? (run.state === "running" ? run.state.padEnd(11) : colors.red(run.state.padEnd(11)))
        : run.interrupted
        ? colors.red("interrupted")
        : run.refusal
        ? colors.red("REFUSED".padEnd(11))
        : run.ok
        ? colors.green("ok".padEnd(11))
        : colors.red("FAILED".padEnd(11));
      const names = run.refusal ? [`${run.refusal} refused`] : run.started_hooks ?? run.failed;
      // Names and actions come from files and events: never raw, on a terminal or in a pipe.
      const failed = names.length > 0
        ? `  ${colors.dim(names.map((name) => escapeControls(name)).join(", "))}`
        : "";
      const replay = run.replay_of ? colors.dim(` (replay of ${run.replay_of.slice(0, 8)})`) : "";
      const took = run.duration_ms === null ? "?" : formatDuration(run.duration_ms);
      context.out.stdout(
        `${run.started_at.replace("T", " ").slice(0, 19)}  ${run.run_id.slice(0, 8)}  ${
          escapeControls(`${run.action} ${run.stage}`).padEnd(28)
        } ${outcome} ${String(run.hooks).padStart(3)} ${run.hooks === 1 ? "hook " : "hooks"} ${
          took.padStart(8)
        }${replay}${failed}`,
      );
    }
    return 0;
  },
};
