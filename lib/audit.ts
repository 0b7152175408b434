/**
 * Auditing a hooks directory before an event finds the mistake: the safety rule
 * on the directory, its parents, each hook and each link's target; `#!` lines
 * that cannot run; names that will be skipped; files that are not hooks.
 *
 * @module
 */
import { dirname } from "./paths.ts";
import { compareNames, discoverHooks, type Discovery, safetyProblem } from "./discovery.ts";
import { DEFAULT_PATH } from "./constants.ts";
import type { SkipKind } from "./report.ts";
import { isElf, readShebang, shebangProblem } from "./shebang.ts";

/** How bad a finding is: errors make `check` exit 1, warnings alone do not. */
export type Severity = "error" | "warning";

/** One thing `check` found. */
export interface Finding {
  /** The file name in the directory, or the directory's own path. */
  name: string;
  /** `error` or `warning`. */
  severity: Severity;
  /** What is wrong. */
  problem: string;
  /** How to fix it. */
  fix: string;
}

/** The outcome of an audit. */
export interface Audit {
  /** The hooks directory, absolute. */
  dir: string;
  /** False when the directory does not exist. */
  exists: boolean;
  /** The hooks that would run, in order. */
  hooks: string[];
  /** Everything found, directory first, then files in name order. */
  findings: Finding[];
  /** What could not be inspected (outside Deno's read scope), so was not judged. */
  notes: string[];
  /** True when there is no error. */
  ok: boolean;
}

/** Options of {@linkcode auditHooksDir}. */
export interface AuditOptions {
  /** The runner's uid (default `Deno.uid()`). */
  uid?: number;
  /** Whether the config lifts the safety rule: its breaches become warnings. */
  allowInsecure?: boolean;
  /** The PATH hooks get, for `#!/usr/bin/env NAME` lookups. */
  hookPath?: string;
}

const SKIP_ADVICE: Record<Exclude<SkipKind, "insecure">, { problem: string; fix: string }> = {
  hidden: {
    problem: "will be skipped: hidden file",
    fix: "rename it without the leading dot, or move it out",
  },
  leftover: {
    problem: "will be skipped: editor or package-manager leftover",
    fix: "delete it, or merge it into the hook it belongs to",
  },
  directory: {
    problem: "not a hook: a directory",
    fix: "move it out: nothing but hooks belongs here",
  },
  not_regular: {
    problem: "not a hook: not a regular file",
    fix: "move it out: nothing but hooks belongs here",
  },
  broken_link: {
    problem: "not a hook: broken symlink",
    fix: "fix the link's target or remove the link",
  },
  not_executable: {
    problem: "will be skipped: not executable",
    fix: "chmod +x it if it is a hook; otherwise move it out: nothing but hooks belongs here",
  },
};

/** The directory and each parent up to `/`, checked against the safety rule. */
async function auditParents(
  dir: string,
  uid: number,
  severity: Severity,
  notes: string[],
): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (let path = dir;; path = dirname(path)) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) {
        notes.push(
          `${path} and the directories above it were not inspected: outside this build's read scope`,
        );
        break;
      }
      if (path === dirname(path)) break;
      continue;
    }
    // A root-owned sticky directory such as /tmp lets no one replace another's files.
    const sticky = info.mode !== null && (info.mode & 0o1000) !== 0 && info.uid === 0;
    const problem = sticky
      ? null
      : safetyProblem(info, uid, path === dir ? "the hooks directory is" : `parent ${path} is`);
    if (problem) {
      findings.push({
        name: path,
        severity,
        problem: problem.replace(/: (chown root|chmod go-w)$/, ""),
        fix: problem.includes("owned by") ? `chown root ${path}` : `chmod go-w ${path}`,
      });
    }
    if (path === dirname(path)) break;
  }
  return findings;
}

async function auditHook(
  path: string,
  name: string,
  hookPath: string,
  notes: string[],
): Promise<Finding | null> {
  const shebang = await readShebang(path);
  if (shebang) {
    const problem = await shebangProblem(
      shebang,
      hookPath,
      (what) => notes.push(`${name}: ${what} was not inspected: outside this build's read scope`),
    );
    if (!problem) return null;
    const fix = shebang.crlf
      ? `dos2unix ${path}`
      : problem.includes("cannot find")
      ? "install the interpreter, or name it by absolute path in the #! line"
      : "install the interpreter, or correct the #! line";
    return { name, severity: "error", problem, fix };
  }
  if (await isElf(path)) return null;
  return {
    name,
    severity: "warning",
    problem: "no #! line: it will run under /bin/sh",
    fix: "add a #! line naming its interpreter, e.g. #!/bin/sh",
  };
}

/**
 * Audit a hooks directory. Uses the same discovery and safety rule as a run.
 *
 * @example
 * ```ts
 * import { auditHooksDir } from "./audit.ts";
 * const audit = await auditHooksDir("/usr/local/solus/hooks");
 * for (const finding of audit.findings) console.log(finding.severity, finding.name, finding.problem);
 * ```
 */
export async function auditHooksDir(dir: string, options: AuditOptions = {}): Promise<Audit> {
  const uid = options.uid ?? Deno.uid() ?? 0;
  const hookPath = options.hookPath ?? DEFAULT_PATH;
  const safety: Severity = options.allowInsecure ? "warning" : "error";
  let discovery: Discovery;
  try {
    discovery = await discoverHooks(dir, { uid });
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error; // the CLI explains the build's scope
    const message = (error as Error).message;
    return {
      dir,
      exists: true,
      hooks: [],
      findings: [{
        name: dir,
        severity: "error",
        problem: message,
        fix: "point --dir at a readable directory",
      }],
      notes: [],
      ok: false,
    };
  }
  const findings: Finding[] = [];
  const notes: string[] = [];
  if (!discovery.exists) {
    findings.push({
      name: discovery.dir,
      severity: "warning",
      problem: "the hooks directory does not exist: no hooks will run",
      fix: `mkdir -p ${discovery.dir}`,
    });
    return { dir: discovery.dir, exists: false, hooks: [], findings, notes, ok: true };
  }
  findings.push(...await auditParents(discovery.dir, uid, safety, notes));
  const perFile: Finding[] = [];
  for (const skip of discovery.skipped) {
    if (skip.kind === "insecure") {
      const problem = skip.reason.replace(/^refused: /, "");
      const [what, fix] = problem.split(/: (?=ch)/);
      perFile.push({
        name: skip.name,
        severity: safety,
        problem: `${what}${
          options.allowInsecure ? " (allowed by allowInsecure)" : ": it will be refused"
        }`,
        fix: fix
          ? `${fix} ${skip.name}`
          : "make it owned by root and not writable by group or others",
      });
      continue;
    }
    const advice = SKIP_ADVICE[skip.kind];
    perFile.push({
      name: skip.name,
      severity: "warning",
      problem: `${advice.problem} (${skip.reason})`,
      fix: advice.fix,
    });
  }
  const runnable = discovery.hooks.map((hook) => hook.name);
  const insecure = discovery.skipped.filter((skip) => skip.kind === "insecure");
  for (
    const hook of [
      ...discovery.hooks,
      ...insecure.map((s) => ({ name: s.name, path: `${discovery.dir}/${s.name}` })),
    ]
  ) {
    const finding = await auditHook(hook.path, hook.name, hookPath, notes);
    if (finding) perFile.push(finding);
  }
  perFile.sort((a, b) => compareNames(a.name, b.name));
  findings.push(...perFile);
  return {
    dir: discovery.dir,
    exists: true,
    hooks: options.allowInsecure
      ? [...runnable, ...insecure.map((s) => s.name)].sort(compareNames)
      : runnable,
    findings,
    notes,
    ok: findings.every((finding) => finding.severity !== "error"),
  };
}
