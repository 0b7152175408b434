/**
 * What the journal's CLI tests share beyond `tests/helpers.ts` (which runs the
 * CLI, holds locks and writes configs): the event they run, the deadline each
 * of their CLI runs gets, the `run` command line with a journal, and the
 * journal's records.
 *
 * @module
 */
import { RESTART_PRE } from "./helpers.ts";

/** A valid server-restart pre event, as `--event` text. */
export const EVENT = JSON.stringify(RESTART_PRE);

/**
 * The deadline of each CLI run of these tests (`runCli(args, { timeoutMs: RUN_MS })`);
 * a test's own deadline is the sum of its runs' and waits, so that it never cuts one short.
 */
export const RUN_MS = 20_000;

/** `run` of {@linkcode EVENT} with the hooks in `dir`, journal `journal` and config `config`, then `more`. */
export function runArgs(dir: string, journal: string, config: string, ...more: string[]): string[] {
  return ["run", "--dir", dir, "--journal", journal, "--config", config, "--event", EVENT, ...more];
}

/** Every JSON line of a journal file, parsed; none when it does not exist. */
export async function journalLines(path: string): Promise<Record<string, unknown>[]> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line));
}
