/**
 * Reading a hook's output with a cap: the first bytes are kept, the rest is read
 * and counted but never held, so a hook that floods its pipe costs no memory.
 *
 * @module
 */

/** What was read from one stream. */
export interface Captured {
  /** The kept bytes, decoded as UTF-8 (invalid sequences become U+FFFD). */
  text: string;
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

/**
 * Start reading `stream` to its end, keeping at most `maxBytes`.
 *
 * Cancelling goes through `reader.cancel()`, which makes the pending `read()`
 * settle; a `Promise.race` around every read would leak a promise per chunk.
 *
 * @example
 * ```ts
 * import { captureStream } from "./capture.ts";
 * const stream = ReadableStream.from([new TextEncoder().encode("hello world")]);
 * const { text, bytes } = await captureStream(stream, 5).done;
 * console.log(text, bytes); // "hello" 11
 * ```
 */
export function captureStream(stream: ReadableStream<Uint8Array>, maxBytes: number): Capture {
  const reader = stream.getReader();
  let cancelled = false;
  const done = (async (): Promise<Captured> => {
    const kept: Uint8Array[] = [];
    let keptBytes = 0;
    let bytes = 0;
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        bytes += value.byteLength;
        if (keptBytes < maxBytes) {
          const room = maxBytes - keptBytes;
          const piece = value.byteLength <= room ? value : value.subarray(0, room);
          kept.push(piece);
          keptBytes += piece.byteLength;
        }
      }
    } catch {
      // A cancelled or broken pipe ends the capture; what was read stands.
    } finally {
      if (!cancelled) reader.releaseLock();
    }
    return { text: decode(kept, keptBytes), bytes };
  })();
  return {
    done,
    cancel() {
      if (cancelled) return;
      cancelled = true;
      reader.cancel().catch(() => {});
    },
  };
}

function decode(chunks: Uint8Array[], total: number): string {
  if (chunks.length === 1) return new TextDecoder().decode(chunks[0]);
  const all = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(all);
}
