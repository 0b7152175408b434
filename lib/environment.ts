/**
 * The environment a hook sees: never the caller's, only a few named variables
 * passed through, the configured ones, and the `SOLUS_HOOK_*` description of the
 * event, so a shell hook needs no JSON parser.
 *
 * @module
 */
import { DEFAULT_PATH, MAX_ENV_VALUE_BYTES, PASSTHROUGH_ENV } from "./constants.ts";
import { readEnv } from "./env.ts";
import type { HookEvent } from "./registry.ts";

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
  /** Reads the runner's environment; defaults to `Deno.env.get`, denied reads count as unset. */
  getEnv?: (name: string) => string | undefined;
}

/** The environment value of a data field: strings as they are, arrays joined by spaces. */
export function envValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(envValue).join(" ");
  if (value !== null && typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/**
 * Build the whole environment of a hook.
 *
 * @example
 * ```ts
 * import { buildHookEnvironment } from "./environment.ts";
 * const env = buildHookEnvironment({
 *   event: { action: "server-start", stage: "pre", data: { uuid: "u", virtualization_type: "kvm" } },
 *   runId: "r1",
 *   eventId: "e1",
 *   deadline: 1767225600000,
 *   getEnv: () => undefined,
 * });
 * console.log(env.SOLUS_HOOK_DATA_VIRTUALIZATION_TYPE); // "kvm"
 * ```
 */
export function buildHookEnvironment(input: HookEnvironmentInput): Record<string, string> {
  const getEnv = input.getEnv ?? ((name: string) => readEnv(name));
  const env: Record<string, string> = {};
  const put = (name: string, value: string) => {
    if (new TextEncoder().encode(value).byteLength <= MAX_ENV_VALUE_BYTES) env[name] = value;
  };
  for (const name of [...PASSTHROUGH_ENV, ...(input.passthrough ?? [])]) {
    const value = getEnv(name);
    if (value !== undefined) put(name, value);
  }
  if (env.PATH === undefined) env.PATH = DEFAULT_PATH;
  for (const [name, value] of Object.entries(input.set ?? {})) put(name, value);
  put("SOLUS_HOOK_ACTION", input.event.action);
  put("SOLUS_HOOK_STAGE", input.event.stage);
  put("SOLUS_HOOK_RUN_ID", input.runId);
  put("SOLUS_HOOK_EVENT_ID", input.eventId);
  put("SOLUS_HOOK_DEADLINE", String(input.deadline));
  for (const [key, value] of Object.entries(input.event.data)) {
    put(`SOLUS_HOOK_DATA_${key.toUpperCase()}`, envValue(value));
  }
  return env;
}
