/**
 * A stage in a few numbers: its outcome in one word and how many hooks ended
 * which way. The system log line and the Prometheus counters say the same
 * thing, so both read it from here.
 *
 * @module
 */
import type { RefusalReason, RunReport } from "../report.ts";

/**
 * A stage's outcome, most telling first: `interrupted` (the runner got SIGINT
 * or SIGTERM), `refused` (no hook ran: the event, the config or the hooks
 * directory was refused), `timed_out` (a hook hit its deadline: the stage held the event that
 * long), `failed` (a hook failed, could not start or was refused), `ok`.
 */
export type StageStatus = "ok" | "failed" | "timed_out" | "refused" | "interrupted";

/** One stage, counted. */
export interface StageSummary {
  /** The run's id. */
  runId: string;
  /** The platform event's id, shared across stages. */
  eventId: string;
  /** The event's action. */
  action: string;
  /** `pre` or `post`. */
  stage: string;
  /** The outcome in one word. */
  status: StageStatus;
  /** Hooks that succeeded. */
  ok: number;
  /** Hooks that failed or could not start. */
  failed: number;
  /** Hooks killed at their deadline. */
  timedOut: number;
  /** Hook files refused by the safety rule or a bad directive. */
  refused: number;
  /** The stage's duration in milliseconds. */
  durationMs: number;
  /** The names of the hooks that were not ok (failed, timed out, refused), in name order. */
  failing: string[];
  /** The refusal in words, when no hook ran because of it. */
  refusedReason?: string;
  /** The refusal in one word (`event`, `config`, `directory`, `recursion`). */
  refusal?: RefusalReason;
  /** How the event differs from the registry: the hooks ran with it as sent. */
  warnings?: string[];
  /** The run this one replays. */
  replayOf?: string;
}

/**
 * Count a stage's report.
 *
 * @example
 * ```ts
 * import { summarizeStage } from "./summary.ts";
 * import assert from "node:assert/strict";
 * const summary = summarizeStage({
 *   run_id: "r", event_id: "e", dir: "/hooks", started_at: "2026-01-01T00:00:00.000Z",
 *   duration_ms: 12, ok: false, interrupted: false, skipped: [],
 *   event: { action: "server-restart", stage: "pre", data: {} },
 *   hooks: [
 *     { name: "a", status: "ok", exit_code: 0, signal: null, duration_ms: 5,
 *       stdout: "", stderr: "", stdout_bytes: 0, stderr_bytes: 0 },
 *     { name: "b", status: "timed_out", exit_code: null, signal: "SIGTERM", duration_ms: 9,
 *       stdout: "", stderr: "", stdout_bytes: 0, stderr_bytes: 0 },
 *   ],
 * });
 * assert.equal(summary.status, "timed_out");
 * assert.deepEqual(summary.failing, ["b"]);
 * ```
 */
export function summarizeStage(report: RunReport): StageSummary {
  let ok = 0, failed = 0, timedOut = 0;
  const failing: string[] = [];
  for (const hook of report.hooks) {
    if (hook.status === "ok") ok++;
    else if (hook.status === "timed_out") timedOut++;
    else failed++;
    if (hook.status !== "ok") failing.push(hook.name);
  }
  const refusedFiles = report.skipped.filter((skip) => skip.refused).map((skip) => skip.name);
  failing.push(...refusedFiles);
  failing.sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
  // The directory's refusal is a newer field of the report (contract §2); read it if present.
  const dirRefused = (report as { refused?: unknown }).refused;
  const refusedReason = typeof dirRefused === "string" && dirRefused ? dirRefused : undefined;
  const status: StageStatus = report.interrupted
    ? "interrupted"
    : refusedReason
    ? "refused"
    : timedOut > 0
    ? "timed_out"
    : failed > 0 || refusedFiles.length > 0 || !report.ok
    ? "failed"
    : "ok";
  return {
    runId: report.run_id,
    eventId: report.event_id,
    action: report.event.action,
    stage: report.event.stage,
    status,
    ok,
    failed,
    timedOut,
    refused: refusedFiles.length,
    durationMs: report.duration_ms,
    failing,
    ...(refusedReason ? { refusedReason } : {}),
    ...(refusedReason && report.refusal ? { refusal: report.refusal } : {}),
    ...(Array.isArray(report.warnings) && report.warnings.length > 0
      ? { warnings: report.warnings }
      : {}),
    ...(report.replay_of ? { replayOf: report.replay_of } : {}),
  };
}
