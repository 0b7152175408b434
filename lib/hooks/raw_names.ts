/**
 * The true names of a directory's entries that are not valid UTF-8. Deno lists
 * such a name with U+FFFD in place of each bad byte, which says nothing of what
 * the file is called; a person needs the bytes, shown as `\xNN` as other
 * escapes are. Asked of coreutils (`find` and `od`), only when a listed name
 * holds U+FFFD.
 *
 * @module
 */
import { HELPER_TIMEOUT_MS } from "../config/constants.ts";
import { runHelper } from "../process/helper_process.ts";
import { showBytes } from "../cli/escape.ts";

/** Each entry's name as bytes in hex, NUL-separated: ASCII all through, so nothing is lost. */
const SCRIPT = 'find "$1" -mindepth 1 -maxdepth 1 -printf "%f\\0" | od -An -tx1 -v';

/**
 * For each entry of `dir` whose name is not valid UTF-8: the name as Deno lists
 * it (U+FFFD for each bad run of bytes) → the name with its bad bytes shown as
 * `\xNN`. Empty when the helpers cannot answer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rawNames } from "./raw_names.ts";
 * const dir = await Deno.makeTempDir();
 * await new Deno.Command("sh", { args: ["-c", `touch "$1/a-$(printf '\\377').sh"`, "sh", dir] }).output();
 * assert.deepEqual([...await rawNames(dir)], [["a-\uFFFD.sh", "a-\\xff.sh"]]);
 * ```
 */
export async function rawNames(dir: string): Promise<Map<string, string>> {
  const result = await runHelper("/bin/sh", {
    args: ["-c", SCRIPT, "sh", dir],
    env: { PATH: "/usr/bin:/bin", LC_ALL: "C" },
    timeoutMs: HELPER_TIMEOUT_MS,
    maxOutputBytes: 4 * 1024 * 1024,
  });
  const shown = new Map<string, string>();
  if (!result.ok) return shown;
  const hex = result.stdout.split(/\s+/).filter(Boolean);
  const bytes = Uint8Array.from(hex, (pair) => parseInt(pair, 16));
  const lossy = new TextDecoder(); // replaces as Deno's listing does: U+FFFD per bad run
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0) continue;
    const name = bytes.subarray(start, i);
    start = i + 1;
    const listed = lossy.decode(name);
    const visible = showBytes(name);
    if (listed !== visible) shown.set(listed, visible);
  }
  return shown;
}
