/**
 * Which files in the hooks directory are hooks, which are skipped, and why.
 *
 * A hook is a regular file, or a symlink to one, with an execute bit. Skipped:
 * directories, non-executables, dotfiles, editor and package-manager leftovers,
 * broken links, anything not a regular file. Refused (the run fails): hooks that
 * break the safety rule (owned by someone other than root or the runner, or
 * writable by group or others), unless `allowInsecure`.
 *
 * The directory is listed afresh on every call; nothing is cached.
 *
 * @module
 */
import { join, resolve } from "./paths.ts";
import { ConfigError } from "./errors.ts";
import type { SkipKind, SkippedHook } from "./report.ts";

/** One hook to run. */
export interface HookFile {
  /** The file name inside the hooks directory. */
  name: string;
  /** The absolute path to run: the hooks directory joined with `name`. */
  path: string;
  /** The resolved real path when `name` is a symlink, else null. */
  target: string | null;
}

/** What a look at the hooks directory found. */
export interface Discovery {
  /** The hooks directory, absolute. */
  dir: string;
  /** False when the directory does not exist (zero hooks, not an error). */
  exists: boolean;
  /** Hooks to run, in byte-wise name order. */
  hooks: HookFile[];
  /** Files not run, in byte-wise name order, each with its reason. */
  skipped: SkippedHook[];
}

/** Options of {@linkcode discoverHooks}. */
export interface DiscoverOptions {
  /** Run hooks that break the safety rule (default false). */
  allowInsecure?: boolean;
  /** The runner's uid; its files are as trusted as root's (default `Deno.uid()`). */
  uid?: number;
}

/** A string's Unicode scalar value at `i`; a lone surrogate counts as U+FFFD, as UTF-8 encodes it. */
function scalarAt(text: string, i: number): number {
  const code = text.codePointAt(i)!;
  return code >= 0xd800 && code <= 0xdfff ? 0xfffd : code;
}

/**
 * Compare two names by the bytes of their UTF-8 encoding, the order `ls` gives
 * under `LC_ALL=C` and run-parts uses: `10` before `9`, `B` before `a`, and any
 * non-ASCII letter after every ASCII one. Not `localeCompare`: the order must not
 * depend on the machine's locale.
 *
 * UTF-8 byte order is the order of Unicode scalar values, so this compares
 * those without encoding either string.
 *
 * @example
 * ```ts
 * import { compareNames } from "./discovery.ts";
 * console.log(["b", "a", "B", "10", "9", "é"].sort(compareNames)); // ["10", "9", "B", "a", "b", "é"]
 * ```
 */
export function compareNames(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = scalarAt(a, i);
    const y = scalarAt(b, j);
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return (i < a.length ? 1 : 0) - (j < b.length ? 1 : 0);
}

const LEFTOVER_SUFFIXES = ["~", ".bak", ".orig", ".swp", ".rpmnew", ".rpmsave"];

/**
 * Why a name is skipped whatever the file is: a dotfile, or a leftover of an
 * editor or package manager (`~`, `.bak`, `.orig`, `.swp`, `.rpmnew`, `.rpmsave`,
 * `.dpkg-*`). Null when the name is fine.
 *
 * @example
 * ```ts
 * import { leftoverReason } from "./discovery.ts";
 * console.log(leftoverReason("hook.sh.bak")); // "editor or package-manager leftover (.bak)"
 * console.log(leftoverReason("hook.sh.dpkg-old")); // "editor or package-manager leftover (.dpkg-old)"
 * console.log(leftoverReason(".hook.sh")); // "hidden file (name starts with a dot)"
 * console.log(leftoverReason("hook.sh")); // null
 * ```
 */
export function leftoverReason(name: string): string | null {
  if (name.startsWith(".")) return "hidden file (name starts with a dot)";
  const dpkg = name.indexOf(".dpkg-");
  if (dpkg !== -1) return `editor or package-manager leftover (${name.slice(dpkg)})`;
  const suffix = LEFTOVER_SUFFIXES.find((s) => name.endsWith(s));
  return suffix ? `editor or package-manager leftover (${suffix})` : null;
}

/** A mode as `ls -l` users write it: `0644`, `04755`. */
function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, "0")}`;
}

/**
 * The safety rule: why a file (or a directory) may not be trusted, or null when
 * it may. Trusted means owned by root (uid 0) or by the runner's own `uid`, and
 * not writable by group or others (`mode & 0o022`). The owner is checked first;
 * the reason ends with the command that fixes it (`: chown root` or
 * `: chmod go-w`). `what`, when given, starts the reason, e.g. `"the hooks
 * directory is"`, so `check` can apply the same rule to directories. Whether a
 * sticky directory is acceptable is the caller's call.
 *
 * @example
 * ```ts
 * import { safetyProblem } from "./discovery.ts";
 * const info = await Deno.stat("/bin/sh");
 * console.log(safetyProblem(info, Deno.uid() ?? 0)); // null
 * const loose = { ...info, uid: 0, mode: 0o100777 };
 * console.log(safetyProblem(loose, 0)); // "writable by group or others (mode 0777): chmod go-w"
 * console.log(safetyProblem({ ...info, uid: 1001, mode: 0o40755 }, 0, "the hooks directory is"));
 * // "the hooks directory is owned by uid 1001, not root or the runner (uid 0): chown root"
 * ```
 */
export function safetyProblem(info: Deno.FileInfo, uid: number, what = ""): string | null {
  const prefix = what ? `${what} ` : "";
  if (info.uid !== null && info.uid !== 0 && info.uid !== uid) {
    return `${prefix}owned by uid ${info.uid}, not root or the runner (uid ${uid}): chown root`;
  }
  if (info.mode !== null && (info.mode & 0o022) !== 0) {
    return `${prefix}writable by group or others (mode ${octal(info.mode)}): chmod go-w`;
  }
  return null;
}

/** What a file that is neither a regular file nor a directory is, in words. */
function fileType(info: Deno.FileInfo): string {
  if (info.isFifo) return "a fifo";
  if (info.isSocket) return "a socket";
  if (info.isCharDevice) return "a character device";
  if (info.isBlockDevice) return "a block device";
  return "not a regular file";
}

/** Why a symlink's target cannot be reached, in words. */
function brokenReason(link: string, error: unknown): string {
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

type Verdict = { hook: HookFile } | { skip: SkippedHook } | null;

function skip(name: string, kind: SkipKind, reason: string): Verdict {
  return { skip: { name, reason, kind, refused: kind === "insecure" } };
}

/** Look at one directory entry; null when it vanished before it could be looked at. */
async function inspect(
  dir: string,
  name: string,
  uid: number,
  allowInsecure: boolean,
): Promise<Verdict> {
  const leftover = leftoverReason(name);
  if (leftover) return skip(name, name.startsWith(".") ? "hidden" : "leftover", leftover);
  const path = join(dir, name);
  let link: Deno.FileInfo;
  try {
    link = await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      // Deno replaces bytes that are not UTF-8 with U+FFFD when it lists a
      // directory, so such a name can be listed but never opened or run.
      return name.includes("\uFFFD")
        ? skip(name, "not_regular", "name is not valid UTF-8, so it cannot be run: rename it")
        : null; // removed between listing and looking: as if it had never been there
    }
    if (error instanceof Deno.errors.NotCapable) throw error; // Deno's sandbox: the caller explains the scope
    throw new ConfigError(
      `cannot inspect ${path} in hooks directory ${dir}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  let info = link;
  let target: string | null = null;
  if (link.isSymlink) {
    let to: string;
    try {
      to = await Deno.readLink(path);
    } catch {
      return null; // replaced or removed since lstat
    }
    try {
      info = await Deno.stat(path);
      target = await Deno.realPath(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) throw error;
      return skip(name, "broken_link", brokenReason(to, error));
    }
  }
  const label = link.isSymlink ? `symlink to ${target}: ` : "";
  if (info.isDirectory) {
    return skip(
      name,
      "directory",
      link.isSymlink ? `symlink to a directory (${target})` : "directory",
    );
  }
  if (!info.isFile) {
    return skip(name, "not_regular", `${label}not a regular file (${fileType(info)})`);
  }
  if (info.mode !== null && (info.mode & 0o111) === 0) {
    return skip(
      name,
      "not_executable",
      `${label}not executable (mode ${octal(info.mode)}): chmod +x to enable it`,
    );
  }
  if (!allowInsecure) {
    const problem = safetyProblem(info, uid, link.isSymlink ? `link target ${target}` : "");
    if (problem) return skip(name, "insecure", problem);
  }
  return { hook: { name, path, target } };
}

/**
 * List the hooks directory afresh and sort what is there into hooks to run and
 * files skipped with a reason, both in byte-wise name order.
 *
 * A missing directory is zero hooks (`exists: false`), not an error. One that
 * cannot be listed (no permission, not a directory) or whose entries cannot be
 * looked at throws a {@linkcode ConfigError} naming it; a denial by Deno's own
 * permissions is rethrown as it is (`Deno.errors.NotCapable`). A file removed
 * between the listing and the look is left out. A skip has `refused: true` only
 * when the safety rule refused it: that makes the run fail.
 *
 * @example
 * ```ts
 * import { discoverHooks } from "./discovery.ts";
 * const found = await discoverHooks("/usr/local/solus/hooks");
 * console.log(found.exists, found.hooks.map((hook) => hook.name));
 * for (const skip of found.skipped) console.log(skip.name, skip.reason, skip.refused);
 * ```
 */
export async function discoverHooks(
  dir: string,
  options: DiscoverOptions = {},
): Promise<Discovery> {
  const absolute = resolve(dir);
  const uid = options.uid ?? Deno.uid() ?? 0;
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(absolute)) names.push(entry.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { dir: absolute, exists: false, hooks: [], skipped: [] };
    }
    if (error instanceof Deno.errors.NotCapable) throw error; // Deno's sandbox: the caller explains the scope
    if (error instanceof Deno.errors.NotADirectory) {
      throw new ConfigError(`hooks directory ${absolute} is not a directory`, { cause: error });
    }
    throw new ConfigError(`cannot list hooks directory ${absolute}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  names.sort(compareNames);
  const verdicts = await Promise.all(
    names.map((name) => inspect(absolute, name, uid, options.allowInsecure ?? false)),
  );
  const found: Discovery = { dir: absolute, exists: true, hooks: [], skipped: [] };
  for (const verdict of verdicts) {
    if (verdict === null) continue;
    if ("hook" in verdict) found.hooks.push(verdict.hook);
    else found.skipped.push(verdict.skip);
  }
  return found;
}
