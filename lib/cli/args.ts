/**
 * Command-line parsing: global flags anywhere on the line, each command's own
 * flags, and everything after `--` kept apart (the command `around` wraps).
 *
 * @module
 */
import type { ParseArgsOptionsConfig } from "node:util";
import { parseArgs as parseArgsPolyfill } from "@pkgjs/parseargs";

/**
 * node:util's parseArgs, from the Node.js project's own package of it: importing
 * node:util at run time makes Deno load its Node compatibility layer, about 10 ms
 * of every start-up. The types are node:util's (a type-only import is erased).
 */
const parseArgs = parseArgsPolyfill as typeof import("node:util").parseArgs;
import { UsageError } from "../errors.ts";
import { suggest } from "../issues.ts";

/** Flags every command accepts. */
export const GLOBAL_OPTIONS = {
  dir: { type: "string" },
  config: { type: "string" },
  timeout: { type: "string" },
  journal: { type: "string" },
  "no-journal": { type: "boolean" },
  serial: { type: "boolean" },
  json: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const satisfies ParseArgsOptionsConfig;

/** The global flags, parsed. */
export interface GlobalFlags {
  dir?: string;
  config?: string;
  timeoutMs?: number;
  journal?: string;
  noJournal: boolean;
  serial: boolean;
  json: boolean;
  quiet: boolean;
  help: boolean;
  version: boolean;
}

/** A parsed command line. */
export interface ParsedArgs {
  /** The command name, or undefined when none was given. */
  command: string | undefined;
  /** The global flags. */
  global: GlobalFlags;
  /** The command's own flags, by name. */
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
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
 * console.log(findCommand(["--dir", "/hooks", "run", "--serial"])); // "run"
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

/** Parse a whole number of milliseconds from a flag, or say what is wrong. */
export function parseMilliseconds(text: string, flag: string): number {
  if (!/^\d+$/.test(text) || Number(text) <= 0 || Number(text) > 86_400_000) {
    throw new UsageError(
      `${flag} takes a whole number of milliseconds from 1 to 86400000, not "${text}"`,
    );
  }
  return Number(text);
}

/**
 * Parse `argv` for one command with its own option table, global flags allowed
 * anywhere. Unknown flags and missing values are a {@linkcode UsageError}.
 *
 * @example
 * ```ts
 * import { parseCommandLine } from "./args.ts";
 * const parsed = parseCommandLine(["run", "--event-file", "e.json", "--serial"], {
 *   "event-file": { type: "string" },
 * });
 * console.log(parsed.command, parsed.values["event-file"], parsed.global.serial); // run e.json true
 * ```
 */
export function parseCommandLine(
  argv: readonly string[],
  commandOptions: ParseArgsOptionsConfig = {},
  commandName?: string,
): ParsedArgs {
  const command = findCommand(argv);
  const dash = argv.indexOf("--");
  const head = dash === -1 ? [...argv] : argv.slice(0, dash);
  const rest = dash === -1 ? undefined : argv.slice(dash + 1);
  const commandIndex = command === undefined ? -1 : head.indexOf(command);
  if (commandIndex !== -1) head.splice(commandIndex, 1);
  const options = { ...GLOBAL_OPTIONS, ...commandOptions };
  let parsed;
  try {
    parsed = parseArgs({ args: head, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(explainParseError(error, options, commandName ?? command));
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const global: GlobalFlags = {
    dir: v.dir as string | undefined,
    config: v.config as string | undefined,
    timeoutMs: v.timeout === undefined
      ? undefined
      : parseMilliseconds(v.timeout as string, "--timeout"),
    journal: v.journal as string | undefined,
    noJournal: v["no-journal"] === true,
    serial: v.serial === true,
    json: v.json === true,
    quiet: v.quiet === true,
    help: v.help === true,
    version: v.version === true,
  };
  const values: ParsedArgs["values"] = {};
  const all = parsed.values as ParsedArgs["values"];
  for (const name of Object.keys(commandOptions)) values[name] = all[name];
  return { command, global, values, positionals: parsed.positionals, rest };
}

function explainParseError(
  error: unknown,
  options: ParseArgsOptionsConfig,
  command?: string,
): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
  const where = command ? ` for ${command}` : "";
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && flag) {
    const known = Object.keys(options).map((name) => `--${name}`);
    return `unknown option ${flag}${where}${suggest(flag, known)}; see --help`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && flag) {
    return options[flag.replace(/^-+/, "")]?.type === "boolean"
      ? `option ${flag} takes no value`
      : `option ${flag} needs a value`;
  }
  return message.split(". ")[0];
}
