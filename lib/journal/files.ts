/**
 * File-system facts the journal's reader and writer share: what kind of thing a
 * path is, and an OS or Deno error in words for a one-line message.
 *
 * @module
 */
import { LockTimeoutError } from "./lock.ts";
import { isScopeDenial } from "../errors.ts";

/** Rotated files beyond this number (`PATH.1000`) are never read or kept. */
export const MAX_ROTATED = 1000;

/**
 * The reason in an error from `Deno.*`, in words. A path outside the build's
 * `--allow-read`/`--allow-write` (`NotCapable`) is not a file permission
 * problem, and `chmod` will not fix it: it says so.
 *
 * @example
 * ```ts
 * import { describeError } from "./files.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   describeError(new Deno.errors.NotCapable("Requires read access")),
 *   "it is outside this build's permission scope",
 * );
 * ```
 */
export function describeError(error: unknown): string {
  if (isScopeDenial(error)) return "it is outside this build's permission scope";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.NotADirectory) return "a parent of it is not a directory";
  if (error instanceof Deno.errors.IsADirectory) return "it is a directory";
  if (error instanceof LockTimeoutError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

/** What a path that is not a regular file is, in words: `a FIFO (named pipe)`. */
function kindOf(info: Deno.FileInfo): string {
  if (info.isDirectory) return "a directory";
  if (info.isFifo) return "a FIFO (named pipe)";
  if (info.isSocket) return "a socket";
  if (info.isCharDevice || info.isBlockDevice) return "a device";
  return "not a regular file";
}

/**
 * Why `path` cannot be a journal file without blocking, in words that follow
 * "it is": a FIFO nobody reads blocks an open for ever, a directory or device is
 * no place for records. Undefined when it is a regular file (or a link to one),
 * or does not exist. `stat` itself never blocks on such a path; other errors
 * are thrown.
 *
 * @example
 * ```ts
 * import { notRegular } from "./files.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * assert.equal(await notRegular(dir), "a directory, not a regular file");
 * assert.equal(await notRegular(`${dir}/missing`), undefined);
 * await Deno.remove(dir);
 * ```
 */
export async function notRegular(path: string): Promise<string | undefined> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  return info.isFile ? undefined : `${kindOf(info)}, not a regular file`;
}

/**
 * Like {@linkcode notRegular}, for a file already open: a path swapped between
 * the check and the open (for a directory, say) is still caught before it is
 * used. (A FIFO swapped in blocks the open itself; the writer's bound on the
 * whole append covers that.)
 */
export async function openedNotRegular(file: Deno.FsFile): Promise<string | undefined> {
  const info = await file.stat();
  return info.isFile ? undefined : `${kindOf(info)}, not a regular file`;
}

/** Whether `path` exists (a refusal to look counts as existing: the caller will hear of it). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    return !(error instanceof Deno.errors.NotFound);
  }
}
