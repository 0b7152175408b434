/**
 * Joining byte chunks: capture, the config reader and the journal each gather
 * a stream's bytes in pieces and need them as one array.
 *
 * @module
 */

/**
 * The chunks joined into one array, in order. A single chunk is returned as it
 * is, not copied.
 *
 * @example
 * ```ts
 * import { concatBytes } from "./bytes.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(concatBytes([Uint8Array.of(1, 2), Uint8Array.of(3)]), Uint8Array.of(1, 2, 3));
 * ```
 */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  let total = 0;
  for (const chunk of chunks) total += chunk.byteLength;
  const joined = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    joined.set(chunk, at);
    at += chunk.byteLength;
  }
  return joined;
}
