/**
 * The environment a hook sees: never the caller's, only a few named variables
 * passed through, the configured ones, and the `SOLUS_HOOK_*` description of the
 * event, so a shell hook needs no JSON parser.
 *
 * @module
 */
import { DEFAULT_PATH, MAX_ENV_VALUE_BYTES, PASSTHROUGH_ENV } from "../config/constants.ts";
import { readEnv } from "../config/runner_env.ts";
import type { HookEvent } from "../event/registry.ts";

/** What the hook environment is built from. */
export interface HookEnvironmentInput {
  /** The event of this stage. */
  event: HookEvent;
  /** This run's id. */
  runId: string;
  /** The platform event's id, shared by its stages and actions. */
  eventId: string;
  /** The stage deadline as Unix milliseconds. */
  deadline: number;
  /** More variable names to pass through from the runner's environment. */
  passthrough?: readonly string[];
  /** Variables to set, from the config file. */
  set?: Readonly<Record<string, string>>;
  /**
   * The text of data values as the platform sent them, by key: a number is
   * given to hooks in its own digits (an integer past 2^53 unchanged).
   */
  dataText?: ReadonlyMap<string, string>;
  /** Reads the runner's environment; defaults to `Deno.env.get`, denied reads count as unset. */
  getEnv?: (name: string) => string | undefined;
}

/**
 * The PATH the runner was really given, without what Deno added itself: a Deno
 * started with no PATH sets it to its own `<DENO_DIR>/node_compat_bin` folder,
 * and puts that folder in front of some others. Undefined when nothing is left,
 * so hooks get `DEFAULT_PATH`.
 *
 * @example
 * ```ts
 * import { runnerPath } from "./hook_env.ts";
 * import assert from "node:assert/strict";
 * assert.equal(runnerPath("/root/.cache/deno/node_compat_bin"), undefined);
 * assert.equal(runnerPath("/root/.cache/deno/node_compat_bin:/opt/bin"), "/opt/bin");
 * assert.equal(runnerPath("/usr/bin:/bin"), "/usr/bin:/bin");
 * ```
 */
export function runnerPath(path: string | undefined): string | undefined {
  if (path === undefined || !path.includes("node_compat_bin")) return path || undefined;
  const kept = path.split(":").filter((dir) => !/(^|\/)node_compat_bin\/?$/.test(dir));
  return kept.join(":") || undefined;
}

/**
 * The PATH hooks get: the config's `env.set.PATH`, else the runner's own PATH
 * (without the folder Deno adds of its own), else `DEFAULT_PATH`. A run, `check`
 * and `test` look interpreters up on this same PATH.
 *
 * @example
 * ```ts
 * import { hooksPath } from "./hook_env.ts";
 * import assert from "node:assert/strict";
 * assert.equal(hooksPath({}, () => "/usr/bin:/bin"), "/usr/bin:/bin");
 * assert.equal(hooksPath({ PATH: "/opt/bin" }, () => "/usr/bin:/bin"), "/opt/bin");
 * assert.equal(hooksPath({}, () => undefined), "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
 * ```
 */
export function hooksPath(
  set: Readonly<Record<string, string>> = {},
  getEnv: (name: string) => string | undefined = (name) => readEnv(name),
): string {
  return set.PATH ?? runnerPath(getEnv("PATH")) ?? DEFAULT_PATH;
}

/**
 * One hook's environment: the stage's shared environment (built once per stage by
 * `buildHookEnvironment`) plus `SOLUS_HOOK_NAME`, the hook's name in the hooks
 * directory (a link's own name). The name also tells the runner which hook a
 * process that left its group belongs to.
 *
 * @example
 * ```ts
 * import { hookEnvironment } from "./hook_env.ts";
 * import assert from "node:assert/strict";
 * const env = hookEnvironment({ PATH: "/usr/bin:/bin" }, "10-firewall");
 * assert.equal(env.SOLUS_HOOK_NAME, "10-firewall");
 * assert.equal(env.PATH, "/usr/bin:/bin");
 * ```
 */
export function hookEnvironment(
  shared: Readonly<Record<string, string>>,
  name: string,
): Record<string, string> {
  return { ...shared, SOLUS_HOOK_NAME: name };
}

function utf8Length(value: string): number {
  return new TextEncoder().encode(value).byteLength;
}

/**
 * The environment value of a data field: strings as they are, arrays joined by spaces.
 *
 * @example
 * ```ts
 * import { envValue } from "./hook_env.ts";
 * import assert from "node:assert/strict";
 * assert.equal(envValue(["10.0.0.1", "::1"]), "10.0.0.1 ::1");
 * ```
 */
export function envValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(envValue).join(" ");
  if (value !== null && typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/**
 * Build the environment every hook of a stage shares (`hookEnvironment` adds the
 * hook's own name). The runner's PATH passes through without the folder Deno
 * adds of its own; a runner started with no PATH gives hooks `DEFAULT_PATH`.
 *
 * @example
 * ```ts
 * import { buildHookEnvironment } from "./hook_env.ts";
 * import assert from "node:assert/strict";
 * const env = buildHookEnvironment({
 *   event: { action: "server-start", stage: "pre", data: { uuid: "u", virtualization_type: "kvm" } },
 *   runId: "r1",
 *   eventId: "e1",
 *   deadline: 1767225600000,
 *   getEnv: () => undefined,
 * });
 * assert.equal(env.SOLUS_HOOK_DATA_VIRTUALIZATION_TYPE, "kvm");
 * assert.equal(env.PATH, "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
 * ```
 */
export function buildHookEnvironment(input: HookEnvironmentInput): Record<string, string> {
  const getEnv = input.getEnv ?? ((name: string) => readEnv(name));
  const env: Record<string, string> = {};
  const put = (name: string, value: string) => {
    // A UTF-16 unit is at most 3 UTF-8 bytes: short values need no encoding to be measured.
    if (value.length * 3 <= MAX_ENV_VALUE_BYTES || utf8Length(value) <= MAX_ENV_VALUE_BYTES) {
      env[name] = value;
    }
  };
  for (const name of [...PASSTHROUGH_ENV, ...(input.passthrough ?? [])]) {
    if (name === "PATH") continue; // below, by the one rule check and test use too
    const value = getEnv(name);
    if (value !== undefined) put(name, value);
  }
  for (const [name, value] of Object.entries(input.set ?? {})) put(name, value);
  put("PATH", hooksPath(input.set, getEnv));
  put("SOLUS_HOOK_ACTION", input.event.action);
  put("SOLUS_HOOK_STAGE", input.event.stage);
  put("SOLUS_HOOK_RUN_ID", input.runId);
  put("SOLUS_HOOK_EVENT_ID", input.eventId);
  put("SOLUS_HOOK_DEADLINE", String(input.deadline));
  for (const [key, value] of Object.entries(input.event.data)) {
    // Every key, known to the registry or not; a name the kernel cannot carry is left out.
    if (key === "" || key.includes("=") || key.includes("\0")) continue;
    const sent = typeof value === "number" ? input.dataText?.get(key) : undefined;
    put(`SOLUS_HOOK_DATA_${key.toUpperCase()}`, sent ?? envValue(value));
  }
  return env;
}
