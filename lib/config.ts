/**
 * The config file (JSONC) and how settings are resolved: flags beat environment,
 * which beats the file, which beats the defaults. Every config error is a
 * {@linkcode ConfigError} naming its file and, where the text is at fault, the
 * `line L, column C` of the first problem in reading order.
 *
 * @module
 */
import { type Node, type ParseError, parseTree } from "jsonc-parser";
import * as z from "zod/mini";
import { concatBytes } from "./bytes.ts";
import { ConfigError } from "./errors.ts";
import { describeParseError, lineColumn, MAX_NESTING, tooDeepAt } from "./event.ts";
import { describeValue, formatIssue, formatPath, quote, suggest } from "./issues.ts";
import { dirname, resolve } from "./paths.ts";
import {
  type ActionDefinition,
  BUILTIN_ACTIONS,
  FIELD_TYPES,
  type FieldType,
  type Stage,
  STAGES,
} from "./registry.ts";
import { DEFAULTS, MAX_TIMEOUT_MS } from "./constants.ts";
import { readEnv } from "./env.ts";

/**
 * Everything that shapes a run, resolved from flags, environment, the config
 * file and the defaults by {@linkcode resolveSettings}.
 *
 * @example
 * ```ts
 * import { resolveSettings, type Settings } from "./config.ts";
 * const settings: Settings = await resolveSettings({ dir: "/opt/hooks", noJournal: true });
 * console.log(settings.hooksDir, settings.journal.enabled); // /opt/hooks false
 * ```
 */
export interface Settings {
  /** The hooks directory, absolute. */
  hooksDir: string;
  /** The stage deadline, in milliseconds. */
  timeoutMs: number;
  /** Between SIGTERM and SIGKILL, in milliseconds. */
  killGraceMs: number;
  /** `parallel` or `serial`. */
  mode: "parallel" | "serial";
  /** At most this many hooks at once; 0 for no cap. */
  maxParallel: number;
  /** Bytes of stdout and of stderr kept per hook in the report. */
  maxOutputBytes: number;
  /** The largest event accepted, in bytes. */
  maxEventBytes: number;
  /**
   * Where and how runs are recorded; `path` is absolute. `maxOutputBytes` is
   * what the journal keeps of each stream per hook.
   */
  journal: {
    path: string;
    maxBytes: number;
    keep: number;
    maxOutputBytes: number;
    enabled: boolean;
  };
  /** Extra variables to pass through to hooks, and variables to set. */
  env: { passthrough: string[]; set: Record<string, string> };
  /** Run hooks that break the ownership and permission rule. */
  allowInsecure: boolean;
  /** Actions the config file adds to the registry. */
  actions: Record<string, ActionDefinition>;
  /** Per hook file name: which events it is for, its own time limit, whether it runs. */
  hooks: Record<string, HookRules>;
  /**
   * The system log: `false` off, `true` the system's own socket (journald or
   * `/dev/log`) where one exists, or the path of a datagram socket.
   */
  syslog: boolean | string;
  /** Prometheus metrics: the textfile rewritten after each stage (absolute), or null. */
  metrics: { textfile: string | null };
  /** The config file actually read (absolute), or null if none was. */
  configPath: string | null;
}

/**
 * What the config's `hooks` key says of one hook file, the same as a directive
 * line in the hook (`# solus-hooks: actions=... stages=... timeout=...`) would;
 * the config wins over the file.
 *
 * @example
 * ```ts
 * import type { HookRules } from "./config.ts";
 * const firewall: HookRules = { actions: ["server-create"], stages: ["post"], timeoutMs: 10_000 };
 * console.log(firewall.enabled ?? true); // true
 * ```
 */
export interface HookRules {
  /** Action patterns it is for (`*` matches any run of characters); absent: every action. */
  actions?: string[];
  /** Stages it is for; absent: both. */
  stages?: Stage[];
  /** Its own time limit within the stage's, in milliseconds. */
  timeoutMs?: number;
  /** False switches it off (skipped as disabled). */
  enabled?: boolean;
}

/**
 * Where the config file is looked for when none is named. A missing file here
 * is fine: the defaults apply.
 *
 * @example
 * ```ts
 * import { DEFAULT_CONFIG_PATH } from "./config.ts";
 * console.log(DEFAULT_CONFIG_PATH); // /etc/solus-hooks/config.jsonc
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
 * import { DEFAULT_SETTINGS } from "./config.ts";
 * console.log(DEFAULT_SETTINGS.timeoutMs); // 60000
 * console.log(DEFAULT_SETTINGS.journal.path); // /var/log/solus-hooks/journal.jsonl
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
 * What one config file says, validated: every key optional, paths as written
 * (not yet resolved against the file's directory).
 *
 * @example
 * ```ts
 * import { type ConfigFile, parseConfigText } from "./config.ts";
 * const config: ConfigFile = parseConfigText('{ "mode": "serial" }', "config.jsonc");
 * console.log(config.mode, config.timeoutMs); // serial undefined
 * ```
 */
export type ConfigFile =
  & Partial<
    Pick<
      Settings,
      | "hooksDir"
      | "timeoutMs"
      | "killGraceMs"
      | "mode"
      | "maxParallel"
      | "maxOutputBytes"
      | "maxEventBytes"
      | "allowInsecure"
      | "syslog"
    >
  >
  & {
    /** The journal's `path`, `maxBytes`, `keep` and `maxOutputBytes`. */
    journal?: Partial<Omit<Settings["journal"], "enabled">>;
    /** Per hook file name: the same as a directive line in the hook. */
    hooks?: Record<string, HookRules>;
    /** Prometheus metrics: where the textfile goes. */
    metrics?: { textfile: string };
    /** Variables to pass through and to set. */
    env?: Partial<Settings["env"]>;
    /** New actions: each one's data keys and their field types. */
    actions?: Record<string, { description?: string; data: Record<string, FieldType> }>;
  };

/** The description of an action the config file adds without one. */
const ADDED_ACTION = "added by the config file";
/** A config file is a few kilobytes; this bound keeps `--config /dev/zero` from eating memory. */
const MAX_CONFIG_BYTES = 1024 * 1024;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ACTION_NAME = /^[a-z][a-z0-9-]*$/;
const DATA_KEY = /^[a-z][a-z0-9_]*$/;
const ACTION_PATTERN = /^[a-z*][a-z0-9*-]*$/;
const FIELD_TYPE_NAMES = Object.keys(FIELD_TYPES) as FieldType[];

// Custom zod messages start with "must" or "is" and read after the key's path:
// `${path} ${message}, not ${what was found}`.
const VARIABLE_NAME = "must be a variable name (letters, digits and _, not starting with a digit)";
/** For records, which zod would call "a record". */
const OBJECT = { error: "must be an object" };

/**
 * An integer schema whose every failure reads "must be <words>", except a value
 * above `max`, which says so. `max` also keeps journal rotation and capture
 * buffers within reason.
 */
function integer(min: 0 | 1, max: number) {
  const words = { error: min === 1 ? "must be a positive integer" : "must be an integer >= 0" };
  return z.number(words).check(
    z.refine(Number.isInteger, words),
    z.gte(min, words),
    z.lte(max, { error: `must be at most ${max}` }),
  );
}

const nonEmptyPath = () => {
  const words = { error: "must be a non-empty string" };
  return z.string(words).check(z.minLength(1, words));
};

/** The schema and the keys each strict object knows, built on first use (start-up time). */
let SCHEMA: ReturnType<typeof buildSchema> | undefined;

function buildSchema() {
  const journal = z.strictObject({
    path: z.optional(nonEmptyPath()),
    maxBytes: z.optional(integer(1, Number.MAX_SAFE_INTEGER)),
    keep: z.optional(integer(0, 1000)),
    maxOutputBytes: z.optional(integer(0, 1024 ** 3)),
  });
  const env = z.strictObject({
    passthrough: z.optional(z.array(z.string().check(z.regex(ENV_NAME, { error: VARIABLE_NAME })))),
    set: z.optional(z.record(
      z.string().check(z.regex(ENV_NAME, { error: VARIABLE_NAME })),
      z.string(),
      OBJECT,
    )),
  });
  const action = z.strictObject({
    description: z.optional(z.string()),
    data: z.record(
      z.string().check(z.regex(DATA_KEY, {
        error: "must be a data key (lower-case letters, digits and _, starting with a letter)",
      })),
      z.enum(FIELD_TYPE_NAMES, {
        error: `must be a field type (${FIELD_TYPE_NAMES.join(", ")})`,
      }),
      OBJECT,
    ),
  });
  const hook = z.strictObject({
    actions: z.optional(z.array(
      z.string().check(z.regex(ACTION_PATTERN, {
        error: "must be an action name or pattern (lower-case letters, digits, - and *)",
      })),
    )),
    stages: z.optional(z.array(z.enum(STAGES, { error: 'must be "pre" or "post"' }))),
    timeoutMs: z.optional(integer(1, MAX_TIMEOUT_MS)),
    enabled: z.optional(z.boolean()),
  });
  const metrics = z.strictObject({ textfile: nonEmptyPath() });
  const config = z.strictObject({
    hooksDir: z.optional(nonEmptyPath()),
    timeoutMs: z.optional(integer(1, MAX_TIMEOUT_MS)),
    killGraceMs: z.optional(integer(0, 600_000)),
    mode: z.optional(z.enum(["parallel", "serial"])),
    maxParallel: z.optional(integer(0, Number.MAX_SAFE_INTEGER)),
    maxOutputBytes: z.optional(integer(0, 1024 ** 3)),
    maxEventBytes: z.optional(integer(1, 64 * 1024 * 1024)),
    journal: z.optional(journal),
    env: z.optional(env),
    allowInsecure: z.optional(z.boolean()),
    actions: z.optional(z.record(
      z.string().check(
        z.regex(ACTION_NAME, {
          error:
            "must be an action name (lower-case letters, digits and -, starting with a letter)",
        }),
        z.refine((name) => !Object.hasOwn(BUILTIN_ACTIONS, name), {
          error: "is a built-in action and cannot be redefined",
        }),
      ),
      action,
      OBJECT,
    )),
    hooks: z.optional(z.record(
      z.string().check(z.minLength(1, { error: "must be a hook file name" })),
      hook,
      OBJECT,
    )),
    syslog: z.optional(z.union([z.boolean(), nonEmptyPath()], {
      error: "must be true, false or the path of a log socket",
    })),
    metrics: z.optional(metrics),
  });
  /** The keys the strict object at `path` knows, for "did you mean" hints. */
  const keysAt = (path: readonly PropertyKey[]): string[] =>
    Object.keys(
      path.length === 0
        ? config.shape
        : path[0] === "journal"
        ? journal.shape
        : path[0] === "env"
        ? env.shape
        : path[0] === "hooks"
        ? hook.shape
        : path[0] === "metrics"
        ? metrics.shape
        : action.shape,
    );
  return { config, keysAt };
}

/** Build a plain value from a jsonc-parser tree; objects have no prototype a key could reach. */
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

/**
 * Finds the nodes of a tree by path. Each object's keys are indexed once, so
 * locating thousands of issues in a big object stays linear (jsonc-parser's
 * `findNodeAtLocation` scans the siblings each time).
 */
function locator(root: Node) {
  const indexes = new WeakMap<Node, Map<unknown, Node>>();
  const propertiesOf = (object: Node) => {
    let index = indexes.get(object);
    if (index === undefined) {
      index = new Map();
      for (const property of object.children ?? []) {
        index.set(property.children?.[0]?.value, property);
      }
      indexes.set(object, index);
    }
    return index;
  };
  /** The value node at `path`, or undefined where the path leaves the tree. */
  const valueAt = (path: readonly PropertyKey[]): Node | undefined => {
    let node: Node | undefined = root;
    for (const part of path) {
      if (node?.type === "object") node = propertiesOf(node).get(part)?.children?.[1];
      else if (node?.type === "array" && typeof part === "number") node = node.children?.[part];
      else return undefined;
    }
    return node;
  };
  /** The node of the key `key` in the object at `path`, or that object if the key is absent. */
  const keyAt = (path: readonly PropertyKey[], key: string): Node => {
    const object = valueAt(path) ?? root;
    return (object.type === "object" && propertiesOf(object).get(key)?.children?.[0]) || object;
  };
  return { root, valueAt, keyAt };
}

/** The first key repeated inside one object, in reading order. */
function findDuplicateKey(node: Node): Node | undefined {
  let first: Node | undefined;
  const consider = (found: Node | undefined) => {
    if (found && (first === undefined || found.offset < first.offset)) first = found;
  };
  if (node.type === "object") {
    const seen = new Set<unknown>();
    for (const property of node.children ?? []) {
      const key = property.children?.[0];
      if (key && seen.has(key.value)) {
        consider(key);
        break;
      }
      seen.add(key?.value);
    }
  }
  for (const child of node.children ?? []) consider(findDuplicateKey(child));
  return first;
}

/**
 * Every key named `__proto__`. zod reports one in a strict object as unknown but
 * skips one in a record without a word, and a variable or action of that name
 * cannot be an object's own key anyway: each is refused.
 */
function protoKeys(node: Node, path: PropertyKey[] = []): Problem[] {
  const found: Problem[] = [];
  (node.children ?? []).forEach((child, index) => {
    if (node.type !== "object") {
      found.push(...protoKeys(child, [...path, index]));
      return;
    }
    const [key, value] = child.children ?? [];
    if (key?.value === "__proto__") {
      found.push({
        offset: key.offset,
        message: () => `${formatPath(path)}: "__proto__" is not allowed as a key`,
      });
    }
    if (key && value) found.push(...protoKeys(value, [...path, String(key.value)]));
  });
  return found;
}

/** One problem found in a config: where it is, and what it is (worded only if reported). */
interface Problem {
  offset: number;
  message: () => string;
}

/** Turn one zod issue into problems located in the text. */
function problemsOf(
  issue: z.core.$ZodIssue,
  value: unknown,
  find: ReturnType<typeof locator>,
  keysAt: (path: readonly PropertyKey[]) => string[],
): Problem[] {
  const path = issue.path;
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      offset: find.keyAt(path, key).offset,
      message: () => `unknown key ${formatKey(path, key)}${suggest(key, keysAt(path))}`,
    }));
  }
  const parent = path.slice(0, -1);
  const last = String(path.at(-1));
  if (issue.code === "invalid_key") {
    const why = issue.issues[0]?.message ?? "is not allowed";
    return [{
      offset: find.keyAt(parent, last).offset,
      message: () => `${formatPath(parent)}: ${quote(last)} ${why}`,
    }];
  }
  const node = find.valueAt(path);
  if (node === undefined) { // a required key that is absent
    return [{
      offset: (find.valueAt(parent) ?? find.root).offset,
      message: () => `${formatPath(parent)} is missing ${quote(last)}`,
    }];
  }
  return [{
    offset: node.offset,
    message: () => {
      const found = valueOf(node);
      const message = /^(must|is) /.test(issue.message)
        ? `${formatPath(path)} ${issue.message}, not ${describeValue(found)}`
        : formatIssue(issue, value);
      return issue.code === "invalid_value" && typeof found === "string"
        ? message + suggest(found, issue.values.map(String))
        : message;
    },
  }];
}

/** A key for an "unknown key" message: `"timeout"`, `"journal.sizeMax"`, `"a b" in journal`. */
function formatKey(path: readonly PropertyKey[], key: string): string {
  const full = formatPath([...path, key]);
  if (!full.includes('"')) return `"${full}"`; // plain names read as one dotted path
  return path.length === 0 ? quote(key) : `${quote(key)} in ${formatPath(path)}`;
}

/**
 * Parse and validate config text. Throws a {@linkcode ConfigError} naming `path`
 * and the `line L, column C` (1-based) of the first problem in reading order: a
 * syntax error, a repeated key, an unknown key (with the nearest known one when
 * one is close), or a wrong type or value.
 *
 * @example
 * ```ts
 * import { parseConfigText } from "./config.ts";
 * const config = parseConfigText('{ "timeoutMs": 30000, // half a minute\n }', "config.jsonc");
 * console.log(config.timeoutMs); // 30000
 * try {
 *   parseConfigText('{\n  "timeout": 5\n}', "config.jsonc");
 * } catch (error) {
 *   console.log((error as Error).message);
 *   // config.jsonc: line 2, column 3: unknown key "timeout" (did you mean timeoutMs?)
 * }
 * ```
 */
export function parseConfigText(text: string, path: string): ConfigFile {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark is no column
  const at = (offset: number, message: string) => {
    const { line, column } = lineColumn(text, offset);
    return new ConfigError(`${path}: line ${line}, column ${column}: ${message}`);
  };
  const deep = tooDeepAt(text);
  if (deep !== -1) throw at(deep, `nested deeper than ${MAX_NESTING} levels`);

  const errors: ParseError[] = [];
  const root = parseTree(text, errors, {
    allowTrailingComma: true,
    disallowComments: false,
    allowEmptyContent: false,
  });
  if (root === undefined && errors.every((error) => error.offset >= text.length)) {
    throw at(text.length, "no JSON value: the config must be an object, such as {}");
  }
  if (errors.length > 0 || root === undefined) {
    throw new ConfigError(`${path}: ${describeParseError(text, errors[0])}`);
  }
  if (root.type !== "object") {
    throw at(root.offset, `the config must be a JSON object, not ${describeValue(valueOf(root))}`);
  }
  const duplicate = findDuplicateKey(root);
  if (duplicate) throw at(duplicate.offset, `key ${quote(String(duplicate.value))} appears twice`);

  const value = valueOf(root);
  const { config, keysAt } = SCHEMA ??= buildSchema();
  const result = config.safeParse(value);
  // zod's own report of a key comes first, so a tie at one offset goes to it.
  const find = locator(root);
  const problems = [
    ...(result.error?.issues ?? []).flatMap((issue) => problemsOf(issue, value, find, keysAt)),
    ...protoKeys(root),
  ];
  if (problems.length > 0) {
    const first = problems.reduce((a, b) => b.offset < a.offset ? b : a);
    throw at(first.offset, first.message());
  }
  if (!result.success) throw at(root.offset, "the config is invalid"); // every issue is located above
  const file: ConfigFile = result.data;
  return file;
}

/** Read at most `limit` bytes of `path` as UTF-8; null if it holds more. */
async function readCapped(path: string, limit: number): Promise<string | null> {
  const file = await Deno.open(path);
  try {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const buffer = new Uint8Array(64 * 1024);
    while (size <= limit) {
      const n = await file.read(buffer);
      if (n === null) break;
      chunks.push(buffer.slice(0, n));
      size += n;
    }
    if (size > limit) return null;
    return new TextDecoder("utf-8", { fatal: true }).decode(concatBytes(chunks));
  } finally {
    file.close();
  }
}

/**
 * Read and validate a config file. A missing file is `null` unless it was named
 * (`explicit`: `--config` or `SOLUS_HOOKS_CONFIG`), which makes it a
 * {@linkcode ConfigError}; so is a file that cannot be read, is a directory, is
 * larger than 1 MiB or is not UTF-8. Deno's own permission refusal
 * (`Deno.errors.NotCapable`) is rethrown for the CLI to explain.
 *
 * @example
 * ```ts
 * import { readConfigFile } from "./config.ts";
 * const config = await readConfigFile("/etc/solus-hooks/config.jsonc", false);
 * console.log(config === null ? "no config file" : config);
 * ```
 */
export async function readConfigFile(path: string, explicit: boolean): Promise<ConfigFile | null> {
  let text: string | null;
  try {
    text = await readCapped(path, MAX_CONFIG_BYTES);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound && !explicit) return null;
    if (error instanceof Deno.errors.NotCapable) throw error; // Deno's sandbox: the CLI explains the scope
    const why = error instanceof Deno.errors.NotFound
      ? "no such file"
      : error instanceof Deno.errors.IsADirectory
      ? "it is a directory"
      : error instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : error instanceof TypeError // TextDecoder's fatal mode
      ? "it is not UTF-8 text"
      : (error as Error).message;
    throw new ConfigError(`cannot read config file ${path}: ${why}`, { cause: error });
  }
  if (text === null) {
    throw new ConfigError(
      `cannot read config file ${path}: it is larger than ${MAX_CONFIG_BYTES} bytes`,
    );
  }
  return parseConfigText(text, path);
}

/**
 * What the command line says; each one given beats the environment and the file.
 *
 * @example
 * ```ts
 * import { type Overrides, resolveSettings } from "./config.ts";
 * const overrides: Overrides = { serial: true, timeoutMs: 5000 };
 * console.log((await resolveSettings(overrides)).mode); // serial
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
 * import { resolveSettings } from "./config.ts";
 * const env = new Map([["SOLUS_HOOKS_DIR", "/srv/hooks"]]);
 * const settings = await resolveSettings({ timeoutMs: 5000 }, env);
 * console.log(settings.hooksDir, settings.timeoutMs); // /srv/hooks 5000
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
