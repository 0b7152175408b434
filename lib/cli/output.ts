/**
 * Where the CLI writes: human lines to stderr (coloured only on a terminal and
 * without `NO_COLOR`), one JSON report to stdout with `--json`.
 *
 * @module
 */

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
  /** True when stderr is a terminal (live progress is shown only then). */
  readonly interactive: boolean;
  /** True with `--quiet`: only failures and errors are written. */
  readonly quiet: boolean;
  /** Write one line to stderr. */
  line(text: string): void;
  /** Write raw text to stderr, no newline added. */
  raw(text: string): void;
  /** Write a value as JSON on one line to stdout. */
  json(value: unknown): void;
  /** Write text to stdout, a newline added. */
  stdout(text: string): void;
}

function wrap(open: number, close: number) {
  return (text: string) => `\x1b[${open}m${text}\x1b[${close}m`;
}

const PLAIN: Palette = { red: String, green: String, yellow: String, dim: String, bold: String };
const ANSI: Palette = {
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  dim: wrap(2, 22),
  bold: wrap(1, 22),
};

function noColorSet(): boolean {
  try {
    return (Deno.env.get("NO_COLOR") ?? "") !== "";
  } catch {
    return false;
  }
}

/**
 * Write all of `bytes` to a synchronous writer, looping over short writes.
 *
 * @example
 * ```ts
 * import { writeAllSync } from "./output.ts";
 * writeAllSync(Deno.stderr, new TextEncoder().encode("hello\n"));
 * ```
 */
export function writeAllSync(
  writer: { writeSync(p: Uint8Array): number },
  bytes: Uint8Array,
): void {
  let offset = 0;
  while (offset < bytes.byteLength) offset += writer.writeSync(bytes.subarray(offset));
}

/**
 * Make the CLI's writer.
 *
 * @example
 * ```ts
 * import { createOutput } from "./output.ts";
 * const out = createOutput({ quiet: false });
 * out.line(out.colors.green("ok"));
 * ```
 */
export function createOutput(options: { quiet: boolean }): Output {
  const encoder = new TextEncoder();
  const interactive = Deno.stderr.isTerminal();
  const write = (target: typeof Deno.stderr | typeof Deno.stdout, text: string) => {
    try {
      writeAllSync(target, encoder.encode(text));
    } catch {
      // A closed stderr or stdout must not turn a finished run into a crash.
    }
  };
  return {
    colors: interactive && !noColorSet() ? ANSI : PLAIN,
    interactive,
    quiet: options.quiet,
    line: (text) => write(Deno.stderr, `${text}\n`),
    raw: (text) => write(Deno.stderr, text),
    json: (value) => write(Deno.stdout, `${JSON.stringify(value)}\n`),
    stdout: (text) => write(Deno.stdout, `${text}\n`),
  };
}
