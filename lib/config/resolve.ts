/**
 * The settings of a run and how they are resolved: flags beat environment,
 * which beats the config file (read by config_file.ts), which beats the
 * defaults.
 *
 * @module
 */
import { readConfigFile } from "./file.ts";
import { DEFAULTS } from "./constants.ts";
import { readEnv } from "./runner_env.ts";
import { dirname, resolve } from "../paths.ts";
import type { ActionDefinition } from "../event/registry.ts";
import type { Settings } from "./settings.ts";
import type { StageOptions } from "../stage.ts";

/** The description of an action the config file adds without one. */
const ADDED_ACTION = "added by the config file";

/**
 * Where the config file is looked for when none is named. A missing file here
 * is fine: the defaults apply.
 *
 * @example
 * ```ts
 * import { DEFAULT_CONFIG_PATH } from "./resolve.ts";
 * import assert from "node:assert/strict";
 * assert.equal(DEFAULT_CONFIG_PATH, "/etc/solus-hooks/config.jsonc");
 * ```
 */
export const DEFAULT_CONFIG_PATH: string = DEFAULTS.configPath;

/** `Object.freeze`, keeping the mutable type a `Settings` field needs. */
function frozen<T extends object>(value: T): T {
  return Object.freeze(value) as T;
}

/**
 * The defaults of the contract, frozen all the way down.
 *
 * @example
 * ```ts
 * import { DEFAULT_SETTINGS } from "./resolve.ts";
 * import assert from "node:assert/strict";
 * assert.equal(DEFAULT_SETTINGS.timeoutMs, 60_000);
 * assert.equal(DEFAULT_SETTINGS.journal.path, "/var/log/solus-hooks/journal.jsonl");
 * ```
 */
export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  hooksDir: DEFAULTS.hooksDir,
  timeoutMs: DEFAULTS.timeoutMs,
  killGraceMs: DEFAULTS.killGraceMs,
  mode: "parallel",
  maxParallel: 0,
  maxOutputBytes: DEFAULTS.maxOutputBytes,
  maxEventBytes: DEFAULTS.maxEventBytes,
  journal: Object.freeze({ ...DEFAULTS.journal, enabled: true }),
  env: Object.freeze({ passthrough: frozen([]), set: frozen({}) }),
  allowInsecure: false,
  actions: frozen({}),
  hooks: frozen({}),
  syslog: true,
  metrics: Object.freeze({ textfile: null }),
  configPath: null,
});

/**
 * What the command line says; each one given beats the environment and the file.
 *
 * @example
 * ```ts
 * import { type Overrides, resolveSettings } from "./resolve.ts";
 * import assert from "node:assert/strict";
 * const config = await Deno.makeTempFile({ suffix: ".jsonc" });
 * await Deno.writeTextFile(config, '{ "mode": "parallel" }');
 * const overrides: Overrides = { config, serial: true, timeoutMs: 5000 };
 * assert.equal((await resolveSettings(overrides)).mode, "serial"); // the flag beats the file
 * await Deno.remove(config);
 * ```
 */
export interface Overrides {
  /** `--dir`: the hooks directory. */
  dir?: string;
  /** `--config`: the config file, which must then exist. */
  config?: string;
  /** `--timeout`: the stage deadline in milliseconds. */
  timeoutMs?: number;
  /** `--journal`: the journal's path. */
  journal?: string;
  /** `--no-journal`: record nothing. */
  noJournal?: boolean;
  /** `--serial`: run hooks one at a time. */
  serial?: boolean;
}

/**
 * Resolve the settings of a run: flags (`overrides`), then `SOLUS_HOOKS_DIR`,
 * `SOLUS_HOOKS_CONFIG` and `SOLUS_HOOKS_JOURNAL`, then the config file, then
 * {@linkcode DEFAULT_SETTINGS}. Relative `hooksDir` and `journal.path` in the
 * file are relative to the file's directory; relative flags and variables are
 * relative to the working directory. An empty variable counts as unset.
 *
 * @example
 * ```ts
 * import { resolveSettings } from "./resolve.ts";
 * import assert from "node:assert/strict";
 * const config = await Deno.makeTempFile({ suffix: ".jsonc" });
 * await Deno.writeTextFile(config, '{ "hooksDir": "/opt/hooks" }');
 * const env = new Map([["SOLUS_HOOKS_DIR", "/srv/hooks"], ["SOLUS_HOOKS_CONFIG", config]]);
 * const settings = await resolveSettings({ timeoutMs: 5000 }, env);
 * assert.equal(settings.hooksDir, "/srv/hooks"); // the environment beats the file
 * assert.equal(settings.timeoutMs, 5000);
 * await Deno.remove(config);
 * ```
 */
export async function resolveSettings(
  overrides: Overrides = {},
  env: { get(name: string): string | undefined } = Deno.env,
): Promise<Settings> {
  const named = overrides.config ?? readEnv("SOLUS_HOOKS_CONFIG", env);
  const configPath = resolve(named ?? DEFAULT_CONFIG_PATH);
  const file = await readConfigFile(configPath, named !== undefined);
  const fromFile = (path: string | undefined) =>
    path === undefined ? undefined : resolve(dirname(configPath), path);
  const defaults = DEFAULT_SETTINGS;
  const actions: Record<string, ActionDefinition> = {};
  for (const [name, action] of Object.entries(file?.actions ?? {})) {
    actions[name] = { description: action.description ?? ADDED_ACTION, data: { ...action.data } };
  }
  return {
    hooksDir: resolve(
      overrides.dir ?? readEnv("SOLUS_HOOKS_DIR", env) ?? fromFile(file?.hooksDir) ??
        defaults.hooksDir,
    ),
    timeoutMs: overrides.timeoutMs ?? file?.timeoutMs ?? defaults.timeoutMs,
    killGraceMs: file?.killGraceMs ?? defaults.killGraceMs,
    mode: overrides.serial ? "serial" : file?.mode ?? defaults.mode,
    maxParallel: file?.maxParallel ?? defaults.maxParallel,
    maxOutputBytes: file?.maxOutputBytes ?? defaults.maxOutputBytes,
    maxEventBytes: file?.maxEventBytes ?? defaults.maxEventBytes,
    journal: {
      path: resolve(
        overrides.journal ?? readEnv("SOLUS_HOOKS_JOURNAL", env) ?? fromFile(file?.journal?.path) ??
          defaults.journal.path,
      ),
      maxBytes: file?.journal?.maxBytes ?? defaults.journal.maxBytes,
      keep: file?.journal?.keep ?? defaults.journal.keep,
      maxOutputBytes: file?.journal?.maxOutputBytes ?? defaults.journal.maxOutputBytes,
      enabled: !overrides.noJournal,
    },
    env: { passthrough: [...(file?.env?.passthrough ?? [])], set: { ...file?.env?.set } },
    allowInsecure: file?.allowInsecure ?? defaults.allowInsecure,
    actions,
    hooks: { ...file?.hooks },
    syslog: typeof file?.syslog === "string"
      ? resolve(dirname(configPath), file.syslog)
      : file?.syslog ?? defaults.syslog,
    metrics: { textfile: fromFile(file?.metrics?.textfile) ?? null },
    configPath: file ? configPath : null,
  };
}

/**
 * The stage options a run with these settings uses, so every command, and a
 * harness that resolved settings itself, runs hooks alike.
 *
 * @example
 * ```ts
 * import { DEFAULT_SETTINGS, stageOptionsFrom } from "./resolve.ts";
 * import assert from "node:assert/strict";
 * const options = stageOptionsFrom(DEFAULT_SETTINGS);
 * assert.equal(options.hooksDir, "/usr/local/solus/hooks");
 * assert.equal(options.timeoutMs, 60_000);
 * ```
 */
export function stageOptionsFrom(settings: Readonly<Settings>): StageOptions {
  return {
    hooksDir: settings.hooksDir,
    timeoutMs: settings.timeoutMs,
    killGraceMs: settings.killGraceMs,
    mode: settings.mode,
    maxParallel: settings.maxParallel,
    maxOutputBytes: settings.maxOutputBytes,
    allowInsecure: settings.allowInsecure,
    hookRules: settings.hooks,
    env: settings.env,
  };
}
