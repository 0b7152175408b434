/**
 * Whether a hook can start at all, by its `#!` line: one that ends in CRLF, an
 * interpreter that is missing or not named by absolute path, a program that
 * `#!/usr/bin/env` would not find on the hooks' PATH. The one judgement
 * `check`, `--dry-run` and `test` give, and the words `run` gives when the
 * spawn fails; a scoped build asks coreutils `stat` about an interpreter
 * outside its read scope, so it judges as `deno run -A` does.
 *
 * @module
 */
import { readShebang, shebangProblem } from "../process/shebang.ts";

/**
 * Why the hook at `path` cannot start (or, through `env`, cannot find its
 * program), or null when its `#!` line is fine or it has none (a compiled
 * program, or a script that runs under `/bin/sh`). `hookPath` is the PATH the
 * hooks get.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hookProblem } from "./interpreter.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a`, "#!/usr/bin/python9\n");
 * await Deno.writeTextFile(`${dir}/b`, "#!/bin/sh\n");
 * assert.equal(
 *   await hookProblem(`${dir}/a`, "/usr/bin:/bin"),
 *   "the interpreter named in the #! line is missing: /usr/bin/python9",
 * );
 * assert.equal(await hookProblem(`${dir}/b`, "/usr/bin:/bin"), null);
 * ```
 */
export async function hookProblem(path: string, hookPath: string): Promise<string | null> {
  const shebang = await readShebang(path);
  return shebang ? await shebangProblem(shebang, hookPath) : null;
}
