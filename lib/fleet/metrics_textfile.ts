/**
 * The metrics textfile on disk (contract §7): each stage (or refusal) is
 * counted into it under a lock, and the file rewritten whole: a temporary file
 * beside it (`NAME.tmp`, which node_exporter's collector ignores: it reads
 * `*.prom` only), then a rename, so a scrape never sees half a file. A lock
 * held too long, a missing folder or a refused write is a warning, never a
 * failed stage. What the file says and how it is counted: metrics.ts.
 *
 * @module
 */
import {
  INTERRUPTED_LOCK_WAIT_MS,
  LOCK_WAIT_MS,
  MAX_METRICS_BYTES,
  METRICS_IO_MS,
} from "../config/constants.ts";
import { LockTimeoutError, withLock } from "../journal/lock.ts";
import { dirname } from "../paths.ts";
import type { RunReport } from "../report.ts";
import { outsideScope } from "../scope.ts";
import { isScopeDenial } from "../errors.ts";
import { addStage, parseMetrics, renderMetrics } from "./metrics.ts";

/** How long to wait for the lock, and when to give up. */
export interface MetricsOptions {
  /** The runner's SIGINT/SIGTERM: stops the lock wait at once. */
  signal?: AbortSignal;
  /** At most this long for the lock, in milliseconds (default 2000). */
  waitMs?: number;
}

async function readTextfile(path: string): Promise<string> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "";
    throw error;
  }
  try {
    const { size, isFile } = await file.stat();
    if (!isFile) throw new Error("it is not a regular file");
    if (size > MAX_METRICS_BYTES) {
      throw new Error(`it is larger than ${MAX_METRICS_BYTES} bytes, so not solus-hooks' own`);
    }
    // A plain read loop: `new Response(file.readable).text()` costs 7 to 12 ms
    // on first use (Deno loads its fetch machinery lazily), a stage's worth.
    const bytes = new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      const read = await file.read(bytes.subarray(filled));
      if (read === null) break;
      filled += read;
    }
    return new TextDecoder().decode(bytes.subarray(0, filled));
  } finally {
    file.close();
  }
}

/**
 * Add one stage to the textfile at `textfile`: read it, count the stage,
 * write `textfile.tmp` (mode 0644, for node_exporter) and rename it over the
 * file, all under an exclusive lock on `textfile.lock`. Rejects when the lock
 * is not had in time or the file cannot be read or written.
 *
 * @example
 * ```ts
 * import { recordStage } from "./metrics_textfile.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const report = {
 *   run_id: "r", event_id: "e", dir: "/hooks", started_at: new Date().toISOString(),
 *   duration_ms: 3, ok: true, interrupted: false, hooks: [], skipped: [],
 *   event: { action: "server-stop", stage: "post" as const, data: {} },
 * };
 * await recordStage(`${dir}/solus_hooks.prom`, report);
 * await recordStage(`${dir}/solus_hooks.prom`, report);
 * const text = await Deno.readTextFile(`${dir}/solus_hooks.prom`);
 * assert.match(text, /stage="post",status="ok"\} 2$/m);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function recordStage(
  textfile: string,
  report: RunReport,
  options: MetricsOptions = {},
): Promise<void> {
  await withLock(`${textfile}.lock`, options, async () => {
    const state = parseMetrics(await readTextfile(textfile));
    addStage(state, report);
    const temporary = `${textfile}.tmp`;
    await writeNew(temporary, new TextEncoder().encode(renderMetrics(state)));
    // The umask may have taken bits node_exporter's own user needs to read it.
    await Deno.chmod(temporary, 0o644);
    await Deno.rename(temporary, textfile);
  });
}

/**
 * Write a file that must not exist yet (`O_EXCL`): whatever a killed writer
 * left by that name, or anything else put there (a link, a FIFO), is removed,
 * never written through. Open, write, close: `Deno.writeFile` costs 4 to 6 ms
 * on first use, a stage's worth, where these cost under one.
 */
async function writeNew(path: string, bytes: Uint8Array): Promise<void> {
  const options = { write: true, createNew: true, mode: 0o644 };
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, options);
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    await Deno.remove(path);
    file = await Deno.open(path, options);
  }
  try {
    let written = 0;
    while (written < bytes.byteLength) written += await file.write(bytes.subarray(written));
  } finally {
    file.close();
  }
}

/** Why the textfile was not written, in words. */
function describe(error: unknown, textfile: string): string {
  if (isScopeDenial(error)) {
    return outsideScope(error, { folder: dirname(textfile), writable: true });
  }
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.NotFound) return "its folder does not exist";
  if (error instanceof Deno.errors.NotADirectory) return "a parent of it is not a directory";
  if (error instanceof Deno.errors.IsADirectory) return "it is a directory";
  if (error instanceof LockTimeoutError) return error.message;
  if (error instanceof DOMException && error.name === "AbortError") return "interrupted";
  return error instanceof Error ? error.message : String(error);
}

/**
 * Count a stage into the metrics textfile, if one is configured. Never throws
 * and never fails the stage: returns a warning in words, else undefined.
 * Bounded: the lock wait (2 s) plus `METRICS_IO_MS`, and the runner's signal
 * ends it at once; when the runner was already interrupted the lock is waited
 * for only briefly.
 *
 * @example
 * ```ts
 * import { updateMetrics } from "./metrics_textfile.ts";
 * import assert from "node:assert/strict";
 * const report = {
 *   run_id: "r", event_id: "e", dir: "/hooks", started_at: new Date().toISOString(),
 *   duration_ms: 3, ok: true, interrupted: false, hooks: [], skipped: [],
 *   event: { action: "server-stop", stage: "post" as const, data: {} },
 * };
 * assert.equal(await updateMetrics(report, null), undefined);
 * assert.match(String(await updateMetrics(report, "/nonexistent/x.prom")), /does not exist/);
 * ```
 */
export async function updateMetrics(
  report: RunReport,
  textfile: string | null,
  options: MetricsOptions = {},
): Promise<string | undefined> {
  if (textfile === null) return undefined;
  const interrupted = options.signal?.aborted === true;
  const signal = interrupted ? undefined : options.signal;
  const waitMs = interrupted ? INTERRUPTED_LOCK_WAIT_MS : options.waitMs ?? LOCK_WAIT_MS;
  // The lock wait is bounded by withLock(); this bounds the whole, I/O included.
  const boundMs = waitMs + METRICS_IO_MS;
  const stop = AbortSignal.any([AbortSignal.timeout(boundMs), ...(signal ? [signal] : [])]);
  let onStop = () => {};
  const gaveUp = new Promise<never>((_, reject) => {
    onStop = () =>
      reject(
        signal?.aborted
          ? signal.reason
          : new Error(`it took longer than ${boundMs} ms (a hung disk, or a FIFO in its place?)`),
      );
    stop.addEventListener("abort", onStop, { once: true });
  });
  const work = recordStage(textfile, report, { signal, waitMs });
  work.catch(() => {}); // given up on, it may still fail later: not an unhandled rejection
  try {
    await Promise.race([work, gaveUp]);
    return undefined;
  } catch (error) {
    return `the metrics textfile ${textfile} was not written: ${describe(error, textfile)}`;
  } finally {
    stop.removeEventListener("abort", onStop);
  }
}
