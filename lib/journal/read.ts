/**
 * Reading the journal: newest first, backwards a chunk at a time, so the newest
 * few runs of a huge journal cost a read of its last few kilobytes.
 *
 * Each line is checked ({@linkcode checkRecord}); one that is not a record is
 * skipped with a warning naming its file and line. Start records are paired with
 * their reports: reading newest first meets a run's report before its start
 * record, so a start record whose report was met is passed over, and one
 * without is a run that is still `running` or, once its runner's pid no longer
 * names the process that started it or its deadline, kill grace and a margin
 * have passed, `unfinished` (its runner died).
 *
 * @module
 */
import { concatBytes } from "../process/bytes.ts";
import { isSameProcess } from "../process/process_scan.ts";
import { UNFINISHED_AFTER_MS } from "../config/constants.ts";
import { JournalError } from "../errors.ts";
import type { RunReport } from "../report.ts";
import { describeError, exists, MAX_ROTATED, notRegular, openedNotRegular } from "./files.ts";
import { checkRecord, isStartRecord, type StartRecord } from "./records.ts";

/** A run whose start was recorded and whose report was not (yet). */
export interface UnfinishedRun extends StartRecord {
  /**
   * `running` while its deadline, kill grace and a margin for writing the
   * report have not passed; `unfinished` after: its runner died (SIGKILL, power
   * loss) or could not write the report.
   */
  state: "running" | "unfinished";
}

/** What the journal holds of one run: its report, or its start alone. */
export type JournalEntry = RunReport | UnfinishedRun;

/**
 * Whether an entry is a run without its report.
 *
 * @example
 * ```ts
 * import { isUnfinished } from "./read.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isUnfinished({ record: "start", state: "unfinished" } as never), true);
 * ```
 */
export function isUnfinished(entry: JournalEntry): entry is UnfinishedRun {
  return (entry as Partial<UnfinishedRun>).record === "start";
}

/** Where to read the journal from. */
export interface ReadOptions {
  /** The journal file. */
  path: string;
  /**
   * How many rotated files (`.1`, `.2`, ...) to look at. Default: until one is
   * missing. At most 1000 either way.
   */
  keep?: number;
  /** Told about lines that are not records (typically a torn last line), with file and line. */
  onWarning?: (message: string) => void;
  /** The time to judge `running` against `unfinished` by, in Unix ms (default: now). */
  now?: number;
}

/** How much of a file is read at a time when reading backwards. */
const CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/** One line of a file, read backwards; `fromEnd` is 1 for the last line. */
interface BackwardLine {
  bytes: Uint8Array;
  fromEnd: number;
}

/**
 * The lines of an open file, last first, read backwards `CHUNK_BYTES` at a time.
 * A trailing newline ends the last line rather than starting an empty one. A
 * file that shrinks while it is read (a `keep: 0` journal starting over) ends the
 * lines there.
 */
async function* linesBackwards(file: Deno.FsFile, size: number): AsyncGenerator<BackwardLine> {
  let position = size;
  let fromEnd = 0;
  // The start of the file's next line up, split across chunks, later parts last.
  let pending: Uint8Array[] = [];
  let first = true;
  while (position > 0) {
    const length = Math.min(CHUNK_BYTES, position);
    position -= length;
    const chunk = new Uint8Array(length);
    await file.seek(position, Deno.SeekMode.Start);
    for (let filled = 0; filled < length;) {
      const n = await file.read(chunk.subarray(filled));
      if (n === null) return; // The file shrank under us: what was here is gone.
      filled += n;
    }
    let end = length;
    if (first) {
      first = false;
      if (chunk[length - 1] === NEWLINE) end = length - 1;
    }
    for (let i = end - 1; i >= 0; i--) {
      if (chunk[i] !== NEWLINE) continue;
      yield { bytes: concatBytes([chunk.subarray(i + 1, end), ...pending]), fromEnd: ++fromEnd };
      pending = [];
      end = i;
    }
    if (end > 0) pending.unshift(chunk.subarray(0, end));
  }
  // The file's first line, which no newline precedes.
  if (size > 0) {
    yield { bytes: concatBytes(pending), fromEnd: ++fromEnd };
  }
}

function whichLine(fromEnd: number): string {
  return fromEnd === 1 ? "the last line" : `line ${fromEnd} from the end`;
}

function cannotRead(name: string, why: string, cause?: unknown): JournalError {
  return new JournalError(`cannot read journal ${name}: ${why}`, { cause });
}

/** Open one journal file for reading, refusing what is not a regular file first (a FIFO blocks an open). */
async function openJournalFile(name: string): Promise<Deno.FsFile | undefined> {
  let refused: string | undefined;
  let file: Deno.FsFile;
  try {
    refused = await notRegular(name);
    if (refused === undefined) file = await Deno.open(name, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw cannotRead(name, describeError(error), error);
  }
  if (refused !== undefined) throw cannotRead(name, `it is ${refused}`);
  const swapped = await openedNotRegular(file!).then(
    (kind) => kind && `it is ${kind}`,
    (error) => describeError(error),
  );
  if (swapped !== undefined) {
    file!.close();
    throw cannotRead(name, swapped);
  }
  return file!;
}

/**
 * The state of a run known only by its start record, at `now`: `unfinished`
 * once its deadline, grace and margin have passed, or as soon as its pid no
 * longer names the process that started the run (its start time differs).
 */
async function stateAt(start: StartRecord, now: number): Promise<UnfinishedRun["state"]> {
  const givenUpAt = Date.parse(start.deadline_at) + start.kill_grace_ms + UNFINISHED_AFTER_MS;
  if (now > givenUpAt) return "unfinished";
  if (start.runner_start === undefined) return "running";
  return await isSameProcess(start.pid, start.runner_start) === false ? "unfinished" : "running";
}

/**
 * The journal does not exist (yet): nothing has been recorded at this path. A
 * {@linkcode JournalError}, so a person is told as of any unreadable journal;
 * `history --json` answers it with an empty list.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NoJournalError } from "./read.ts";
 * assert.match(new NoJournalError("/var/log/x.jsonl").message, /^no journal at \/var\/log\/x\.jsonl: /);
 * ```
 */
export class NoJournalError extends JournalError {
  /** Make one for the journal at `path`. */
  constructor(path: string) {
    super(
      `no journal at ${path}: nothing has been recorded there yet, or the path is wrong ` +
        "(--journal, SOLUS_HOOKS_JOURNAL, journal.path in the config)",
    );
    this.name = "NoJournalError";
  }
}

/**
 * Every run in the journal, newest first: `PATH` from its end, then `PATH.1`,
 * `PATH.2`, ... Each is a run's report, or, for a run whose start was recorded
 * and whose report was not, its start record with `state` `running` or
 * `unfinished`. A start record whose report exists is never yielded.
 *
 * It reads each file backwards in 64 KiB chunks and yields as it goes, so a
 * caller that stops after a few runs of a huge journal reads only its last few
 * chunks and holds none of the rest. Stopping early (`break`) closes the file.
 * A file rotated while it is being read is not read twice.
 *
 * Blank lines are passed over. A line that is not a record (typically a torn
 * last line left by a runner killed while writing, or JSON that is no report)
 * is skipped and reported through `onWarning` with its file and line (counted
 * from the end, as the file is read backwards).
 *
 * Rejects with a {@linkcode JournalError} when the journal does not exist
 * (neither `PATH` nor `PATH.1`), or a file of it is not a regular file, cannot
 * be read, or lies outside the build's permission scope.
 *
 * @example
 * ```ts
 * import { readNewest } from "./read.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/journal.jsonl`;
 * const record = (run_id: string) =>
 *   JSON.stringify({
 *     run_id, event_id: "e", dir: "/hooks", started_at: "2026-11-25T04:14:37.000Z",
 *     event: { action: "server-stop", stage: "post", data: {} },
 *     duration_ms: 5, ok: true, interrupted: false, hooks: [], skipped: [],
 *   });
 * // Two records, a line that is no report, and a line torn by a runner killed while writing it.
 * await Deno.writeTextFile(path, `${record("first")}\n${record("second")}\n{"run_id":"x"}\n{"run_id":"thi`);
 * const seen: string[] = [];
 * const warnings: string[] = [];
 * for await (const run of readNewest({ path, onWarning: (message) => warnings.push(message) })) {
 *   seen.push(run.run_id);
 *   if (seen.length === 20) break; // `history --limit 20`
 * }
 * assert.deepEqual(seen, ["second", "first"]);
 * assert.equal(warnings.length, 2);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function* readNewest(options: ReadOptions): AsyncGenerator<JournalEntry> {
  const { path, onWarning } = options;
  const rotated = options.keep === undefined
    ? MAX_ROTATED
    : Math.min(Math.max(Math.floor(options.keep), 0), MAX_ROTATED);
  // Runs whose report was met: their start records, met later, are passed over.
  const reported = new Set<string>();
  // Reports that left their event to their start record, met later: held until it is.
  const pending = new Map<string, RunReport>();
  for await (const entry of readRecords(options, rotated, reported, pending)) yield entry;
  // A start record rotated out of the kept files: the report is all there is.
  for (const report of pending.values()) {
    onWarning?.(
      `${path}: run ${report.run_id}: its start record, which holds its event, is no longer in the journal`,
    );
    yield { ...report, event: { ...UNKNOWN_EVENT, data: {} } };
  }
}

/** What a run whose event is gone shows as its event. */
const UNKNOWN_EVENT = { action: "(unknown: its start record is gone)", stage: "pre" } as const;

/** The records of the journal and its rotated files, newest first (see {@linkcode readNewest}). */
async function* readRecords(
  options: ReadOptions,
  rotated: number,
  reported: Set<string>,
  pending: Map<string, RunReport>,
): AsyncGenerator<JournalEntry> {
  const { path, onWarning } = options;
  const now = options.now ?? Date.now();
  // Files already read, by device and inode: after a rotation mid-read, `.1` is the file just read.
  const seen = new Set<string>();
  const decoder = new TextDecoder();
  for (let n = 0; n <= rotated; n++) {
    const name = n === 0 ? path : `${path}.${n}`;
    const file = await openJournalFile(name);
    if (file === undefined) {
      // The journal itself may be missing for a moment during a rotation; a missing `.N` ends the set.
      if (n > 0) return;
      if (rotated === 0 || !await exists(`${path}.1`)) {
        throw new NoJournalError(path);
      }
      continue;
    }
    try {
      let lines: AsyncGenerator<BackwardLine>;
      try {
        const info = await file.stat();
        const identity = `${info.dev}:${info.ino}`;
        if (info.ino !== null && seen.has(identity)) continue;
        seen.add(identity);
        lines = linesBackwards(file, info.size);
      } catch (error) {
        throw cannotRead(name, describeError(error), error);
      }
      while (true) {
        let next: IteratorResult<BackwardLine>;
        try {
          next = await lines.next();
        } catch (error) {
          throw cannotRead(name, describeError(error), error);
        }
        if (next.done) break;
        const { bytes, fromEnd } = next.value;
        const text = decoder.decode(bytes);
        if (text.trim() === "") continue;
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          onWarning?.(
            `${name}: skipped a line that is not a whole record (${
              whichLine(fromEnd)
            }; a runner may have been killed while writing it)`,
          );
          continue;
        }
        const checked = checkRecord(value);
        if (!checked.ok) {
          const why = typeof value === "object" && value !== null && !Array.isArray(value)
            ? `: ${checked.problem}`
            : "";
          onWarning?.(
            `${name}: skipped a line that is not a run record (${whichLine(fromEnd)})${why}`,
          );
          continue;
        }
        const record = checked.record;
        if (isStartRecord(record)) {
          const report = pending.get(record.run_id);
          if (report) {
            pending.delete(record.run_id);
            reported.delete(record.run_id);
            const { event_in: _in, ...whole } = report as RunReport & { event_in?: string };
            yield { ...whole, event: record.event };
            continue;
          }
          if (reported.delete(record.run_id)) continue;
          yield { ...record, state: await stateAt(record, now) };
        } else {
          reported.add(record.run_id);
          if ((record as Partial<RunReport>).event === undefined) {
            pending.set(record.run_id, record);
            continue;
          }
          yield record;
        }
      }
    } finally {
      file.close();
    }
  }
}

/** The shortest run-id prefix {@linkcode findRun} looks runs up by. */
export const MIN_PREFIX = 8;

/**
 * Find a run in the journal by its id, or by a prefix of at least 8 characters
 * that only one run's id starts with (so `history`'s short ids work). An exact
 * match wins at once; a prefix is looked up through the whole journal and its
 * rotated files. Resolves to the run's report, or to its start record (with
 * `state`) when it has no report; to undefined when no run matches (a prefix
 * under 8 characters only matches a whole id). Rejects with a RangeError naming
 * the candidates when a prefix matches several runs, or when `runId` is empty,
 * and with a {@linkcode JournalError} as {@linkcode readNewest} does.
 *
 * @example
 * ```ts
 * import { findRun } from "./read.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/journal.jsonl`;
 * const record = (run_id: string) =>
 *   JSON.stringify({
 *     run_id, event_id: "e", dir: "/hooks", started_at: "2026-11-25T04:14:37.000Z",
 *     event: { action: "server-stop", stage: "post", data: {} },
 *     duration_ms: 5, ok: true, interrupted: false, hooks: [], skipped: [],
 *   });
 * await Deno.writeTextFile(
 *   path,
 *   `${record("0b6f3c2a-5d1e-4f7a-9c1b-2e3d4f5a6b7c")}\n${record("9a8b7c6d-0000-4000-8000-000000000000")}\n`,
 * );
 * const run = await findRun({ path }, "0b6f3c2a");
 * assert.equal(run?.run_id, "0b6f3c2a-5d1e-4f7a-9c1b-2e3d4f5a6b7c");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function findRun(
  options: ReadOptions,
  runId: string,
): Promise<JournalEntry | undefined> {
  if (runId === "") throw new RangeError("a run id is needed");
  const byPrefix = runId.length >= MIN_PREFIX;
  // The newest entry of each run whose id starts with `runId`, in the order met.
  const matches = new Map<string, JournalEntry>();
  for await (const entry of readNewest(options)) {
    if (entry.run_id === runId) return entry;
    if (byPrefix && entry.run_id.startsWith(runId) && !matches.has(entry.run_id)) {
      matches.set(entry.run_id, entry);
    }
  }
  if (matches.size > 1) {
    const ids = [...matches.keys()];
    const shown = ids.slice(0, 5).join(", ");
    const more = ids.length > 5 ? ` and ${ids.length - 5} more` : "";
    throw new RangeError(
      `run id ${runId} is ambiguous: ${ids.length} runs start with it (${shown}${more}); give more of it`,
    );
  }
  return matches.values().next().value;
}
