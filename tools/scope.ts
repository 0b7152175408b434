/**
 * The permission scope a build of solus-hooks runs with, from build-time
 * settings: `SOLUS_HOOKS_READ` and `SOLUS_HOOKS_WRITE` (comma-separated absolute
 * paths) replace the default read and write lists, `SOLUS_HOOKS_ENV` adds
 * variable names (e.g. the config's `env.passthrough`). The read list always
 * includes the write list: the journal is read back (`history`, `show`, and to
 * find a torn last line), so a build that may write a folder may read it.
 *
 * @module
 */
import { type BuildScope, covers, DEFAULT_SCOPE } from "../lib/scope.ts";
import { RUNNER_ENV, SCOPE_NEEDS } from "../lib/config/constants.ts";

export { DEFAULT_SCOPE };

/** Variables solus-hooks itself reads. */
export const RUNTIME_ENV: readonly string[] = RUNNER_ENV;

/**
 * A build setting that cannot make a working build: the build stops and says why.
 *
 * @example
 * ```ts
 * import { buildScope, ScopeSettingError } from "./scope.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => buildScope(new Map([["SOLUS_HOOKS_WRITE", "log"]])), ScopeSettingError);
 * ```
 */
export class ScopeSettingError extends Error {
  /** Make the error; the message names the setting and the value. */
  constructor(message: string) {
    super(message);
    this.name = "ScopeSettingError";
  }
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*\*?$/;

function list(name: string, value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const items = value.split(",").map((item) => item.trim());
  if (items.some((item) => item === "")) {
    throw new ScopeSettingError(
      `${name}: "${value}" has an empty entry; separate entries by one comma`,
    );
  }
  return items;
}

function paths(name: string, value: string | undefined): string[] | undefined {
  const items = list(name, value);
  for (const item of items ?? []) {
    if (!item.startsWith("/")) {
      throw new ScopeSettingError(
        `${name}: "${item}" is not an absolute path; Deno would resolve it against whatever ` +
          "directory the command is started from, so a build names absolute paths",
      );
    }
  }
  return items?.map((item) => item.length > 1 ? item.replace(/\/+$/, "") : item);
}

/**
 * The scope for this build, from the environment. Throws a
 * {@linkcode ScopeSettingError} for a setting no build can work with (a relative
 * path, an empty entry, a bad variable name).
 *
 * @example
 * ```ts
 * import { buildScope } from "./scope.ts";
 * import assert from "node:assert/strict";
 * const env = new Map([["SOLUS_HOOKS_READ", "/srv/hooks,/etc/solus-hooks"]]);
 * const scope = buildScope(env);
 * assert.deepEqual(scope.read, ["/srv/hooks", "/etc/solus-hooks", "/var/log/solus-hooks"]);
 * assert.deepEqual(scope.write, ["/var/log/solus-hooks"]);
 * ```
 */
export function buildScope(env: { get(name: string): string | undefined } = Deno.env): BuildScope {
  const write = paths("SOLUS_HOOKS_WRITE", env.get("SOLUS_HOOKS_WRITE")) ?? [
    ...DEFAULT_SCOPE.write,
  ];
  const read = paths("SOLUS_HOOKS_READ", env.get("SOLUS_HOOKS_READ")) ?? [...DEFAULT_SCOPE.read];
  for (const path of write) if (!covers(read, path)) read.push(path);
  const extra = list("SOLUS_HOOKS_ENV", env.get("SOLUS_HOOKS_ENV")) ?? [];
  for (const name of extra) {
    if (!ENV_NAME.test(name)) {
      throw new ScopeSettingError(
        `SOLUS_HOOKS_ENV: "${name}" is not a variable name (letters, digits and _; a trailing * for a prefix)`,
      );
    }
  }
  return { read, write, env: [...new Set([...RUNTIME_ENV, ...extra])] };
}

/**
 * What a build with `scope` cannot do with its defaults, in sentences for the
 * build's output: each default path of the runtime the scope leaves out, and
 * what the user must then point elsewhere.
 *
 * @example
 * ```ts
 * import { buildScope, scopeNotes } from "./scope.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(scopeNotes(buildScope(new Map())), []);
 * const notes = scopeNotes(buildScope(new Map([["SOLUS_HOOKS_READ", "/srv/hooks"]])));
 * assert.equal(notes.length, 3); // the default hooks directory, the platform folder and config folder
 * ```
 */
export function scopeNotes(scope: BuildScope): string[] {
  const notes: string[] = [];
  for (const need of SCOPE_NEEDS) {
    const list = need.access === "write" ? scope.write : scope.read;
    if (covers(list, need.path)) continue;
    notes.push(`the scope may not ${need.access} ${need.path} (${need.why}): ${need.otherwise}`);
  }
  return notes;
}

/**
 * The Deno permission flags for a scope. Running hooks and signalling their
 * process groups needs unrestricted --allow-run, which makes the sandbox
 * advisory for the hooks themselves; everything else is scoped.
 *
 * @example
 * ```ts
 * import { DEFAULT_SCOPE, permissionFlags } from "./scope.ts";
 * import assert from "node:assert/strict";
 * assert.ok(permissionFlags(DEFAULT_SCOPE).includes("--allow-write=/var/log/solus-hooks"));
 * ```
 */
export function permissionFlags(scope: BuildScope): string[] {
  return [
    "--no-prompt",
    "--allow-run",
    "--allow-sys=uid",
    `--allow-read=${scope.read.join(",")}`,
    `--allow-write=${scope.write.join(",")}`,
    `--allow-env=${scope.env.join(",")}`,
  ];
}
