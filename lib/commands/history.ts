/**
 * `solus-hooks history`: recent runs from the journal, newest first.
 *
 * @module
 */
import { parsePositive } from "../cli/args.ts";
import type { Command } from "../cli/command.ts";
import { formatDuration } from "../cli/render.ts";
import { UsageError } from "../errors.ts";
import { parseDuration, readNewest } from "../journal.ts";
import type { RunReport } from "../report.ts";

/** One run in a line: what `history --json` prints per run. */
export interface RunSummary {
  run_id: string;
  event_id: string;
  started_at: string;
  action: string;
  stage: string;
  ok: boolean;
  interrupted: boolean;
  duration_ms: number;
  hooks: number;
  failed: string[];
  replay_of?: string;
}

/**
 * Summarise a record for `history`.
 *
 * @example
 * ```ts ignore
 * const line = summarize(report);
 * ```
 */
export function summarize(report: RunReport): RunSummary {
  return {
    run_id: report.run_id,
    event_id: report.event_id,
    started_at: report.started_at,
    action: report.event?.action,
    stage: report.event?.stage,
    ok: report.ok,
    interrupted: report.interrupted,
    duration_ms: report.duration_ms,
    hooks: report.hooks?.length ?? 0,
    failed: [
      ...(report.hooks ?? []).filter((hook) => hook.status !== "ok").map((hook) => hook.name),
      ...(report.skipped ?? []).filter((skip) => skip.refused).map((skip) => skip.name),
    ],
    ...(report.replay_of ? { replay_of: report.replay_of } : {}),
  };
}

/** Records are appended when a stage ends; allow this much clock and append skew between runners. */
const APPEND_SKEW_MS = 60_000;

/**
 * The `history` command.
 *
 * @example
 * ```ts
 * import { historyCommand } from "./history.ts";
 * console.log(historyCommand.summary);
 * ```
 */
export const historyCommand: Command = {
  name: "history",
  summary: "list recent runs from the journal, newest first",
  help: `Usage: solus-hooks history [--limit N] [--failed] [--action A] [--since DURATION] [--json]

Lists recorded runs, newest first: when, run id, action and stage, outcome,
hooks, time. It reads the journal from its end, so it stays fast on a big one.
  --limit N          at most N runs (default 20)
  --failed           only runs that failed or were interrupted
  --action A         only runs of action A
  --since DURATION   only runs started within DURATION: 90s, 15m, 2h, 7d, 1h30m
  --json             a JSON array of run summaries on stdout
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
    const settings = await context.settings();
    const found: RunSummary[] = [];
    const warn = (message: string) =>
      context.out.line(context.out.colors.yellow(`solus-hooks: warning: ${message}`));
    for await (
      const record of readNewest({
        path: settings.journal.path,
        keep: settings.journal.keep,
        onWarning: warn,
      })
    ) {
      const started = Date.parse(record.started_at);
      if (cutoff !== undefined && started + (record.duration_ms ?? 0) < cutoff - APPEND_SKEW_MS) {
        break;
      }
      if (cutoff !== undefined && !(started >= cutoff)) continue;
      if (context.values.failed === true && record.ok) continue;
      if (action !== undefined && record.event?.action !== action) continue;
      found.push(summarize(record));
      if (found.length >= limit) break;
    }
    if (context.global.json) {
      context.out.json(found);
      return 0;
    }
    if (found.length === 0) {
      context.out.line(`no runs recorded in ${settings.journal.path} match`);
      return 0;
    }
    const colors = context.out.stdoutColors; // the table goes to stdout
    for (const run of found) {
      const outcome = run.interrupted
        ? colors.red("interrupted")
        : run.ok
        ? colors.green("ok".padEnd(11))
        : colors.red("FAILED".padEnd(11));
      const failed = run.failed.length > 0 ? `  ${colors.dim(run.failed.join(", "))}` : "";
      const replay = run.replay_of ? colors.dim(` (replay of ${run.replay_of.slice(0, 8)})`) : "";
      context.out.stdout(
        `${run.started_at.replace("T", " ").slice(0, 19)}  ${run.run_id.slice(0, 8)}  ${
          `${run.action} ${run.stage}`.padEnd(28)
        } ${outcome} ${String(run.hooks).padStart(3)} ${run.hooks === 1 ? "hook " : "hooks"} ${
          formatDuration(run.duration_ms).padStart(8)
        }${replay}${failed}`,
      );
    }
    return 0;
  },
};
