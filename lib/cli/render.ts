/**
 * A run report in words, for a person at a terminal: a line per hook and a
 * summary, with `--verbose` each hook's output and the hooks skipped by
 * directives. The pieces `test` and `show` share live here too: one label per
 * status, the line that explains a failure, a stream's last lines.
 *
 * Everything from outside (names, reasons, output) goes through
 * {@linkcode escapeControls} here, before it is padded into columns, so the
 * columns line up with what the terminal shows.
 *
 * @module
 */
import { type HookResult, isDirectiveSkip, type RunReport } from "../report.ts";
import { displayWidth, escapeControls, padColumns, showBytes, stripColors } from "./escape.ts";
import type { Palette } from "./output.ts";

/** One word per status, the same in `run`, `around`, `replay`, `test` and `show`. */
export const STATUS_LABELS: Readonly<Record<HookResult["status"], string>> = {
  ok: "ok",
  failed: "FAILED",
  timed_out: "TIMED OUT",
  spawn_error: "NOT RUN",
};

/**
 * The label of a status; one a newer or older record holds that this build
 * does not know is shown upper-cased, words apart.
 *
 * @example
 * ```ts
 * import { statusLabel } from "./render.ts";
 * import assert from "node:assert/strict";
 * assert.equal(statusLabel("timed_out"), "TIMED OUT");
 * assert.equal(statusLabel("unfinished"), "UNFINISHED");
 * ```
 */
export function statusLabel(status: string): string {
  return (STATUS_LABELS as Record<string, string>)[status] ??
    escapeControls(String(status)).replaceAll("_", " ").toUpperCase();
}

/**
 * `count` and the noun, singular for one: `1 hook`, `3 hooks`.
 *
 * @example
 * ```ts
 * import { plural } from "./render.ts";
 * import assert from "node:assert/strict";
 * assert.equal(plural(1, "hook"), "1 hook");
 * assert.equal(plural(0, "run"), "0 runs");
 * assert.equal(plural(2, "was", "were"), "2 were");
 * ```
 */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/**
 * Milliseconds as a short duration: `840 ms`, `12.3 s`.
 *
 * @example
 * ```ts
 * import { formatDuration } from "./render.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatDuration(840), "840 ms");
 * assert.equal(formatDuration(12_345), "12.3 s");
 * ```
 */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The two captured streams. */
export type StreamName = "stdout" | "stderr";

/** What `streamText` needs of a hook: a result as run, or as read back from the journal. */
export type CapturedStreams = Pick<HookResult, StreamName | `${StreamName}_bytes`> & {
  stdout_encoding?: "base64";
  stderr_encoding?: "base64";
};

function base64Bytes(text: string): Uint8Array {
  try {
    return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
  } catch {
    return new TextEncoder().encode(text); // not base64 after all: show what is there
  }
}

/**
 * A captured stream as text, not yet escaped. Output that was not UTF-8 (kept
 * as base64 in the report) is decoded where it is valid and each other byte
 * shown as `\xNN`: never decoded raw to the terminal, never shown as an
 * opaque base64 blob either.
 *
 * @example
 * ```ts
 * import { streamText } from "./render.ts";
 * import assert from "node:assert/strict";
 * const hook = { stdout: btoa("ok\xff"), stdout_encoding: "base64" as const, stderr: "",
 *   stdout_bytes: 3, stderr_bytes: 0 };
 * assert.equal(streamText(hook, "stdout"), "ok\\xff");
 * ```
 */
export function streamText(hook: CapturedStreams, stream: StreamName): string {
  const text = hook[stream] ?? "";
  return hook[`${stream}_encoding`] === "base64" ? showBytes(base64Bytes(text)) : text;
}

/** How many bytes of a stream the record kept. */
function keptBytes(hook: CapturedStreams, stream: StreamName): number {
  const text = hook[stream] ?? "";
  return hook[`${stream}_encoding`] === "base64"
    ? base64Bytes(text).byteLength
    : new TextEncoder().encode(text).byteLength;
}

/**
 * Lines of a stack trace or of the source it quotes, which do not say what
 * went wrong: JavaScript and Java frames (`    at file:///hook.ts:3:9`),
 * Python's (`  File "hook.py", line 3, in main`, its `Traceback` header),
 * Ruby's, Go's, and the carets under a quoted source line.
 */
const FRAME_LINES: readonly RegExp[] = [
  /^\s+at\s/, // JavaScript (Deno, Node, Bun), Java, C#
  /^\s*\.\.\. \d+ more$/, // Java
  /^Traceback \(most recent call last\):$/, // Python
  /^\s*File ".*", line \d+/, // Python
  /^\s*from \S+:\d+:in /, // Ruby
  /^goroutine \d+ \[/, // Go
  /^\s+\S+\.go:\d+/, // Go
  /^\s*[\^~]+\s*$/, // a caret line under quoted source
];

/** A line that only says where (Node's `/path/hook.js:3`): the source it quotes follows. */
const LOCATION_LINE = /^\S+:\d+(:\d+)?$/;

/** Python quotes the source line of each frame, indented under it. */
const PYTHON_FRAME = /^\s*File ".*", line \d+/;

/** The longest explanation shown, in characters. */
const EXPLANATION_MAX = 120;

/**
 * The line of a failed hook's stderr that explains the failure, for one line
 * of a report: the first non-blank line that is not a stack frame (nor the
 * source a trace quotes), colour codes stripped, control characters escaped,
 * cut to 120 characters. When every line is a frame, the last non-blank one.
 * `run`, `around`, `replay` and `test` all show this line.
 *
 * @example
 * ```ts
 * import { explainFailure } from "./render.ts";
 * import assert from "node:assert/strict";
 * const deno = "\x1b[0m\x1b[1m\x1b[31merror\x1b[0m: Uncaught Error: no chain\n" +
 *   "    at \x1b[36mfile:///hooks/fw.ts\x1b[0m:3:9\n";
 * assert.equal(explainFailure(deno), "error: Uncaught Error: no chain");
 * const python = 'Traceback (most recent call last):\n  File "/h.py", line 3, in <module>\n' +
 *   '    raise ValueError("bad uuid")\nValueError: bad uuid\n';
 * assert.equal(explainFailure(python), "ValueError: bad uuid");
 * assert.equal(explainFailure("\x1b]0;TITLE\x07\x1b[2J"), "\\x1b]0;TITLE\\x07\\x1b[2J");
 * assert.equal(explainFailure(""), "");
 * ```
 */
export function explainFailure(stderr: string): string {
  const lines = stripColors(stderr).split(/\r?\n/);
  let chosen: string | undefined;
  let lastNonBlank = "";
  let inLocation = false; // after Node's `file:line`, until a blank line
  let inPythonFrame = false; // after `File "...", line N`, its indented source
  for (const line of lines) {
    const blank = line.trim() === "";
    if (!blank) lastNonBlank = line;
    if (blank) {
      inLocation = false;
      continue;
    }
    if (inLocation) continue;
    if (inPythonFrame && /^\s{4,}/.test(line)) continue;
    inPythonFrame = PYTHON_FRAME.test(line);
    if (FRAME_LINES.some((pattern) => pattern.test(line))) continue;
    if (LOCATION_LINE.test(line.trim())) {
      inLocation = true;
      continue;
    }
    chosen = line;
    break;
  }
  const line = (chosen ?? lastNonBlank).trim();
  const cut = [...line].length > EXPLANATION_MAX
    ? `${[...line].slice(0, EXPLANATION_MAX - 1).join("")}…`
    : line;
  return escapeControls(cut);
}

/**
 * The explanatory line of a hook's stderr ({@linkcode explainFailure}), also
 * when the stderr was not UTF-8.
 *
 * @example
 * ```ts
 * import { explainHook } from "./render.ts";
 * import assert from "node:assert/strict";
 * assert.equal(explainHook({ stdout: "", stderr: "oops\n", stdout_bytes: 0, stderr_bytes: 5 }), "oops");
 * ```
 */
export function explainHook(hook: CapturedStreams): string {
  return explainFailure(streamText(hook, "stderr"));
}

/**
 * Text as display lines: split at newlines (a final newline ends the last
 * line, it does not start another), tabs expanded, colour codes stripped,
 * every other control character escaped.
 *
 * @example
 * ```ts
 * import { displayLines } from "./render.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(displayLines("a\tb\r\n\x1b[31mred\x1b[0m\x1b[2J\n"), ["a       b", "red\\x1b[2J"]);
 * ```
 */
export function displayLines(text: string): string[] {
  if (text === "") return [];
  const lines = stripColors(text).replace(/\r?\n$/, "").split(/\r?\n/);
  return lines.map((line) => escapeControls(expandTabs(line)));
}

function expandTabs(line: string): string {
  if (!line.includes("\t")) return line;
  let out = "";
  for (const char of line) {
    out += char === "\t" ? " ".repeat(8 - (displayWidth(out) % 8)) : char;
  }
  return out;
}

/** Options of {@linkcode renderStream}. */
export interface StreamOptions {
  /** At most this many lines, the last ones (default: all). */
  maxLines?: number;
  /** Put before every line. */
  indent?: string;
  /** Said when lines were left out, e.g. `--full shows all`. */
  moreHint?: string;
  /** Colours for the notes. */
  colors: Palette;
}

/**
 * A hook's stdout or stderr as display lines under a heading that says what
 * was left out: lines beyond `maxLines` (the last ones are shown), bytes the
 * record did not keep, output that is not UTF-8. No lines for an empty stream.
 *
 * @example
 * ```ts
 * import { renderStream } from "./render.ts";
 * import assert from "node:assert/strict";
 * const plain = { red: String, green: String, yellow: String, dim: String, bold: String };
 * const hook = { stdout: "1\n2\n3\n", stderr: "", stdout_bytes: 6, stderr_bytes: 0 };
 * assert.deepEqual(renderStream(hook, "stdout", { maxLines: 2, colors: plain, indent: "  " }), [
 *   "  stdout (the last 2 of 3 lines):",
 *   "    2",
 *   "    3",
 * ]);
 * ```
 */
export function renderStream(
  hook: CapturedStreams,
  stream: StreamName,
  options: StreamOptions,
): string[] {
  const total = hook[`${stream}_bytes`] ?? 0;
  const lines = displayLines(streamText(hook, stream));
  if (lines.length === 0 && total === 0) return [];
  const indent = options.indent ?? "";
  const notes: string[] = [];
  const max = options.maxLines ?? Infinity;
  const shown = lines.length > max ? lines.slice(-max) : lines;
  if (shown.length < lines.length) {
    notes.push(
      `the last ${shown.length} of ${lines.length} lines${
        options.moreHint ? `; ${options.moreHint}` : ""
      }`,
    );
  }
  const kept = keptBytes(hook, stream);
  if (total > kept) notes.push(`${kept} of ${total} bytes kept`);
  if (hook[`${stream}_encoding`] === "base64") {
    notes.push(`${plural(total, "byte")}, not UTF-8: other bytes shown as \\xNN`);
  }
  const heading = `${indent}${stream}${
    notes.length ? ` ${options.colors.dim(`(${notes.join("; ")})`)}` : ""
  }:`;
  return [heading, ...shown.map((line) => `${indent}  ${line}`)];
}

/** Options of {@linkcode renderReport}. */
export interface RenderOptions {
  /** Only what went wrong. */
  quiet?: boolean;
  /** Also each hook's output (its last lines) and the hooks skipped by directives. */
  verbose?: boolean;
}

/** Lines of each stream `--verbose` shows. */
export const VERBOSE_LINES = 20;

/**
 * Render a report as lines for stderr. With `quiet`, only what went wrong;
 * with `verbose`, each hook's stdout and stderr (the last 20 lines of each)
 * and the hooks skipped by directives. Every line is one line: names and
 * output are escaped.
 *
 * @example
 * ```ts
 * import { renderReport } from "./render.ts";
 * import assert from "node:assert/strict";
 * const plain = { red: String, green: String, yellow: String, dim: String, bold: String };
 * const lines = renderReport({
 *   run_id: "r", event_id: "e", dir: "/hooks", started_at: "", duration_ms: 3, ok: true, interrupted: false,
 *   event: { action: "server-start", stage: "pre", data: {} }, hooks: [], skipped: [],
 * }, plain);
 * assert.equal(lines.at(-1), "server-start pre: ok, 0 hooks in 3 ms (run r)");
 * ```
 */
export function renderReport(
  report: RunReport,
  colors: Palette,
  options: RenderOptions = {},
): string[] {
  const { quiet = false, verbose = false } = options;
  const lines: string[] = [];
  const skipped = report.skipped.filter((skip) => verbose || !isDirectiveSkip(skip));
  const names = new Map<object, string>();
  for (const item of [...report.hooks, ...skipped]) names.set(item, escapeControls(item.name));
  const nameWidth = Math.min(40, Math.max(8, ...[...names.values()].map(displayWidth)));
  const head = escapeControls(`${report.event.action} ${report.event.stage}`);
  if (report.refused) lines.push(colors.red(`  REFUSED   ${escapeControls(report.refused)}`));
  for (const warning of report.warnings ?? []) {
    lines.push(`  ${colors.yellow("warning".padEnd(9))} ${escapeControls(warning)}`);
  }
  for (const hook of report.hooks) {
    if (quiet && hook.status === "ok") continue;
    const label = statusLabel(hook.status).padEnd(9);
    const painted = hook.status === "ok" ? colors.green(label) : colors.red(label);
    let detail = "";
    if (hook.status !== "ok") {
      const why = escapeControls(hook.error ?? "");
      const said = explainHook(hook);
      detail = [why, said && colors.dim(said)].filter(Boolean).join(": ");
    } else if (hook.error) {
      detail = colors.dim(escapeControls(hook.error));
    }
    lines.push(
      `  ${painted} ${padColumns(names.get(hook)!, nameWidth)} ${
        formatDuration(hook.duration_ms).padStart(8)
      }${detail ? `  ${detail}` : ""}`,
    );
    if (verbose) {
      for (const stream of ["stdout", "stderr"] as const) {
        lines.push(...renderStream(hook, stream, {
          maxLines: VERBOSE_LINES,
          indent: " ".repeat(12), // under the name
          moreHint: `\`solus-hooks show ${report.run_id.slice(0, 8)}\` shows more`,
          colors,
        }));
      }
    }
  }
  for (const skip of skipped) {
    if (quiet && !skip.refused) continue;
    const label = (skip.refused ? "REFUSED" : "skipped").padEnd(9);
    lines.push(
      `  ${skip.refused ? colors.red(label) : colors.dim(label)} ${
        padColumns(names.get(skip)!, nameWidth)
      } ${"".padStart(8)}  ${colors.dim(escapeControls(skip.reason))}`,
    );
  }
  const failed = report.hooks.filter((h) => h.status !== "ok").length;
  const refused = skipped.filter((s) => s.refused).length;
  const directive = skipped.filter(isDirectiveSkip).length;
  const parts = [plural(report.hooks.length, "hook")];
  if (failed) parts.push(`${failed} failed`);
  if (refused) parts.push(`${refused} refused`);
  const plain = skipped.length - refused - directive;
  if (plain) parts.push(`${plain} skipped`);
  if (directive) parts.push(`${directive} not for this event`);
  const verdict = report.interrupted
    ? colors.red("interrupted")
    : report.ok
    ? colors.green("ok")
    : colors.red("failed");
  if (!quiet || !report.ok) {
    lines.push(
      `${colors.bold(head)}: ${verdict}, ${parts.join(", ")} in ${
        formatDuration(report.duration_ms)
      } ${colors.dim(`(run ${report.run_id})`)}`,
    );
  }
  return lines;
}
