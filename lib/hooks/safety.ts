/**
 * The safety rule: what the runner may trust to run as root. A file (a hook, a
 * link's target) or a directory (the hooks directory, each of its parents) is
 * trusted when it is owned by root or by the runner's own user and is not
 * writable by group or others. A link is judged by its own owner too. A
 * root-owned sticky parent (`/tmp`) is acceptable, since no one can replace
 * another's entry in it; the hooks directory itself never is, sticky or not,
 * since anyone could add a hook to it. `allowInsecure` lifts all of it (the
 * callers' business).
 *
 * Every problem is data: what is wrong (words) and the command that fixes it.
 *
 * @module
 */
import { dirname, resolve } from "../paths.ts";
import { statByHelper } from "../process/stat_helper.ts";
import { isScopeDenial } from "../errors.ts";

/** What the rule needs of a file: its owner and mode (null where the platform has none). */
export interface Ownership {
  /** Owner uid. */
  uid: number | null;
  /** Mode bits, with the file type bits or without. */
  mode: number | null;
}

/** A breach of the safety rule: what is wrong, and the command (without the path) that fixes it. */
export interface Breach {
  /** `owner`: someone else owns it; `writable`: group or others may write it. */
  kind: "owner" | "writable";
  /** What is wrong, in words, e.g. `writable by group or others (mode 0777)`. */
  problem: string;
  /** The fixing command without its path: `chown root`, `chown -h root` or `chmod go-w`. */
  command: string;
}

/** One directory of the hooks directory's chain that fails the rule. */
export interface DirectoryProblem {
  /** The directory, absolute. */
  path: string;
  /** Which: the hooks directory itself, one of its parents, or a folder holding a link's target. */
  role: "hooks directory" | "parent" | "link target's folder";
  /** `owner`, `writable`, or `unknown` when it could not be inspected at all. */
  kind: Breach["kind"] | "unknown";
  /** What is wrong, in words. */
  problem: string;
  /** The command that fixes it. */
  fix: string;
}

/**
 * A path quoted for a shell command line when it needs it, so a printed fix
 * can be pasted as it is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shellQuote } from "./safety.ts";
 * assert.equal(shellQuote("/usr/local/solus/hooks/10-a.sh"), "/usr/local/solus/hooks/10-a.sh");
 * assert.equal(shellQuote("/tmp/it's here"), "'/tmp/it'\\''s here'");
 * ```
 */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

/**
 * A mode as `ls -l` users write it: `0644`, `04755`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { octal } from "./safety.ts";
 * assert.equal(octal(0o100644), "0644");
 * assert.equal(octal(0o104755), "04755");
 * ```
 */
export function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, "0")}`;
}

/**
 * How a file breaks the safety rule, or null when it keeps it: owned by
 * someone other than root or `uid` (checked first), or writable by group or
 * others (`mode & 0o022`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { breachOf } from "./safety.ts";
 * assert.equal(breachOf({ uid: 0, mode: 0o100755 }, 1000), null);
 * assert.deepEqual(breachOf({ uid: 0, mode: 0o100777 }, 0), {
 *   kind: "writable",
 *   problem: "writable by group or others (mode 0777)",
 *   command: "chmod go-w",
 * });
 * ```
 */
export function breachOf(info: Ownership, uid: number): Breach | null {
  if (info.uid !== null && info.uid !== 0 && info.uid !== uid) {
    return {
      kind: "owner",
      problem: `owned by uid ${info.uid}, not root or the runner (uid ${uid})`,
      command: "chown root",
    };
  }
  if (info.mode !== null && (info.mode & 0o022) !== 0) {
    return {
      kind: "writable",
      problem: `writable by group or others (mode ${octal(info.mode)})`,
      command: "chmod go-w",
    };
  }
  return null;
}

/**
 * The safety rule in one sentence ending in the command that fixes it, or null
 * when `info` keeps it. `what`, when given, starts it (`"the hooks directory
 * is"`). Reports carry the same as data (`reason` and `fix`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { safetyProblem } from "./safety.ts";
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

/**
 * How a symlink breaks the rule by its own owner, or null. Its mode says
 * nothing (always 0777); but a link owned by another user was put there by
 * that user, whatever it points at.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { linkBreachOf } from "./safety.ts";
 * assert.equal(linkBreachOf({ uid: 0, mode: 0o120777 }, 0), null);
 * assert.equal(linkBreachOf({ uid: 65534, mode: 0o120777 }, 0)?.command, "chown -h root");
 * ```
 */
export function linkBreachOf(link: Ownership, uid: number): Breach | null {
  if (link.uid === null || link.uid === 0 || link.uid === uid) return null;
  return {
    kind: "owner",
    problem: `the link itself is owned by uid ${link.uid}, not root or the runner (uid ${uid})`,
    command: "chown -h root",
  };
}

/**
 * The command that fixes `breach` on `path`, ready to paste.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { breachOf, fixFor } from "./safety.ts";
 * assert.equal(fixFor(breachOf({ uid: 0, mode: 0o777 }, 0)!, "/h/my hook"), "chmod go-w '/h/my hook'");
 * ```
 */
export function fixFor(breach: Breach, path: string): string {
  return `${breach.command} ${shellQuote(path)}`;
}

/** `path` and each of its parents up to `/`. */
function lineage(path: string): string[] {
  const paths: string[] = [];
  for (let at = path;; at = dirname(at)) {
    paths.push(at);
    if (at === dirname(at)) return paths;
  }
}

/**
 * Judge the hooks directory and each of its parents (those of the path as
 * given and those of its real path, when a link leads there) and return every
 * problem, the hooks directory first, then upwards. Synchronous `stat` where
 * Deno may; for what a scoped build may not read (the parents, as a rule), one
 * `/usr/bin/stat` for them all. What even that cannot inspect is a problem:
 * the rule fails closed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { directoryProblems } from "./safety.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.chmod(dir, 0o777);
 * const [problem] = await directoryProblems(dir, Deno.uid() ?? 0);
 * assert.equal(problem.role, "hooks directory");
 * assert.equal(problem.fix, `chmod go-w ${dir}`);
 * ```
 */
export async function directoryProblems(
  dir: string,
  uid: number,
  infos?: FolderInfos,
): Promise<DirectoryProblem[]> {
  const { absolute, real, paths } = directoryChain(dir);
  return await chainProblems(
    paths,
    (path) => path === absolute || path === real ? "hooks directory" : "parent",
    uid,
    infos,
  );
}

/** The hooks directory as given and as it really is, and every folder of both chains. */
function directoryChain(dir: string): { absolute: string; real: string; paths: string[] } {
  const absolute = resolve(dir);
  let real = absolute;
  try {
    real = Deno.realPathSync(absolute);
  } catch {
    // outside the read scope or gone: the path as given is judged
  }
  return { absolute, real, paths: [...new Set([...lineage(absolute), ...lineage(real)])] };
}

/**
 * Every folder the safety rule looks at for the hooks directory `dir` (the
 * directory and its parents) and for each link target in `targets` (their
 * folders up to `/`), so that one look, {@linkcode lookAtFolders}, serves them
 * all: one `/usr/bin/stat` in a scoped build, not one per chain.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { foldersToJudge } from "./safety.ts";
 * assert.deepEqual(foldersToJudge(null, ["/usr/bin/true"]), ["/usr/bin", "/usr", "/"]);
 * ```
 */
export function foldersToJudge(dir: string | null, targets: readonly string[]): string[] {
  const paths = new Set(dir === null ? [] : directoryChain(dir).paths);
  for (const target of targets) for (const path of lineage(dirname(target))) paths.add(path);
  return [...paths];
}

/**
 * Judge the folders that hold a link's target, from the target's own folder up
 * to `/`, by the rule for the hooks directory's parents (a root-owned sticky
 * folder such as `/tmp` is fine: no one can replace another's file in it), and
 * return the first problem, the nearest folder first, or null. `target` is the
 * link's real path (every link resolved), so its folders are real folders. A
 * folder another user may write is where that user could swap the file between
 * the check and the start.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { targetFolderProblem } from "./safety.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/x.sh`, "#!/bin/sh\n");
 * assert.equal(await targetFolderProblem(`${dir}/x.sh`, Deno.uid() ?? 0), null);
 * await Deno.chmod(dir, 0o777);
 * assert.equal((await targetFolderProblem(`${dir}/x.sh`, Deno.uid() ?? 0))?.path, dir);
 * ```
 */
export async function targetFolderProblem(
  target: string,
  uid: number,
  infos?: FolderInfos,
): Promise<DirectoryProblem | null> {
  return judgeTargetFolders(target, uid, await lookAtFolders(lineage(dirname(target)), infos));
}

/**
 * {@linkcode targetFolderProblem} from folders already looked at (see
 * {@linkcode lookAtFolders}), synchronously: discovery looks at every link's
 * folders at once, then judges each link without awaiting.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { judgeTargetFolders, lookAtFolders } from "./safety.ts";
 * const infos = await lookAtFolders(["/usr/bin", "/usr", "/"]);
 * assert.equal(judgeTargetFolders("/usr/bin/true", 0, infos), null);
 * ```
 */
export function judgeTargetFolders(
  target: string,
  uid: number,
  infos: FolderInfos,
): DirectoryProblem | null {
  const [problem] = judgeChain(lineage(dirname(target)), () => "link target's folder", uid, infos);
  return problem ?? null;
}

/**
 * Owner and mode of folders, as looked at for one discovery: `null` for one
 * that even `/usr/bin/stat` could not inspect; absent for one that is gone.
 */
export type FolderInfos = Map<string, Ownership | null>;

/**
 * Look at each of `paths` not yet in `infos` and add it: synchronous `stat`
 * where Deno may; for what a scoped build may not read, one `/usr/bin/stat` for
 * them all.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lookAtFolders } from "./safety.ts";
 * const infos = await lookAtFolders(["/", "/nonexistent/solus-hooks"]);
 * assert.equal(infos.get("/")?.uid, 0);
 * assert.equal(infos.has("/nonexistent/solus-hooks"), false);
 * ```
 */
export async function lookAtFolders(
  paths: Iterable<string>,
  infos: FolderInfos = new Map(),
): Promise<FolderInfos> {
  const hidden: string[] = [];
  for (const path of paths) {
    if (infos.has(path)) continue;
    try {
      const info = Deno.statSync(path);
      infos.set(path, { uid: info.uid, mode: info.mode });
    } catch (error) {
      if (isScopeDenial(error)) hidden.push(path);
      // Anything else (a parent that vanished) leaves nothing to judge.
    }
  }
  if (hidden.length === 0) return infos;
  for (const [path, answer] of await statByHelper(hidden)) {
    infos.set(path, typeof answer === "object" ? answer : null);
  }
  return infos;
}

/**
 * Judge each of `paths` (directories), looked at through `infos` (see
 * {@linkcode lookAtFolders}). What cannot be inspected is a problem: the rule
 * fails closed. Every role but the hooks directory accepts a root-owned sticky
 * folder.
 */
async function chainProblems(
  paths: readonly string[],
  roleOf: (path: string) => DirectoryProblem["role"],
  uid: number,
  infos?: FolderInfos,
): Promise<DirectoryProblem[]> {
  return judgeChain(paths, roleOf, uid, await lookAtFolders(paths, infos));
}

/** {@linkcode chainProblems} from folders already looked at. */
function judgeChain(
  paths: readonly string[],
  roleOf: (path: string) => DirectoryProblem["role"],
  uid: number,
  seen: FolderInfos,
): DirectoryProblem[] {
  const problems: DirectoryProblem[] = [];
  for (const path of paths) {
    const role = roleOf(path);
    const info = seen.get(path);
    if (info === undefined) continue;
    if (info === null) {
      problems.push({
        path,
        role,
        kind: "unknown",
        problem:
          "could not be inspected: outside this build's read scope, and /usr/bin/stat did not answer",
        fix: "make /usr/bin/stat available, or build with this path in SOLUS_HOOKS_READ",
      });
      continue;
    }
    // A root-owned sticky parent such as /tmp: no one can replace another's entry.
    const sticky = role !== "hooks directory" && info.uid === 0 && info.mode !== null &&
      (info.mode & 0o1000) !== 0;
    const breach = sticky ? null : breachOf(info, uid);
    if (breach) {
      problems.push({
        path,
        role,
        kind: breach.kind,
        problem: breach.problem,
        fix: fixFor(breach, path),
      });
    }
  }
  return problems;
}

/**
 * A directory problem as one sentence, for a run report's `refused`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { refusalOf } from "./safety.ts";
 * assert.equal(
 *   refusalOf({ path: "/tmp/h", role: "hooks directory", kind: "writable", problem: "writable by group or others (mode 0777)", fix: "chmod go-w /tmp/h" }),
 *   "the hooks directory /tmp/h is writable by group or others (mode 0777), so others could add a hook: no hook was run (fix: chmod go-w /tmp/h)",
 * );
 * ```
 */
export function refusalOf(problem: DirectoryProblem): string {
  const why = problem.kind === "unknown"
    ? "so it cannot be trusted"
    : problem.role === "hooks directory"
    ? "so others could add a hook"
    : "so others could replace the hooks directory";
  const is = problem.kind === "unknown" ? "" : "is ";
  return `the ${problem.role} ${problem.path} ${is}${problem.problem}, ${why}: no hook was run (fix: ${problem.fix})`;
}
