/**
 * A bounded, interruptible exclusive lock on a file, for the writers that many
 * runners share (the journal, the metrics textfile). Deno's `FsFile.lock()`
 * waits for ever and cannot be cancelled, so the wait is raced against a time
 * limit and the caller's abort signal: a lock another process holds too long
 * costs a warning, never a hung runner.
 *
 * @module
 */
import { LOCK_WAIT_MS } from "../config/constants.ts";

/** Why a lock was not taken: it stayed held past the wait, or the caller gave up. */
export class LockTimeoutError extends Error {
  /** Make the error for the lock file at `path`. */
  constructor(path: string, waitedMs: number, options?: ErrorOptions) {
    super(`${path} stayed locked by another process for ${waitedMs} ms`, options);
    this.name = "LockTimeoutError";
  }
}

/** How long to wait and when to give up. */
export interface LockOptions {
  /** At most this long, in milliseconds (default 2000). */
  waitMs?: number;
  /** Stops the wait at once (the runner's SIGINT/SIGTERM). */
  signal?: AbortSignal;
}

/**
 * Run `fn` while holding an exclusive `flock` on `lockPath` (created with mode
 * 0640 if missing). Rejects with a {@linkcode LockTimeoutError} when the lock is
 * not had within `waitMs`, and with the signal's reason when `signal` aborts
 * first. The lock is released when `fn` settles.
 *
 * A wait given up on leaves Deno's blocking `flock` call behind; closing the
 * file drops our handle, and the lock that call may take later dies with it.
 *
 * @example
 * ```ts
 * import { withLock } from "./lock.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const result = await withLock(`${dir}/x.lock`, { waitMs: 500 }, () => Promise.resolve(42));
 * assert.equal(result, 42);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function withLock<T>(
  lockPath: string,
  options: LockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  const waitMs = options.waitMs ?? LOCK_WAIT_MS;
  options.signal?.throwIfAborted();
  // Opening a FIFO for writing waits for a reader for ever, before any time
  // limit could start: whatever is at the lock's path must be a plain file.
  try {
    const info = await Deno.lstat(lockPath);
    if (!info.isFile) throw new Error(`${lockPath} is not a regular file, so it cannot be a lock`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const file = await Deno.open(lockPath, { create: true, write: true, mode: 0o640 });
  try {
    const stops = [AbortSignal.timeout(waitMs), ...(options.signal ? [options.signal] : [])];
    const stop = AbortSignal.any(stops);
    let onAbort = () => {};
    const gaveUp = new Promise<never>((_, reject) => {
      onAbort = () =>
        reject(
          options.signal?.aborted ? options.signal.reason : new LockTimeoutError(lockPath, waitMs),
        );
      stop.addEventListener("abort", onAbort, { once: true });
    });
    try {
      await Promise.race([file.lock(true), gaveUp]);
    } finally {
      stop.removeEventListener("abort", onAbort);
    }
    return await fn();
  } finally {
    // Closing the file releases the lock (and drops a wait given up on).
    file.close();
  }
}
