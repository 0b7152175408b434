/**
 * A run without its report, in words: what `show` prints for a run whose
 * runner died (`unfinished`) or is still at work (`running`).
 *
 * @module
 */
import type { UnfinishedRun } from "../journal/read.ts";
import type { Palette } from "./output.ts";

/**
 * What is known of a run whose report was not written: its event, when it
 * started, its deadline, the hooks due to start and the runner's pid.
 *
 * @example
 * ```ts
 * import { describeUnfinished } from "./unfinished.ts";
 * import assert from "node:assert/strict";
 * const plain = { red: String, green: String, yellow: String, dim: String, bold: String };
 * const lines = describeUnfinished({
 *   record: "start", state: "unfinished", run_id: "0b6f3c2a", event_id: "e", dir: "/hooks",
 *   event: { action: "server-stop", stage: "pre", data: {} },
 *   started_at: "2026-11-25T04:14:37.000Z", deadline_at: "2026-11-25T04:15:37.000Z",
 *   kill_grace_ms: 2000, hooks: ["10-firewall"], pid: 4242,
 * }, plain);
 * assert.ok(lines.some((line) => line.includes("unfinished")));
 * assert.ok(lines.some((line) => line.includes("10-firewall")));
 * ```
 */
export function describeUnfinished(run: UnfinishedRun, colors: Palette): string[] {
  const outcome = run.state === "unfinished"
    ? colors.red(
      `unfinished: no report was written (the runner, pid ${run.pid}, was killed, the ` +
        "machine went down, or the journal could not be written); the hooks' results are unknown",
    )
    : `running: the runner (pid ${run.pid}) has not reported yet; the deadline has not passed`;
  return [
    `${colors.bold(`run ${run.run_id}`)}${run.replay_of ? ` (replay of ${run.replay_of})` : ""}`,
    `  event id   ${run.event_id}`,
    `  started    ${run.started_at}, deadline ${run.deadline_at}`,
    `  outcome    ${outcome}`,
    `  directory  ${run.dir}`,
    `  event      ${JSON.stringify(run.event)}`,
    `  hooks      ${run.hooks.length === 0 ? "none" : run.hooks.join(", ")} (due to start)`,
  ];
}
