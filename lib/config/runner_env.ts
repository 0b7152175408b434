/**
 * The one way solus-hooks reads its own environment. A scoped build may not be
 * granted a variable: that reads as unset, never as an error.
 *
 * @module
 */
import { isScopeDenial } from "../errors.ts";

/** Something that reads environment variables, such as `Deno.env` or a `Map` in tests. */
export interface EnvReader {
  /** The variable's value, or undefined. */
  get(name: string): string | undefined;
}

/**
 * A variable of the runner's environment, or undefined when it is unset, empty,
 * or not granted by the build's `--allow-env`.
 *
 * @example
 * ```ts
 * import { readEnv } from "./runner_env.ts";
 * import assert from "node:assert/strict";
 * assert.equal(readEnv("SOLUS_HOOKS_DIR", new Map([["SOLUS_HOOKS_DIR", "/srv/hooks"]])), "/srv/hooks");
 * assert.equal(readEnv("SOLUS_HOOKS_DIR", new Map([["SOLUS_HOOKS_DIR", ""]])), undefined);
 * ```
 */
export function readEnv(name: string, env: EnvReader = Deno.env): string | undefined {
  try {
    return env.get(name) || undefined;
  } catch (error) {
    if (isScopeDenial(error) || error instanceof Deno.errors.PermissionDenied) {
      return undefined;
    }
    throw error;
  }
}

/**
 * Whether this build may read variable `name` (a scoped build's `--allow-env`
 * names the variables it may read). A config that passes a variable through to
 * hooks that the build cannot read would silently give the hooks nothing.
 *
 * @example
 * ```ts
 * import { envGranted } from "./runner_env.ts";
 * import assert from "node:assert/strict";
 * assert.equal(envGranted("PATH"), true); // the tests run with every permission
 * ```
 */
export function envGranted(name: string): boolean {
  try {
    return Deno.permissions.querySync({ name: "env", variable: name }).state === "granted";
  } catch {
    return false;
  }
}
