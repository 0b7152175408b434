/**
 * `check` on a SolusVM node (contract §0): SolusVM runs every executable in its
 * own folder, so anything there beside the entry runs outside every guarantee
 * of solus-hooks, and a missing or broken entry means no hook runs at all.
 *
 * @module
 */
import { DEFAULTS, PLATFORM } from "../config/constants.ts";
import { join } from "../paths.ts";
import type { Finding } from "./audit.ts";
import { budgetFix, budgetProblem, entryCommand } from "./entry.ts";
import { breachOf, fixFor, shellQuote } from "./safety.ts";
import { isScopeDenial, passScopeDenial } from "../errors.ts";

/** What a look at the platform's folder found. */
export interface PlatformAudit {
  /** Errors and warnings, the entry first. */
  findings: Finding[];
  /** What could not be inspected (outside the build's read scope). */
  notes: string[];
}

/** Options of {@linkcode auditPlatform}. */
export interface PlatformAuditOptions {
  /** The platform's folder (default {@linkcode PLATFORM}`.hooksDir`). */
  platformDir?: string;
  /** The runner's uid (default `Deno.uid()`). */
  uid?: number;
}

const NOT_INSPECTED = "was not inspected: outside this build's read scope";

async function lstat(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return null;
    }
    throw error;
  }
}

async function stat(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    passScopeDenial(error); // the CLI words it as the build's scope
    return null;
  }
}

const executable = (info: Deno.FileInfo) =>
  info.isFile && (info.mode === null || (info.mode & 0o111) !== 0);

/** The entry's own findings: there, an executable script of ours, safe, and its command there. */
async function auditEntry(entry: string, uid: number, notes: string[]): Promise<Finding[]> {
  const reinstall = "deno task install (from a checkout of solus-hooks) lays the entry out again";
  const info = await stat(entry);
  if (info === null) {
    return [{
      name: entry,
      severity: "error",
      problem:
        "the entry is missing: SolusVM runs none of the hooks solus-hooks looks after on this node",
      fix: reinstall,
    }];
  }
  if (!info.isFile) {
    return [{
      name: entry,
      severity: "error",
      problem: "the entry is not a regular file, so SolusVM cannot run it",
      fix: `remove it, then: ${reinstall}`,
    }];
  }
  const findings: Finding[] = [];
  const breach = breachOf(info, uid);
  if (breach) {
    findings.push({
      name: entry,
      severity: "error",
      problem: `the entry is ${breach.problem}: whoever may change it runs code as root`,
      fix: fixFor(breach, entry),
    });
  }
  if (!executable(info)) {
    findings.push({
      name: entry,
      severity: "error",
      problem: "the entry is not executable, so SolusVM runs no hook",
      fix: `chmod 0755 ${shellQuote(entry)}`,
    });
  }
  const command = entryCommand(await Deno.readTextFile(entry).catch(() => ""));
  if (command === null) {
    findings.push({
      name: entry,
      severity: "error",
      problem:
        "this is not the solus-hooks entry (no entry script), so SolusVM runs it instead of solus-hooks",
      fix:
        `if it is a hook, move it into the hooks directory under another name; then: ${reinstall}`,
    });
    return findings;
  }
  try {
    const target = await stat(command);
    if (target === null || !executable(target)) {
      findings.push({
        name: entry,
        severity: "error",
        problem: `the entry runs ${command}, which is missing or not executable: no hook runs`,
        fix: reinstall,
      });
    }
  } catch (error) {
    if (!isScopeDenial(error)) throw error;
    // The installed command is this very process: it exists, or this check would not run.
    if (command !== installedCommand()) {
      notes.push(`${entry}: the command it runs, ${command}, ${NOT_INSPECTED}`);
    }
  }
  return findings;
}

/**
 * `PREFIX/bin/solus-hooks` when this process runs from an install's
 * `PREFIX/lib/solus-hooks/` (the bundle, or the compiled binary), else null.
 */
function installedCommand(): string | null {
  const main = Deno.mainModule.startsWith("file://")
    ? decodeURIComponent(new URL(Deno.mainModule).pathname)
    : "";
  for (const path of [main, Deno.execPath()]) {
    const prefix = /^(.*)\/lib\/solus-hooks\/[^/]+$/.exec(path)?.[1];
    if (prefix !== undefined) return `${prefix}/bin/solus-hooks`;
  }
  return null;
}

/**
 * Audit the platform's folder of a node, where SolusVM runs every executable:
 * the entry must be there and work, and nothing else should be. Null when this
 * is no node's layout (the folder is missing and the hooks directory is not the
 * default one, or is missing too), so `check --dir` elsewhere is unaffected.
 *
 * @example
 * ```ts
 * import { auditPlatform } from "./platform_audit.ts";
 * import { entryScript } from "./entry.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/solus-hooks`, entryScript("/bin/true"), { mode: 0o755 });
 * await Deno.writeTextFile(`${dir}/hook.sh`, "#!/bin/sh\n", { mode: 0o755 });
 * const audit = await auditPlatform("/srv/hooks.d", { platformDir: dir });
 * assert.deepEqual(audit?.findings.map((f) => [f.name, f.severity]), [[`${dir}/hook.sh`, "warning"]]);
 * assert.equal(await auditPlatform("/srv/hooks.d", { platformDir: `${dir}/absent` }), null);
 * ```
 */
export async function auditPlatform(
  hooksDir: string,
  options: PlatformAuditOptions = {},
): Promise<PlatformAudit | null> {
  const platformDir = options.platformDir ?? PLATFORM.hooksDir;
  const entry = join(platformDir, "solus-hooks");
  const uid = options.uid ?? Deno.uid() ?? 0;
  const notes: string[] = [];
  let folder: Deno.FileInfo | null;
  try {
    folder = await lstat(platformDir);
  } catch (error) {
    if (!isScopeDenial(error)) throw error;
    return { findings: [], notes: [`${platformDir} (SolusVM's hooks folder) ${NOT_INSPECTED}`] };
  }
  if (folder === null || !folder.isDirectory) {
    if (hooksDir !== DEFAULTS.hooksDir || await lstat(hooksDir).catch(() => null) === null) {
      return null;
    }
    return {
      findings: [{
        name: platformDir,
        severity: "error",
        problem:
          "SolusVM's hooks folder is missing, so SolusVM runs no entry and none of these hooks",
        fix: "deno task install (from a checkout of solus-hooks) lays it out with the entry",
      }],
      notes,
    };
  }
  const findings = await auditEntry(entry, uid, notes);
  const names: string[] = [];
  for await (const item of Deno.readDir(platformDir)) names.push(item.name);
  names.sort();
  for (const name of names) {
    if (name === "solus-hooks") continue;
    const path = join(platformDir, name);
    const info = await stat(path);
    if (info === null || !executable(info)) continue; // SolusVM runs executables only
    const taken = await lstat(join(hooksDir, name)).catch(() => null) !== null;
    findings.push({
      name: path,
      severity: "warning",
      problem:
        "SolusVM runs it directly, on every event, outside solus-hooks: no directive, deadline, " +
        "safety rule, journal, system log or metric applies to it",
      fix: taken
        ? `move it into ${hooksDir} under a name not taken there (a hook named ${name} is)`
        : `move it into the hooks directory: mv ${shellQuote(path)} ${shellQuote(hooksDir)}/`,
    });
  }
  return { findings, notes };
}

/**
 * The warning `check` gives when the deadline the entry would give hooks, plus
 * the kill grace and the runner's reserve, passes the entry's budget under
 * SolusVM's wait; null when it fits.
 *
 * @example
 * ```ts
 * import { budgetFinding } from "./platform_audit.ts";
 * import assert from "node:assert/strict";
 * assert.equal(budgetFinding(54_000, 2_000, null), null);
 * assert.equal(budgetFinding(60_000, 2_000, "/etc/solus-hooks/config.jsonc")?.severity, "warning");
 * ```
 */
export function budgetFinding(
  timeoutMs: number,
  killGraceMs: number,
  configPath: string | null,
): Finding | null {
  const problem = budgetProblem(timeoutMs, killGraceMs);
  if (problem === null) return null;
  return {
    name: configPath ?? "timeoutMs",
    severity: "warning",
    problem,
    fix: budgetFix(killGraceMs, configPath),
  };
}
