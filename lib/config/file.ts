/**
 * The config file: JSONC text read with a bound, checked against one JSON
 * Schema (the same interpreter that checks events, see schema.ts), every
 * problem reported as a {@linkcode ConfigError} with the file and the `line L,
 * column C` of the first problem in reading order.
 *
 * @module
 */
import { getNodeValue, type ParseError, parseTree } from "jsonc-parser";
import { concatBytes } from "../process/bytes.ts";
import type { Settings } from "./settings.ts";
import { MAX_TIMEOUT_MS } from "./constants.ts";
import { ConfigError, passScopeDenial } from "../errors.ts";
import { FIELD_TYPES, type FieldType } from "../event/field_types.ts";
import { describeValue, quote } from "../event/schema_issues.ts";
import {
  describeParseError,
  findDuplicateKey,
  lineColumn,
  MAX_NESTING,
  tooDeepAt,
} from "../event/json_text.ts";
import { ACTION_NAME, BUILTIN_ACTIONS, STAGES } from "../event/registry.ts";
import type { JsonSchema } from "../event/schema.ts";
import { checkTree, type Locator, type Problem } from "./tree_check.ts";

/**
 * What one config file says, validated: every key optional, paths as written
 * (not yet resolved against the file's directory).
 *
 * @example
 * ```ts
 * import { type ConfigFile, parseConfigText } from "./file.ts";
 * import assert from "node:assert/strict";
 * const config: ConfigFile = parseConfigText('{ "mode": "serial" }', "config.jsonc");
 * assert.equal(config.mode, "serial");
 * assert.equal(config.timeoutMs, undefined);
 * ```
 */
export type ConfigFile =
  // A key of the settings that the file holds as it is needs no line here.
  & Partial<
    Omit<Settings, "journal" | "env" | "metrics" | "actions" | "configPath" | "configUnread">
  >
  & {
    /** `serial`: one hook at a time, as `maxParallel: 1` (which it beats); `parallel`: as maxParallel says. */
    mode?: "parallel" | "serial";
    /** The journal's `path`, `maxBytes`, `keep`, `maxOutputBytes` and `maxAgeDays`. */
    journal?: Partial<Omit<Settings["journal"], "enabled">>;
    /** Prometheus metrics: where the textfile goes. */
    metrics?: { textfile: string };
    /** Variables to pass through and to set. */
    env?: Partial<Settings["env"]>;
    /** New actions: each one's data keys and their field types. */
    actions?: Record<string, { description?: string; data: Record<string, FieldType> }>;
  };

/** A config file is a few kilobytes; this bound keeps `--config /dev/zero` from eating memory. */
const MAX_CONFIG_BYTES = 1024 * 1024;

const VARIABLE_NAME: JsonSchema = {
  type: "string",
  pattern: "^[A-Za-z_][A-Za-z0-9_]*$",
  "x-expected": "a variable name (letters, digits and _, not starting with a digit)",
};

const NON_EMPTY: JsonSchema = { type: "string", minLength: 1, "x-expected": "a non-empty string" };

/**
 * An integer from `min` (0 or 1) to `max`: every failure reads "must be a
 * positive integer" (or ">= 0"), except a value above `max`, which says so.
 * `max` also keeps journal rotation and capture buffers within reason.
 */
function integer(min: 0 | 1, max: number): JsonSchema {
  return {
    type: "integer",
    minimum: min,
    maximum: max,
    "x-expected": min === 1 ? "a positive integer" : "an integer >= 0",
  };
}

/** A fixed object: these keys, each optional unless `required`, and no others. */
function fixed(properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return {
    type: "object",
    properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
}

/** A map: keys matching `keys`, each value matching `values`. */
function map(keys: JsonSchema, values: JsonSchema): JsonSchema {
  return { type: "object", propertyNames: keys, additionalProperties: values };
}

/** The schema of each key of {@linkcode ConfigFile}, and of no other key. */
const CONFIG_KEYS = {
  hooksDir: NON_EMPTY,
  timeoutMs: integer(1, MAX_TIMEOUT_MS),
  killGraceMs: integer(0, 600_000),
  mode: { enum: ["parallel", "serial"] },
  maxParallel: integer(0, Number.MAX_SAFE_INTEGER),
  maxOutputBytes: integer(0, 1024 ** 3),
  maxEventBytes: integer(1, 64 * 1024 * 1024),
  eventReadTimeoutMs: integer(1, MAX_TIMEOUT_MS),
  strictEvents: { type: "boolean" },
  journal: fixed({
    path: NON_EMPTY,
    maxBytes: integer(1, Number.MAX_SAFE_INTEGER),
    keep: integer(0, 1000),
    maxOutputBytes: integer(0, 1024 ** 3),
    maxAgeDays: integer(0, 36_500),
  }),
  env: fixed({
    passthrough: { type: "array", items: VARIABLE_NAME },
    set: map(VARIABLE_NAME, { type: "string" }),
  }),
  allowInsecure: { type: "boolean" },
  actions: map(
    {
      type: "string",
      pattern: ACTION_NAME.source,
      "x-expected": "an action name (lower-case letters, digits and -, starting with a letter)",
    },
    fixed({
      description: { type: "string" },
      data: map(
        {
          type: "string",
          pattern: "^[a-z][a-z0-9_]*$",
          "x-expected": "a data key (lower-case letters, digits and _, starting with a letter)",
        },
        {
          enum: Object.keys(FIELD_TYPES),
          "x-expected": `a field type (${Object.keys(FIELD_TYPES).join(", ")})`,
        },
      ),
    }, ["data"]),
  ),
  hooks: map(
    { type: "string", minLength: 1, "x-expected": "a hook file name" },
    fixed({
      actions: {
        type: "array",
        items: {
          type: "string",
          pattern: "^[a-z*][a-z0-9*-]*$",
          "x-expected": "an action name or pattern (lower-case letters, digits, - and *)",
        },
      },
      stages: { type: "array", items: { enum: [...STAGES] } },
      timeoutMs: integer(1, MAX_TIMEOUT_MS),
      enabled: { type: "boolean" },
    }),
  ),
  syslog: {
    anyOf: [{ type: "boolean" }, NON_EMPTY],
    "x-expected": "true, false or the path of a log socket",
  },
  metrics: fixed({ textfile: NON_EMPTY }, ["textfile"]),
} satisfies Record<keyof ConfigFile, JsonSchema>;

/**
 * The JSON Schema of the config file. Every key is optional; relative paths are
 * resolved against the file's own folder later. It has one entry per key of
 * {@linkcode ConfigFile}, and the compiler holds it to that: a key added to
 * `Settings` cannot be forgotten here.
 *
 * @example
 * ```ts
 * import { CONFIG_SCHEMA } from "./file.ts";
 * import { isValid } from "../event/schema.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isValid(CONFIG_SCHEMA, { timeoutMs: 30_000, hooks: { "20-fw": { stages: ["post"] } } }));
 * assert.ok(!isValid(CONFIG_SCHEMA, { timeoutMs: 0 }));
 * ```
 */
export const CONFIG_SCHEMA: JsonSchema = fixed(CONFIG_KEYS);

/** Actions the file defines under a built-in name: the registry's ten cannot be redefined. */
function builtinRedefinitions(value: unknown, find: Locator): Problem[] {
  const actions = (value as { actions?: unknown }).actions;
  if (typeof actions !== "object" || actions === null || Array.isArray(actions)) return [];
  return Object.keys(actions).filter((name) => Object.hasOwn(BUILTIN_ACTIONS, name)).map((
    name,
  ) => ({
    offset: find.keyAt(["actions"], name).offset,
    message: () => `actions: ${quote(name)} is a built-in action and cannot be redefined`,
  }));
}

/**
 * Parse and validate config text. Throws a {@linkcode ConfigError} naming `path`
 * and the `line L, column C` (1-based) of the first problem in reading order: a
 * syntax error, a repeated key, an unknown key (with the nearest known one when
 * one is close), or a wrong type or value.
 *
 * @example
 * ```ts
 * import { parseConfigText } from "./file.ts";
 * import assert from "node:assert/strict";
 * const config = parseConfigText('{ "timeoutMs": 30000, // half a minute\n }', "config.jsonc");
 * assert.equal(config.timeoutMs, 30000);
 * assert.throws(
 *   () => parseConfigText('{\n  "timeout": 5\n}', "config.jsonc"),
 *   { message: 'config.jsonc: line 2, column 3: unknown key "timeout" (did you mean timeoutMs?)' },
 * );
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
    throw at(
      root.offset,
      `the config must be a JSON object, not ${describeValue(getNodeValue(root))}`,
    );
  }
  const duplicate = findDuplicateKey(root);
  if (duplicate) throw at(duplicate.offset, `key ${quote(String(duplicate.value))} appears twice`);

  const checked = checkTree(root, CONFIG_SCHEMA, builtinRedefinitions);
  if (checked.problem) throw at(checked.problem.offset, checked.problem.message());
  return checked.value as ConfigFile;
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
 * import { readConfigFile } from "./file.ts";
 * import assert from "node:assert/strict";
 * assert.equal(await readConfigFile("/nonexistent/config.jsonc", false), null);
 * ```
 */
export async function readConfigFile(path: string, explicit: boolean): Promise<ConfigFile | null> {
  let text: string | null;
  try {
    text = await readCapped(path, MAX_CONFIG_BYTES);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound && !explicit) return null;
    passScopeDenial(error); // the CLI words it as the build's scope
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
