/**
 * Which files in the hooks directory are hooks, which are skipped, and why: one
 * verdict per file, the same for `run`, `--dry-run`, `check` and `test`.
 *
 * A hook is a regular file, or a symlink to one, with an execute bit. Skipped:
 * names starting with a dot, editor and package-manager leftovers, names ending
 * in `.disabled` (and hooks the config switches off), directories, anything not
 * a regular file, broken links, non-executables. Refused (the run fails): hooks
 * that break the safety rule (see `safety.ts`) unless `allowInsecure`, and hooks
 * whose directive line (see `directives.ts`) or config entry is wrong. Before any
 * of that, the hooks directory and its parents must pass the safety rule, or no
 * file is looked at and the whole stage is refused.
 *
 * The directory is listed afresh on every call; nothing is cached. The files are
 * looked at synchronously: for 100 hooks that is several times cheaper than
 * awaiting each look, and nothing else can run before the hooks start anyway.
 *
 * @module
 */
import { basename, dirname, resolve } from "../paths.ts";
import type { HookRules } from "../config/settings.ts";
import { ConfigError, passScopeDenial } from "../errors.ts";
import {
  actionsProblem,
  appliesTo,
  type Directives,
  mergeRules,
  readDirectives,
} from "./directives.ts";
import type { Stage } from "../event/registry.ts";
import type { SkipKind, SkippedHook } from "../report.ts";
import {
  breachOf,
  directoryProblems,
  fixFor,
  linkBreachOf,
  octal,
  refusalOf,
  shellQuote,
} from "./safety.ts";

/** One hook to run, with what it is for when its directive or the config says. */
export interface HookFile {
  /** The file name inside the hooks directory. */
  name: string;
  /** The absolute path to run: the hooks directory joined with `name`. */
  path: string;
  /** The resolved real path when `name` is a symlink, else null. */
  target: string | null;
  /** Action patterns it is for; absent: every action. */
  actions?: string[];
  /** Stages it is for; absent: both. */
  stages?: Stage[];
  /** Its own time limit in milliseconds, within the stage's; absent: the stage's deadline. */
  timeoutMs?: number;
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
  /**
   * Present when the hooks directory or a parent fails the safety rule: why, in
   * one sentence. Then no file was looked at and no hook may run.
   */
  refused?: string;
}

/** Options of {@linkcode discoverHooks} and {@linkcode judgeFile}. */
export interface DiscoverOptions {
  /** Run hooks, and use a directory, that break the safety rule (default false). */
  allowInsecure?: boolean;
  /** The runner's uid; its files are as trusted as root's (default `Deno.uid()`). */
  uid?: number;
  /** The config's `hooks` key: rules per file name, winning over the file's directive. */
  rules?: Readonly<Record<string, HookRules>>;
  /** The registry's action names, so an action pattern that matches none is an error. */
  actions?: readonly string[];
  /** Judge the hooks directory and its parents first (default true; `check` does it itself). */
  judgeDirectory?: boolean;
}

/** A file's verdict: a hook to run, or a skip with its reason. */
export type Verdict = { hook: HookFile } | { skip: SkippedHook };

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
 * import assert from "node:assert/strict";
 * import { compareNames } from "./discovery.ts";
 * assert.deepEqual(["b", "a", "B", "10", "9", "é"].sort(compareNames), ["10", "9", "B", "a", "b", "é"]);
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

/** Editor and package-manager leftovers, by the end of their names (and `.dpkg-*` anywhere). */
const LEFTOVER_SUFFIXES = [
  "~",
  ".bak",
  ".orig",
  ".swp",
  ".swo",
  ".swx",
  ".rej",
  ".rpmnew",
  ".rpmsave",
  ".rpmorig",
  ".ucf-old",
  ".ucf-new",
  ".ucf-dist",
  ".pacnew",
  ".pacsave",
  ".pacorig",
];

/** The leftover suffixes as one expression: one match per name instead of one call per suffix. */
const LEFTOVER_END = new RegExp(
  `(?:${LEFTOVER_SUFFIXES.map((suffix) => suffix.replace(/[.~]/g, "\\$&")).join("|")})$`,
);

/** The suffix that switches a hook off without `chmod -x`. */
const DISABLED_SUFFIX = ".disabled";

/**
 * Why a name is skipped whatever the file is: a dotfile, or a leftover of an
 * editor or package manager (`~`, `#name#`, `.bak`, `.orig`, `.swp`, `.swo`,
 * `.swx`, `.rej`, `.rpmnew`, `.rpmsave`, `.rpmorig`, `.ucf-old`, `.ucf-new`,
 * `.ucf-dist`, `.pacnew`, `.pacsave`, `.pacorig`, `.dpkg-*`). Null when the
 * name is fine. (A name ending in `.disabled` is skipped too, as `disabled`.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leftoverReason } from "./discovery.ts";
 * assert.equal(leftoverReason("hook.sh.bak"), "editor or package-manager leftover (.bak)");
 * assert.equal(leftoverReason("hook.sh.dpkg-old"), "editor or package-manager leftover (.dpkg-old)");
 * assert.equal(leftoverReason("#hook.sh#"), "editor or package-manager leftover (#...#)");
 * assert.equal(leftoverReason(".hook.sh"), "hidden file (name starts with a dot)");
 * assert.equal(leftoverReason("hook.sh"), null);
 * ```
 */
export function leftoverReason(name: string): string | null {
  return nameSkip(name)?.reason ?? null;
}

function nameSkip(name: string): { kind: "hidden" | "leftover"; reason: string } | null {
  if (name.startsWith(".")) {
    return { kind: "hidden", reason: "hidden file (name starts with a dot)" };
  }
  const dpkg = name.indexOf(".dpkg-");
  const suffix = dpkg !== -1
    ? name.slice(dpkg)
    : name.length > 1 && name.startsWith("#") && name.endsWith("#")
    ? "#...#"
    : LEFTOVER_END.exec(name)?.[0];
  return suffix
    ? { kind: "leftover", reason: `editor or package-manager leftover (${suffix})` }
    : null;
}

/**
 * The safety rule in one sentence ending in the command that fixes it, or null
 * when `info` keeps it. `what`, when given, starts it (`"the hooks directory
 * is"`). Reports carry the same as data (`reason` and `fix`); see `safety.ts`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { safetyProblem } from "./discovery.ts";
 * const info = await Deno.stat("/bin/sh");
 * assert.equal(safetyProblem({ ...info, uid: 0, mode: 0o100755 }, 0), null);
 * assert.equal(
 *   safetyProblem({ ...info, uid: 0, mode: 0o100777 }, 0),
 *   "writable by group or others (mode 0777): chmod go-w",
 * );
 * ```
 */
export function safetyProblem(info: Deno.FileInfo, uid: number, what = ""): string | null {
  const breach = breachOf(info, uid);
  return breach ? `${what ? `${what} ` : ""}${breach.problem}: ${breach.command}` : null;
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

function skip(name: string, kind: SkipKind, reason: string, fix?: string): Verdict {
  const refused = kind === "insecure" || kind === "bad_directive";
  return { skip: { name, reason, kind, refused, ...(fix === undefined ? {} : { fix }) } };
}

/** What every verdict of one look needs. */
interface Judge {
  uid: number;
  allowInsecure: boolean;
  rules: Readonly<Record<string, HookRules>>;
  actions?: readonly string[];
}

function judgeOf(options: DiscoverOptions): Judge {
  return {
    uid: options.uid ?? Deno.uid() ?? 0,
    allowInsecure: options.allowInsecure ?? false,
    rules: options.rules ?? {},
    actions: options.actions,
  };
}

/**
 * The verdict on one directory entry; null when it vanished before it could be
 * looked at. The one rule, in order: the name (hidden, leftover, disabled), the
 * config's `enabled: false`, the file type, the execute bit, the safety rule
 * (the link's own owner, then the file or the link's target), the directive.
 */
function inspect(dir: string, name: string, judge: Judge): Verdict | null {
  const byName = nameSkip(name);
  if (byName) return skip(name, byName.kind, byName.reason);
  if (name.endsWith(DISABLED_SUFFIX)) return skip(name, "disabled", "disabled");
  const configured = Object.hasOwn(judge.rules, name) ? judge.rules[name] : undefined;
  if (configured?.enabled === false) {
    return skip(name, "disabled", "disabled by the config (its hooks entry says enabled: false)");
  }
  // `dir` is absolute and normal, and a listed name holds no slash: no need to normalise.
  const path = dir === "/" ? `/${name}` : `${dir}/${name}`;
  let link: Deno.FileInfo;
  try {
    link = Deno.lstatSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      // Deno replaces bytes that are not UTF-8 with U+FFFD when it lists a
      // directory, so such a name can be listed but never opened or run.
      return name.includes("\uFFFD")
        ? skip(name, "not_regular", "name is not valid UTF-8, so it cannot be run: rename it")
        : null; // removed between listing and looking: as if it had never been there
    }
    passScopeDenial(error); // the CLI words it as the build's scope
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
      to = Deno.readLinkSync(path);
    } catch {
      return null; // replaced or removed since lstat
    }
    try {
      info = Deno.statSync(path);
      target = Deno.realPathSync(path);
    } catch (error) {
      passScopeDenial(error); // the CLI words it as the build's scope
      return skip(name, "broken_link", brokenReason(to, error));
    }
  }
  const label = target !== null ? `symlink to ${target}: ` : "";
  if (info.isDirectory) {
    return skip(
      name,
      "directory",
      target !== null ? `symlink to a directory (${target})` : "directory",
    );
  }
  if (!info.isFile) {
    return skip(name, "not_regular", `${label}not a regular file (${fileType(info)})`);
  }
  if (info.mode !== null && (info.mode & 0o111) === 0) {
    return skip(
      name,
      "not_executable",
      `${label}not executable (mode ${octal(info.mode)})`,
      `chmod +x ${shellQuote(target ?? path)}`,
    );
  }
  if (!judge.allowInsecure) {
    const own = target !== null ? linkBreachOf(link, judge.uid) : null;
    if (own) return skip(name, "insecure", own.problem, fixFor(own, path));
    const breach = breachOf(info, judge.uid);
    if (breach) {
      return skip(
        name,
        "insecure",
        target !== null ? `link target ${target} ${breach.problem}` : breach.problem,
        fixFor(breach, target ?? path),
      );
    }
  }
  const read = readDirectives(path, judge.actions);
  if (!read.ok) return skip(name, "bad_directive", `bad directive: ${read.error}`);
  if (configured?.actions !== undefined) {
    const problem = actionsProblem(configured.actions, judge.actions);
    if (problem) {
      return skip(name, "bad_directive", `bad hooks entry in the config: actions: ${problem}`);
    }
  }
  return { hook: { name, path, target, ...mergeRules(read.directives, configured) } };
}

/**
 * The verdict on one hook file anywhere, by the same rule a run applies to the
 * files of its hooks directory (`solus-hooks test` uses it); the config's rules
 * are looked up by the file's name. Null when there is no such file. Throws like
 * {@linkcode discoverHooks} when the file cannot be looked at.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { judgeFile } from "./discovery.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/hook.sh~`, "#!/bin/sh\n");
 * const verdict = judgeFile(`${dir}/hook.sh~`);
 * assert.ok(verdict && "skip" in verdict && verdict.skip.kind === "leftover");
 * assert.equal(judgeFile(`${dir}/absent`), null);
 * ```
 */
export function judgeFile(path: string, options: DiscoverOptions = {}): Verdict | null {
  const absolute = resolve(path);
  return inspect(dirname(absolute), basename(absolute), judgeOf(options));
}

/**
 * The rules a discovered hook runs by (its directive with the config's entry
 * over it), without its name and paths.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rulesOf } from "./discovery.ts";
 * assert.deepEqual(rulesOf({ name: "a", path: "/h/a", target: null, stages: ["post"] }), { stages: ["post"] });
 * ```
 */
export function rulesOf(hook: HookFile): Directives {
  const rules: Directives = {};
  if (hook.actions !== undefined) rules.actions = hook.actions;
  if (hook.stages !== undefined) rules.stages = hook.stages;
  if (hook.timeoutMs !== undefined) rules.timeoutMs = hook.timeoutMs;
  return rules;
}

/**
 * Split a discovery's hooks into those for `action` at `stage` and the rest,
 * which join the skipped files as `not_for` (not a failure), in name order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { selectFor } from "./discovery.ts";
 * const picked = selectFor({
 *   dir: "/h",
 *   exists: true,
 *   hooks: [{ name: "a", path: "/h/a", target: null, actions: ["server-create"] }],
 *   skipped: [],
 * }, "server-stop", "pre");
 * assert.deepEqual(picked.hooks, []);
 * assert.equal(picked.skipped[0].reason, "not for server-stop pre");
 * ```
 */
export function selectFor(
  discovery: Discovery,
  action: string,
  stage: Stage,
): { hooks: HookFile[]; skipped: SkippedHook[] } {
  const hooks: HookFile[] = [];
  const notFor: SkippedHook[] = [];
  for (const hook of discovery.hooks) {
    if (appliesTo(rulesOf(hook), action, stage)) hooks.push(hook);
    else {
      notFor.push({
        name: hook.name,
        reason: `not for ${action} ${stage}`,
        kind: "not_for",
        refused: false,
      });
    }
  }
  const skipped = notFor.length === 0
    ? discovery.skipped
    : [...discovery.skipped, ...notFor].sort((a, b) => compareNames(a.name, b.name));
  return { hooks, skipped };
}

/**
 * List the hooks directory afresh and sort what is there into hooks to run and
 * files skipped with a reason, both in byte-wise name order.
 *
 * A missing directory is zero hooks (`exists: false`), not an error. Unless
 * `allowInsecure`, the directory and its parents are judged first: when one
 * fails the safety rule, `refused` says why and no file is looked at. One that
 * cannot be listed (no permission, not a directory) or whose entries cannot be
 * looked at throws a {@linkcode ConfigError} naming it; a denial by Deno's own
 * permissions is rethrown as it is (`Deno.errors.NotCapable`). A file removed
 * between the listing and the look is left out. A skip has `refused: true` when
 * the safety rule or a bad directive refused it: that makes the run fail.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { discoverHooks } from "./discovery.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/10-a.sh`, "#!/bin/sh\n# solus-hooks: stages=post timeout=5s\n");
 * await Deno.chmod(`${dir}/10-a.sh`, 0o755);
 * const found = await discoverHooks(dir);
 * assert.deepEqual(found.hooks.map((hook) => [hook.name, hook.stages, hook.timeoutMs]), [
 *   ["10-a.sh", ["post"], 5000],
 * ]);
 * ```
 */
export async function discoverHooks(
  dir: string,
  options: DiscoverOptions = {},
): Promise<Discovery> {
  const absolute = resolve(dir);
  const judge = judgeOf(options);
  const names: string[] = [];
  try {
    for (const entry of Deno.readDirSync(absolute)) names.push(entry.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { dir: absolute, exists: false, hooks: [], skipped: [] };
    }
    passScopeDenial(error); // the CLI words it as the build's scope
    if (error instanceof Deno.errors.NotADirectory) {
      throw new ConfigError(`hooks directory ${absolute} is not a directory`, { cause: error });
    }
    throw new ConfigError(`cannot list hooks directory ${absolute}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!judge.allowInsecure && options.judgeDirectory !== false) {
    const [problem] = await directoryProblems(absolute, judge.uid);
    if (problem) {
      return { dir: absolute, exists: true, hooks: [], skipped: [], refused: refusalOf(problem) };
    }
  }
  names.sort(compareNames);
  const found: Discovery = { dir: absolute, exists: true, hooks: [], skipped: [] };
  for (const name of names) {
    const verdict = inspect(absolute, name, judge);
    if (verdict === null) continue;
    if ("hook" in verdict) found.hooks.push(verdict.hook);
    else found.skipped.push(verdict.skip);
  }
  return found;
}
