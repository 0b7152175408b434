/**
 * `solus-hooks replay RUN_ID`: run a recorded event again, as a new run that
 * names the one it replays.
 *
 * @module
 */
import type { Command } from "../cli/command.ts";
import { executeStage, exitStatusOf } from "../cli/execute.ts";
import { loadRun } from "../cli/load_run.ts";
import { noteRefusal, runSettings } from "../cli/refuse.ts";
import { EventError, UsageError } from "../errors.ts";
import { checkEvent } from "../event/parse.ts";

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
new record on stdout. --strict refuses an event that differs from the registry
(exit 2, recorded) where a run warns and runs the hooks.

Examples:
  solus-hooks replay 0b6f1c2e --verbose
  solus-hooks replay $(solus-hooks history --failed --limit 1 --json | jq -r '.[0].run_id')`,
  options: { strict: { type: "boolean" } },
  async run(context) {
    const settings = await runSettings(context);
    const recorded = await loadRun(context, "replay");
    const refusal = (recorded as { refusal?: string }).refusal;
    if (refusal && refusal !== "directory") {
      throw new UsageError(
        `run ${recorded.run_id} was refused (${refusal}) before any hook ran: it has no event to replay`,
      );
    }
    const strict = context.values.strict === true || settings.strictEvents;
    let event;
    try {
      // The registry may have changed since: the envelope must still hold, and a
      // difference from the registry is a warning again (or refused, if strict).
      event = checkEvent(recorded.event, await context.registry(), {
        what: `recorded event of ${recorded.run_id}`,
        mode: strict ? "strict" : "lenient",
      }).event;
    } catch (error) {
      if (error instanceof EventError) {
        await noteRefusal(context, settings, "event", error.message, { event: recorded.event });
      }
      throw error;
    }
    const report = await executeStage(context, event, { replayOf: recorded.run_id, strict });
    return exitStatusOf(report, context);
  },
};
