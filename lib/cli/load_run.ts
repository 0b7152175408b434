/**
 * Looking a recorded run up for `show` and `replay`, and the reading options
 * every journal command shares (warnings about skipped lines on stderr).
 *
 * @module
 */
import { UsageError } from "../errors.ts";
import { findRun, type JournalEntry, MIN_PREFIX, type ReadOptions } from "../journal/read.ts";
import type { CommandContext } from "./command.ts";

/**
 * How the journal commands read the journal the settings name, warnings (a torn
 * line, a line that is no record) going to stderr.
 *
 * @example
 * ```ts ignore
 * for await (const run of readNewest(await journalReading(context))) console.log(run.run_id);
 * ```
 */
export async function journalReading(context: CommandContext): Promise<ReadOptions> {
  const settings = await context.settings();
  return {
    path: settings.journal.path,
    keep: settings.journal.keep,
    onWarning: (message) =>
      context.out.line(context.out.colors.yellow(`solus-hooks: warning: ${message}`)),
  };
}

/**
 * Find the run named by the command's one argument, or fail clearly: a report,
 * or the start record of a run that has none (`running` or `unfinished`).
 *
 * @example
 * ```ts ignore
 * const run = await loadRun(context, "show");
 * ```
 */
export async function loadRun(context: CommandContext, command: string): Promise<JournalEntry> {
  const [runId, ...extra] = context.positionals;
  if (!runId) throw new UsageError(`${command} needs a RUN_ID; \`solus-hooks history\` lists them`);
  if (extra.length > 0) {
    throw new UsageError(`${command} takes one RUN_ID, not also ${extra.join(" ")}`);
  }
  const reading = await journalReading(context);
  let run: JournalEntry | undefined;
  try {
    run = await findRun(reading, runId);
  } catch (error) {
    // Ambiguous prefix; a journal that cannot be read is already a JournalError.
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
  if (!run) {
    if (runId.length < MIN_PREFIX) {
      throw new UsageError(
        `no run ${runId} in the journal ${reading.path}: a prefix of a run id needs at least ` +
          `${MIN_PREFIX} characters (\`solus-hooks history\` shows them)`,
      );
    }
    throw new UsageError(
      `no run ${runId} in the journal ${reading.path}; \`solus-hooks history\` lists recorded runs`,
    );
  }
  return run;
}
