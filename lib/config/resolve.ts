/**
 * The settings of a run and how they are resolved: flags beat environment,
 * which beats the config file (read by file.ts), which beats the defaults
 * (`DEFAULTS`, constants.ts).
 *
 * @module
 */
import { type ConfigFile, readConfigFile } from "./file.ts";
import { DEFAULTS } from "./constants.ts";
import { readEnv } from "./runner_env.ts";
import { entryTimeoutMs } from "../hooks/entry.ts";
import { dirname, resolve } from "../paths.ts";
import type { ActionDefinition } from "../event/registry.ts";
import type { Settings } from "./settings.ts";
import type { StageOptions } from "../stage.ts";
import { isScopeDenial } from "../errors.ts";

/** The description of an action the config file adds without one. */
const ADDED_ACTION = "added by the config file";

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
 * assert.equal((await resolveSettings(overrides)).maxParallel, 1); // the flag beats the file
 * await Deno.remove(config);
 * ```
 */
export interface Overrides extends Partial<Pick<Settings, "timeoutMs">> {
  /** `--dir`: the hooks directory. */
  dir?: string;
  /** `--config`: the config file, which must then exist. */
  config?: string;
  /** `--journal`: the journal's path. */
  journal?: string;
  /** `--no-journal`: record nothing. */
  noJournal?: boolean;
  /** `--serial`: run hooks one at a time. */
  serial?: boolean;
  /**
   * `run --entry` (and `check`, which judges what the entry would do): with no
   * deadline from a flag or the file, the entry's, within SolusVM's wait.
   */
  entry?: boolean;
}

/**
 * Resolve the settings of a run: flags (`overrides`), then `SOLUS_HOOKS_DIR`,
 * `SOLUS_HOOKS_CONFIG` and `SOLUS_HOOKS_JOURNAL`, then the config file, then
 * `DEFAULTS` (constants.ts). Relative `hooksDir` and `journal.path` in the
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
  const configPath = resolve(named ?? DEFAULTS.configPath);
  // A build whose read scope leaves out the default config's folder runs as if
  // there were none (contract §8); a config it was told to read still must be.
  if (named === undefined && !mayRead(configPath)) {
    return {
      ...settingsFrom(null, configPath, overrides, env),
      configUnread: outOfScope(configPath),
    };
  }
  let file;
  try {
    file = await readConfigFile(configPath, named !== undefined);
  } catch (error) {
    if (named !== undefined || !isScopeDenial(error)) throw error;
    return {
      ...settingsFrom(null, configPath, overrides, env),
      configUnread: outOfScope(configPath),
    };
  }
  return settingsFrom(file, configPath, overrides, env);
}

/** Whether this process may read `path` without asking (a build's scope, or `deno run`'s flags). */
function mayRead(path: string): boolean {
  try {
    return Deno.permissions.querySync({ name: "read", path }).state === "granted";
  } catch {
    return true; // no permission API to ask: let the read say
  }
}

function outOfScope(path: string): string {
  return `${path} is outside this build's read scope, so every command runs as if no config file existed`;
}

/**
 * The settings as if no config file existed: the flags, the environment and
 * the defaults. A run whose config cannot be read records its refusal with
 * these (the journal, system log and metrics the defaults name), as the
 * config that would say otherwise is what failed.
 *
 * @example
 * ```ts
 * import { settingsWithoutConfig } from "./resolve.ts";
 * import assert from "node:assert/strict";
 * const settings = settingsWithoutConfig({ journal: "/tmp/j.jsonl" }, new Map());
 * assert.equal(settings.journal.path, "/tmp/j.jsonl");
 * assert.equal(settings.configPath, null);
 * ```
 */
export function settingsWithoutConfig(
  overrides: Overrides = {},
  env: { get(name: string): string | undefined } = Deno.env,
): Settings {
  return settingsFrom(null, resolve(DEFAULTS.configPath), overrides, env);
}

function settingsFrom(
  file: ConfigFile | null,
  configPath: string,
  overrides: Overrides,
  env: { get(name: string): string | undefined },
): Settings {
  const fromFile = (path: string | undefined) =>
    path === undefined ? undefined : resolve(dirname(configPath), path);
  const defaults = DEFAULTS;
  const actions: Record<string, ActionDefinition> = {};
  for (const [name, action] of Object.entries(file?.actions ?? {})) {
    actions[name] = { description: action.description ?? ADDED_ACTION, data: { ...action.data } };
  }
  return {
    hooksDir: resolve(
      overrides.dir ?? readEnv("SOLUS_HOOKS_DIR", env) ?? fromFile(file?.hooksDir) ??
        defaults.hooksDir,
    ),
    timeoutMs: overrides.timeoutMs ?? file?.timeoutMs ??
      (overrides.entry
        ? entryTimeoutMs(file?.killGraceMs ?? defaults.killGraceMs)
        : defaults.timeoutMs),
    killGraceMs: file?.killGraceMs ?? defaults.killGraceMs,
    // Serial is one at a time: `--serial` and `mode: "serial"` beat maxParallel.
    maxParallel: overrides.serial || file?.mode === "serial"
      ? 1
      : file?.maxParallel ?? defaults.maxParallel,
    maxOutputBytes: file?.maxOutputBytes ?? defaults.maxOutputBytes,
    maxEventBytes: file?.maxEventBytes ?? defaults.maxEventBytes,
    eventReadTimeoutMs: file?.eventReadTimeoutMs ?? defaults.eventReadTimeoutMs,
    strictEvents: file?.strictEvents ?? defaults.strictEvents,
    journal: {
      path: resolve(
        overrides.journal ?? readEnv("SOLUS_HOOKS_JOURNAL", env) ?? fromFile(file?.journal?.path) ??
          defaults.journal.path,
      ),
      maxBytes: file?.journal?.maxBytes ?? defaults.journal.maxBytes,
      keep: file?.journal?.keep ?? defaults.journal.keep,
      maxOutputBytes: file?.journal?.maxOutputBytes ?? defaults.journal.maxOutputBytes,
      maxAgeDays: file?.journal?.maxAgeDays ?? defaults.journal.maxAgeDays,
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
 * import { stageOptionsFrom } from "./resolve.ts";
 * import { DEFAULTS } from "./constants.ts";
 * import assert from "node:assert/strict";
 * const options = stageOptionsFrom(DEFAULTS);
 * assert.equal(options.hooksDir, "/usr/local/solus/hooks.d");
 * assert.equal(options.timeoutMs, 60_000);
 * ```
 */
export function stageOptionsFrom(settings: Readonly<Settings>): StageOptions {
  return {
    hooksDir: settings.hooksDir,
    timeoutMs: settings.timeoutMs,
    killGraceMs: settings.killGraceMs,
    maxParallel: settings.maxParallel,
    maxOutputBytes: settings.maxOutputBytes,
    allowInsecure: settings.allowInsecure,
    strictEvents: settings.strictEvents,
    hookRules: settings.hooks,
    env: settings.env,
  };
}
