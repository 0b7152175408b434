/**
 * What a directory entry that is not a hook is, in words: the kind of a file
 * that is neither a regular file nor a directory, and why a link's target
 * cannot be reached, and where a link leads.
 *
 * @module
 */

/**
 * What a file that is neither a regular file nor a directory is, in words.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileType } from "./file_kinds.ts";
 * assert.equal(fileType(await Deno.stat("/dev/null")), "a character device");
 * ```
 */
export function fileType(info: Deno.FileInfo): string {
  if (info.isFifo) return "a fifo";
  if (info.isSocket) return "a socket";
  if (info.isCharDevice) return "a character device";
  if (info.isBlockDevice) return "a block device";
  return "not a regular file";
}

/**
 * Why a symlink's target cannot be reached, in words.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { brokenReason } from "./file_kinds.ts";
 * assert.equal(brokenReason("/gone", new Deno.errors.NotFound("x")), "broken symlink to /gone");
 * ```
 */
export function brokenReason(link: string, error: unknown): string {
  if (error instanceof Deno.errors.FilesystemLoop) {
    return `broken symlink to ${link} (a loop of links)`;
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return `symlink to ${link}, whose target cannot be reached (permission denied)`;
  }
  if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
    return `broken symlink to ${link}`;
  }
  return `broken symlink to ${link} (${(error as Error).message})`;
}

/**
 * Where the link `name` in `dir` really leads (every link resolved), or null
 * when it leads nowhere (or is gone, or is outside the build's scope: the
 * file's own look says which).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { linkTarget } from "./file_kinds.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.symlink("/nonexistent/solus-hooks", `${dir}/gone`);
 * assert.equal(linkTarget(dir, "gone"), null);
 * ```
 */
export function linkTarget(dir: string, name: string): string | null {
  const path = dir === "/" ? `/${name}` : `${dir}/${name}`;
  try {
    return Deno.realPathSync(path);
  } catch {
    return null; // gone, broken or outside the scope: the file's own look says which
  }
}
