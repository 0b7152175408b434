/**
 * Reading a hook's output with a cap: the first bytes are kept, the rest is read
 * and counted but never held, so a hook that floods its pipe costs no memory.
 *
 * @module
 */
import { concatBytes } from "./bytes.ts";

/** What was read from one stream. */
export interface Captured {
  /** The kept bytes themselves: at most the cap, exactly as the stream gave them. */
  data: Uint8Array;
  /** The kept bytes decoded as UTF-8 (invalid sequences become U+FFFD); decoded when read. */
  readonly text: string;
  /** Every byte read, kept or not. */
  bytes: number;
}

/** A capture in progress: its result, and a way to stop reading early. */
export interface Capture {
  /** Settles when the stream ends or is cancelled; never rejects. */
  readonly done: Promise<Captured>;
  /** Stop reading now (e.g. a background process still holds the pipe); `done` then settles. */
  cancel(): void;
}

/** Bytes asked for per read: one buffer of this size is reused for the whole stream. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Start reading `stream` to its end, keeping at most `maxBytes`.
 *
 * A byte stream (a child's pipe) is read with a BYOB reader into one reused
 * buffer, so output beyond the cap costs no allocation: with a default reader a
 * hook writing 1 GiB raised the runner's peak memory to 107 MiB, with BYOB 46 MiB
 * (see bench/). Cancelling goes through `reader.cancel()`, which makes the
 * pending `read()` settle; a `Promise.race` around every read would leak a
 * promise per chunk.
 *
 * @example
 * ```ts
 * import { captureStream } from "./capture.ts";
 * import assert from "node:assert/strict";
 * const stream = ReadableStream.from([new TextEncoder().encode("hello world")]);
 * const { text, bytes, data } = await captureStream(stream, 5).done;
 * assert.equal(text, "hello");
 * assert.equal(bytes, 11);
 * assert.equal(data.byteLength, 5);
 * ```
 */
export function captureStream(stream: ReadableStream<Uint8Array>, maxBytes: number): Capture {
  let byob: ReadableStreamBYOBReader | undefined;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    byob = stream.getReader({ mode: "byob" });
  } catch {
    reader = stream.getReader(); // not a byte stream
  }
  let cancelled = false;
  const done = (async (): Promise<Captured> => {
    const kept: Uint8Array[] = [];
    let keptBytes = 0;
    let bytes = 0;
    let buffer: Uint8Array<ArrayBuffer> = new Uint8Array(CHUNK_BYTES);
    try {
      while (true) {
        let value: Uint8Array | undefined;
        if (byob) {
          const result = await byob.read(buffer);
          if (result.done || !result.value) break;
          value = result.value;
        } else {
          const result = await reader!.read();
          if (result.done) break;
          value = result.value;
        }
        bytes += value.byteLength;
        if (keptBytes < maxBytes) {
          // A copy: the BYOB buffer is handed back and overwritten by the next read.
          const piece = value.slice(0, Math.min(value.byteLength, maxBytes - keptBytes));
          kept.push(piece);
          keptBytes += piece.byteLength;
        }
        if (byob) buffer = new Uint8Array(value.buffer as ArrayBuffer);
      }
    } catch {
      // A cancelled or broken pipe ends the capture; what was read stands.
    }
    const data = concatBytes(kept);
    return {
      data,
      bytes,
      get text() {
        return new TextDecoder().decode(data);
      },
    };
  })();
  return {
    done,
    cancel() {
      if (cancelled) return;
      cancelled = true;
      (byob ?? reader)!.cancel().catch(() => {});
    },
  };
}

/** How a stream's kept bytes travel in a report: as text, or as base64 of bytes that are not UTF-8. */
export interface EncodedOutput {
  /** The UTF-8 text, or the base64 of the bytes when `encoding` is `"base64"`. */
  text: string;
  /** `"base64"` when the bytes are not valid UTF-8; absent for text. */
  encoding?: "base64";
}

/**
 * How many bytes at the end of `bytes` are the start of a UTF-8 character that
 * a cut left incomplete (0 when the last character is whole or not UTF-8 at all).
 */
function incompleteTail(bytes: Uint8Array): number {
  // Walk back over at most three continuation bytes (10xxxxxx) to the lead byte.
  let lead = bytes.byteLength - 1;
  while (lead >= 0 && bytes.byteLength - lead <= 3 && (bytes[lead] & 0xc0) === 0x80) lead--;
  if (lead < 0) return 0;
  const byte = bytes[lead];
  // Lead bytes: C2-DF start 2 bytes, E0-EF 3, F0-F4 4; anything else is no lead.
  const need = byte >= 0xc2 && byte <= 0xdf
    ? 2
    : byte >= 0xe0 && byte <= 0xef
    ? 3
    : byte >= 0xf0 && byte <= 0xf4
    ? 4
    : 0;
  const have = bytes.byteLength - lead;
  return have < need ? have : 0;
}

/**
 * The report form of a stream's kept bytes (the rule of the report and the
 * journal alike): the UTF-8 text when the bytes are valid UTF-8, else their
 * base64 with `encoding: "base64"`. When `maxBytes` is given and the bytes are
 * longer, they are cut to it first; a character cut in two by a cap (this one,
 * or the capture's own, said by `cut`) is dropped rather than making the whole
 * output base64. Byte counts are the caller's: they stay exact.
 *
 * @example
 * ```ts
 * import { encodeOutput } from "./capture.ts";
 * import assert from "node:assert/strict";
 * const bytes = new TextEncoder().encode("héllo");
 * assert.deepEqual(encodeOutput(bytes), { text: "héllo" });
 * assert.deepEqual(encodeOutput(bytes, { maxBytes: 2 }), { text: "h" }); // "é" cut in two: dropped
 * assert.deepEqual(encodeOutput(Uint8Array.of(0xff, 0x00)), { text: "/wA=", encoding: "base64" });
 * ```
 */
export function encodeOutput(
  bytes: Uint8Array,
  options: { maxBytes?: number; cut?: boolean } = {},
): EncodedOutput {
  let kept = bytes;
  let cut = options.cut ?? false;
  if (options.maxBytes !== undefined && kept.byteLength > options.maxBytes) {
    kept = kept.subarray(0, Math.max(0, options.maxBytes));
    cut = true;
  }
  const whole = cut ? kept.subarray(0, kept.byteLength - incompleteTail(kept)) : kept;
  try {
    return { text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(whole) };
  } catch {
    return { text: toBase64(kept), encoding: "base64" };
  }
}

/**
 * The bytes a report's output field stands for: the inverse of `encodeOutput`
 * (without what a cut dropped). For the journal, which cuts stored output again.
 *
 * @example
 * ```ts
 * import { decodeOutput } from "./capture.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(decodeOutput("/wA=", "base64"), Uint8Array.of(0xff, 0x00));
 * assert.deepEqual(decodeOutput("hi"), Uint8Array.of(0x68, 0x69));
 * ```
 */
export function decodeOutput(text: string, encoding?: "base64"): Uint8Array {
  return encoding === "base64" ? fromBase64(text) : new TextEncoder().encode(text);
}

function toBase64(bytes: Uint8Array): string {
  return (bytes as Uint8Array & { toBase64(): string }).toBase64();
}

function fromBase64(text: string): Uint8Array {
  return (Uint8Array as unknown as { fromBase64(text: string): Uint8Array }).fromBase64(text);
}
