/**
 * Appending to the journal: one JSON line per record, rotated by size, safe for
 * many runner processes at once, and never a wait without an end.
 *
 * - Appends take an exclusive lock on a sibling lock file (`journal.jsonl.lock`)
 *   with {@linkcode withLock} (2 s at most, given up at the caller's signal), so
 *   rotation and writing never interleave, and write each record as one `write`
 *   of a whole line to a file opened for appending.
 * - The whole append is bounded too (`JOURNAL_APPEND_MS`): a slow or hung disk
 *   costs a warning, not a hung runner. A write given up on may still finish in
 *   the background; it holds the lock until then, so no line is interleaved.
 * - A journal path that is not a regular file (a FIFO nobody reads, a device, a
 *   directory) is refused before anything opens it: opening a FIFO blocks.
 * - A runner killed mid-write leaves at worst a torn last line: readers skip it
 *   with a warning and the next writer closes it off with a newline first.
 * - Rotation: when appending would take the file past `maxBytes`, `.1` becomes
 *   `.2` and so on up to `.keep`, the journal becomes `.1` (the newest rotated
 *   file), and the record starts a fresh file. With `keep: 0` the journal starts
 *   over empty.
 *
 * @module
 */
import { concatBytes } from "../process/bytes.ts";
import { DEFAULTS, JOURNAL_APPEND_MS } from "../config/constants.ts";
import { JournalError } from "../errors.ts";
import { withLock } from "./lock.ts";
import { dirname } from "../paths.ts";
import type { RunReport } from "../report.ts";
import type { StageStart } from "../stage.ts";
import { describeError, MAX_ROTATED, notRegular, openedNotRegular } from "./files.ts";
import type { StartRecord } from "./records.ts";
import { trimReport } from "./trim.ts";
import { applyMaxAge } from "./retention.ts";

/** Where the journal lives, how it rotates, and how much output it keeps. */
export interface JournalOptions {
  /** The journal file, e.g. `/var/log/solus-hooks/journal.jsonl`. */
  path: string;
  /** Rotate when appending would make the file larger than this many bytes. */
  maxBytes: number;
  /** How many rotated files to keep (`.1` is the newest); 0 starts the journal over instead. */
  keep: number;
  /** Bytes of each hook's stdout and of its stderr kept in the journal (default 65536). */
  maxOutputBytes?: number;
  /** Drop records older than this many days, a file at a time (0 or absent: off). */
  maxAgeDays?: number;
}

/** How long an append may take, and when to give it up. */
export interface AppendOptions {
  /** Gives the append up at once (the runner's SIGINT/SIGTERM). */
  signal?: AbortSignal;
  /** The bound on the whole append, lock wait included, in milliseconds (default 5000). */
  timeoutMs?: number;
  /** The bound on the lock wait alone, in milliseconds (default 2000). */
  lockWaitMs?: number;
}

/** How a report is appended: its bounds, and whether its start record already holds its event. */
export interface ReportAppendOptions extends AppendOptions {
  /**
   * The run's start record, already written, holds the event: the report
   * leaves it out (`"event_in": "start"`) so the journal stores each event
   * once, and readers take it from the start record. Ignored with `keep: 0`,
   * where a rotation would lose the start record.
   */
  eventInStart?: boolean;
}

const NEWLINE = 0x0a;
const LINE_END = Uint8Array.of(NEWLINE);

function isNotFound(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound;
}

/** Write all of `bytes`, looping over short writes. */
async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) {
    const written = await file.write(bytes.subarray(offset));
    if (written <= 0) {
      throw new Error(`wrote nothing with ${bytes.byteLength - offset} bytes to go`);
    }
    offset += written;
  }
}

/** Whether the last of `size` bytes of `file` is a newline (an empty file counts as ended). */
async function endsWithNewline(file: Deno.FsFile, size: number): Promise<boolean> {
  if (size === 0) return true;
  const last = new Uint8Array(1);
  await file.seek(size - 1, Deno.SeekMode.Start);
  // If the byte cannot be read, say no: an extra newline is an empty line, which readers skip.
  return (await file.read(last)) === 1 && last[0] === NEWLINE;
}

async function removeIfPresent(path: string): Promise<boolean> {
  try {
    await Deno.remove(path);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

async function renameIfPresent(from: string, to: string): Promise<void> {
  try {
    await Deno.rename(from, to);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** Shift `.1` → `.2` ... and the journal to `.1`; drop what falls past `keep`. Runs under the lock. */
async function rotate(path: string, keep: number): Promise<void> {
  // `.keep` is about to fall off the end; anything past it is left from a larger `keep`.
  for (let n = Math.max(keep, 1); n <= MAX_ROTATED + 1; n++) {
    if (!await removeIfPresent(`${path}.${n}`) && n > keep) break;
  }
  if (keep === 0) {
    await Deno.truncate(path, 0);
    return;
  }
  for (let n = keep - 1; n >= 1; n--) await renameIfPresent(`${path}.${n}`, `${path}.${n + 1}`);
  await Deno.rename(path, `${path}.1`);
}

function openForAppend(path: string): Promise<Deno.FsFile> {
  return Deno.open(path, { create: true, read: true, append: true, mode: 0o640 });
}

function checkOptions(options: JournalOptions): void {
  const { path, maxBytes, keep, maxOutputBytes } = options;
  if (typeof path !== "string" || path === "") {
    throw new RangeError("the journal path is empty");
  }
  if (typeof maxBytes !== "number" || !(maxBytes > 0)) {
    throw new RangeError(`cannot write journal ${path}: maxBytes must be above 0, not ${maxBytes}`);
  }
  if (!Number.isInteger(keep) || keep < 0 || keep > MAX_ROTATED) {
    throw new RangeError(
      `cannot write journal ${path}: keep must be a whole number from 0 to ${MAX_ROTATED}, not ${keep}`,
    );
  }
  if (maxOutputBytes !== undefined && !(Number.isInteger(maxOutputBytes) && maxOutputBytes >= 0)) {
    throw new RangeError(
      `cannot write journal ${path}: maxOutputBytes must be a whole number, not ${maxOutputBytes}`,
    );
  }
}

/**
 * A record as one line of UTF-8 with its newline. JSON.stringify escapes every
 * newline inside strings, so the record is one line. Most records are ASCII, so
 * the line is encoded straight into a buffer of the string's length plus one,
 * without copying the JSON to append the newline.
 */
function encodeLine(record: object): Uint8Array {
  const json = JSON.stringify(record);
  const line = new Uint8Array(json.length + 1);
  const { read, written } = new TextEncoder().encodeInto(json, line);
  if (read === json.length && written === json.length) {
    line[written] = NEWLINE;
    return line;
  }
  return concatBytes([new TextEncoder().encode(json), LINE_END]); // not ASCII: the usual way
}

/** Where an append is, for the message when it fails. */
interface Progress {
  step: string;
}

/** Create the directory, refuse what is not a regular file, lock, rotate if due, write. */
async function writeLine(
  options: JournalOptions,
  line: Uint8Array,
  append: AppendOptions,
  stop: AbortSignal,
  progress: Progress,
): Promise<void> {
  const { path, maxBytes, keep } = options;
  const dir = dirname(path);
  progress.step = `creating the directory ${dir}`;
  try {
    await Deno.mkdir(dir, { recursive: true, mode: 0o755 });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) throw new Error(`${dir} is not a directory`);
    throw error;
  }
  // Opening a FIFO blocks until someone reads it: look before opening anything.
  progress.step = "opening it";
  const refused = await notRegular(path);
  if (refused) throw new Error(`it is ${refused}`);
  const lockPath = `${path}.lock`;
  progress.step = `locking ${lockPath}`;
  const lockRefused = await notRegular(lockPath);
  if (lockRefused) throw new Error(`${lockPath} is ${lockRefused}`);
  stop.throwIfAborted();
  await withLock(lockPath, { waitMs: append.lockWaitMs, signal: stop }, async () => {
    progress.step = "opening it";
    let file = await openForAppend(path);
    try {
      const swapped = await openedNotRegular(file);
      if (swapped) throw new Error(`it is ${swapped}`);
      let size = (await file.stat()).size;
      progress.step = "dropping records older than maxAgeDays";
      const aged = await applyMaxAge(path, keep, options.maxAgeDays ?? 0, file);
      if (aged || (size > 0 && size + line.byteLength > maxBytes)) {
        progress.step = "rotating it";
        file.close();
        await rotate(path, keep);
        progress.step = "opening it";
        file = await openForAppend(path);
        size = (await file.stat()).size;
      }
      // Given up on while waiting: the caller has said the record was not written.
      stop.throwIfAborted();
      progress.step = "writing to it";
      // A runner killed mid-write left a torn line: start ours on a line of its own.
      const torn = !await endsWithNewline(file, size);
      await writeAll(file, torn ? concatBytes([LINE_END, line]) : line);
    } finally {
      try {
        file.close();
      } catch {
        // closed before a rotation that then failed
      }
    }
  });
}

/** Why an append was given up: the caller's signal, or the bound on the whole append. */
function whyStopped(append: AppendOptions, timeoutMs: number): string {
  if (append.signal?.aborted) {
    const reason = append.signal.reason;
    return reason instanceof Error && reason.message ? reason.message : "interrupted";
  }
  return `gave up after ${timeoutMs} ms (a slow or hung disk?)`;
}

/** Append one encoded line, bounded by `timeoutMs` and the caller's signal. */
async function appendLine(
  options: JournalOptions,
  encode: () => Uint8Array,
  append: AppendOptions,
): Promise<void> {
  checkOptions(options);
  const { path } = options;
  const timeoutMs = append.timeoutMs ?? JOURNAL_APPEND_MS;
  const progress: Progress = { step: "encoding the record" };
  const fail = (why: string, cause?: unknown) =>
    new JournalError(`cannot write journal ${path}: ${why} (while ${progress.step})`, { cause });
  const stop = AbortSignal.any([
    AbortSignal.timeout(timeoutMs),
    ...(append.signal ? [append.signal] : []),
  ]);
  if (stop.aborted) throw fail(whyStopped(append, timeoutMs));
  let work: Promise<void>;
  try {
    work = writeLine(options, encode(), append, stop, progress);
  } catch (error) {
    throw fail(describeError(error), error);
  }
  let onAbort = () => {};
  const stopped = new Promise<never>((_, reject) => {
    onAbort = () => reject(stop.reason);
    stop.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([work, stopped]);
  } catch (error) {
    throw fail(stop.aborted ? whyStopped(append, timeoutMs) : describeError(error), error);
  } finally {
    stop.removeEventListener("abort", onAbort);
    // A write given up on settles later, or never: its outcome is no longer anyone's.
    work.catch(() => {});
    stopped.catch(() => {});
  }
}

/**
 * Append one report to the journal as one line, each hook's stdout and stderr
 * cut to `maxOutputBytes` (64 KiB) first, rotating first if the file would pass
 * `maxBytes` (a single record larger than `maxBytes` still goes into a file of
 * its own). Creates the directory (mode 0755) and the file (mode 0640) when
 * missing. Safe to call from many processes at once: it holds an exclusive lock
 * on `PATH.lock` while it rotates and writes.
 *
 * Every wait ends: the lock is waited for at most 2 s, the whole append at most
 * `append.timeoutMs` (5 s), and `append.signal` gives it up at once. A path that
 * is not a regular file (a FIFO, a device, a directory) is refused without
 * opening it. Rejects with a {@linkcode JournalError} whose message starts
 * `cannot write journal PATH:` when it cannot; the caller turns that into a
 * warning, never a reason not to run hooks.
 *
 * @example
 * ```ts
 * import { appendRecord } from "./write.ts";
 * import { readNewest } from "./read.ts";
 * import type { RunReport } from "../report.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/journal.jsonl`;
 * const report: RunReport = {
 *   run_id: crypto.randomUUID(),
 *   event_id: crypto.randomUUID(),
 *   event: {
 *     action: "server-restart",
 *     stage: "pre",
 *     data: { uuid: "c7ee19aa-2722-4139-9223-60ed4baf09e2", virtualization_type: "kvm" },
 *   },
 *   dir: "/usr/local/solus/hooks",
 *   started_at: new Date().toISOString(),
 *   duration_ms: 12,
 *   ok: true,
 *   interrupted: false,
 *   hooks: [],
 *   skipped: [],
 * };
 * await appendRecord({ path, maxBytes: 10 * 1024 * 1024, keep: 5 }, report);
 * const ids: string[] = [];
 * for await (const record of readNewest({ path })) ids.push(record.run_id);
 * assert.deepEqual(ids, [report.run_id]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function appendRecord(
  options: JournalOptions,
  report: RunReport,
  append: ReportAppendOptions = {},
): Promise<void> {
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULTS.journal.maxOutputBytes;
  const { eventInStart, ...bounds } = append;
  const stored = (): object => {
    const trimmed = trimReport(report, maxOutputBytes);
    if (!eventInStart || options.keep === 0) return trimmed;
    const { event: _event, ...rest } = trimmed;
    return { ...rest, event_in: "start" };
  };
  return appendLine(options, () => encodeLine(stored()), bounds);
}

/**
 * Append a stage's start record (what {@linkcode runStage}'s `onStart` gives,
 * plus this process's id). Its report follows when the stage ends; until then,
 * or for ever if the runner dies, readers list the run as `running`, then
 * `unfinished`. Bounded and refused as {@linkcode appendRecord} is.
 *
 * @example
 * ```ts
 * import { appendStart } from "./write.ts";
 * import { readNewest } from "./read.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/journal.jsonl`;
 * const now = Date.now();
 * await appendStart({ path, maxBytes: 1 << 20, keep: 1 }, {
 *   run_id: "0b6f3c2a-5d1e-4f7a-9c1b-2e3d4f5a6b7c",
 *   event_id: "9a8b7c6d-0000-4000-8000-000000000000",
 *   event: { action: "server-stop", stage: "pre", data: {} },
 *   dir: "/usr/local/solus/hooks",
 *   started_at: new Date(now).toISOString(),
 *   deadline_at: new Date(now + 60_000).toISOString(),
 *   kill_grace_ms: 2000,
 *   hooks: ["10-firewall"],
 * });
 * for await (const run of readNewest({ path })) assert.equal("state" in run && run.state, "running");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function appendStart(
  options: JournalOptions,
  start: StageStart,
  append: AppendOptions = {},
): Promise<void> {
  const record: StartRecord = { record: "start", ...start, pid: Deno.pid };
  return appendLine(options, () => encodeLine(record), append);
}
