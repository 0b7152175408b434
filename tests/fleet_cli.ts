/**
 * The CLI as a subprocess with its own deadline, for the system log and
 * metrics tests: a regression fails the test instead of hanging it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { cliCommand, ROOT } from "./helpers.ts";

/** Every CLI run, socket or lock holder of these tests gets this long. */
export const DEADLINE_MS = 30_000;

/** What a CLI run printed and how it ended. */
export interface Cli {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run the CLI (inside `wrap`, such as `unshare -m ...`, if given), failing past the deadline. */
export async function cli(args: string[], wrap: string[] = []): Promise<Cli> {
  const [command, ...prefix] = [...wrap, ...cliCommand()];
  const start = performance.now();
  const output = await new Deno.Command(command, {
    args: [...prefix, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    signal: AbortSignal.timeout(DEADLINE_MS),
  }).output();
  const result = {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
    ms: performance.now() - start,
  };
  assert.ok(output.signal === null, `the CLI overran its ${DEADLINE_MS} ms deadline`);
  return result;
}
