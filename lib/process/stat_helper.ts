/**
 * Owner and mode of paths that Deno's permissions keep a scoped build from
 * stat-ing itself (the hooks directory's parents, a link target's folders, a
 * `#!` interpreter), asked of coreutils `stat`, so the installed build judges
 * as `deno run -A` does. One helper call answers a whole list. Nothing is
 * kept between calls: a library caller that runs many stages in one process
 * must see a folder made writable since the last look.
 *
 * @module
 */
import { HELPER_TIMEOUT_MS } from "../config/constants.ts";
import { runHelper } from "./helper_process.ts";

/** Owner and mode of a path (links followed), as `stat -L` gives them. */
export interface StatInfo {
  /** Owner uid. */
  uid: number;
  /** Mode bits with the file type bits (`0o100755` for an executable file). */
  mode: number;
}

/** What a path is: its owner and mode, `missing` (stat answered, the path is not there), `unknown` (no answer). */
export type StatAnswer = StatInfo | "missing" | "unknown";

/**
 * Stat each path through `/usr/bin/stat -L`: its owner and mode, `missing` when
 * stat ran and could not stat it, `unknown` when stat itself could not run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { statByHelper } from "./stat_helper.ts";
 * const found = await statByHelper(["/", "/nonexistent/solus-hooks"]);
 * assert.equal((found.get("/") as { uid: number }).uid, 0);
 * assert.equal(found.get("/nonexistent/solus-hooks"), "missing");
 * ```
 */
export async function statByHelper(paths: readonly string[]): Promise<Map<string, StatAnswer>> {
  const found = new Map<string, StatAnswer>();
  const asked = [...new Set(paths)];
  if (asked.length === 0) return found;
  const result = await runHelper("/usr/bin/stat", {
    args: ["-L", "--printf", "%u %f %n\\0", "--", ...asked],
    env: { PATH: "/usr/bin:/bin", LC_ALL: "C" },
    timeoutMs: HELPER_TIMEOUT_MS,
    maxOutputBytes: 64 * 1024,
  });
  // stat exits 1 when some path could not be stat-ed, and still answers the rest.
  const ran = result.exit_code === 0 || result.exit_code === 1;
  for (const record of result.stdout.split("\0")) {
    const match = /^(\d+) ([0-9a-f]+) (.*)$/s.exec(record);
    if (match) found.set(match[3], { uid: Number(match[1]), mode: parseInt(match[2], 16) });
  }
  for (const path of asked) {
    if (!found.has(path)) found.set(path, ran ? "missing" : "unknown");
  }
  return found;
}
