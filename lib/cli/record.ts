/**
 * Journaling one stage for the CLI: the start record when its hooks start
 * (written alongside the first spawns, never before them), the report when it
 * ends. Every write is bounded and given up at the runner's SIGINT/SIGTERM; a
 * record that cannot be written is a warning, never a reason to skip hooks.
 *
 * @module
 */
import type { Settings } from "../config/settings.ts";
import { JOURNAL_AFTER_INTERRUPT_MS } from "../config/constants.ts";
import type { InterruptWatch } from "../process/interrupt.ts";
import { appendRecord, appendStart } from "../journal/write.ts";
import type { RunReport } from "../report.ts";
import type { StageStart } from "../stage.ts";
import type { Output } from "./output.ts";
import { journalWarning } from "../scope.ts";

/** The journal side of one stage. */
export interface StageRecorder {
  /** For `runStage`'s `onStart` (undefined when the journal is off). */
  onStart?: (start: StageStart) => void;
  /** Append the stage's report once its start record has settled; warn if it cannot. */
  finish(report: RunReport): Promise<void>;
}

/**
 * Journal one stage. The start record goes out while the hooks start; when the
 * stage ends, a start record still waiting (on a held lock, say) is given up, as
 * the report that follows says more, and the report is appended after it so a
 * reader, newest first, always meets a run's report before its start. After an
 * interrupt the report gets a short bound of its own: the runner must end now.
 *
 * @example
 * ```ts ignore
 * const recorder = recordStage(settings.journal, context);
 * const report = await runStage(event, { ...options, onStart: recorder.onStart });
 * await recorder.finish(report);
 * ```
 */
export function recordStage(
  journal: Settings["journal"],
  context: { out: Output; interrupts: InterruptWatch },
): StageRecorder {
  if (!journal.enabled) return { finish: () => Promise.resolve() };
  const { out, interrupts } = context;
  const stageEnded = new AbortController();
  // Whether the start record, which holds the event, was written: then the report leaves it out.
  let started: Promise<boolean> = Promise.resolve(false);
  return {
    onStart(start) {
      // Zero hooks: nothing can be left running, and the report follows at once.
      if (start.hooks.length === 0) return;
      const signal = AbortSignal.any([interrupts.signal, stageEnded.signal]);
      // A start record that is not written only matters if the report is not either: that one warns.
      started = appendStart(journal, start, { signal }).then(() => true, () => false);
    },
    async finish(report) {
      stageEnded.abort();
      const eventInStart = await started;
      const signal = interrupts.signal.aborted
        ? AbortSignal.timeout(JOURNAL_AFTER_INTERRUPT_MS)
        : interrupts.signal;
      try {
        await appendRecord(journal, report, { signal, eventInStart });
      } catch (error) {
        out.line(out.colors.yellow(journalWarning(error, journal.path)));
      }
    },
  };
}
