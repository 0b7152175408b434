/**
 * Auditing a hooks directory before an event finds the mistake: the safety rule
 * on the directory, its parents, each hook and each link's target; `#!` lines
 * that cannot run; names that will be skipped; files that are not hooks.
 *
 * @module
 */
import type { HookRules } from "../config/settings.ts";
import { join } from "../paths.ts";
import { discoverHooks, type Discovery, rulesOf } from "./discovery.ts";
import { compareNames } from "./names.ts";
import { hookProblem } from "./interpreter.ts";
import { lookalikeDirectives, nearestNames } from "./hints.ts";
import { DEFAULT_PATH } from "../config/constants.ts";
import type { SkipKind, SkippedHook } from "../report.ts";
import { directoryProblems, shellQuote } from "./safety.ts";
import { type RulesSummary, summarizeRules } from "./directives.ts";
import { isElf, readShebang } from "../process/shebang.ts";
import { passScopeDenial } from "../errors.ts";

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
  /** The hooks that would run (for the events their rules name), in order. */
  hooks: string[];
  /** What each of those hooks is for: null where it is for all (or has the stage's deadline). */
  rules: RulesSummary[];
  /** Files switched off by a `.disabled` name or the config (no finding). */
  disabled: string[];
  /** Everything found, directory first, then files in name order. */
  findings: Finding[];
  /** What could not be inspected (outside Deno's read scope), so was not judged. */
  notes: string[];
  /** How this node contains a hook's processes (`check` fills it in). */
  containment?: "cgroup" | "process group";
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
  /** The config's `hooks` key, as a run applies it. */
  rules?: Readonly<Record<string, HookRules>>;
  /** The registry's action names, so a directive naming no action is an error. */
  actions?: readonly string[];
}

/** How bad each kind of skip is, and what to do when the skip carries no fixing command. */
const SKIP_ADVICE: Record<
  Exclude<SkipKind, "insecure" | "bad_directive" | "cannot_start" | "disabled" | "not_for">,
  { says: string; fix: string }
> = {
  hidden: {
    says: "will be skipped",
    fix: "rename it without the leading dot, or move it out",
  },
  leftover: {
    says: "will be skipped",
    fix: "delete it, or merge it into the hook it belongs to",
  },
  directory: {
    says: "not a hook",
    fix: "move it out: nothing but hooks belongs here",
  },
  not_regular: {
    says: "not a hook",
    fix: "move it out: nothing but hooks belongs here",
  },
  broken_link: {
    says: "not a hook",
    fix: "fix the link's target or remove the link",
  },
  not_executable: {
    says: "will be skipped",
    fix: "move it out: nothing but hooks belongs here",
  },
  self: {
    says: "will be skipped",
    fix: "remove it from the hooks directory: the entry runs the hooks here",
  },
};

/** What fixes a bad directive: the line's syntax, by example. */
const DIRECTIVE_FIX =
  "correct it: # solus-hooks: actions=server-create,server-network-* stages=pre,post timeout=10s";

/** The directory and each parent up to `/`, checked against the safety rule. */
async function auditParents(dir: string, uid: number, severity: Severity): Promise<Finding[]> {
  return (await directoryProblems(dir, uid)).map((found) => ({
    name: found.path,
    severity,
    problem: `${
      found.role === "hooks directory" ? "the hooks directory" : `parent ${found.path}`
    } ${found.kind === "unknown" ? "" : "is "}${found.problem}`,
    fix: found.fix,
  }));
}

/** One skipped file as a finding, from the skip's data; null for what is no finding (disabled). */
function skipFinding(
  skip: SkippedHook,
  safety: Severity,
  allowInsecure: boolean,
  dir: string,
): Finding | null {
  switch (skip.kind) {
    case "disabled":
    case "not_for":
      return null;
    case "insecure":
      return {
        name: skip.name,
        severity: safety,
        problem: `${skip.reason}${
          allowInsecure ? " (allowed by allowInsecure)" : ": it will be refused"
        }`,
        fix: skip.fix ?? "make it owned by root and not writable by group or others",
      };
    case "cannot_start":
      return {
        name: skip.name,
        severity: "error",
        problem: skip.reason,
        fix: fixForStart(skip.reason, join(dir, skip.name)),
      };
    case "bad_directive":
      return {
        name: skip.name,
        severity: "error",
        problem: `${skip.reason}: it will be refused`,
        fix: DIRECTIVE_FIX,
      };
    default: {
      const advice = SKIP_ADVICE[skip.kind];
      const fix = skip.fix ? `${skip.fix} if it is a hook; otherwise ${advice.fix}` : advice.fix;
      return {
        name: skip.name,
        severity: "warning",
        problem: `${advice.says}: ${skip.reason}`,
        fix,
      };
    }
  }
}

/** What fixes a hook that cannot start, by its reason. */
function fixForStart(reason: string, path: string): string {
  return reason.includes("CRLF")
    ? `dos2unix ${shellQuote(path)}`
    : reason.includes("cannot find")
    ? "install the interpreter, or name it by absolute path in the #! line"
    : "install the interpreter, or correct the #! line";
}

/**
 * A hook's `#!` line as a finding: whether it can start (for a hook refused for
 * another reason, so one `check` shows everything to fix), or no `#!` line at
 * all (a warning: it runs under /bin/sh).
 */
async function auditHook(
  path: string,
  name: string,
  hookPath: string,
  judged: boolean,
): Promise<Finding | null> {
  if (!judged) {
    const problem = await hookProblem(path, hookPath);
    if (problem) {
      const reason = `cannot start: ${problem}`;
      return { name, severity: "error", problem: reason, fix: fixForStart(reason, path) };
    }
  }
  if (await readShebang(path) || await isElf(path)) return null;
  return {
    name,
    severity: "warning",
    problem: "no #! line: it will run under /bin/sh",
    fix: "add a #! line naming its interpreter, e.g. #!/bin/sh",
  };
}

/** How much of a hook `check` reads for lines that look like directives. */
const LOOKALIKE_HEAD_BYTES = 64 * 1024;

/** The first bytes of a script as text; empty for a compiled program or a file that cannot be read. */
async function headText(path: string): Promise<string> {
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(path, { read: true });
    const buffer = new Uint8Array(LOOKALIKE_HEAD_BYTES);
    let length = 0;
    while (length < buffer.length) {
      const n = await file.read(buffer.subarray(length));
      if (n === null || n === 0) break;
      length += n;
    }
    const head = buffer.subarray(0, length);
    if (head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46) return "";
    return new TextDecoder().decode(head);
  } catch {
    return "";
  } finally {
    file?.close();
  }
}

/** A warning for each config `hooks` entry that names no file in the directory. */
function entryFindings(
  discovery: Discovery,
  rules: Readonly<Record<string, HookRules>>,
): Finding[] {
  const names = [...discovery.hooks, ...discovery.skipped].map((file) => file.name);
  const present = new Set(names);
  return Object.keys(rules).filter((entry) => !present.has(entry)).map((entry) => {
    const near = nearestNames(entry, names);
    const meant = near.length > 0 ? ` (did you mean ${near.join(" or ")}?)` : "";
    return {
      name: entry,
      severity: "warning",
      problem: `the config's hooks entry ${
        JSON.stringify(entry)
      } names no file in ${discovery.dir}${meant}, so its rules apply to nothing`,
      fix: near.length > 0
        ? `name the file exactly in the config: "hooks": { ${JSON.stringify(near[0])}: ... }`
        : "name a file of the hooks directory exactly, or remove the entry",
    };
  });
}

/**
 * Audit a hooks directory: the same discovery, verdicts and safety rule as a
 * run, each finding with the command or step that fixes it, and what each hook
 * is for.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { auditHooksDir } from "./audit.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/10-a.sh`, "#!/bin/sh\n// solus-hooks: timeout=5s\n");
 * await Deno.chmod(`${dir}/10-a.sh`, 0o755);
 * await Deno.writeTextFile(`${dir}/.hidden`, "");
 * const audit = await auditHooksDir(dir);
 * assert.deepEqual(audit.hooks, ["10-a.sh"]);
 * assert.deepEqual(audit.rules, [{ name: "10-a.sh", actions: null, stages: null, timeout_ms: 5000 }]);
 * assert.equal(audit.findings[0].problem, "will be skipped: hidden file (name starts with a dot)");
 * ```
 */
export async function auditHooksDir(dir: string, options: AuditOptions = {}): Promise<Audit> {
  const uid = options.uid ?? Deno.uid() ?? 0;
  const hookPath = options.hookPath ?? DEFAULT_PATH;
  const allowInsecure = options.allowInsecure ?? false;
  const safety: Severity = allowInsecure ? "warning" : "error";
  let discovery: Discovery;
  try {
    // The safety rule is applied in full, then lifted below when the config
    // says so, so that `check` names what allowInsecure lets through.
    discovery = await discoverHooks(dir, {
      uid,
      rules: options.rules,
      actions: options.actions,
      judgeDirectory: false,
      hookPath,
    });
  } catch (error) {
    passScopeDenial(error); // the CLI words it as the build's scope
    const message = (error as Error).message;
    return {
      dir,
      exists: true,
      hooks: [],
      rules: [],
      disabled: [],
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
    return {
      dir: discovery.dir,
      exists: false,
      hooks: [],
      rules: [],
      disabled: [],
      findings,
      notes,
      ok: true,
    };
  }
  const directory = await auditParents(discovery.dir, uid, safety);
  findings.push(...directory);
  const perFile: Finding[] = [];
  for (const skip of discovery.skipped) {
    const finding = skipFinding(skip, safety, allowInsecure, discovery.dir);
    if (finding) perFile.push(finding);
  }
  // Insecure hooks and hooks with a bad directive are hooks all the same: their
  // #! line is checked too, so one `check` shows everything to fix.
  const refused = discovery.skipped.filter((skip) => skip.refused && skip.kind !== "cannot_start");
  for (
    const hook of [
      ...discovery.hooks.map((h) => ({ name: h.name, path: h.path, judged: true })),
      ...refused.map((s) => ({ name: s.name, path: join(discovery.dir, s.name), judged: false })),
    ]
  ) {
    const finding = await auditHook(hook.path, hook.name, hookPath, hook.judged);
    if (finding) perFile.push(finding);
  }
  for (const hook of [...discovery.hooks, ...refused.map((s) => ({ name: s.name }))]) {
    const text = await headText(join(discovery.dir, hook.name));
    for (const found of lookalikeDirectives(text)) {
      perFile.push({
        name: hook.name,
        severity: "warning",
        problem: found.problem,
        fix: found.fix,
      });
    }
  }
  perFile.push(...entryFindings(discovery, options.rules ?? {}));
  perFile.sort((a, b) => compareNames(a.name, b.name));
  findings.push(...perFile);
  // With allowInsecure the hooks the safety rule names run anyway, by the rules of
  // their directive: judge them once more with the rule lifted, as a run would.
  // A directory that fails the rule runs nothing at all, as a run refuses it.
  const runnable = allowInsecure
    ? (await discoverHooks(discovery.dir, {
      uid,
      rules: options.rules,
      actions: options.actions,
      allowInsecure: true,
      hookPath,
    })).hooks
    : directory.length > 0
    ? []
    : discovery.hooks;
  return {
    dir: discovery.dir,
    exists: true,
    hooks: runnable.map((hook) => hook.name),
    rules: runnable.map((hook) => summarizeRules(hook.name, rulesOf(hook))),
    disabled: discovery.skipped.filter((skip) => skip.kind === "disabled").map((s) => s.name),
    findings,
    notes,
    ok: findings.every((finding) => finding.severity !== "error"),
  };
}
