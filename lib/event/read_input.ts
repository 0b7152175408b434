/**
 * Reading an event's text, from an argument, a file or stdin: never more than
 * `maxEventBytes` (a larger event is refused without being read whole), and
 * never past the runner's own SIGINT or SIGTERM, even while stdin waits.
 *
 * @module
 */
import { concatBytes } from "../process/bytes.ts";
import { EventError, passScopeDenial, UsageError } from "../errors.ts";

/** Where the event comes from. */
export type EventSource =
  | { kind: "inline"; text: string }
  | { kind: "file"; path: string }
  | { kind: "stdin"; reader?: ByteReader };

/** The event's text and how messages name it. */
export interface EventText {
  /** The text, UTF-8 decoded; a leading byte-order mark is kept for the parser to drop. */
  text: string;
  /** `--event`, `event file PATH` or `event on stdin`. */
  what: string;
}

function tooLarge(what: string, limit: number): EventError {
  return new EventError(
    `${what} is larger than maxEventBytes (${limit} bytes): refused without reading it whole`,
  );
}

/** Something with a `read` like `Deno.stdin`'s or an `FsFile`'s. */
export interface ByteReader {
  /** Read into `buffer`; the number of bytes read, or null at end of file. */
  read(buffer: Uint8Array): Promise<number | null>;
}

/**
 * Read at most `limit` bytes from `reader`; null when it holds more (reading
 * stops at the first byte past the limit). Rejects with the signal's reason
 * when `signal` aborts first, even while a read waits.
 *
 * The reader's own `read` is used, not its `readable` stream: Deno loads its
 * streams implementation on first use, about 5 ms of a stage's start-up.
 *
 * @example
 * ```ts
 * import { readAtMost } from "./read_input.ts";
 * import assert from "node:assert/strict";
 * const reader = (text: string) => {
 *   let data = new TextEncoder().encode(text);
 *   return {
 *     read(buffer: Uint8Array) {
 *       if (data.length === 0) return Promise.resolve(null);
 *       const n = Math.min(buffer.length, data.length);
 *       buffer.set(data.subarray(0, n));
 *       data = data.subarray(n);
 *       return Promise.resolve(n);
 *     },
 *   };
 * };
 * assert.deepEqual(await readAtMost(reader("hello"), 5), new TextEncoder().encode("hello"));
 * assert.equal(await readAtMost(reader("hello"), 4), null);
 * ```
 */
export async function readAtMost(
  reader: ByteReader,
  limit: number,
  signal?: AbortSignal,
): Promise<Uint8Array | null> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal!.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {}); // only raced below
  try {
    while (true) {
      signal?.throwIfAborted();
      // One byte over the limit is enough to know the event is too large.
      const buffer = new Uint8Array(Math.min(64 * 1024, limit - size + 1));
      const n = await Promise.race([reader.read(buffer), aborted]);
      if (n === null) break;
      size += n;
      if (size > limit) return null;
      chunks.push(buffer.subarray(0, n));
    }
    return concatBytes(chunks);
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

function decode(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new EventError(`${what} is not UTF-8 text`);
  }
}

/**
 * Read an event's text from its source, at most `maxBytes`. A file's size is
 * looked at first, so a huge file is refused unread. `signal` (the runner's
 * interruption) ends a wait on stdin at once, rejecting with its reason (an
 * `InterruptedError` for the runner's own SIGINT or SIGTERM).
 *
 * @example
 * ```ts
 * import { readEventText } from "./read_input.ts";
 * import assert from "node:assert/strict";
 * const { text, what } = await readEventText({ kind: "inline", text: "{}" }, { maxBytes: 1024 });
 * assert.equal(text, "{}");
 * assert.equal(what, "--event");
 * ```
 */
export async function readEventText(
  source: EventSource,
  options: { maxBytes: number; signal?: AbortSignal },
): Promise<EventText> {
  const { maxBytes, signal } = options;
  if (source.kind === "inline") {
    if (new TextEncoder().encode(source.text).byteLength > maxBytes) {
      throw tooLarge("--event", maxBytes);
    }
    return { text: source.text, what: "--event" };
  }
  if (source.kind === "file") {
    const what = `event file ${source.path}`;
    let file: Deno.FsFile;
    try {
      file = await Deno.open(source.path, { read: true });
    } catch (error) {
      passScopeDenial(error); // the CLI words it as the build's scope
      throw new UsageError(`cannot read ${what}: ${describeOpenError(error)}`, { cause: error });
    }
    try {
      const info = await file.stat();
      if (info.isDirectory) throw new UsageError(`cannot read ${what}: it is a directory`);
      if (info.isFile && info.size > maxBytes) throw tooLarge(what, maxBytes);
      const bytes = await readAtMost(file, maxBytes, signal);
      if (bytes === null) throw tooLarge(what, maxBytes);
      return { text: decode(bytes, what), what };
    } finally {
      file.close();
    }
  }
  const what = "event on stdin";
  const bytes = await readAtMost(source.reader ?? Deno.stdin, maxBytes, signal);
  if (bytes === null) throw tooLarge(what, maxBytes);
  return { text: decode(bytes, what), what };
}

function describeOpenError(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.IsADirectory) return "it is a directory";
  return error instanceof Error ? error.message : String(error);
}
