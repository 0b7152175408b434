/**
 * While a stage waits on a terminal, one line that says which hooks still run.
 * It is drawn with a carriage return and spaces, never cursor codes: it works
 * on any terminal but a dumb one, fits the terminal's width so it never wraps
 * (a wrapped line cannot be taken back with a carriage return), and is wiped
 * when the stage ends.
 *
 * @module
 */
import { displayWidth, escapeControls, fitColumns } from "./escape.ts";
import type { Output } from "./output.ts";

/** A live status line; `update` with the running names, `stop` to clear it. */
export interface Progress {
  /** The hooks running now. */
  update(running: readonly string[]): void;
  /** Clear the line and stop the clock. */
  stop(): void;
}

const QUIET_PERIOD_MS = 1000;
const TICK_MS = 500;

/**
 * The status line's text for a terminal `columns` wide: as many hook names as
 * fit, then how many more; never wider than `columns`. Names are escaped.
 *
 * @example
 * ```ts
 * import { statusText } from "./progress.ts";
 * import assert from "node:assert/strict";
 * assert.equal(statusText("server-start pre", 3, ["a.sh", "b.sh"], 80),
 *   "server-start pre: waiting 3 s for a.sh, b.sh");
 * assert.equal(statusText("server-start pre", 3, ["a.sh", "b".repeat(100)], 40),
 *   "server-start pre: waiting 3 s for a.sh,…");
 * assert.ok(statusText("x", 1, ["n".repeat(100)], 30).length <= 30);
 * ```
 */
export function statusText(
  label: string,
  seconds: number,
  running: readonly string[],
  columns: number,
): string {
  const head = `${escapeControls(label)}: waiting ${seconds} s for `;
  const names = running.map((name) => escapeControls(name));
  let shown = 0;
  let text = head;
  for (; shown < names.length; shown++) {
    const next = `${text}${shown > 0 ? ", " : ""}${names[shown]}`;
    const left = names.length - shown - 1;
    const more = left > 0 ? `, +${left} more` : "";
    if (displayWidth(next + more) > columns) break;
    text = next;
  }
  if (shown === names.length) return text;
  if (shown === 0) return fitColumns(`${head}${names.join(", ")}`, columns);
  const more = `… +${names.length - shown} more`;
  return displayWidth(text + more) <= columns ? text + more : fitColumns(text, columns);
}

/**
 * Show a status line on a live stderr (a terminal, not `TERM=dumb`) once a
 * stage has run for a second; do nothing otherwise (pipes and logs get only the
 * final lines).
 *
 * @example
 * ```ts
 * import { createOutput } from "./output.ts";
 * import { startProgress } from "./progress.ts";
 * const progress = startProgress(createOutput({ quiet: true }), "server-start pre");
 * progress.update(["10-slow.sh"]); // quiet, or not a terminal: nothing is drawn
 * progress.stop();
 * ```
 */
export function startProgress(out: Output, label: string): Progress {
  if (!out.live || out.quiet) return { update() {}, stop() {} };
  const started = performance.now();
  let running: readonly string[] = [];
  let drawnWidth = 0; // columns of the line on screen now
  const draw = () => {
    const seconds = Math.floor((performance.now() - started) / 1000);
    // One column short of the width: writing the last column makes some terminals wrap.
    const columns = Math.max(10, out.columns("stderr") - 1);
    const text = statusText(label, seconds, running, columns);
    const width = displayWidth(text);
    // Spaces over what is left of a longer line drawn before.
    const wipe = " ".repeat(Math.max(0, Math.min(drawnWidth, columns) - width));
    out.raw(`\r${out.colors.dim(text)}${wipe}`);
    drawnWidth = width;
  };
  const timer = setInterval(() => {
    if (running.length > 0 && performance.now() - started >= QUIET_PERIOD_MS) draw();
  }, TICK_MS);
  return {
    update(names) {
      running = names;
    },
    stop() {
      clearInterval(timer);
      if (drawnWidth > 0) out.raw(`\r${" ".repeat(drawnWidth)}\r`);
      drawnWidth = 0;
    },
  };
}
