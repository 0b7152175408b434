/**
 * Which files in the hooks directory are hooks, which are skipped, and why.
 *
 * A hook is a regular file, or a symlink to one, with an execute bit. Skipped:
 * directories, non-executables, dotfiles, editor and package-manager leftovers,
 * broken links, anything not a regular file. Refused (the run fails): hooks that
 * break the safety rule (owned by someone other than root or the runner, or
 * writable by group or others), unless `allowInsecure`.
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
  /** The absolute path to run. */
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

const encoder = new TextEncoder();

/**
 * Compare two names by the bytes of their UTF-8 encoding, the order `ls` gives
 * under `LC_ALL=C` and run-parts uses: `10` before `9`, `B` before `a`.
 *
 * @example
 * ```ts
 * import { compareNames } from "./discovery.ts";
 * console.log(["b", "a", "B", "10", "9"].sort(compareNames)); // ["10", "9", "B", "a", "b"]
 * ```
 */
export function compareNames(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

const LEFTOVER_SUFFIXES = [".bak", ".orig", ".swp", ".rpmnew", ".rpmsave"];

/**
 * Why a name is skipped whatever the file is: a dotfile or a leftover of an
 * editor or package manager. Null when the name is fine.
 *
 * @example
 * ```ts
 * import { leftoverReason } from "./discovery.ts";
 * console.log(leftoverReason("hook.sh.dpkg-old")); // "editor or package-manager leftover (.dpkg-)"
 * console.log(leftoverReason("hook.sh")); // null
 * ```
 */
export function leftoverReason(name: string): string | null {
  if (name.startsWith(".")) return "hidden file (name starts with a dot)";
  if (name.endsWith("~")) return "editor or package-manager leftover (~)";
  if (name.includes(".dpkg-")) return "editor or package-manager leftover (.dpkg-)";
  const suffix = LEFTOVER_SUFFIXES.find((s) => name.endsWith(s));
  return suffix ? `editor or package-manager leftover (${suffix})` : null;
}

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, "0")}`;
}

/**
 * The safety rule: why a file (or directory) may not be trusted, or null.
 * Owned by root or by the runner's own uid, and not writable by group or others.
 *
 * @example
 * ```ts
 * import { safetyProblem } from "./discovery.ts";
 * const info = await Deno.stat("/bin/sh");
 * console.log(safetyProblem(info, Deno.uid() ?? 0)); // null
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

/**
 * List the hooks directory afresh and sort what is there into hooks to run and
 * files skipped with a reason. A missing directory is zero hooks; one that
 * cannot be listed is an Error naming it.
 *
 * @example
 * ```ts
 * import { discoverHooks } from "./discovery.ts";
 * const found = await discoverHooks("/usr/local/solus/hooks");
 * console.log(found.hooks.map((hook) => hook.name), found.skipped);
 * ```
 */
export async function discoverHooks(
  dir: string,
  options: DiscoverOptions = {},
): Promise<Discovery> {
  const absolute = resolve(dir);
  const uid = options.uid ?? Deno.uid() ?? 0;
  const found: Discovery = { dir: absolute, exists: true, hooks: [], skipped: [] };
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(absolute)) names.push(entry.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { ...found, exists: false };
    if (error instanceof Deno.errors.NotCapable) throw error; // Deno's sandbox: the caller explains the scope
    if (error instanceof Deno.errors.NotADirectory) {
      throw new ConfigError(`hooks directory ${absolute} is not a directory`);
    }
    throw new ConfigError(`cannot list hooks directory ${absolute}: ${(error as Error).message}`);
  }
  names.sort(compareNames);
  const skip = (name: string, kind: SkipKind, reason: string) =>
    found.skipped.push({ name, reason, kind, refused: kind === "insecure" });
  for (const name of names) {
    const leftover = leftoverReason(name);
    if (leftover) {
      skip(name, name.startsWith(".") ? "hidden" : "leftover", leftover);
      continue;
    }
    const path = join(absolute, name);
    let link: Deno.FileInfo;
    let info: Deno.FileInfo;
    try {
      link = await Deno.lstat(path);
    } catch {
      continue; // vanished between listing and looking
    }
    let target: string | null = null;
    try {
      info = link.isSymlink ? await Deno.stat(path) : link;
      if (link.isSymlink) target = await Deno.realPath(path);
    } catch {
      const to = await Deno.readLink(path).catch(() => "?");
      skip(name, "broken_link", `broken symlink to ${to}`);
      continue;
    }
    if (info.isDirectory) {
      skip(name, "directory", link.isSymlink ? `symlink to a directory (${target})` : "directory");
      continue;
    }
    if (!info.isFile) {
      skip(name, "not_regular", "not a regular file (socket, fifo or device)");
      continue;
    }
    if (info.mode !== null && (info.mode & 0o111) === 0) {
      skip(
        name,
        "not_executable",
        `not executable (mode ${octal(info.mode)}): chmod +x to enable it`,
      );
      continue;
    }
    if (!options.allowInsecure) {
      const problem = safetyProblem(info, uid, link.isSymlink ? `link target ${target}` : "");
      if (problem) {
        skip(name, "insecure", `refused: ${problem}`);
        continue;
      }
    }
    found.hooks.push({ name, path, target });
  }
  return found;
}
