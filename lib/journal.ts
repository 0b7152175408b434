/**
 * The journal: one JSON line per run ({@linkcode RunReport}), rotated by size,
 * safe for many runner processes at once.
 *
 * - Appends take an exclusive `flock` on a sibling lock file (`journal.jsonl.lock`),
 *   so rotation and writing never interleave, and write each record as one
 *   `write` of a whole line to a file opened for appending.
 * - A runner killed mid-write leaves at worst a torn last line: readers skip it
 *   with a warning and the next writer closes it off with a newline first.
 * - Rotation: when appending would take the file past `maxBytes`, `.1` becomes
 *   `.2` and so on up to `.keep`, the journal becomes `.1` (the newest rotated
 *   file), and the record starts a fresh file. With `keep: 0` the journal starts
 *   over empty.
 * - Readers go backwards a chunk at a time, newest record first, so the newest
 *   few runs of a huge journal cost a read of its last few kilobytes.
 *
 * @module
 */
import { concatBytes } from "./bytes.ts";
import { dirname } from "./paths.ts";
import type { RunReport } from "./report.ts";

/** Where the journal lives and how it rotates. */
export interface JournalOptions {
  /** The journal file, e.g. `/var/log/solus-hooks/journal.jsonl`. */
  path: string;
  /** Rotate when appending would make the file larger than this many bytes. */
  maxBytes: number;
  /** How many rotated files to keep (`.1` is the newest); 0 starts the journal over instead. */
  keep: number;
}

/** Rotated files beyond this number are never read or kept. */
const MAX_ROTATED = 1000;
/** How much of a file is read at a time when reading backwards. */
const CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;
const LINE_END = Uint8Array.of(NEWLINE);

/** The reason in an error from `Deno.*`, in words for a warning. */
function describe(error: unknown): string {
  if (error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable) {
    return "permission denied";
  }
  if (error instanceof Deno.errors.NotADirectory) return "a parent of it is not a directory";
  if (error instanceof Deno.errors.IsADirectory) return "it is a directory";
  return error instanceof Error ? error.message : String(error);
}

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
  const { path, maxBytes, keep } = options;
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
}

/**
 * A report as one line of UTF-8 with its newline. JSON.stringify escapes every
 * newline inside strings, so the record is one line. Most records are ASCII, so
 * the line is encoded straight into a buffer of the string's length plus one:
 * appending the newline to the string first would copy a record that can hold
 * several MiB of escaped output (a megabyte of NUL bytes is 6 MiB of JSON).
 */
function encodeLine(report: RunReport): Uint8Array {
  const json = JSON.stringify(report);
  const line = new Uint8Array(json.length + 1);
  const { read, written } = new TextEncoder().encodeInto(json, line);
  if (read === json.length && written === json.length) {
    line[written] = NEWLINE;
    return line;
  }
  return concatBytes([new TextEncoder().encode(json), LINE_END]); // not ASCII: the usual way
}

/**
 * Append one report to the journal as one line, rotating first if the file
 * would pass `maxBytes` (a single record larger than `maxBytes` still goes into
 * a file of its own). Creates the directory (mode 0755) and the file (mode 0640)
 * when missing. Safe to call from many processes at once: it holds an exclusive
 * lock on `PATH.lock` while it rotates and writes.
 *
 * Throws an Error whose message starts `cannot write journal PATH:` when it
 * cannot; the caller turns that into a warning, never a reason not to run hooks.
 *
 * @example
 * ```ts
 * import { appendRecord, readNewest } from "./journal.ts";
 * import type { RunReport } from "./report.ts";
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
 * for await (const record of readNewest({ path })) console.log(record.run_id === report.run_id); // true
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function appendRecord(options: JournalOptions, report: RunReport): Promise<void> {
  checkOptions(options);
  const { path, maxBytes, keep } = options;
  let step = "encoding the record";
  let lock: Deno.FsFile | undefined;
  let file: Deno.FsFile | undefined;
  try {
    const line = encodeLine(report);
    const dir = dirname(path);
    step = `creating the directory ${dir}`;
    try {
      await Deno.mkdir(dir, { recursive: true, mode: 0o755 });
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) throw new Error(`${dir} is not a directory`);
      throw error;
    }
    step = `locking ${path}.lock`;
    lock = await Deno.open(`${path}.lock`, { create: true, write: true, mode: 0o640 });
    await lock.lock(true);
    step = "opening it";
    file = await openForAppend(path);
    let size = (await file.stat()).size;
    if (size > 0 && size + line.byteLength > maxBytes) {
      step = "rotating it";
      file.close();
      file = undefined;
      await rotate(path, keep);
      step = "opening it";
      file = await openForAppend(path);
      size = (await file.stat()).size;
    }
    step = "writing to it";
    // A runner killed mid-write left a torn line: start ours on a line of its own.
    const torn = !await endsWithNewline(file, size);
    await writeAll(file, torn ? concatBytes([LINE_END, line]) : line);
  } catch (error) {
    throw new Error(`cannot write journal ${path}: ${describe(error)} (while ${step})`, {
      cause: error,
    });
  } finally {
    file?.close();
    // Closing the lock file releases the lock.
    lock?.close();
  }
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
}

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

function isRecord(value: unknown): value is RunReport {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    typeof (value as { run_id?: unknown }).run_id === "string";
}

function whichLine(fromEnd: number): string {
  return fromEnd === 1 ? "the last line" : `line ${fromEnd} from the end`;
}

/**
 * Every record in the journal, newest first: `PATH` from its end, then
 * `PATH.1`, `PATH.2`, ... It reads each file backwards in 64 KiB chunks and
 * yields as it goes, so a caller that stops after a few records of a huge
 * journal reads only its last few chunks and holds none of the rest. Stopping
 * early (`break`) closes the file.
 *
 * Blank lines are passed over. A line that is not a record (typically a torn
 * last line left by a runner killed while writing) is skipped and reported
 * through `onWarning` with its file and line (counted from the end, as the
 * file is read backwards). A file rotated while it is being read is not read
 * twice. Failing to open an existing file throws an Error naming it.
 *
 * @example
 * ```ts
 * import { readNewest } from "./journal.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/journal.jsonl`;
 * // Two records and a line torn by a runner killed while writing it.
 * await Deno.writeTextFile(path, '{"run_id":"first"}\n{"run_id":"second"}\n{"run_id":"thi');
 * const seen: string[] = [];
 * for await (const record of readNewest({ path, onWarning: (message) => console.warn(message) })) {
 *   seen.push(record.run_id);
 *   if (seen.length === 20) break; // `history --limit 20`
 * }
 * console.log(seen); // [ "second", "first" ]
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function* readNewest(options: ReadOptions): AsyncGenerator<RunReport> {
  const { path, onWarning } = options;
  const rotated = options.keep === undefined
    ? MAX_ROTATED
    : Math.min(Math.max(Math.floor(options.keep), 0), MAX_ROTATED);
  // Files already read, by device and inode: after a rotation mid-read, `.1` is the file just read.
  const seen = new Set<string>();
  const decoder = new TextDecoder();
  for (let n = 0; n <= rotated; n++) {
    const name = n === 0 ? path : `${path}.${n}`;
    let file: Deno.FsFile;
    try {
      file = await Deno.open(name, { read: true });
    } catch (error) {
      // The journal itself may be missing for a moment during a rotation; a missing `.N` ends the set.
      if (isNotFound(error)) {
        if (n === 0) continue;
        return;
      }
      throw new Error(`cannot read journal ${name}: ${describe(error)}`, { cause: error });
    }
    try {
      const info = await file.stat();
      const identity = `${info.dev}:${info.ino}`;
      if (info.ino !== null && seen.has(identity)) continue;
      seen.add(identity);
      for await (const { bytes, fromEnd } of linesBackwards(file, info.size)) {
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
        if (!isRecord(value)) {
          onWarning?.(`${name}: skipped a line that is not a run record (${whichLine(fromEnd)})`);
          continue;
        }
        yield value;
      }
    } finally {
      file.close();
    }
  }
}

/** The shortest run-id prefix {@linkcode findRun} looks runs up by. */
const MIN_PREFIX = 8;

/**
 * Find a run in the journal by its id, or by a prefix of at least 8 characters
 * that only one run's id starts with (so `history`'s short ids work). An exact
 * match wins at once; a prefix is looked up through the whole journal and its
 * rotated files. Resolves to undefined when no run matches (a prefix under 8
 * characters only matches a whole id). Rejects with a RangeError naming the
 * candidates when a prefix matches several runs, or when `runId` is empty.
 *
 * @example
 * ```ts
 * import { findRun } from "./journal.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/journal.jsonl`;
 * await Deno.writeTextFile(
 *   path,
 *   '{"run_id":"0b6f3c2a-5d1e-4f7a-9c1b-2e3d4f5a6b7c"}\n{"run_id":"9a8b7c6d-0000-4000-8000-000000000000"}\n',
 * );
 * const report = await findRun({ path }, "0b6f3c2a");
 * console.log(report?.run_id); // 0b6f3c2a-5d1e-4f7a-9c1b-2e3d4f5a6b7c
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function findRun(options: ReadOptions, runId: string): Promise<RunReport | undefined> {
  if (runId === "") throw new RangeError("a run id is needed");
  const byPrefix = runId.length >= MIN_PREFIX;
  // The newest record of each run whose id starts with `runId`, in the order met.
  const matches = new Map<string, RunReport>();
  for await (const record of readNewest(options)) {
    if (record.run_id === runId) return record;
    if (byPrefix && record.run_id.startsWith(runId) && !matches.has(record.run_id)) {
      matches.set(record.run_id, record);
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

const UNIT_MS: Record<string, number> = {
  w: 604_800_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
};

/** Each unit at most once, largest first: `1h30m`, not `30m1h` or `1h1h`. */
const DURATION = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/**
 * Milliseconds in a duration such as `90s`, `15m`, `2h`, `7d`, `1w` or `1h30m`:
 * whole numbers, each followed by a unit (w d h m s), largest unit first, each
 * unit at most once; surrounding spaces are ignored. Throws a RangeError that
 * quotes the text and shows the form otherwise.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./journal.ts";
 * console.log(parseDuration("1h30m")); // 5400000
 * console.log(parseDuration("90s")); // 90000
 * try {
 *   parseDuration("yesterday");
 * } catch (error) {
 *   console.log(error instanceof RangeError); // true
 * }
 * ```
 */
export function parseDuration(text: string): number {
  const trimmed = String(text).trim();
  const match = DURATION.exec(trimmed);
  if (trimmed === "" || match === null) {
    throw new RangeError(
      `"${text}" is not a duration: use whole numbers with units w, d, h, m, s, largest first, ` +
        `e.g. 90s, 15m, 2h, 7d, 1h30m`,
    );
  }
  const units = ["w", "d", "h", "m", "s"];
  const total = units.reduce(
    (sum, unit, i) => sum + (match[i + 1] === undefined ? 0 : Number(match[i + 1]) * UNIT_MS[unit]),
    0,
  );
  if (!Number.isSafeInteger(total)) {
    throw new RangeError(`"${text}" is too long a duration`);
  }
  return total;
}
