/**
 * The config file (JSONC) and how settings are resolved: flags beat environment,
 * which beats the file, which beats the defaults. Every config error names its
 * file and its `line L, column C`.
 *
 * @module
 */
import { dirname, resolve } from "./paths.ts";
import { findNodeAtLocation, type Node, type ParseError, parseTree } from "jsonc-parser";
import * as z from "zod/mini";
import { ConfigError } from "./errors.ts";
import { STAGE_DEFAULTS } from "./stage.ts";
import { describeParseError, lineColumn, MAX_NESTING, tooDeepAt } from "./event.ts";
import { formatIssue, formatPath, quote, suggest } from "./issues.ts";
import { type ActionDefinition, BUILTIN_ACTIONS, FIELD_TYPES, type FieldType } from "./registry.ts";

/** Everything that shapes a run, resolved from flags, environment, file and defaults. */
export interface Settings {
  /** The hooks directory. */
  hooksDir: string;
  /** The stage deadline, in milliseconds. */
  timeoutMs: number;
  /** Between SIGTERM and SIGKILL, in milliseconds. */
  killGraceMs: number;
  /** `parallel` or `serial`. */
  mode: "parallel" | "serial";
  /** At most this many hooks at once; 0 for no cap. */
  maxParallel: number;
  /** Bytes of stdout and of stderr kept per hook. */
  maxOutputBytes: number;
  /** Where and how runs are recorded. */
  journal: { path: string; maxBytes: number; keep: number; enabled: boolean };
  /** Extra variables to pass through to hooks, and variables to set. */
  env: { passthrough: string[]; set: Record<string, string> };
  /** Run hooks that break the ownership and permission rule. */
  allowInsecure: boolean;
  /** Actions the config file adds to the registry. */
  actions: Record<string, ActionDefinition>;
  /** The config file actually read, or null. */
  configPath: string | null;
}

/** Where the config file is looked for when none is named. */
export const DEFAULT_CONFIG_PATH = "/etc/solus-hooks/config.jsonc";

/**
 * The defaults of the contract.
 *
 * @example
 * ```ts
 * import { DEFAULT_SETTINGS } from "./config.ts";
 * console.log(DEFAULT_SETTINGS.timeoutMs); // 60000
 * ```
 */
export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  hooksDir: "/usr/local/solus/hooks",
  timeoutMs: STAGE_DEFAULTS.timeoutMs,
  killGraceMs: STAGE_DEFAULTS.killGraceMs,
  mode: "parallel",
  maxParallel: 0,
  maxOutputBytes: STAGE_DEFAULTS.maxOutputBytes,
  journal: {
    path: "/var/log/solus-hooks/journal.jsonl",
    maxBytes: 10 * 1024 * 1024,
    keep: 5,
    enabled: true,
  },
  env: { passthrough: [], set: {} },
  allowInsecure: false,
  actions: {},
  configPath: null,
});

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ACTION_NAME = /^[a-z][a-z0-9-]*$/;
const DATA_KEY = /^[a-z][a-z0-9_]*$/;
const FIELD_TYPE_NAMES = Object.keys(FIELD_TYPES) as FieldType[];

const wholeNumber = (min: number, max: number) => z.int().check(z.gte(min), z.lte(max));

/** Built on first use: most runs have no config file, and building costs start-up time. */
const configSchema = () => CONFIG_SCHEMA ??= buildConfigSchema();
let CONFIG_SCHEMA: ReturnType<typeof buildConfigSchema> | undefined;

const buildConfigSchema = () =>
  z.strictObject({
    hooksDir: z.optional(z.string().check(z.minLength(1))),
    timeoutMs: z.optional(wholeNumber(1, 86_400_000)),
    killGraceMs: z.optional(wholeNumber(0, 600_000)),
    mode: z.optional(z.enum(["parallel", "serial"])),
    maxParallel: z.optional(wholeNumber(0, 100_000)),
    maxOutputBytes: z.optional(wholeNumber(0, 1024 ** 3)),
    journal: z.optional(z.strictObject({
      path: z.optional(z.string().check(z.minLength(1))),
      maxBytes: z.optional(wholeNumber(1, Number.MAX_SAFE_INTEGER)),
      keep: z.optional(wholeNumber(0, 1000)),
    })),
    env: z.optional(z.strictObject({
      passthrough: z.optional(z.array(z.string().check(z.regex(ENV_NAME)))),
      set: z.optional(z.record(z.string().check(z.regex(ENV_NAME)), z.string())),
    })),
    allowInsecure: z.optional(z.boolean()),
    actions: z.optional(z.record(
      z.string().check(z.regex(ACTION_NAME)),
      z.strictObject({
        description: z.optional(z.string()),
        data: z.record(z.string().check(z.regex(DATA_KEY)), z.enum(FIELD_TYPE_NAMES)),
      }),
    )),
  });

/** What one config file says, validated. */
export type ConfigFile = z.infer<ReturnType<typeof buildConfigSchema>>;

/** Build a plain value from a jsonc-parser tree, with no prototype a key could reach. */
function valueOf(node: Node): unknown {
  switch (node.type) {
    case "object": {
      const object: Record<string, unknown> = Object.create(null);
      for (const property of node.children ?? []) {
        const [key, value] = property.children ?? [];
        if (key && value) object[key.value as string] = valueOf(value);
      }
      return object;
    }
    case "array":
      return (node.children ?? []).map(valueOf);
    default:
      return node.value;
  }
}

/** Where in the file a path points: the key's name for unknown keys, else the value. */
function locate(text: string, root: Node, path: (string | number)[], key?: string): string {
  let node = findNodeAtLocation(root, path) ?? root;
  if (key !== undefined) {
    const property = node.children?.find((p) => p.children?.[0]?.value === key);
    if (property?.children?.[0]) node = property.children[0];
  }
  const { line, column } = lineColumn(text, node.offset);
  return `line ${line}, column ${column}`;
}

const KNOWN_KEYS: Record<string, string[]> = {
  "": [
    "hooksDir",
    "timeoutMs",
    "killGraceMs",
    "mode",
    "maxParallel",
    "maxOutputBytes",
    "journal",
    "env",
    "allowInsecure",
    "actions",
  ],
  journal: ["path", "maxBytes", "keep"],
  env: ["passthrough", "set"],
};

/**
 * Parse and validate config text. Throws a {@linkcode ConfigError} naming the
 * file and the `line L, column C` of the first problem.
 *
 * @example
 * ```ts
 * import { parseConfigText } from "./config.ts";
 * const config = parseConfigText('{ "timeoutMs": 30000, // half a minute\n }', "config.jsonc");
 * console.log(config.timeoutMs); // 30000
 * ```
 */
export function parseConfigText(text: string, path: string): ConfigFile {
  const deep = tooDeepAt(text);
  if (deep !== -1) {
    const { line, column } = lineColumn(text, deep);
    throw new ConfigError(
      `${path}: line ${line}, column ${column}: nested deeper than ${MAX_NESTING} levels`,
    );
  }
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, {
    allowTrailingComma: true,
    disallowComments: false,
    allowEmptyContent: false,
  });
  if (errors.length > 0 || !root) {
    const where = errors[0] ? describeParseError(text, errors[0]) : "line 1, column 1: empty file";
    throw new ConfigError(`${path}: ${where}`);
  }
  if (root.type !== "object") {
    throw new ConfigError(`${path}: line 1, column 1: the config must be a JSON object`);
  }
  const duplicate = findDuplicateKey(root);
  if (duplicate) {
    throw new ConfigError(
      `${path}: ${locate(text, duplicate, [])}: key ${
        quote(String(duplicate.value))
      } appears twice`,
    );
  }
  const value = valueOf(root);
  const result = configSchema().safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const at = issue.path as (string | number)[];
    if (issue.code === "unrecognized_keys") {
      const key = issue.keys[0];
      const hint = suggest(key, KNOWN_KEYS[at.join(".")] ?? []);
      const name = formatPath([...at, key]);
      throw new ConfigError(
        `${path}: ${locate(text, root, at, key)}: unknown key "${name}"${hint}`,
      );
    }
    let message = formatIssue(issue, value);
    if (at[0] === "actions" && at.at(-2) === "data") {
      message = `${formatPath(at)} must be a field type: ${FIELD_TYPE_NAMES.join(", ")}`;
    }
    throw new ConfigError(`${path}: ${locate(text, root, at)}: ${message}`);
  }
  for (const name of Object.keys(result.data.actions ?? {})) {
    if (name in BUILTIN_ACTIONS) {
      throw new ConfigError(
        `${path}: ${
          locate(text, root, ["actions"], name)
        }: action "${name}" is built in and cannot be redefined`,
      );
    }
  }
  return result.data;
}

function findDuplicateKey(node: Node): Node | undefined {
  if (node.type === "object") {
    const seen = new Set<string>();
    for (const property of node.children ?? []) {
      const key = property.children?.[0];
      if (key && seen.has(key.value)) return key;
      if (key) seen.add(key.value);
    }
  }
  for (const child of node.children ?? []) {
    const found = findDuplicateKey(child);
    if (found) return found;
  }
  return undefined;
}

/**
 * Read and validate a config file. A missing file is `null` unless it was named
 * (`explicit`), which makes it an error.
 *
 * @example
 * ```ts
 * import { readConfigFile } from "./config.ts";
 * const config = await readConfigFile("/etc/solus-hooks/config.jsonc", false);
 * console.log(config === null ? "no config file" : config);
 * ```
 */
export async function readConfigFile(path: string, explicit: boolean): Promise<ConfigFile | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound && !explicit) return null;
    const why = error instanceof Deno.errors.NotFound
      ? "no such file"
      : error instanceof Deno.errors.IsADirectory
      ? "it is a directory"
      : error instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : (error as Error).message;
    if (error instanceof Deno.errors.NotCapable) throw error; // Deno's sandbox: the caller explains the scope
    throw new ConfigError(`cannot read config file ${path}: ${why}`);
  }
  return parseConfigText(text, path);
}

/** What the command line says, beating everything else. */
export interface Overrides {
  /** `--dir`. */
  dir?: string;
  /** `--config`. */
  config?: string;
  /** `--timeout`. */
  timeoutMs?: number;
  /** `--journal`. */
  journal?: string;
  /** `--no-journal`. */
  noJournal?: boolean;
  /** `--serial`. */
  serial?: boolean;
}

function readEnv(env: { get(name: string): string | undefined }, name: string): string | undefined {
  try {
    const value = env.get(name);
    return value === "" ? undefined : value;
  } catch {
    return undefined; // not granted: treated as unset
  }
}

/**
 * Resolve the settings of a run: flags, then `SOLUS_HOOKS_*` environment, then
 * the config file, then the defaults. Paths in the file are relative to it.
 *
 * @example
 * ```ts
 * import { resolveSettings } from "./config.ts";
 * const settings = await resolveSettings({ dir: "./hooks", timeoutMs: 5000 });
 * console.log(settings.hooksDir, settings.timeoutMs);
 * ```
 */
export async function resolveSettings(
  overrides: Overrides = {},
  env: { get(name: string): string | undefined } = Deno.env,
): Promise<Settings> {
  const named = overrides.config ?? readEnv(env, "SOLUS_HOOKS_CONFIG");
  const configPath = named ?? DEFAULT_CONFIG_PATH;
  const file = await readConfigFile(configPath, named !== undefined);
  const base = dirname(resolve(configPath));
  const fromFile = (path: string | undefined) =>
    path === undefined ? undefined : resolve(base, path);
  const defaults = DEFAULT_SETTINGS;
  const actions: Record<string, ActionDefinition> = {};
  for (const [name, action] of Object.entries(file?.actions ?? {})) {
    actions[name] = {
      description: action.description ?? "added by the config file",
      data: { ...action.data },
    };
  }
  return {
    hooksDir: resolve(
      overrides.dir ?? readEnv(env, "SOLUS_HOOKS_DIR") ?? fromFile(file?.hooksDir) ??
        defaults.hooksDir,
    ),
    timeoutMs: overrides.timeoutMs ?? file?.timeoutMs ?? defaults.timeoutMs,
    killGraceMs: file?.killGraceMs ?? defaults.killGraceMs,
    mode: overrides.serial ? "serial" : file?.mode ?? defaults.mode,
    maxParallel: file?.maxParallel ?? defaults.maxParallel,
    maxOutputBytes: file?.maxOutputBytes ?? defaults.maxOutputBytes,
    journal: {
      path: resolve(
        overrides.journal ?? readEnv(env, "SOLUS_HOOKS_JOURNAL") ?? fromFile(file?.journal?.path) ??
          defaults.journal.path,
      ),
      maxBytes: file?.journal?.maxBytes ?? defaults.journal.maxBytes,
      keep: file?.journal?.keep ?? defaults.journal.keep,
      enabled: !overrides.noJournal,
    },
    env: { passthrough: [...(file?.env?.passthrough ?? [])], set: { ...file?.env?.set } },
    allowInsecure: file?.allowInsecure ?? defaults.allowInsecure,
    actions,
    configPath: file ? resolve(configPath) : null,
  };
}
