/**
 * A stage as a timeline: one bar per hook from its spawn to its end, scaled to
 * the terminal's width, so the hook that held the event stands out.
 *
 * @module
 */
import type { RunReport } from "../report.ts";
import { displayWidth, escapeControls, fitColumns, padColumns } from "./escape.ts";
import type { Palette } from "./output.ts";
import { formatDuration, statusLabel } from "./render.ts";

/** Options of {@linkcode renderTimeline}. */
export interface TimelineOptions {
  /** The width to fill, in columns (the terminal's, or 80). */
  columns: number;
  /** Colours for the bars. */
  colors: Palette;
}

const BAR = "█";
const TRACK = " ";
/** The narrowest bar track drawn, whatever the width. */
const MIN_TRACK = 10;

/**
 * The timeline of a recorded stage: a scale line, then per hook its name, a
 * bar from its start to its end, its status and duration, then the hook that
 * ended last (the one the event waited for). Fits `columns` (one column is
 * left free so a terminal never wraps). Records written before hooks'
 * `started_ms` was kept draw every bar from 0 and say so.
 *
 * @example
 * ```ts
 * import { renderTimeline } from "./timeline.ts";
 * import assert from "node:assert/strict";
 * const plain = { red: String, green: String, yellow: String, dim: String, bold: String };
 * const hook = (name: string, started_ms: number, duration_ms: number) => ({
 *   name, started_ms, duration_ms, status: "ok" as const, exit_code: 0, signal: null,
 *   stdout: "", stderr: "", stdout_bytes: 0, stderr_bytes: 0,
 * });
 * const lines = renderTimeline({
 *   run_id: "r", event_id: "e", dir: "/h", started_at: "", duration_ms: 1000, ok: true,
 *   interrupted: false, event: { action: "server-start", stage: "pre", data: {} }, skipped: [],
 *   hooks: [hook("quick.sh", 0, 100), hook("slow.sh", 0, 1000)],
 * }, { columns: 60, colors: plain });
 * assert.ok(lines.every((line) => line.length < 60));
 * assert.match(lines.at(-1)!, /held the stage: slow\.sh/);
 * ```
 */
export function renderTimeline(report: RunReport, options: TimelineOptions): string[] {
  const { colors } = options;
  const hooks = report.hooks ?? [];
  if (hooks.length === 0) return [];
  const known = hooks.some((hook) => typeof hook.started_ms === "number");
  const spans = hooks.map((hook) => {
    const start = Math.max(0, hook.started_ms ?? 0);
    const duration = Math.max(0, hook.duration_ms ?? 0);
    return { hook, name: escapeControls(hook.name), start, end: start + duration };
  });
  const total = Math.max(1, report.duration_ms ?? 0, ...spans.map((span) => span.end));
  const usable = Math.max(40, options.columns) - 1;
  const labelWidth = 9;
  const durationWidth = 7;
  // "  NAME │BAR│ LABEL DURATION": everything but NAME and BAR is fixed.
  const fixed = 2 + 1 + 1 + 1 + 1 + labelWidth + 1 + durationWidth;
  const longest = Math.max(...spans.map((span) => displayWidth(span.name)));
  const nameWidth = Math.max(4, Math.min(longest, Math.floor(usable / 4)));
  const track = Math.max(MIN_TRACK, usable - fixed - nameWidth);
  const cell = (ms: number) => Math.round((ms / total) * track);
  const held = spans.reduce((last, span) => (span.end > last.end ? span : last));

  const lines: string[] = [];
  const scaleEnd = formatDuration(total);
  lines.push(
    `  ${" ".repeat(nameWidth)}  ${
      colors.dim(`0${" ".repeat(Math.max(1, track - scaleEnd.length - 1))}${scaleEnd}`)
    }`,
  );
  for (const span of spans) {
    const from = Math.min(track - 1, cell(span.start));
    const to = Math.max(from + 1, Math.min(track, cell(span.end)));
    const bar = BAR.repeat(to - from);
    const paint = span.hook.status === "ok" ? colors.green : colors.red;
    const name = padColumns(fitColumns(span.name, nameWidth), nameWidth);
    lines.push(
      `  ${span === held ? colors.bold(name) : name} │${TRACK.repeat(from)}${paint(bar)}${
        TRACK.repeat(track - to)
      }│ ${paint(statusLabel(span.hook.status).padEnd(labelWidth))} ${
        formatDuration(span.hook.duration_ms ?? 0).padStart(durationWidth)
      }`,
    );
  }
  if (!known) lines.push(colors.dim("  (this record has no start times: every bar starts at 0)"));
  if (hooks.length > 1) {
    lines.push(
      `  held the stage: ${colors.bold(fitColumns(held.name, usable - 30))}, ended at ${
        formatDuration(held.end)
      } of ${formatDuration(total)}`,
    );
  }
  return lines;
}
