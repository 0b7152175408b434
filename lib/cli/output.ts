/**
 * Where the CLI writes, and how safely. Human lines go to stderr, data to
 * stdout; `--json` puts one JSON document on stdout. Every piece of text is
 * passed through {@linkcode escapeControls} on its way out, so nothing a hook
 * printed or a file name holds reaches a terminal raw; the CLI's own colour
 * codes are let through by exact match, and only when colour is on: a
 * terminal, no `NO_COLOR`, and `TERM` not `dumb`.
 *
 * @module
 */
import { readEnv } from "../config/runner_env.ts";
import { escapeControls } from "./escape.ts";

/** Colour functions; each returns its text unchanged when colour is off. */
export interface Palette {
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

/** The CLI's writer. */
export interface Output {
  /** Colours for stderr. */
  readonly colors: Palette;
  /** Colours for stdout (`show`, `history` on a terminal; none in a pipe). */
  readonly stdoutColors: Palette;
  /** True when stderr is a terminal. */
  readonly interactive: boolean;
  /**
   * True when stderr may get a live status line: a terminal whose `TERM` is
   * not `dumb`. The line is drawn with carriage returns and spaces only, never
   * cursor codes, so `NO_COLOR` keeps it, plain.
   */
  readonly live: boolean;
  /** True with `--quiet`: only failures and errors are written. */
  readonly quiet: boolean;
  /**
   * Write one line to stderr. It is one line: a newline or any other control
   * character in `text` is shown escaped (`\n`, `\x1b`).
   */
  line(text: string): void;
  /** Write text to stderr as it is, no newline added (the live status line). */
  raw(text: string): void;
  /**
   * Write a value as one JSON document to stdout, compact on one line or
   * indented with `pretty`. DEL, C1 controls and U+2028/U+2029, which
   * `JSON.stringify` leaves raw, are written as `\u` escapes: the same value,
   * safe on a terminal.
   */
  json(value: unknown, options?: { pretty?: boolean }): void;
  /** Write text to stdout, a newline added; control characters but newlines are shown escaped. */
  stdout(text: string): void;
  /** The width of the terminal `stream` writes to, or 80 when it is not a terminal. */
  columns(stream: "stdout" | "stderr"): number;
}

/** The width assumed when the output is not a terminal. */
export const DEFAULT_COLUMNS = 80;

function wrap(open: number, close: number) {
  return (text: string) => `\x1b[${open}m${text}\x1b[${close}m`;
}

const CODES = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  dim: [2, 22],
  bold: [1, 22],
} as const satisfies Record<keyof Palette, readonly [number, number]>;
const PLAIN: Palette = { red: String, green: String, yellow: String, dim: String, bold: String };
const ANSI = Object.fromEntries(
  Object.entries(CODES).map(([name, [open, close]]) => [name, wrap(open, close)]),
) as unknown as Palette;
/** The exact sequences {@linkcode ANSI} writes: the only ones let through. */
const OWN_CODES: readonly string[] = [
  ...new Set(Object.values(CODES).flat().map((code) => `\x1b[${code}m`)),
];

/**
 * Whether colour codes may go to a stream: it is a terminal, `NO_COLOR` is
 * not set (https://no-color.org) and `TERM` is not `dumb`.
 *
 * @example
 * ```ts
 * import { colorAllowed } from "./output.ts";
 * import assert from "node:assert/strict";
 * assert.equal(colorAllowed(false), false);
 * assert.equal(colorAllowed(true, new Map([["TERM", "dumb"]])), false);
 * assert.equal(colorAllowed(true, new Map([["NO_COLOR", "1"], ["TERM", "xterm"]])), false);
 * assert.equal(colorAllowed(true, new Map([["TERM", "xterm-256color"]])), true);
 * ```
 */
export function colorAllowed(
  isTerminal: boolean,
  env: { get(name: string): string | undefined } = Deno.env,
): boolean {
  return isTerminal && readEnv("NO_COLOR", env) === undefined && !isDumb(env);
}

function isDumb(env: { get(name: string): string | undefined }): boolean {
  return readEnv("TERM", env) === "dumb";
}

/**
 * A value as JSON text that is safe on a terminal and means the same: the
 * characters `JSON.stringify` leaves raw but a terminal may act on (DEL, C1
 * controls, U+2028, U+2029) become `\u` escapes.
 *
 * @example
 * ```ts
 * import { jsonText } from "./output.ts";
 * import assert from "node:assert/strict";
 * const text = jsonText({ name: "a\x1b\u009bb" });
 * assert.equal(text, '{"name":"a\\u001b\\u009bb"}');
 * assert.deepEqual(JSON.parse(text), { name: "a\x1b\u009bb" });
 * ```
 */
export function jsonText(value: unknown, pretty = false): string {
  return JSON.stringify(value, null, pretty ? 2 : undefined).replace(
    /[\x7f-\x9f\u2028\u2029]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Write all of `bytes` to a synchronous writer, looping over short writes.
 *
 * @example
 * ```ts
 * import { writeAllSync } from "./output.ts";
 * import assert from "node:assert/strict";
 * const parts: number[] = [];
 * // A writer that takes two bytes at a time: every byte still goes out, in order.
 * writeAllSync({ writeSync: (p) => (parts.push(...p.subarray(0, 2)), Math.min(2, p.length)) }, Uint8Array.of(1, 2, 3, 4, 5));
 * assert.deepEqual(parts, [1, 2, 3, 4, 5]);
 * ```
 */
export function writeAllSync(
  writer: { writeSync(p: Uint8Array): number },
  bytes: Uint8Array,
): void {
  let offset = 0;
  while (offset < bytes.byteLength) offset += writer.writeSync(bytes.subarray(offset));
}

function terminalColumns(stream: typeof Deno.stdout | typeof Deno.stderr): number {
  if (!stream.isTerminal()) return DEFAULT_COLUMNS;
  try {
    // Deno asks stdout, then stderr, then stdin: the first terminal answers.
    return Deno.consoleSize().columns || DEFAULT_COLUMNS;
  } catch {
    return DEFAULT_COLUMNS;
  }
}

/**
 * Make the CLI's writer.
 *
 * @example
 * ```ts
 * import { createOutput } from "./output.ts";
 * import assert from "node:assert/strict";
 * const out = createOutput({ quiet: false });
 * out.line(out.colors.green("ok"));
 * assert.equal(out.quiet, false);
 * assert.ok(out.columns("stderr") > 0); // a terminal's width, or 80
 * ```
 */
export function createOutput(options: { quiet: boolean }): Output {
  const encoder = new TextEncoder();
  const interactive = Deno.stderr.isTerminal();
  const stderrColor = colorAllowed(interactive);
  const stdoutColor = colorAllowed(Deno.stdout.isTerminal());
  const write = (target: typeof Deno.stderr | typeof Deno.stdout, text: string) => {
    try {
      writeAllSync(target, encoder.encode(text));
    } catch {
      // A closed stderr or stdout must not turn a finished run into a crash.
    }
  };
  // Our own colour codes stay where colour is on; every other control
  // character is escaped (ours too where colour is off: a name that holds one
  // is shown as it is).
  const safe = (text: string, color: boolean, newlines: boolean) =>
    escapeControls(text, { newlines, keep: color ? OWN_CODES : [] });
  return {
    colors: stderrColor ? ANSI : PLAIN,
    stdoutColors: stdoutColor ? ANSI : PLAIN,
    interactive,
    live: interactive && !isDumb(Deno.env),
    quiet: options.quiet,
    line: (text) => write(Deno.stderr, `${safe(text, stderrColor, false)}\n`),
    raw: (text) => write(Deno.stderr, text),
    json: (value, jsonOptions) =>
      write(Deno.stdout, `${jsonText(value, jsonOptions?.pretty ?? false)}\n`),
    stdout: (text) => write(Deno.stdout, `${safe(text, stdoutColor, true)}\n`),
    columns: (stream) => terminalColumns(stream === "stdout" ? Deno.stdout : Deno.stderr),
  };
}
