/**
 * While a stage waits on a terminal, one line that says which hooks still run.
 *
 * @module
 */
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
 * Show a status line on an interactive stderr once a stage has run for a second;
 * do nothing otherwise (pipes and logs get only the final lines).
 *
 * @example
 * ```ts
 * import { createOutput } from "./output.ts";
 * import { startProgress } from "./progress.ts";
 * const progress = startProgress(createOutput({ quiet: false }), "server-start pre");
 * progress.update(["10-slow.sh"]);
 * progress.stop();
 * ```
 */
export function startProgress(out: Output, label: string): Progress {
  if (!out.interactive || out.quiet) return { update() {}, stop() {} };
  const started = performance.now();
  let running: readonly string[] = [];
  let shown = false;
  const draw = () => {
    const seconds = Math.floor((performance.now() - started) / 1000);
    const names = running.join(", ");
    const text = `${label}: waiting ${seconds} s for ${names}`;
    out.raw(`\r\x1b[K${out.colors.dim(text.length > 150 ? `${text.slice(0, 147)}...` : text)}`);
    shown = true;
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
      if (shown) out.raw("\r\x1b[K");
    },
  };
}
