/**
 * `solus-hooks show RUN_ID`: one recorded run in full.
 *
 * @module
 */
import type { Command } from "../cli/command.ts";
import { loadRun } from "../cli/load_run.ts";
import { formatDuration } from "../cli/render.ts";
import { describeUnfinished } from "../cli/unfinished.ts";
import { isUnfinished } from "../journal.ts";

function indent(text: string): string {
  return text.replace(/\n$/, "").split("\n").map((line) => `      ${line}`).join("\n");
}

/**
 * The `show` command.
 *
 * @example
 * ```ts
 * import { showCommand } from "./show.ts";
 * console.log(showCommand.summary);
 * ```
 */
export const showCommand: Command = {
  name: "show",
  summary: "show one recorded run in full",
  help: `Usage: solus-hooks show RUN_ID [--json]

Shows a recorded run: its event, and for each hook its status, exit code or
signal, time, and what it wrote to stdout and stderr. RUN_ID may be the first 8
or more characters of the id. --json prints the record as stored.`,
  options: {},
  async run(context) {
    const report = await loadRun(context, "show");
    if (context.global.json) {
      context.out.json(report);
      return 0;
    }
    const { colors, stdout: print } = context.out;
    if (isUnfinished(report)) {
      for (const line of describeUnfinished(report, colors)) print(line);
      return 0;
    }
    print(
      `${colors.bold(`run ${report.run_id}`)}${
        report.replay_of ? ` (replay of ${report.replay_of})` : ""
      }`,
    );
    print(`  event id   ${report.event_id}`);
    print(`  started    ${report.started_at}, took ${formatDuration(report.duration_ms)}`);
    print(`  outcome    ${report.interrupted ? "interrupted" : report.ok ? "ok" : "failed"}`);
    print(`  directory  ${report.dir}`);
    print(`  event      ${JSON.stringify(report.event)}`);
    for (const hook of report.hooks) {
      const how = hook.signal
        ? `signal ${hook.signal}`
        : hook.exit_code === null
        ? "no exit code"
        : `exit ${hook.exit_code}`;
      print("");
      print(
        `  ${colors.bold(hook.name)}: ${hook.status}, ${how}, ${formatDuration(hook.duration_ms)}`,
      );
      if (hook.error) print(`    note: ${hook.error}`);
      for (const stream of ["stdout", "stderr"] as const) {
        const bytes = hook[`${stream}_bytes`];
        if (bytes === 0) continue;
        const kept = new TextEncoder().encode(hook[stream]).byteLength;
        const cut = bytes > kept ? colors.dim(` (first ${kept} of ${bytes} bytes)`) : "";
        print(`    ${stream}${cut}:`);
        print(indent(hook[stream]));
      }
    }
    for (const skip of report.skipped) {
      print(`  ${skip.refused ? "refused" : "skipped"} ${skip.name}: ${skip.reason}`);
    }
    return 0;
  },
};
