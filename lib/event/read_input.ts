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
 * Watches bytes go by for the end of one JSON object or array: the platform
 * may keep stdin open after the event, so the event is taken as soon as its
 * closing bracket arrives, never waiting for end-of-file. Bytes, not
 * characters: every bracket, quote and backslash is ASCII, and no byte of a
 * multi-byte UTF-8 character is one. A text that does not start with `{` or
 * `[` (after whitespace and a byte-order mark) is read to end-of-file, and
 * refused by the parser.
 */
class ValueEnd {
  #depth = 0;
  #inString = false;
  #escaped = false;
  #plain = false;

  /** Where the value ends within `chunk` (the index after it), or -1 if it has not yet. */
  scan(chunk: Uint8Array): number {
    if (this.#plain) return -1;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (this.#depth === 0) {
        // Before the value: whitespace and a byte-order mark (EF BB BF) are passed over.
        if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) continue;
        if (byte === 0xef || byte === 0xbb || byte === 0xbf) continue;
        if (byte !== 0x7b && byte !== 0x5b) { // { [
          this.#plain = true;
          return -1;
        }
        this.#depth = 1;
      } else if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (byte === 0x5c) this.#escaped = true; // backslash
        else if (byte === 0x22) this.#inString = false; // "
      } else if (byte === 0x22) {
        this.#inString = true;
      } else if (byte === 0x7b || byte === 0x5b) {
        this.#depth++;
      } else if (byte === 0x7d || byte === 0x5d) { // } ]
        if (--this.#depth === 0) return i + 1;
      }
    }
    return -1;
  }
}

/** How {@linkcode readAtMost} stops. */
export interface ReadOptions {
  /** The runner's interruption: rejects with its reason at once, even while a read waits. */
  signal?: AbortSignal;
  /**
   * Stop as soon as one JSON object or array is complete, with whatever else
   * arrived in the same read (whitespace, or a bad event for the parser).
   */
  untilValue?: boolean;
  /** Reject with a {@linkcode ReadTimeoutError} when neither the value nor end-of-file came in time. */
  timeoutMs?: number;
}

/** The read took longer than its bound; `bytes` is what had arrived. */
export class ReadTimeoutError extends Error {
  /** What had arrived before the bound. */
  readonly bytes: Uint8Array;
  /** Make one. */
  constructor(bytes: Uint8Array) {
    super("the read did not end in time");
    this.name = "ReadTimeoutError";
    this.bytes = bytes;
  }
}

/**
 * Read at most `limit` bytes from `reader`; null when it holds more (reading
 * stops at the first byte past the limit). With `untilValue`, reading stops as
 * soon as one JSON object or array is complete. Rejects with the signal's
 * reason when `signal` aborts first, even while a read waits, and with a
 * {@linkcode ReadTimeoutError} past `timeoutMs`.
 *
 * The reader's own `read` is used, not its `readable` stream: Deno loads its
 * streams implementation on first use, about 5 ms of a stage's start-up.
 *
 * @example
 * ```ts
 * import { readAtMost } from "./read_input.ts";
 * import assert from "node:assert/strict";
 * const reader = (text: string, open = false) => {
 *   let data = new TextEncoder().encode(text);
 *   return {
 *     read(buffer: Uint8Array): Promise<number | null> {
 *       if (data.length === 0) return open ? new Promise(() => {}) : Promise.resolve(null);
 *       const n = Math.min(buffer.length, data.length);
 *       buffer.set(data.subarray(0, n));
 *       data = data.subarray(n);
 *       return Promise.resolve(n);
 *     },
 *   };
 * };
 * assert.deepEqual(await readAtMost(reader("hello"), 5), new TextEncoder().encode("hello"));
 * assert.equal(await readAtMost(reader("hello"), 4), null);
 * // stdin left open after a whole event: taken at once
 * const event = await readAtMost(reader('{"a": "}"}\n', true), 100, { untilValue: true });
 * assert.equal(new TextDecoder().decode(event!), '{"a": "}"}\n');
 * // stdin left open in the middle of one: refused at the bound
 * await assert.rejects(
 *   readAtMost(reader('{"a": ', true), 100, { untilValue: true, timeoutMs: 50 }),
 *   { name: "ReadTimeoutError" },
 * );
 * ```
 */
export async function readAtMost(
  reader: ByteReader,
  limit: number,
  options: ReadOptions | AbortSignal = {},
): Promise<Uint8Array | null> {
  const { signal, untilValue, timeoutMs } = options instanceof AbortSignal
    ? { signal: options } as ReadOptions
    : options;
  const chunks: Uint8Array[] = [];
  let size = 0;
  let onAbort = () => {};
  let onTimeout = () => {};
  // AbortSignal.timeout, not setTimeout: Deno loads setTimeout lazily (about 4 ms
  // of start-up), while the stage's deadline loads the other anyway.
  const timeout = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
  const stopped = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal!.reason);
    onTimeout = () => reject(new ReadTimeoutError(concatBytes(chunks)));
    signal?.addEventListener("abort", onAbort, { once: true });
    timeout?.addEventListener("abort", onTimeout, { once: true });
  });
  stopped.catch(() => {}); // only raced below
  const end = untilValue ? new ValueEnd() : undefined;
  try {
    while (true) {
      signal?.throwIfAborted();
      // One byte over the limit is enough to know the event is too large.
      const buffer = new Uint8Array(Math.min(64 * 1024, limit - size + 1));
      const n = await Promise.race([reader.read(buffer), stopped]);
      if (n === null) break;
      size += n;
      if (size > limit) return null;
      const chunk = buffer.subarray(0, n);
      chunks.push(chunk);
      if (end && end.scan(chunk) !== -1) break;
    }
    return concatBytes(chunks);
  } finally {
    signal?.removeEventListener("abort", onAbort);
    timeout?.removeEventListener("abort", onTimeout);
  }
}

/**
 * An event's text without a leading byte-order mark: what hooks read.
 *
 * @example
 * ```ts
 * import { withoutBom } from "./read_input.ts";
 * import assert from "node:assert/strict";
 * assert.equal(withoutBom("\uFEFF{}"), "{}");
 * ```
 */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The event on stdin did not complete in time; `text` is what had arrived. */
export class IncompleteEventError extends EventError {
  /** What had arrived, decoded loosely. */
  readonly text: string;
  /** Make one. */
  constructor(message: string, text: string) {
    super(message);
    this.name = "IncompleteEventError";
    this.text = text;
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
 * looked at first, so a huge file is refused unread. Stdin is read until one
 * JSON object is whole (a platform may keep it open after the event), for at
 * most `timeoutMs`: past it, an {@linkcode IncompleteEventError}. `signal` (the runner's
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
  options: { maxBytes: number; signal?: AbortSignal; timeoutMs?: number },
): Promise<EventText> {
  const { maxBytes, signal, timeoutMs } = options;
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
      const bytes = await readAtMost(file, maxBytes, { signal });
      if (bytes === null) throw tooLarge(what, maxBytes);
      return { text: decode(bytes, what), what };
    } finally {
      file.close();
    }
  }
  const what = "event on stdin";
  let bytes: Uint8Array | null;
  try {
    // The platform may keep stdin open after the event: take it once it is whole.
    bytes = await readAtMost(source.reader ?? Deno.stdin, maxBytes, {
      signal,
      untilValue: true,
      timeoutMs,
    });
  } catch (error) {
    if (!(error instanceof ReadTimeoutError)) throw error;
    throw new IncompleteEventError(
      `${what} did not complete within eventReadTimeoutMs (${timeoutMs} ms): ${
        error.bytes.byteLength === 0
          ? "nothing arrived"
          : `${error.bytes.byteLength} bytes arrived, not a whole JSON value`
      }; refused`,
      new TextDecoder().decode(error.bytes),
    );
  }
  if (bytes === null) throw tooLarge(what, maxBytes);
  return { text: decode(bytes, what), what };
}

function describeOpenError(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.IsADirectory) return "it is a directory";
  return error instanceof Error ? error.message : String(error);
}
