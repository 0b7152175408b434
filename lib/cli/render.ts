/**
 * A run report in words, for a person at a terminal: a line per hook and a summary.
 *
 * @module
 */
import type { HookResult, RunReport } from "../report.ts";
import type { Palette } from "./output.ts";

const LABELS: Record<HookResult["status"], string> = {
  ok: "ok",
  failed: "FAILED",
  timed_out: "TIMED OUT",
  spawn_error: "NOT RUN",
};

/** Milliseconds as a short duration: `840 ms`, `12.3 s`. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function firstLine(text: string): string {
  const line = text.trim().split("\n").findLast((l) => l.trim() !== "") ?? "";
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

/**
 * Render a report as lines for stderr. With `quiet`, only what went wrong.
 *
 * @example
 * ```ts
 * import { renderReport } from "./render.ts";
 * const plain = { red: String, green: String, yellow: String, dim: String, bold: String };
 * console.log(renderReport({
 *   run_id: "r", event_id: "e", dir: "/hooks", started_at: "", duration_ms: 3, ok: true, interrupted: false,
 *   event: { action: "server-start", stage: "pre", data: {} }, hooks: [], skipped: [],
 * }, plain).join("\n"));
 * ```
 */
export function renderReport(report: RunReport, colors: Palette, quiet = false): string[] {
  const lines: string[] = [];
  const nameWidth = Math.min(
    40,
    Math.max(
      8,
      ...report.hooks.map((h) => h.name.length),
      ...report.skipped.map((s) => s.name.length),
    ),
  );
  const head = `${report.event.action} ${report.event.stage}`;
  for (const hook of report.hooks) {
    if (quiet && hook.status === "ok") continue;
    const label = LABELS[hook.status].padEnd(9);
    const painted = hook.status === "ok" ? colors.green(label) : colors.red(label);
    let detail = "";
    if (hook.status !== "ok") {
      const why = hook.error ?? "";
      const said = firstLine(hook.stderr);
      detail = [why, said && colors.dim(said)].filter(Boolean).join(": ");
    } else if (hook.error) {
      detail = colors.dim(hook.error);
    }
    lines.push(
      `  ${painted} ${hook.name.padEnd(nameWidth)} ${formatDuration(hook.duration_ms).padStart(8)}${
        detail ? `  ${detail}` : ""
      }`,
    );
  }
  for (const skip of report.skipped) {
    if (quiet && !skip.refused) continue;
    const label = (skip.refused ? "REFUSED" : "skipped").padEnd(9);
    lines.push(
      `  ${skip.refused ? colors.red(label) : colors.dim(label)} ${skip.name.padEnd(nameWidth)} ${
        "".padStart(8)
      }  ${colors.dim(skip.reason)}`,
    );
  }
  const failed = report.hooks.filter((h) => h.status !== "ok").length;
  const refused = report.skipped.filter((s) => s.refused).length;
  const parts = [`${report.hooks.length} hook${report.hooks.length === 1 ? "" : "s"}`];
  if (failed) parts.push(`${failed} failed`);
  if (refused) parts.push(`${refused} refused`);
  if (report.skipped.length - refused) parts.push(`${report.skipped.length - refused} skipped`);
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
