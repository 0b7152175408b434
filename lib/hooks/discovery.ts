/**
 * Which files in the hooks directory are hooks, which are skipped, and why: one
 * verdict per file, the same for `run`, `--dry-run`, `check` and `test`.
 *
 * A hook is a regular file, or a symlink to one, with an execute bit. Skipped:
 * names starting with a dot, editor and package-manager leftovers, names ending
 * in `.disabled` (and hooks the config switches off), directories, anything not
 * a regular file, broken links, non-executables. Refused (the run fails): hooks
 * that break the safety rule (see `safety.ts`: a link's target's folders
 * included) unless `allowInsecure`, hooks whose directive line (see
 * `directives.ts`) or config entry is wrong, and, when the caller asks (`check`,
 * `--dry-run`, `test`), hooks whose `#!` line cannot start. Before any
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
  directivesInHead,
  mergeRules,
  readHead,
} from "./directives.ts";
import type { Stage } from "../event/registry.ts";
import { selfReason } from "./entry.ts";
import type { SkipKind, SkippedHook } from "../report.ts";
import { compareNames, DISABLED_SUFFIX, nameSkip } from "./names.ts";
import { hookProblem } from "./interpreter.ts";
import { rawNames } from "./raw_names.ts";
import { brokenReason, fileType, linkTarget } from "./file_kinds.ts";
import {
  breachOf,
  directoryProblems,
  fixFor,
  type FolderInfos,
  foldersToJudge,
  judgeTargetFolders,
  linkBreachOf,
  lookAtFolders,
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
  /**
   * The PATH hooks get: when given, each hook's `#!` line is judged too, and a
   * hook that cannot start is refused (`cannot_start`). `check`, `--dry-run`
   * and `test` give it; a run lets the spawn say so, in the same words.
   */
  hookPath?: string;
}

/** A file's verdict: a hook to run, or a skip with its reason. */
export type Verdict = { hook: HookFile } | { skip: SkippedHook };

function skip(name: string, kind: SkipKind, reason: string, fix?: string): Verdict {
  const refused = kind === "insecure" || kind === "bad_directive" || kind === "cannot_start";
  return { skip: { name, reason, kind, refused, ...(fix === undefined ? {} : { fix }) } };
}

/** What every verdict of one look needs. */
interface Judge {
  uid: number;
  allowInsecure: boolean;
  rules: Readonly<Record<string, HookRules>>;
  actions?: readonly string[];
  hookPath?: string;
}

function judgeOf(options: DiscoverOptions): Judge {
  return {
    uid: options.uid ?? Deno.uid() ?? 0,
    allowInsecure: options.allowInsecure ?? false,
    rules: options.rules ?? {},
    actions: options.actions,
    hookPath: options.hookPath,
  };
}

/**
 * The verdict on one directory entry; null when it vanished before it could be
 * looked at. The one rule, in order: the name (hidden, leftover, disabled), the
 * config's `enabled: false`, the file type, the execute bit, solus-hooks itself, the safety rule
 * (the link's own owner, then the file or the link's target), the directive.
 * `known` is where the link leads, when discovery has already looked.
 */
function inspect(dir: string, name: string, judge: Judge, known?: string): Verdict | null {
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
      target = known ?? Deno.realPathSync(path);
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
  const head = readHead(path); // once, for the self check and the directives
  const self = selfReason(path, target, info.size, head);
  if (self) return skip(name, "self", self);
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
  const read = directivesInHead(head, judge.actions);
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
 * const verdict = await judgeFile(`${dir}/hook.sh~`);
 * assert.ok(verdict && "skip" in verdict && verdict.skip.kind === "leftover");
 * assert.equal(await judgeFile(`${dir}/absent`), null);
 * ```
 */
export async function judgeFile(
  path: string,
  options: DiscoverOptions = {},
): Promise<Verdict | null> {
  const absolute = resolve(path);
  const judge = judgeOf(options);
  const dir = dirname(absolute);
  const verdict = inspect(dir, basename(absolute), judge);
  if (verdict === null || "skip" in verdict) return verdict;
  // Its folder is judged as a run judges the hooks directory it would sit in.
  if (!judge.allowInsecure && options.judgeDirectory !== false) {
    const [problem] = await directoryProblems(dir, judge.uid);
    if (problem) {
      return skip(verdict.hook.name, "insecure", refusalOf(problem), problem.fix);
    }
  }
  return await laterVerdict(verdict.hook, judge, new Map());
}

/**
 * What a hook that passed the synchronous look comes to once its link target's
 * folders (the safety rule) and, when asked, its `#!` line are judged: both may
 * need a helper in a scoped build, so they are awaited, after every file's look.
 * `infos` holds the folders already looked at in this discovery.
 */
async function laterVerdict(hook: HookFile, judge: Judge, infos: FolderInfos): Promise<Verdict> {
  if (hook.target !== null && !judge.allowInsecure) {
    await lookAtFolders(foldersToJudge(null, [hook.target]), infos);
  }
  const verdict = targetVerdict(hook, judge, infos);
  if ("skip" in verdict || judge.hookPath === undefined) return verdict;
  const problem = await hookProblem(hook.path, judge.hookPath);
  return problem ? skip(hook.name, "cannot_start", `cannot start: ${problem}`) : verdict;
}

/** A link's hook refused when a folder of its target fails the rule (`infos` holds them). */
function targetVerdict(hook: HookFile, judge: Judge, infos: FolderInfos): Verdict {
  if (hook.target === null || judge.allowInsecure) return { hook };
  const problem = judgeTargetFolders(hook.target, judge.uid, infos);
  if (!problem) return { hook };
  const is = problem.kind === "unknown" ? "" : "is ";
  return skip(
    hook.name,
    "insecure",
    `link target ${hook.target} is in ${problem.path}, which ${is}${problem.problem}, so others could replace it`,
    problem.fix,
  );
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
  const links: string[] = [];
  try {
    for (const entry of Deno.readDirSync(absolute)) {
      names.push(entry.name);
      if (entry.isSymlink) links.push(entry.name);
    }
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
  const judgeDirectory = !judge.allowInsecure && options.judgeDirectory !== false;
  const infos: FolderInfos = new Map();
  const targets = new Map<string, string>();
  if (!judge.allowInsecure) {
    // One look at every folder the rule needs, the directory's parents and each link
    // target's folders, so a scoped build asks /usr/bin/stat once, not once per chain.
    for (const name of links) {
      const target = linkTarget(absolute, name);
      if (target !== null) targets.set(name, target);
    }
    await lookAtFolders(
      foldersToJudge(judgeDirectory ? absolute : null, [...targets.values()]),
      infos,
    );
  }
  if (judgeDirectory) {
    const [problem] = await directoryProblems(absolute, judge.uid, infos);
    if (problem) {
      return { dir: absolute, exists: true, hooks: [], skipped: [], refused: refusalOf(problem) };
    }
  }
  names.sort(compareNames);
  const found: Discovery = { dir: absolute, exists: true, hooks: [], skipped: [] };
  // Names that are not UTF-8 are listed with U+FFFD: a person is shown their bytes.
  const shown = names.some((name) => name.includes("\uFFFD")) ? await rawNames(absolute) : null;
  for (const name of names) {
    let verdict = inspect(absolute, name, judge, targets.get(name));
    if (verdict === null) continue;
    if ("skip" in verdict && shown?.has(name)) {
      verdict = { skip: { ...verdict.skip, name: shown.get(name)! } };
    }
    // Its target's folders were looked at above: judged without awaiting, as the rest.
    if ("hook" in verdict) verdict = targetVerdict(verdict.hook, judge, infos);
    if ("hook" in verdict && judge.hookPath !== undefined) {
      verdict = await laterVerdict(verdict.hook, judge, infos);
    }
    if ("hook" in verdict) found.hooks.push(verdict.hook);
    else found.skipped.push(verdict.skip);
  }
  return found;
}
