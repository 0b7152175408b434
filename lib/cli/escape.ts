/**
 * Terminal safety: text that comes from outside (a hook's output, a file name, a
 * journal record) never reaches a terminal raw. One function,
 * {@linkcode escapeControls}, turns every control character into a visible
 * escape (`\x1b`, `\n`, `\x07`), so a hook that prints `ESC ] 0 ; title BEL` or
 * `ESC [ 2 J` cannot retitle or clear the operator's terminal, and a file named
 * with a newline cannot fake a line of the report. The CLI's own colour codes
 * are the only escape sequences let through, and only by exact match.
 *
 * Also here: stripping colour codes (a Deno hook's error is coloured), showing
 * bytes that are not UTF-8, and measuring text in terminal columns.
 *
 * @module
 */

/**
 * Characters that must never be written raw: C0 controls, DEL, C1 controls
 * (U+0080–U+009F: U+009B is CSI on some terminals), the line and paragraph
 * separators, and the bidirectional overrides that can make text read
 * differently from what it is.
 */
// deno-lint-ignore no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** Options of {@linkcode escapeControls}. */
export interface EscapeOptions {
  /** Leave `\n` as it is (a block of text is being written). Default false. */
  newlines?: boolean;
  /** Leave `\t` as it is. Default false. */
  tabs?: boolean;
  /**
   * Exact escape sequences to let through (the CLI's own colour codes); every
   * other control character is escaped.
   */
  keep?: readonly string[];
}

/** The visible form of one control character: `\n`, `\t`, `\r`, `\x1b`, `\u{202e}`. */
function visible(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.codePointAt(0)!;
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u{${code.toString(16).padStart(4, "0")}}`;
}

/**
 * Text with every control character shown as a visible escape. The one
 * function that makes outside text safe for a terminal.
 *
 * @example
 * ```ts
 * import { escapeControls } from "./escape.ts";
 * import assert from "node:assert/strict";
 * assert.equal(escapeControls("\x1b]0;TITLE\x07\x1b[2J"), "\\x1b]0;TITLE\\x07\\x1b[2J");
 * assert.equal(escapeControls("a\nb"), "a\\nb");
 * assert.equal(escapeControls("a\nb", { newlines: true }), "a\nb");
 * assert.equal(escapeControls("\x1b[31mred\x1b[39m", { keep: ["\x1b[31m"] }), "\x1b[31mred\\x1b[39m");
 * ```
 */
export function escapeControls(text: string, options: EscapeOptions = {}): string {
  const keep = options.keep ?? [];
  return text.replace(CONTROL, (char, offset: number) => {
    if (char === "\n" && options.newlines) return char;
    if (char === "\t" && options.tabs) return char;
    if (char === "\x1b" && keep.some((sequence) => text.startsWith(sequence, offset))) return char;
    return visible(char);
  });
}

/** Select Graphic Rendition sequences: colours and text styles, nothing that moves or clears. */
// deno-lint-ignore no-control-regex -- matching colour codes is the point
const SGR = /\x1b\[[0-9;:]*m/g;

/**
 * Text without its colour codes (SGR sequences). Other escape sequences stay,
 * for {@linkcode escapeControls} to show.
 *
 * @example
 * ```ts
 * import { stripColors } from "./escape.ts";
 * import assert from "node:assert/strict";
 * assert.equal(stripColors("\x1b[0m\x1b[1m\x1b[31merror\x1b[0m: boom"), "error: boom");
 * assert.equal(stripColors("\x1b[2J"), "\x1b[2J");
 * ```
 */
export function stripColors(text: string): string {
  return text.replace(SGR, "");
}

/**
 * Bytes as text: every valid UTF-8 sequence decoded, every byte that is not
 * part of one shown as `\xNN`. Control characters are left for
 * {@linkcode escapeControls}.
 *
 * @example
 * ```ts
 * import { showBytes } from "./escape.ts";
 * import assert from "node:assert/strict";
 * assert.equal(showBytes(Uint8Array.of(0x6f, 0x6b, 0xff, 0xc3, 0xa9)), "ok\\xffé");
 * ```
 */
export function showBytes(bytes: Uint8Array): string {
  let text = "";
  let start = 0; // the run of valid bytes not yet decoded
  const decoder = new TextDecoder();
  let i = 0;
  while (i < bytes.length) {
    const length = validSequenceLength(bytes, i);
    if (length > 0) {
      i += length;
      continue;
    }
    text += decoder.decode(bytes.subarray(start, i));
    text += `\\x${bytes[i].toString(16).padStart(2, "0")}`;
    i += 1;
    start = i;
  }
  return text + decoder.decode(bytes.subarray(start));
}

/** The length of the valid UTF-8 sequence starting at `i`, or 0 if there is none. */
function validSequenceLength(bytes: Uint8Array, i: number): number {
  const lead = bytes[i];
  if (lead < 0x80) return 1;
  const tail = (at: number, low = 0x80, high = 0xbf) =>
    at < bytes.length && bytes[at] >= low && bytes[at] <= high;
  if (lead >= 0xc2 && lead <= 0xdf) return tail(i + 1) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    // No overlong forms (E0 80..9F) and no surrogates (ED A0..BF).
    const low = lead === 0xe0 ? 0xa0 : 0x80;
    const high = lead === 0xed ? 0x9f : 0xbf;
    return tail(i + 1, low, high) && tail(i + 2) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    const low = lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xf4 ? 0x8f : 0xbf;
    return tail(i + 1, low, high) && tail(i + 2) && tail(i + 3) ? 4 : 0;
  }
  return 0;
}

/** Code points that take no column (combining marks, zero-width characters). */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\u200b-\u200d\ufeff]$/u;

/** East Asian wide and fullwidth ranges, and emoji: two columns each. */
function isWide(code: number): boolean {
  return (code >= 0x1100 && code <= 0x115f) || (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) || (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) || (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) || (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd);
}

function charWidth(char: string): number {
  if (ZERO_WIDTH.test(char)) return 0;
  return isWide(char.codePointAt(0)!) ? 2 : 1;
}

/**
 * How many terminal columns `text` takes (text without escape sequences).
 *
 * @example
 * ```ts
 * import { displayWidth } from "./escape.ts";
 * import assert from "node:assert/strict";
 * assert.equal(displayWidth("hook.sh"), 7);
 * assert.equal(displayWidth("日本"), 4);
 * ```
 */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += charWidth(char);
  return width;
}

/**
 * `text` cut to at most `columns` terminal columns, ending in `…` when cut.
 *
 * @example
 * ```ts
 * import { fitColumns } from "./escape.ts";
 * import assert from "node:assert/strict";
 * assert.equal(fitColumns("20-firewall.py", 8), "20-fire…");
 * assert.equal(fitColumns("short", 8), "short");
 * ```
 */
export function fitColumns(text: string, columns: number): string {
  if (displayWidth(text) <= columns) return text;
  if (columns <= 0) return "";
  let out = "";
  let width = 0;
  for (const char of text) {
    const w = charWidth(char);
    if (width + w > columns - 1) break;
    out += char;
    width += w;
  }
  return `${out}…`;
}

/**
 * `text` padded with spaces to `columns` terminal columns (`padEnd` counts
 * UTF-16 units, not columns).
 *
 * @example
 * ```ts
 * import { padColumns } from "./escape.ts";
 * import assert from "node:assert/strict";
 * assert.equal(padColumns("日本", 6), "日本  ");
 * ```
 */
export function padColumns(text: string, columns: number): string {
  return text + " ".repeat(Math.max(0, columns - displayWidth(text)));
}
