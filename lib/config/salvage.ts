/**
 * Where a run whose config cannot be read records its refusal. The config is
 * what failed, yet a typo in one key (`"timeoutMS"`) should not also lose the
 * refusal's journal record, system-log line and metric: the three keys that say
 * where those go (`journal.path`, `syslog`, `metrics.textfile`) are read from
 * the broken file as far as it parses, each only if it has the right type.
 * Everything else is the defaults, with flags and environment on top.
 *
 * @module
 */
import { parse } from "jsonc-parser";
import { readEnv } from "./runner_env.ts";
import { type Overrides, settingsWithoutConfig } from "./resolve.ts";
import { DEFAULTS } from "./constants.ts";
import type { Settings } from "./settings.ts";
import { dirname, resolve } from "../paths.ts";

/** A broken config is read this far at most (a config file is a few kilobytes). */
const MAX_SALVAGE_BYTES = 1024 * 1024;

async function readSome(path: string): Promise<string | undefined> {
  try {
    const file = await Deno.open(path);
    try {
      const info = await file.stat();
      if (!info.isFile || info.size > MAX_SALVAGE_BYTES) return undefined;
      const bytes = new Uint8Array(info.size);
      let filled = 0;
      while (filled < bytes.length) {
        const n = await file.read(bytes.subarray(filled));
        if (n === null) break;
        filled += n;
      }
      return new TextDecoder().decode(bytes.subarray(0, filled));
    } finally {
      file.close();
    }
  } catch {
    return undefined; // missing, unreadable, outside the scope: the defaults
  }
}

/**
 * The settings a refusal of the config is recorded with: the flags, the
 * environment and the defaults, plus the broken file's `journal.path`,
 * `syslog` and `metrics.textfile` where they can still be made out (a flag or
 * variable still beats the file's journal path).
 *
 * @example
 * ```ts
 * import { settingsForConfigRefusal } from "./salvage.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const config = `${dir}/config.jsonc`;
 * await Deno.writeTextFile(config, '{ "timeoutMS": 5000, "metrics": { "textfile": "m.prom" } }');
 * const settings = await settingsForConfigRefusal({ config }, new Map());
 * assert.equal(settings.metrics.textfile, `${dir}/m.prom`);
 * assert.equal(settings.timeoutMs, 60_000);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function settingsForConfigRefusal(
  overrides: Overrides,
  env: { get(name: string): string | undefined } = Deno.env,
): Promise<Settings> {
  const settings = settingsWithoutConfig(overrides, env);
  const path = resolve(
    overrides.config ?? readEnv("SOLUS_HOOKS_CONFIG", env) ?? DEFAULTS.configPath,
  );
  const text = await readSome(path);
  if (text === undefined) return settings;
  let value: unknown;
  try {
    value = parse(text, [], { allowTrailingComma: true, disallowComments: false });
  } catch {
    return settings;
  }
  if (typeof value !== "object" || value === null) return settings;
  const file = value as { journal?: { path?: unknown }; syslog?: unknown; metrics?: unknown };
  const near = (given: string) => resolve(dirname(path), given);
  const journalPath = file.journal?.path;
  if (
    typeof journalPath === "string" && journalPath !== "" && overrides.journal === undefined &&
    readEnv("SOLUS_HOOKS_JOURNAL", env) === undefined
  ) {
    settings.journal.path = near(journalPath);
  }
  if (typeof file.syslog === "boolean") settings.syslog = file.syslog;
  if (typeof file.syslog === "string" && file.syslog !== "") settings.syslog = near(file.syslog);
  const textfile = (file.metrics as { textfile?: unknown } | undefined)?.textfile;
  if (typeof textfile === "string" && textfile !== "") {
    settings.metrics = { textfile: near(textfile) };
  }
  return settings;
}
