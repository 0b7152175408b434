/**
 * Saying in words why a hook could not start: a missing file, a `#!` line that
 * names a missing interpreter or ends in CRLF, a file that is not executable.
 * Deno reports a missing interpreter as NotFound on the script's own path, and
 * the `timeout` wrapper reports any of them only as its exit 126/127: both
 * mislead, so the file is examined.
 *
 * @module
 */
import type { Captured } from "./capture.ts";
import { readShebang, shebangProblem } from "./shebang.ts";
import { isScopeDenial } from "../errors.ts";

/**
 * Why `path` cannot be executed, in words, or null when nothing about the file
 * stops it. `kind` is how `execve` failed: `not_found` (ENOENT: the file, or the
 * interpreter its `#!` line names) or `permission` (EACCES).
 */
async function execProblem(path: string, kind: "not_found" | "permission"): Promise<string | null> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    // A scoped build may not look: say nothing rather than something wrong.
    return isScopeDenial(error) ? null : `file not found: ${path}`;
  }
  const shebang = await readShebang(path);
  if (kind === "not_found") {
    // Only what makes execve itself fail: not a `#!/usr/bin/env NAME` lookup,
    // which env reports after a successful exec.
    return shebang ? await shebangProblem({ ...shebang, args: [] }, "") : null;
  }
  if (info.mode !== null && (info.mode & 0o111) === 0) {
    return "permission denied: the file is not executable (chmod +x)";
  }
  if (!shebang) return null;
  try {
    const interpreter = await Deno.stat(shebang.interpreter);
    if (interpreter.isFile && interpreter.mode !== null && (interpreter.mode & 0o111) === 0) {
      return `permission denied: the file or its interpreter ${shebang.interpreter} is not executable (chmod +x)`;
    }
  } catch {
    // missing or hidden: shebangProblem says which
  }
  return await shebangProblem({ ...shebang, args: [] }, "");
}

/** `$0` of the one-line shell that starts a hook in its cgroup: what its errors begin with. */
export const CGROUP_STARTER = "solus-hooks-start";

/**
 * A hook started through a program that `exec`s it (util-linux `setsid`, or
 * the one-line shell that puts it in its cgroup, whose `$0` is
 * `solus-hooks-start`) that ended 126 or 127: that program could not `exec` it,
 * or the hook itself exited so. It could not run only when its one line of
 * stderr is that program's own message about this very file (`setsid: failed
 * to execute FILE: REASON`; dash: `solus-hooks-start: 1: exec: FILE: not
 * found`): then the reason, from the file (missing, not executable, a bad `#!`
 * line) or from that message (a `noexec` mount, a missing ELF loader). Null
 * when it ran: an ordinary failure, even if its interpreter has gone since.
 *
 * @example
 * ```ts
 * import { wrapperSpawnProblem } from "./spawn_error.ts";
 * import assert from "node:assert/strict";
 * const said = (text: string) => ({ data: new TextEncoder().encode(text), text, bytes: text.length });
 * const missing = said("setsid: failed to execute /nonexistent/hook: No such file or directory");
 * assert.equal(await wrapperSpawnProblem("/nonexistent/hook", 127, missing), "file not found: /nonexistent/hook");
 * const inCgroup = said("solus-hooks-start: 1: exec: /nonexistent/hook: not found");
 * assert.equal(await wrapperSpawnProblem("/nonexistent/hook", 127, inCgroup), "file not found: /nonexistent/hook");
 * assert.equal(await wrapperSpawnProblem("/bin/sh", 127, said("")), null); // it ran, and exited 127
 * ```
 */
export async function wrapperSpawnProblem(
  path: string,
  code: number,
  stderr: Captured,
): Promise<string | null> {
  const text = stderr.bytes < 4096 ? stderr.text.trim() : "";
  const said = !text.includes("\n") && text.includes(`${path}: `) &&
    (/^(?:\S*\/)?setsid: /.test(text) || text.startsWith(`${CGROUP_STARTER}: `));
  if (!said) return null;
  const problem = await execProblem(path, code === 127 ? "not_found" : "permission");
  if (problem) return problem;
  const reason = text.slice(text.lastIndexOf(`${path}: `) + path.length + 2);
  // The shell's words for execve's errors, as the system says them elsewhere.
  return `cannot start: ${reason === "not found" ? "No such file or directory" : reason}`;
}

/**
 * Explain why a file could not be started. Deno reports a missing shebang
 * interpreter as NotFound on the script's own path, which misleads; say which.
 *
 * @example
 * ```ts
 * import { explainSpawnError } from "./spawn_error.ts";
 * import assert from "node:assert/strict";
 * assert.equal(await explainSpawnError("/nope", new Deno.errors.NotFound("x")), "file not found: /nope");
 * ```
 */
export async function explainSpawnError(path: string, error: unknown): Promise<string> {
  const message = error instanceof Error ? error.message : String(error);
  const kind = error instanceof Deno.errors.NotFound
    ? "not_found"
    : error instanceof Deno.errors.PermissionDenied
    ? "permission"
    : null;
  if (kind) {
    const problem = await execProblem(path, kind);
    if (problem) return problem;
  } else {
    try {
      await Deno.stat(path);
    } catch (error) {
      if (!(isScopeDenial(error))) return `file not found: ${path}`;
    }
  }
  return `cannot start: ${message}`;
}

/**
 * Explain a non-zero exit whose cause is likely the `#!` line rather than the
 * hook: `#!/usr/bin/env NAME` where NAME is not on the hooks' PATH (`hookPath`).
 *
 * @example
 * ```ts
 * import { explainExitCode } from "./spawn_error.ts";
 * import assert from "node:assert/strict";
 * assert.equal(await explainExitCode("/bin/sh", 3, "/usr/bin:/bin"), "exit 3");
 * ```
 */
export async function explainExitCode(
  path: string,
  code: number,
  hookPath: string,
): Promise<string> {
  if (code === 127 || code === 126) {
    const shebang = await readShebang(path);
    const problem = shebang && await shebangProblem(shebang, hookPath);
    if (problem) return `exit ${code}: ${problem}`;
  }
  return `exit ${code}`;
}
