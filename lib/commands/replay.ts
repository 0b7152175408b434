/**
 * `solus-hooks replay RUN_ID`: run a recorded event again, as a new run that
 * names the one it replays.
 *
 * @module
 */
import type { Command } from "../cli/command.ts";
import { executeStage, exitStatusOf } from "../cli/execute.ts";
import { loadRun } from "../cli/load_run.ts";
import { validateEvent } from "../event/parse.ts";

/**
 * The `replay` command.
 *
 * @example
 * ```ts
 * import { replayCommand } from "./replay.ts";
 * import assert from "node:assert/strict";
 * assert.match(replayCommand.help, /Examples?:/);
 * ```
 */
export const replayCommand: Command = {
  name: "replay",
  summary: "run a recorded event again as a new run",
  help: `Usage: solus-hooks replay RUN_ID [global options]

Runs the event of a recorded run through the hooks directory again, now, with the
current hooks and settings. The new run is journaled with "replay_of" naming the
old one. RUN_ID may be the first 8 or more characters of the id. An unfinished
run (its runner died) replays too: its event was recorded when it started. The
report goes to stderr (--verbose: with each hook's output); --json prints the
new record on stdout.

Examples:
  solus-hooks replay 0b6f1c2e --verbose
  solus-hooks replay $(solus-hooks history --failed --limit 1 --json | jq -r '.[0].run_id')`,
  options: {},
  async run(context) {
    const recorded = await loadRun(context, "replay");
    // The registry may have changed since: the recorded event must still be valid.
    const event = validateEvent(recorded.event, await context.registry(), {
      what: `recorded event of ${recorded.run_id}`,
    });
    const report = await executeStage(context, event, { replayOf: recorded.run_id });
    return exitStatusOf(report, context);
  },
};
