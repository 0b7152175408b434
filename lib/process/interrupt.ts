/**
 * The runner's own SIGINT and SIGTERM: the first stops every hook (through an
 * AbortSignal the stage runner listens to), a second kills their groups at once.
 *
 * @module
 */
import { InterruptedError } from "../errors.ts";
import { killAllHookGroups } from "./hook_process.ts";

/** The runner's view of interruption. */
export interface InterruptWatch {
  /** Aborted at the first SIGINT or SIGTERM; its reason is an `InterruptedError`. */
  readonly signal: AbortSignal;
  /** Which signal came first, or null. */
  received(): "SIGINT" | "SIGTERM" | null;
  /** Stop listening. */
  dispose(): void;
}

/**
 * Listen for SIGINT and SIGTERM until disposed.
 *
 * @example
 * ```ts
 * import { watchInterrupts } from "./interrupt.ts";
 * import assert from "node:assert/strict";
 * const watch = watchInterrupts();
 * // ... run a stage with { signal: watch.signal } ...
 * assert.equal(watch.received(), null);
 * assert.equal(watch.signal.aborted, false);
 * watch.dispose();
 * ```
 */
export function watchInterrupts(): InterruptWatch {
  const controller = new AbortController();
  let first: "SIGINT" | "SIGTERM" | null = null;
  const handlers = (["SIGINT", "SIGTERM"] as const).map((name) => {
    const handler = () => {
      if (first === null) {
        first = name;
        controller.abort(new InterruptedError(name));
      } else {
        killAllHookGroups("SIGKILL");
      }
    };
    try {
      Deno.addSignalListener(name, handler);
    } catch {
      // Signal listeners are unavailable (e.g. not on Linux): nothing to undo.
    }
    return [name, handler] as const;
  });
  return {
    signal: controller.signal,
    received: () => first,
    dispose() {
      for (const [name, handler] of handlers) {
        try {
          Deno.removeSignalListener(name, handler);
        } catch {
          // never added
        }
      }
    },
  };
}
