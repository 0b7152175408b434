/**
 * One recorded run for a person (`show`): the event, the stage's timeline, and
 * each hook with a screenful of what it wrote.
 *
 * @module
 */
import type { RunReport } from "../report.ts";
import { escapeControls } from "./escape.ts";
import type { Palette } from "./output.ts";
import { formatDuration, plural, renderStream, statusLabel } from "./render.ts";
import { renderTimeline } from "./timeline.ts";

/** Lines of each stream `show` prints unless `--full`. */
export const SHOW_LINES = 20;

/** Options of {@linkcode renderRun}. */
export interface RunViewOptions {
  /** Colours for stdout. */
  colors: Palette;
  /** The width the timeline fills. */
  columns: number;
  /** Every line of every stream, not only the last 20. */
  full?: boolean;
}

/**
 * A recorded run as lines for stdout: a heading, the timeline, then per hook
 * its status, exit code or signal, time, note, and the last 20 lines of its
 * stdout and stderr (all with `full`), then the files not run. Everything
 * from the record is escaped.
 *
 * @example
 * ```ts
 * import { renderRun } from "./run_view.ts";
 * import assert from "node:assert/strict";
 * const plain = { red: String, green: String, yellow: String, dim: String, bold: String };
 * const lines = renderRun({
 *   run_id: "r1", event_id: "e", dir: "/hooks", started_at: "2026-11-26T00:00:00.000Z",
 *   duration_ms: 5, ok: true, interrupted: false,
 *   event: { action: "server-start", stage: "pre", data: {} }, skipped: [],
 *   hooks: [{ name: "a.sh", status: "ok", exit_code: 0, signal: null, duration_ms: 4,
 *     started_ms: 1, stdout: "hi\n", stderr: "", stdout_bytes: 3, stderr_bytes: 0 }],
 * }, { colors: plain, columns: 80 });
 * assert.equal(lines[0], "run r1");
 * assert.ok(lines.includes("      hi"));
 * ```
 */
export function renderRun(report: RunReport, options: RunViewOptions): string[] {
  const { colors } = options;
  const hooks = report.hooks ?? [];
  const skipped = report.skipped ?? [];
  const text = (value: unknown) => escapeControls(String(value ?? ""));
  const lines: string[] = [];
  lines.push(
    `${colors.bold(`run ${text(report.run_id)}`)}${
      report.replay_of ? ` (replay of ${text(report.replay_of)})` : ""
    }`,
  );
  lines.push(`  event id   ${text(report.event_id)}`);
  lines.push(
    `  started    ${text(report.started_at)}, took ${formatDuration(report.duration_ms ?? 0)}`,
  );
  const failed = hooks.filter((hook) => hook.status !== "ok").length;
  const outcome = report.interrupted
    ? colors.red("interrupted")
    : report.refused && report.refusal
    ? colors.red(`refused (${text(report.refusal)})`)
    : report.ok
    ? colors.green("ok")
    : colors.red("failed");
  const counts = [plural(hooks.length, "hook")];
  if (failed) counts.push(`${failed} not ok`);
  if (skipped.length) counts.push(`${skipped.length} not run`);
  lines.push(`  outcome    ${outcome}: ${counts.join(", ")}`);
  if (report.refused) lines.push(`  refused    ${colors.red(text(report.refused))}`);
  for (const warning of report.warnings ?? []) lines.push(`  warning    ${text(warning)}`);
  lines.push(`  directory  ${text(report.dir)}`);
  lines.push(`  event      ${escapeControls(JSON.stringify(report.event))}`);
  // A refused event that could not be read as one: what arrived, as it arrived.
  const arrived = (report as { event_text?: unknown }).event_text;
  if (typeof arrived === "string") lines.push(`  event text ${text(arrived)}`);
  const timeline = renderTimeline(report, { columns: options.columns, colors });
  if (timeline.length) lines.push("", ...timeline);
  for (const hook of hooks) {
    const how = hook.signal
      ? `signal ${text(hook.signal)}`
      : hook.exit_code === null || hook.exit_code === undefined
      ? "no exit code"
      : `exit ${hook.exit_code}`;
    lines.push("");
    lines.push(
      `  ${colors.bold(text(hook.name))}: ${statusLabel(hook.status)}, ${how}, ${
        formatDuration(hook.duration_ms ?? 0)
      }`,
    );
    if (hook.error) lines.push(`    note: ${text(hook.error)}`);
    for (const stream of ["stdout", "stderr"] as const) {
      lines.push(...renderStream(hook, stream, {
        maxLines: options.full ? undefined : SHOW_LINES,
        indent: "    ",
        moreHint: "--full shows all",
        colors,
      }));
    }
  }
  if (skipped.length) lines.push("");
  for (const skip of skipped) {
    lines.push(
      `  ${skip.refused ? colors.red("refused") : "skipped"} ${text(skip.name)}: ${
        text(skip.reason)
      }`,
    );
  }
  return lines;
}
