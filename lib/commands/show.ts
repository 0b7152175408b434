/**
 * `solus-hooks show RUN_ID`: one recorded run in full.
 *
 * @module
 */
import type { Command } from "../cli/command.ts";
import { loadRun } from "../cli/load_run.ts";
import { renderRun } from "../cli/run_view.ts";
import { describeUnfinished } from "../cli/unfinished.ts";
import { isUnfinished } from "../journal/read.ts";

/**
 * The `show` command.
 *
 * @example
 * ```ts
 * import { showCommand } from "./show.ts";
 * import assert from "node:assert/strict";
 * assert.match(showCommand.help, /Examples?:/);
 * ```
 */
export const showCommand: Command = {
  name: "show",
  summary: "show one recorded run in full",
  help: `Usage: solus-hooks show RUN_ID [--full] [--json]

Shows a recorded run on stdout: its event; the stage as a timeline, one bar per
hook from its start to its end, scaled to the terminal's width, so the hook that
held the stage stands out; and for each hook its status, exit code or signal,
time, and what it wrote to stdout and stderr: the last 20 lines of each unless
--full. RUN_ID may be the first 8 or more characters of the id. --json prints
the record as stored.

Examples:
  solus-hooks show 0b6f1c2e
  solus-hooks show 0b6f1c2e --full | less -R
  solus-hooks show $(solus-hooks history --failed --limit 1 --json | jq -r '.[0].run_id')
  solus-hooks show 0b6f1c2e --json | jq -r '.hooks[] | select(.status != "ok") | .stderr'`,
  options: { full: { type: "boolean" } },
  async run(context) {
    const report = await loadRun(context, "show");
    if (context.global.json) {
      context.out.json(report);
      return 0;
    }
    const colors = context.out.stdoutColors; // the record goes to stdout
    if (isUnfinished(report)) {
      for (const line of describeUnfinished(report, colors)) context.out.stdout(line);
      return 0;
    }
    const lines = renderRun(report, {
      colors,
      columns: context.out.columns("stdout"),
      full: context.values.full === true,
    });
    for (const line of lines) context.out.stdout(line);
    return 0;
  },
};
