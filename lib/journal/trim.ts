/**
 * What the journal keeps of a hook's output: at most `journal.maxOutputBytes`
 * (64 KiB) of each stream, counted as stored (JSON escapes and base64 included), where the `--json` report keeps `maxOutputBytes`
 * (1 MiB). A flood of output costs the journal a bounded line, and the byte
 * counts (`stdout_bytes`) stay exact so a reader sees how much was cut.
 *
 * @module
 */
import { decodeOutput, encodeOutput } from "../process/capture.ts";
import type { HookResult, RunReport } from "../report.ts";

const encoder = new TextEncoder();

/** One stream as a report holds it. */
export interface StreamText {
  /** UTF-8 text, or base64 when `encoding` says so. */
  text: string;
  /** `"base64"` when `text` is base64 of bytes that are not UTF-8. */
  encoding?: "base64";
}

/**
 * At most `maxBytes` of one stream. Text is cut at a character boundary; base64
 * is decoded, cut and carried again (as text if what is left is UTF-8).
 *
 * @example
 * ```ts
 * import { cutStream } from "./trim.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(cutStream({ text: "héllo" }, 2), { text: "h" }); // é is 2 bytes: not cut in half
 * assert.deepEqual(cutStream({ text: "/wD/", encoding: "base64" }, 2), {
 *   text: "/wA=",
 *   encoding: "base64",
 * });
 * ```
 */
export function cutStream(stream: StreamText, maxBytes: number): StreamText {
  const max = Math.max(0, Math.floor(maxBytes));
  const { text, encoding } = stream;
  if (encoding === "base64") {
    const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
    if (Math.floor((text.length * 3) / 4) - padding <= max) return stream;
    // n bytes are 4 * ceil(n / 3) characters: a whole prefix of that length holds the first n.
    const bytes = decodeOutput(text.slice(0, Math.ceil(max / 3) * 4), "base64");
    return encodeOutput(bytes, { maxBytes: max }); // the report's own rule: text if UTF-8
  }
  // A UTF-16 unit is at most 3 bytes of UTF-8: short text needs no encoding to know it fits.
  if (text.length * 3 <= max) return stream;
  // max + 1 units encode to more than max bytes, so the cut falls inside this prefix.
  const bytes = encoder.encode(text.slice(0, max + 1));
  if (bytes.length <= max) return stream;
  return encodeOutput(bytes, { maxBytes: max }); // a character cut in two is dropped
}

/** The bytes a character takes inside a JSON string, as `JSON.stringify` writes it. */
function escapedSize(code: number): number {
  if (code === 0x22 || code === 0x5c) return 2; // \" and \\
  if (code < 0x20) {
    return code === 8 || code === 9 || code === 10 || code === 12 || code === 13 ? 2 : 6;
  }
  if (code >= 0xd800 && code <= 0xdfff) return 6; // a lone surrogate: \udXXX
  return code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
}

/** How many bytes a stream takes in a journal line, inside its JSON string. */
function storedSize(stream: StreamText): number {
  if (stream.encoding === "base64") return stream.text.length;
  let size = 0;
  for (let i = 0; i < stream.text.length; i++) {
    const code = stream.text.codePointAt(i)!;
    size += escapedSize(code);
    if (code > 0xffff) i++;
  }
  return size;
}

/**
 * At most `maxBytes` of one stream as the journal stores it: its bytes, and
 * then what they take in the journal line, JSON escapes and base64 included.
 * Output of NULs is six bytes a byte as JSON text (`\u0000`): such a stream is
 * cut further, or stored as base64 (four bytes for three) when that keeps more
 * of it.
 *
 * @example
 * ```ts
 * import { storedStream } from "./trim.ts";
 * import assert from "node:assert/strict";
 * const nuls = storedStream({ text: "\0".repeat(1000) }, 400);
 * assert.deepEqual([nuls.encoding, nuls.text.length], ["base64", 400]); // 300 bytes kept
 * assert.deepEqual(storedStream({ text: "plain" }, 400), { text: "plain" });
 * ```
 */
export function storedStream(stream: StreamText, maxBytes: number): StreamText {
  const max = Math.max(0, Math.floor(maxBytes));
  const cut = cutStream(stream, max);
  if (storedSize(cut) <= max) return cut;
  const bytes = decodeOutput(cut.text, cut.encoding);
  // As base64: the most whole groups of three bytes that fit.
  const asBase64 = Math.min(bytes.length, Math.floor(max / 4) * 3);
  // As text: the longest prefix whose escapes fit.
  let end = 0;
  let size = 0;
  let kept = 0;
  if (cut.encoding === undefined) {
    while (end < cut.text.length) {
      const code = cut.text.codePointAt(end)!;
      const more = escapedSize(code);
      if (size + more > max) break;
      size += more;
      kept += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
      end += code > 0xffff ? 2 : 1;
    }
  }
  if (cut.encoding === undefined && kept >= asBase64) return { text: cut.text.slice(0, end) };
  const base64 = (bytes.subarray(0, asBase64) as Uint8Array & { toBase64(): string }).toBase64();
  return { text: base64, encoding: "base64" };
}

/** A hook's result with each stream cut to `maxBytes` as stored; the byte counts stay as they were. */
function trimHook(hook: HookResult, maxBytes: number): HookResult {
  const trimmed: HookResult = { ...hook };
  for (const name of ["stdout", "stderr"] as const) {
    const cut = storedStream({ text: hook[name], encoding: hook[`${name}_encoding`] }, maxBytes);
    trimmed[name] = cut.text;
    if (cut.encoding) trimmed[`${name}_encoding`] = cut.encoding;
    else delete trimmed[`${name}_encoding`];
  }
  return trimmed;
}

/**
 * The report as the journal keeps it: each hook's stdout and stderr cut to
 * `maxBytes` bytes as stored (see {@linkcode storedStream}). The report given is
 * not changed.
 *
 * @example
 * ```ts
 * import { trimReport } from "./trim.ts";
 * import type { RunReport } from "../report.ts";
 * import assert from "node:assert/strict";
 * const hook = {
 *   name: "10-loud", status: "ok", exit_code: 0, signal: null, duration_ms: 3,
 *   stdout: "x".repeat(100_000), stderr: "", stdout_bytes: 100_000, stderr_bytes: 0,
 * } as const;
 * const report = { hooks: [hook] } as unknown as RunReport;
 * const kept = trimReport(report, 65_536);
 * assert.equal(kept.hooks[0].stdout.length, 65_536);
 * assert.equal(kept.hooks[0].stdout_bytes, 100_000);
 * ```
 */
export function trimReport(report: RunReport, maxBytes: number): RunReport {
  return { ...report, hooks: report.hooks.map((hook) => trimHook(hook, maxBytes)) };
}
