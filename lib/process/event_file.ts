/**
 * A large event handed to hooks as a file rather than through a pipe. A pipe
 * holds 64 KiB: past that, the runner's write waits for the hook to read, and
 * a write already under way cannot be called off (Deno's `abort()` waits for
 * it, `unref()` does not cover it). A hook that exits without reading while a
 * background process it started keeps its stdin open would then keep the
 * runner's process alive for as long as that process lives. From a file, each
 * hook reads the event at its own pace and the runner writes nothing: the file
 * is written once per stage by a helper that always reads all it is given.
 *
 * @module
 */
import { runHelper } from "./helper_process.ts";

/** Events longer than this go to hooks from a file (a pipe's whole buffer). */
export const EVENT_FILE_OVER = 64 * 1024;

/**
 * Write `bytes` to a new file, mode 0600, in `/tmp`, and return its path; or
 * undefined when that cannot be done (then hooks get the event through their
 * pipe, as a small one). The caller removes it (the stage's watchdog does).
 *
 * @example
 * ```ts
 * import { writeEventFile } from "./event_file.ts";
 * import assert from "node:assert/strict";
 * const path = await writeEventFile(new TextEncoder().encode('{"action":"x"}'));
 * assert.ok(path);
 * assert.equal(Deno.readTextFileSync(path), '{"action":"x"}');
 * assert.equal(Deno.statSync(path).mode! & 0o777, 0o600);
 * Deno.removeSync(path);
 * ```
 */
export async function writeEventFile(bytes: Uint8Array): Promise<string | undefined> {
  const script =
    'umask 077; f=$(mktemp /tmp/solus-hooks-event.XXXXXXXX) && cat > "$f" && echo "$f"';
  const result = await runHelper("/bin/sh", {
    args: ["-c", script],
    env: { PATH: "/usr/bin:/bin" },
    stdin: bytes,
    timeoutMs: 5000,
  });
  const path = result.stdout.trim();
  return result.ok && /^\/tmp\/solus-hooks-event\.\w+$/.test(path) ? path : undefined;
}
