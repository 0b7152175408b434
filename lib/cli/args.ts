/**
 * Command-line parsing: global flags anywhere on the line, each command's own
 * flags, and everything after `--` kept apart (the command `around` wraps).
 *
 * The grammar is GNU's long options (`--name value`, `--name=value`), a few
 * one-letter booleans (`-q`, `-h`, `-V`), and positionals. Written here rather
 * than taken from a library because the runner starts once per stage on a
 * node: node:util's parseArgs polyfill cost ~4 ms of every start-up in its
 * primordials alone, and the small libraries either turn `--no-journal` into
 * "journal: false" or refuse `--timeout -5` as a missing value, where a person
 * needs to hear that -5 is not a positive number.
 *
 * @module
 */
import { MAX_TIMEOUT_MS } from "../config/constants.ts";
import { UsageError } from "../errors.ts";
import { parseTimeout } from "../duration.ts";
import { suggest } from "../event/schema_issues.ts";

/** One flag: a string that takes a value, or a boolean that does not. */
export interface OptionSpec {
  /** `string` takes a value, `boolean` none. */
  type: "string" | "boolean";
  /** A one-letter alias, e.g. `q` for `-q` (booleans only). */
  short?: string;
  /** Repeatable: the values are collected in order. */
  multiple?: boolean;
}

/** Flags by long name (without the dashes). */
export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** Parsed flag values by long name: a string, true, a list for `multiple`, or undefined. */
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** Flags every command accepts. */
export const GLOBAL_OPTIONS = {
  dir: { type: "string" },
  config: { type: "string" },
  timeout: { type: "string" },
  journal: { type: "string" },
  "no-journal": { type: "boolean" },
  serial: { type: "boolean" },
  json: { type: "boolean" },
  verbose: { type: "boolean", short: "v" },
  quiet: { type: "boolean", short: "q" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const satisfies OptionTable;

/** The global flags, parsed. */
export interface GlobalFlags {
  /** `--dir`: the hooks directory. */
  dir?: string;
  /** `--config`: the config file. */
  config?: string;
  /** `--timeout`: the stage deadline in milliseconds. */
  timeoutMs?: number;
  /** `--journal`: the journal file. */
  journal?: string;
  /** `--no-journal`. */
  noJournal: boolean;
  /** `--serial`. */
  serial: boolean;
  /** `--json`: one JSON document on stdout. */
  json: boolean;
  /** `--verbose`: the hooks' output and the hooks skipped by directives, too. */
  verbose: boolean;
  /** `--quiet`: only failures and errors. */
  quiet: boolean;
  /** `--help`. */
  help: boolean;
  /** `--version`. */
  version: boolean;
}

/** A parsed command line. */
export interface ParsedArgs {
  /** The command name, or undefined when none was given. */
  command: string | undefined;
  /** The global flags. */
  global: GlobalFlags;
  /** The command's own flags, by name. */
  values: OptionValues;
  /** Positional arguments after the command name, before any `--`. */
  positionals: string[];
  /** Everything after `--`, untouched, or undefined when there was no `--`. */
  rest: string[] | undefined;
}

const VALUE_FLAGS = new Set(
  Object.entries(GLOBAL_OPTIONS).filter(([, o]) => o.type === "string").map(([name]) =>
    `--${name}`
  ),
);

/**
 * Find the command name: the first word that is not a flag nor a global flag's value.
 *
 * @example
 * ```ts
 * import { findCommand } from "./args.ts";
 * import assert from "node:assert/strict";
 * assert.equal(findCommand(["--dir", "/hooks", "run", "--serial"]), "run");
 * assert.equal(findCommand(["--version"]), undefined);
 * ```
 */
export function findCommand(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") return undefined;
    if (VALUE_FLAGS.has(arg)) {
      i++;
      continue;
    }
    if (!arg.startsWith("-")) return arg;
  }
  return undefined;
}

/**
 * `--timeout`'s value: whole milliseconds (`5000`), or a time with its unit as
 * a directive writes it (`500ms`, `1.5s`, `2m`); at most a day.
 *
 * @example
 * ```ts
 * import { parseTimeoutFlag } from "./args.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseTimeoutFlag("5000"), 5000);
 * assert.equal(parseTimeoutFlag("1.5s"), 1500);
 * assert.throws(() => parseTimeoutFlag("1.5"), {
 *   message: '--timeout: "1.5" is not whole milliseconds (5000) or a time with its unit (500ms, 1.5s, 2m)',
 * });
 * ```
 */
export function parseTimeoutFlag(text: string): number {
  if (/^\s*\+?\d+\s*$/.test(text) || text.trim().startsWith("-")) {
    return parsePositive(text, "--timeout", MAX_TIMEOUT_MS, " ms (one day)");
  }
  const ms = parseTimeout(text.trim());
  if (ms === null) {
    throw new UsageError(
      `--timeout: ${
        JSON.stringify(text)
      } is not whole milliseconds (5000) or a time with its unit (500ms, 1.5s, 2m)`,
    );
  }
  if (ms < 1) throw new UsageError(`--timeout: ${JSON.stringify(text)} is less than 1 ms`);
  if (ms > MAX_TIMEOUT_MS) {
    throw new UsageError(
      `--timeout: ${JSON.stringify(text)} is more than ${MAX_TIMEOUT_MS} ms (one day)`,
    );
  }
  return ms;
}

/**
 * Parse a flag's value as a whole number from 1 to `max`, or say which flag
 * and which value are wrong: `--timeout: "-5" is not a positive number`.
 *
 * @example
 * ```ts
 * import { parsePositive } from "./args.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parsePositive("5000", "--timeout", 86_400_000), 5000);
 * assert.throws(() => parsePositive("-5", "--timeout", 86_400_000), {
 *   message: '--timeout: "-5" is not a positive number',
 * });
 * ```
 */
export function parsePositive(text: string, flag: string, max: number, unit = ""): number {
  const value = Number(text);
  if (!/^\s*\+?\d+\s*$/.test(text) || !(value >= 1)) {
    throw new UsageError(`${flag}: ${JSON.stringify(text)} is not a positive number`);
  }
  if (value > max) {
    throw new UsageError(`${flag}: ${JSON.stringify(text)} is more than ${max}${unit}`);
  }
  return value;
}

/**
 * Parse `args` against a table of flags: long flags with `=` or the next word
 * as value, one-letter booleans, positionals. A flag's value may start with a
 * single dash (`--timeout -5`, so the message can say what is wrong with -5),
 * but not with two: `--event --json` is a missing value.
 *
 * @example
 * ```ts
 * import { parseOptions } from "./args.ts";
 * import assert from "node:assert/strict";
 * const { values, positionals } = parseOptions(
 *   ["--action", "a", "-q", "hook.sh", "--action=b"],
 *   { action: { type: "string", multiple: true }, quiet: { type: "boolean", short: "q" } },
 * );
 * assert.deepEqual(values, { action: ["a", "b"], quiet: true });
 * assert.deepEqual(positionals, ["hook.sh"]);
 * ```
 */
export function parseOptions(
  args: readonly string[],
  options: OptionTable,
  command?: string,
): { values: OptionValues; positionals: string[] } {
  const values: OptionValues = {};
  const positionals: string[] = [];
  const where = command ? ` for ${command}` : "";
  const byShort = new Map(
    Object.entries(options).filter(([, spec]) => spec.short).map(([name, spec]) => [
      spec.short!,
      name,
    ]),
  );
  const set = (name: string, value: string | boolean) => {
    const spec = options[name];
    if (spec.multiple) {
      const list = (values[name] as string[] | undefined) ?? [];
      list.push(String(value));
      values[name] = list;
    } else {
      values[name] = value;
    }
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg.startsWith("--") && arg.length > 2) {
      const equals = arg.indexOf("=");
      const name = arg.slice(2, equals === -1 ? undefined : equals);
      const spec = Object.hasOwn(options, name) ? options[name] : undefined;
      if (!spec) {
        const known = Object.keys(options).map((option) => `--${option}`);
        throw new UsageError(
          `unknown option --${name}${where}${suggest(`--${name}`, known)}; see --help`,
        );
      }
      if (spec.type === "boolean") {
        if (equals !== -1) throw new UsageError(`option --${name} takes no value`);
        set(name, true);
        continue;
      }
      if (equals !== -1) {
        set(name, arg.slice(equals + 1));
        continue;
      }
      const next = args[i + 1];
      if (next === undefined || next.startsWith("--")) {
        throw new UsageError(`option --${name} needs a value`);
      }
      set(name, next);
      i++;
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      const name = arg.length === 2 ? byShort.get(arg[1]) : undefined;
      if (name === undefined) {
        throw new UsageError(`unknown option ${arg}${where}; see --help`);
      }
      set(name, true);
      continue;
    }
    positionals.push(arg);
  }
  return { values, positionals };
}

/**
 * Parse `argv` for one command with its own option table, global flags allowed
 * anywhere. Unknown flags and missing or bad values are a {@linkcode UsageError}.
 *
 * @example
 * ```ts
 * import { parseCommandLine } from "./args.ts";
 * import assert from "node:assert/strict";
 * const parsed = parseCommandLine(["run", "--event-file", "e.json", "--serial"], {
 *   "event-file": { type: "string" },
 * });
 * assert.equal(parsed.command, "run");
 * assert.equal(parsed.values["event-file"], "e.json");
 * assert.equal(parsed.global.serial, true);
 * ```
 */
export function parseCommandLine(
  argv: readonly string[],
  commandOptions: OptionTable = {},
  commandName?: string,
): ParsedArgs {
  const command = findCommand(argv);
  const dash = argv.indexOf("--");
  const head = dash === -1 ? [...argv] : argv.slice(0, dash);
  const rest = dash === -1 ? undefined : argv.slice(dash + 1);
  const commandIndex = command === undefined ? -1 : head.indexOf(command);
  if (commandIndex !== -1) head.splice(commandIndex, 1);
  const { values: v, positionals } = parseOptions(
    head,
    { ...GLOBAL_OPTIONS, ...commandOptions },
    commandName ?? command,
  );
  const global: GlobalFlags = {
    dir: v.dir as string | undefined,
    config: v.config as string | undefined,
    timeoutMs: v.timeout === undefined ? undefined : parseTimeoutFlag(v.timeout as string),
    journal: v.journal as string | undefined,
    noJournal: v["no-journal"] === true,
    serial: v.serial === true,
    json: v.json === true,
    verbose: v.verbose === true,
    quiet: v.quiet === true,
    help: v.help === true,
    version: v.version === true,
  };
  const values: OptionValues = {};
  for (const name of Object.keys(commandOptions)) values[name] = v[name];
  return { command, global, values, positionals, rest };
}
