/**
 * The warning a command that runs stages gives when the config passes through
 * variables this build may not read: the hooks would silently get nothing.
 *
 * @module
 */
import { envGranted } from "../config/runner_env.ts";
import { ungrantedEnv, ungrantedEnvProblem } from "../scope.ts";
import type { Output } from "./output.ts";

const warnedEnv = new WeakSet<Output>();

/**
 * Warn, once per command, that the config passes through variables this build
 * may not read (every command that runs stages calls it; `check` makes it an error).
 *
 * @example
 * ```ts
 * import { warnUngrantedEnv } from "./env_warning.ts";
 * import assert from "node:assert/strict";
 * const lines: string[] = [];
 * const colors = { red: String, green: String, yellow: String, dim: String, bold: String };
 * const out = {
 *   colors, stdoutColors: colors, interactive: false, live: false, quiet: false,
 *   line: (text: string) => void lines.push(text), raw() {}, json() {}, stdout() {}, columns: () => 80,
 * };
 * warnUngrantedEnv(out, ["PATH", "http_proxy"], (name) => name === "PATH");
 * warnUngrantedEnv(out, ["http_proxy"], () => false); // once per command
 * assert.equal(lines.length, 1);
 * assert.match(lines[0], /names http_proxy, which this build may not read/);
 * ```
 */
export function warnUngrantedEnv(
  out: Output,
  names: readonly string[],
  granted: (name: string) => boolean = envGranted,
): void {
  if (warnedEnv.has(out)) return;
  const missing = ungrantedEnv(names, granted);
  if (missing.length === 0) return;
  warnedEnv.add(out);
  const { problem, fix } = ungrantedEnvProblem(missing);
  out.line(out.colors.yellow(`solus-hooks: warning: ${problem}; build one that may: ${fix}`));
}
