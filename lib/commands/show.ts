/**
 * `solus-hooks show RUN_ID`: one recorded run in full.
 *
 * @module
 */
import type { Command, CommandContext } from "../cli/command.ts";
import { formatDuration } from "../cli/render.ts";
import { UsageError } from "../errors.ts";
import { findRun } from "../journal.ts";
import type { RunReport } from "../report.ts";

/**
 * Find the run named by the command's one argument, or fail clearly.
 *
 * @example
 * ```ts ignore
 * const report = await loadRun(context, "show");
 * ```
 */
export async function loadRun(context: CommandContext, command: string): Promise<RunReport> {
  const [runId, ...extra] = context.positionals;
  if (!runId) throw new UsageError(`${command} needs a RUN_ID; \`solus-hooks history\` lists them`);
  if (extra.length > 0) {
    throw new UsageError(`${command} takes one RUN_ID, not also ${extra.join(" ")}`);
  }
  const settings = await context.settings();
  const warn = (message: string) =>
    context.out.line(context.out.colors.yellow(`solus-hooks: warning: ${message}`));
  let report: RunReport | undefined;
  try {
    report = await findRun({
      path: settings.journal.path,
      keep: settings.journal.keep,
      onWarning: warn,
    }, runId);
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error }); // the cause may be the build's scope
  }
  if (!report) {
    throw new UsageError(
      `no run ${runId} in the journal ${settings.journal.path}; \`solus-hooks history\` lists recorded runs`,
    );
  }
  return report;
}

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
