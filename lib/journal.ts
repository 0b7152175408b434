/**
 * The journal: one JSON line per run, rotated by size, safe for many runners at
 * once. Appends take an exclusive `flock` on a sibling lock file, so rotation and
 * writing never interleave; each record is one `write` of a whole line. A runner
 * killed mid-write leaves at worst a torn last line, which readers skip and the
 * next writer closes off with a newline.
 *
 * @module
 */
import { dirname } from "./paths.ts";
import type { RunReport } from "./report.ts";

/** Where the journal lives and how it rotates. */
export interface JournalOptions {
  /** The journal file, e.g. `/var/log/solus-hooks/journal.jsonl`. */
  path: string;
  /** Rotate when appending would make the file larger than this. */
  maxBytes: number;
  /** How many rotated files to keep (`.1` is the newest). */
  keep: number;
}

const NEWLINE = 0x0a;

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) offset += await file.write(bytes.subarray(offset));
}

async function endsWithNewline(file: Deno.FsFile, size: number): Promise<boolean> {
  if (size === 0) return true;
  const last = new Uint8Array(1);
  await file.seek(size - 1, Deno.SeekMode.Start);
  await file.read(last);
  return last[0] === NEWLINE;
}

async function rotate(options: JournalOptions): Promise<void> {
  const { path, keep } = options;
  if (keep === 0) {
    await Deno.truncate(path, 0);
    return;
  }
  await Deno.remove(`${path}.${keep}`).catch(() => {});
  for (let n = keep - 1; n >= 1; n--) {
    await Deno.rename(`${path}.${n}`, `${path}.${n + 1}`).catch(() => {});
  }
  await Deno.rename(path, `${path}.1`);
}

function describe(error: unknown): string {
  if (error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable) {
    return "permission denied";
  }
  if (error instanceof Deno.errors.NotADirectory) return "a parent of it is not a directory";
  return error instanceof Error ? error.message : String(error);
}

/**
 * Append one report to the journal, rotating first if the file would pass
 * `maxBytes`. Throws an Error naming the path when it cannot; the caller turns
 * that into a warning, never into a reason not to run hooks.
 *
 * @example
 * ```ts ignore
 * import { appendRecord } from "./journal.ts";
 * await appendRecord({ path: "/var/log/solus-hooks/journal.jsonl", maxBytes: 10 << 20, keep: 5 }, report);
 * ```
 */
export async function appendRecord(options: JournalOptions, report: RunReport): Promise<void> {
  const line = new TextEncoder().encode(`${JSON.stringify(report)}\n`);
  let lock: Deno.FsFile | undefined;
  try {
    await Deno.mkdir(dirname(options.path), { recursive: true, mode: 0o755 });
    lock = await Deno.open(`${options.path}.lock`, { create: true, write: true, mode: 0o640 });
    await lock.lock(true);
    let size = await Deno.stat(options.path).then((info) => info.size, () => 0);
    if (size > 0 && size + line.byteLength > options.maxBytes) {
      await rotate(options);
      size = 0;
    }
    const file = await Deno.open(options.path, {
      create: true,
      read: true,
      append: true,
      mode: 0o640,
    });
    try {
      // A runner killed mid-write left a torn line: start ours on a line of its own.
      let bytes = line;
      if (!await endsWithNewline(file, size)) {
        bytes = new Uint8Array(line.byteLength + 1);
        bytes[0] = NEWLINE;
        bytes.set(line, 1);
      }
      await writeAll(file, bytes);
    } finally {
      file.close();
    }
  } catch (error) {
    throw new Error(`cannot write journal ${options.path}: ${describe(error)}`, { cause: error });
  } finally {
    if (lock) {
      await lock.unlock().catch(() => {});
      lock.close();
    }
  }
}

/** Where to read the journal from. */
export interface ReadOptions {
  /** The journal file. */
  path: string;
  /** How many rotated files to look at (default: until one is missing, at most 1000). */
  keep?: number;
  /** Told about lines that are not records (a torn last line), with file and line. */
  onWarning?: (message: string) => void;
}

const CHUNK = 64 * 1024;

/** The lines of a file, last first, read backwards a chunk at a time. */
async function* linesBackwards(path: string): AsyncGenerator<{ text: string; fromEnd: number }> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw new Error(`cannot read journal ${path}: ${describe(error)}`, { cause: error });
  }
  try {
    let position = (await file.stat()).size;
    let carry: Uint8Array = new Uint8Array(0);
    let fromEnd = 0;
    const decoder = new TextDecoder();
    while (position > 0) {
      const size = Math.min(CHUNK, position);
      position -= size;
      const chunk = new Uint8Array(size + carry.byteLength);
      await file.seek(position, Deno.SeekMode.Start);
      let read = 0;
      while (read < size) {
        const n = await file.read(chunk.subarray(read, size));
        if (n === null) break;
        read += n;
      }
      chunk.set(carry, size);
      let end = chunk.byteLength;
      for (let i = chunk.byteLength - 1; i >= 0; i--) {
        if (chunk[i] !== NEWLINE) continue;
        if (i + 1 < end) {
          yield { text: decoder.decode(chunk.subarray(i + 1, end)), fromEnd: fromEnd++ };
        } else if (i + 1 === end && end !== chunk.byteLength) fromEnd++;
        end = i;
      }
      carry = chunk.slice(0, end);
    }
    if (carry.byteLength > 0) yield { text: decoder.decode(carry), fromEnd };
  } finally {
    file.close();
  }
}

/**
 * Every record, newest first: the journal from its end, then `.1`, `.2`, ... It
 * reads backwards in chunks, so the caller can stop after a few records of a huge
 * journal without reading the rest. Lines that are not records are skipped with a
 * warning.
 *
 * @example
 * ```ts ignore
 * import { readNewest } from "./journal.ts";
 * for await (const report of readNewest({ path: "/var/log/solus-hooks/journal.jsonl" })) {
 *   console.log(report.run_id, report.ok);
 * }
 * ```
 */
export async function* readNewest(options: ReadOptions): AsyncGenerator<RunReport> {
  const files = Math.min(options.keep ?? 1000, 1000);
  for (let n = 0; n <= files; n++) {
    const path = n === 0 ? options.path : `${options.path}.${n}`;
    if (n > 0 && !(await Deno.stat(path).then(() => true, () => false))) break;
    for await (const { text, fromEnd } of linesBackwards(path)) {
      if (text.trim() === "") continue;
      let record: RunReport;
      try {
        record = JSON.parse(text);
      } catch {
        options.onWarning?.(
          `${path}: skipped a line that is not a whole record (${
            fromEnd + 1
          } from the end; a runner may have been killed while writing)`,
        );
        continue;
      }
      if (record && typeof record === "object" && typeof record.run_id === "string") yield record;
    }
  }
}

/**
 * Find a run by its id or a unique prefix of at least 8 characters. Throws a
 * RangeError for an ambiguous prefix; undefined when nothing matches.
 *
 * @example
 * ```ts ignore
 * import { findRun } from "./journal.ts";
 * const report = await findRun({ path: "/var/log/solus-hooks/journal.jsonl" }, "0b6f3c2a");
 * ```
 */
export async function findRun(options: ReadOptions, runId: string): Promise<RunReport | undefined> {
  let found: RunReport | undefined;
  for await (const record of readNewest(options)) {
    if (record.run_id === runId) return record;
    if (runId.length >= 8 && record.run_id.startsWith(runId)) {
      if (found && found.run_id !== record.run_id) {
        throw new RangeError(
          `run id ${runId} is ambiguous: ${found.run_id} and ${record.run_id} both start with it`,
        );
      }
      found = record;
    }
  }
  return found;
}

const UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Milliseconds in a duration such as `90s`, `15m`, `2h`, `7d` or `1h30m`.
 * Throws a RangeError naming the text otherwise.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./journal.ts";
 * console.log(parseDuration("1h30m")); // 5400000
 * ```
 */
export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+)([smhdw])/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) {
    throw new RangeError(
      `"${text}" is not a duration: use a number and a unit, s m h d w, e.g. 90s, 15m, 2h, 1h30m`,
    );
  }
  return parts.reduce((total, [, n, unit]) => total + Number(n) * UNITS[unit], 0);
}
