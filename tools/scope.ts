/**
 * The permission scope a build of solus-hooks runs with, from build-time
 * settings: `SOLUS_HOOKS_READ`, `SOLUS_HOOKS_WRITE` (comma-separated paths) and
 * `SOLUS_HOOKS_ENV` (more variable names, e.g. the config's env.passthrough).
 *
 * @module
 */
import type { BuildScope } from "../lib/cli/scope.ts";
import { DEFAULT_FOLDERS, DEFAULTS, RUNNER_ENV } from "../lib/constants.ts";

/** Variables solus-hooks itself reads. */
export const RUNTIME_ENV: readonly string[] = RUNNER_ENV;

/** The default scope: the hooks directory, the config folder and the journal folder. */
export const DEFAULT_SCOPE: BuildScope = {
  read: [DEFAULTS.hooksDir, DEFAULT_FOLDERS.config, DEFAULT_FOLDERS.journal],
  write: [DEFAULT_FOLDERS.journal],
  env: [...RUNNER_ENV],
};

function list(value: string | undefined): string[] | undefined {
  const items = value?.split(",").map((item) => item.trim()).filter(Boolean);
  return items && items.length > 0 ? items : undefined;
}

/**
 * The scope for this build, from the environment.
 *
 * @example
 * ```ts
 * import { buildScope } from "./scope.ts";
 * console.log(buildScope({ get: () => undefined }).write); // ["/var/log/solus-hooks"]
 * ```
 */
export function buildScope(env: { get(name: string): string | undefined } = Deno.env): BuildScope {
  return {
    read: list(env.get("SOLUS_HOOKS_READ")) ?? DEFAULT_SCOPE.read,
    write: list(env.get("SOLUS_HOOKS_WRITE")) ?? DEFAULT_SCOPE.write,
    env: [...new Set([...RUNTIME_ENV, ...(list(env.get("SOLUS_HOOKS_ENV")) ?? [])])],
  };
}

/**
 * The Deno permission flags for a scope. Running hooks and signalling their
 * process groups needs unrestricted --allow-run, which makes the sandbox
 * advisory for the hooks themselves; everything else is scoped.
 *
 * @example
 * ```ts
 * import { DEFAULT_SCOPE, permissionFlags } from "./scope.ts";
 * console.log(permissionFlags(DEFAULT_SCOPE).join(" "));
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
