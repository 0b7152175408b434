/**
 * What the journal keeps of a hook's output: at most `journal.maxOutputBytes`
 * (64 KiB) of each stream, where the `--json` report keeps `maxOutputBytes`
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

/** A hook's result with each stream cut to `maxBytes`; the byte counts stay as they were. */
function trimHook(hook: HookResult, maxBytes: number): HookResult {
  const trimmed: HookResult = { ...hook };
  for (const name of ["stdout", "stderr"] as const) {
    const cut = cutStream({ text: hook[name], encoding: hook[`${name}_encoding`] }, maxBytes);
    trimmed[name] = cut.text;
    if (cut.encoding) trimmed[`${name}_encoding`] = cut.encoding;
    else delete trimmed[`${name}_encoding`];
  }
  return trimmed;
}

/**
 * The report as the journal keeps it: each hook's stdout and stderr cut to
 * `maxBytes` bytes. The report given is not changed.
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
