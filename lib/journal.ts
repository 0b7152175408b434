/**
 * The journal: one JSON line per record, rotated by size, safe for many runner
 * processes at once, read newest first. A stage appends a start record when its
 * hooks start and its report when it ends, so a run whose runner died still
 * shows up, as `unfinished`.
 *
 * - {@linkcode appendRecord} and {@linkcode appendStart} write (lib/journal/write.ts):
 *   under a bounded lock, never blocking on a FIFO, the whole append bounded.
 * - {@linkcode readNewest} and {@linkcode findRun} read (lib/journal/read.ts):
 *   backwards in chunks, each line checked, start records paired with reports.
 * - What the journal keeps of hook output: lib/journal/trim.ts.
 *
 * @example
 * ```ts
 * import { appendRecord, findRun } from "./journal.ts";
 * import type { RunReport } from "./report.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const journal = { path: `${dir}/journal.jsonl`, maxBytes: 1 << 20, keep: 2 };
 * const report: RunReport = {
 *   run_id: "0b6f3c2a-5d1e-4f7a-9c1b-2e3d4f5a6b7c", event_id: "e", dir: "/hooks",
 *   event: { action: "server-stop", stage: "pre", data: {} },
 *   started_at: new Date().toISOString(), duration_ms: 5, ok: true, interrupted: false,
 *   hooks: [], skipped: [],
 * };
 * await appendRecord(journal, report);
 * assert.deepEqual(await findRun(journal, "0b6f3c2a"), report);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export {
  type AppendOptions,
  appendRecord,
  appendStart,
  type JournalOptions,
} from "./journal/write.ts";
export {
  findRun,
  isUnfinished,
  type JournalEntry,
  MIN_PREFIX,
  readNewest,
  type ReadOptions,
  type UnfinishedRun,
} from "./journal/read.ts";
export { isStartRecord, type JournalRecord, type StartRecord } from "./journal/records.ts";
export { cutStream, type StreamText, trimReport } from "./journal/trim.ts";
