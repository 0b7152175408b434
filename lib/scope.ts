/**
 * The permissions a build runs with, and what to tell a user who steps outside
 * them: which scope this build has, and the exact command that builds one that
 * fits. Deno's own refusal (`Deno.errors.NotCapable`) reads like the OS's
 * "permission denied", which sends a root user chasing file modes; every
 * refusal the CLI reports is worded here instead.
 *
 * @module
 */
import { RUNNER_ENV, SCOPE_NEEDS } from "./config/constants.ts";
import { envGranted } from "./config/runner_env.ts";
import { isScopeDenial, UsageError } from "./errors.ts";
import { dirname } from "./paths.ts";
import { shellQuote } from "./hooks/safety.ts";

/** The file system and environment scope a build (binary or bundle) runs with. */
export interface BuildScope {
  /** Paths the build may read (each with everything below it). Always includes `write`. */
  read: string[];
  /** Paths the build may write. */
  write: string[];
  /** Environment variables it may read. */
  env: string[];
}

/** What was built: `deno task compile` makes a binary, `deno task bundle` a bundle and its wrapper. */
export type BuildKind = "binary" | "bundle";

/** A build and the scope baked into it. */
export interface BuildInfo {
  /** Which task built it, and so which task rebuilds it. */
  kind: BuildKind;
  /** Its permission scope. */
  scope: BuildScope;
}

/**
 * The scope a build gets when `SOLUS_HOOKS_READ`, `SOLUS_HOOKS_WRITE` and
 * `SOLUS_HOOKS_ENV` are not set: what {@linkcode SCOPE_NEEDS} lists, and the
 * variables the runner reads.
 *
 * @example
 * ```ts
 * import { DEFAULT_SCOPE } from "./scope.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(DEFAULT_SCOPE.write, ["/var/log/solus-hooks"]);
 * assert.ok(DEFAULT_SCOPE.read.includes("/var/log/solus-hooks"), "read covers write");
 * ```
 */
export const DEFAULT_SCOPE: Readonly<BuildScope> = Object.freeze({
  read: SCOPE_NEEDS.map((need) => need.path),
  write: SCOPE_NEEDS.filter((need) => need.access === "write").map((need) => need.path),
  env: [...RUNNER_ENV],
});

let declared: BuildInfo | undefined;

/**
 * Record the build this process is (a build's generated entry calls it before
 * the CLI starts), so messages can name its scope and how to rebuild it.
 *
 * @example
 * ```ts
 * import { declareBuild, declaredBuild, DEFAULT_SCOPE } from "./scope.ts";
 * import assert from "node:assert/strict";
 * const before = declaredBuild();
 * declareBuild({ kind: "bundle", scope: { ...DEFAULT_SCOPE } });
 * assert.equal(declaredBuild()?.kind, "bundle");
 * declareBuild(before);
 * ```
 */
export function declareBuild(info: BuildInfo | undefined): void {
  declared = info;
}

/**
 * The build this process is, or undefined when it runs from source (`deno run main.ts`).
 *
 * @example
 * ```ts
 * import { declaredBuild } from "./scope.ts";
 * import assert from "node:assert/strict";
 * assert.equal(declaredBuild(), undefined);
 * ```
 */
export function declaredBuild(): BuildInfo | undefined {
  return declared;
}

/**
 * Describe a scope in one line.
 *
 * @example
 * ```ts
 * import { describeScope } from "./scope.ts";
 * import assert from "node:assert/strict";
 * assert.equal(describeScope({ read: ["/a", "/b"], write: ["/b"], env: [] }), "read /a, /b; write /b");
 * ```
 */
export function describeScope(scope: BuildScope): string {
  return `read ${scope.read.join(", ") || "nothing"}; write ${scope.write.join(", ") || "nothing"}`;
}

/**
 * Whether `path` is one of `list` or below one of them, as Deno's path
 * permissions see it.
 *
 * @example
 * ```ts
 * import { covers } from "./scope.ts";
 * import assert from "node:assert/strict";
 * assert.ok(covers(["/var/log/solus-hooks"], "/var/log/solus-hooks/journal.jsonl"));
 * assert.ok(!covers(["/var/log/solus-hooks"], "/var/log/solus-hooks-old"));
 * ```
 */
export function covers(list: readonly string[], path: string): boolean {
  return list.some((entry) => {
    const base = entry.length > 1 ? entry.replace(/\/+$/, "") : entry;
    return path === base || path.startsWith(base === "/" ? "/" : `${base}/`);
  });
}

/** Paths and variables to add to a build's scope. */
export interface ScopeAddition {
  /** Paths to read. */
  read?: readonly string[];
  /** Paths to write (and so to read). */
  write?: readonly string[];
  /** Variables to read. */
  env?: readonly string[];
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((item) => right.has(item));
}

/**
 * The command that rebuilds `build` (or a default build) with `add` in its
 * scope, naming only the settings that differ from the defaults. The lists
 * replace the defaults, so they keep everything the build already has.
 *
 * @example
 * ```ts
 * import { DEFAULT_SCOPE, rebuildRecipe } from "./scope.ts";
 * import assert from "node:assert/strict";
 * const build = { kind: "bundle" as const, scope: { ...DEFAULT_SCOPE } };
 * assert.equal(
 *   rebuildRecipe(build, { write: ["/tmp"] }),
 *   "SOLUS_HOOKS_WRITE=/var/log/solus-hooks,/tmp deno task bundle",
 * );
 * assert.equal(rebuildRecipe(build, { env: ["http_proxy"] }), "SOLUS_HOOKS_ENV=http_proxy deno task bundle");
 * ```
 */
export function rebuildRecipe(build: BuildInfo | undefined, add: ScopeAddition): string {
  const base = build?.scope ?? DEFAULT_SCOPE;
  const write = [...base.write];
  for (const path of add.write ?? []) if (!covers(write, path)) write.push(path);
  const read = [...base.read];
  for (const path of [...write, ...(add.read ?? [])]) if (!covers(read, path)) read.push(path);
  const env = [...new Set([...base.env, ...(add.env ?? [])])].filter((name) =>
    !RUNNER_ENV.includes(name)
  );
  // What a build with this write list would read anyway: only a read list beyond it needs saying.
  const derivedRead = [...DEFAULT_SCOPE.read];
  for (const path of write) if (!covers(derivedRead, path)) derivedRead.push(path);
  const settings: string[] = [];
  if (!sameSet(read, derivedRead)) settings.push(`SOLUS_HOOKS_READ=${read.join(",")}`);
  if (!sameSet(write, DEFAULT_SCOPE.write)) settings.push(`SOLUS_HOOKS_WRITE=${write.join(",")}`);
  if (env.length > 0) settings.push(`SOLUS_HOOKS_ENV=${env.join(",")}`);
  const task = build?.kind === "binary" ? "deno task compile" : "deno task bundle";
  return [...settings.map(shellQuote), task].join(" ");
}

/** What Deno refused: the kind of access and the path or variable. */
export interface Denial {
  /** `read`, `write`, `env`, ... as in Deno's `--allow-*` flags. */
  access: string;
  /** The path or variable name. */
  target: string;
}

/**
 * What a `Deno.errors.NotCapable` refused, from its message (`Requires read
 * access to "/opt/hooks", run again with the --allow-read flag`).
 *
 * @example
 * ```ts
 * import { parseDenial } from "./scope.ts";
 * import assert from "node:assert/strict";
 * const error = new Deno.errors.NotCapable('Requires write access to "/tmp", run again with the --allow-write flag');
 * assert.deepEqual(parseDenial(error), { access: "write", target: "/tmp" });
 * ```
 */
export function parseDenial(error: Error): Denial | undefined {
  const match = /Requires (\w+) access to "(.*?)"(?:,|$)/s.exec(error.message);
  return match ? { access: match[1], target: match[2] } : undefined;
}

/**
 * Deno's refusal behind `error`: the error itself or one of its causes.
 * Modules that wrap a file system error keep it as `cause`; this finds it.
 *
 * @example
 * ```ts
 * import { findDenial } from "./scope.ts";
 * import assert from "node:assert/strict";
 * const denial = new Deno.errors.NotCapable('Requires read access to "/x"');
 * assert.equal(findDenial(new Error("cannot read journal /x", { cause: denial })), denial);
 * assert.equal(findDenial(new Error("no")), undefined);
 * ```
 */
export function findDenial(error: unknown): Deno.errors.NotCapable | undefined {
  let current = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    if (isScopeDenial(current)) return current;
    // NotCapable is an Error in structure too, so TypeScript narrows the rest to never.
    current = (current as Error).cause;
  }
  return undefined;
}

/**
 * The words every refusal carries; a message that has them is already explained.
 *
 * @example
 * ```ts
 * import { DEFAULT_SCOPE, OUTSIDE_SCOPE, outsideScope } from "./scope.ts";
 * import assert from "node:assert/strict";
 * const build = { kind: "bundle" as const, scope: { ...DEFAULT_SCOPE } };
 * const denial = new Deno.errors.NotCapable('Requires read access to "/x"');
 * assert.ok(outsideScope(denial, { build }).includes(OUTSIDE_SCOPE));
 * ```
 */
export const OUTSIDE_SCOPE = "outside this build's scope";

/** Options of {@linkcode outsideScope}. */
export interface OutsideScopeOptions {
  /** The build to describe (default: the declared one). */
  build?: BuildInfo;
  /**
   * The folder a rebuild should add instead of the refused path itself: a
   * journal needs its whole folder (lock file, rotated files), not one file.
   */
  folder?: string;
  /** Add the folder for writing, even when the refusal was a read (the journal is written too). */
  writable?: boolean;
}

/**
 * Word Deno's refusal for a person: what was refused, that it lies outside this
 * build's scope (not a file mode: root may well be able to read it), the scope,
 * and the command that builds one that includes it. The one wording for every
 * refusal: `journal.ts` and the CLI both call it.
 *
 * @example
 * ```ts
 * import { outsideScope } from "./scope.ts";
 * import assert from "node:assert/strict";
 * const denial = new Deno.errors.NotCapable('Requires write access to "/tmp", run again with the --allow-write flag');
 * const build = { kind: "bundle" as const, scope: { read: ["/etc/solus-hooks", "/var/log/solus-hooks"], write: ["/var/log/solus-hooks"], env: [] } };
 * assert.equal(
 *   outsideScope(denial, { build }),
 *   "writing /tmp is outside this build's scope (read /etc/solus-hooks, /var/log/solus-hooks; write /var/log/solus-hooks); " +
 *     "build one that includes it: SOLUS_HOOKS_READ=/etc/solus-hooks,/var/log/solus-hooks,/tmp SOLUS_HOOKS_WRITE=/var/log/solus-hooks,/tmp deno task bundle",
 * );
 * ```
 */
export function outsideScope(error: Error, options: OutsideScopeOptions = {}): string {
  const build = options.build ?? declaredBuild();
  const denial = parseDenial(error);
  if (!denial) {
    return `${error.message.replace(/, run again with.*$/s, "")} (${OUTSIDE_SCOPE})`;
  }
  const { access, target } = denial;
  if (access === "env") {
    const scope = build ? ` (${build.scope.env.join(", ")})` : "";
    return `reading the variable ${target} is ${OUTSIDE_SCOPE}${scope}; ` +
      `build one that may: ${rebuildRecipe(build, { env: [target] })}`;
  }
  if (access !== "read" && access !== "write") {
    return `${access} access to ${target} is ${OUTSIDE_SCOPE}; solus-hooks needs --allow-${access}`;
  }
  const path = options.folder ?? target;
  const add: ScopeAddition = access === "write" || options.writable
    ? { write: [path] }
    : { read: [path] };
  const verb = access === "write" ? "writing" : "reading";
  if (!build) {
    // Started with `deno run` and hand-picked flags rather than a build.
    return `${verb} ${target} is outside the permissions solus-hooks was started with; ` +
      `add ${path} to --allow-${access}, or build a command that includes it: ${
        rebuildRecipe(undefined, add)
      }`;
  }
  return `${verb} ${target} is ${OUTSIDE_SCOPE} (${describeScope(build.scope)}); ` +
    `build one that includes it: ${rebuildRecipe(build, add)}`;
}

/**
 * Turn a permission denial into a clear usage error (exit 2): what was refused,
 * the scope this build has, and how to get one that fits. A path below the
 * journal (its file, rotated files, lock) asks for the journal's folder.
 *
 * @example
 * ```ts
 * import { scopeError } from "./scope.ts";
 * import assert from "node:assert/strict";
 * const error = scopeError(new Deno.errors.NotCapable('Requires read access to "/opt/hooks"'), {
 *   kind: "binary",
 *   scope: { read: ["/usr/local/solus/hooks"], write: [], env: [] },
 * });
 * assert.equal(error.exitCode, 2);
 * assert.match(error.message, /SOLUS_HOOKS_READ=\/usr\/local\/solus\/hooks,\/opt\/hooks .*deno task compile$/);
 * ```
 */
export function scopeError(
  error: Error,
  build: BuildInfo | undefined = declaredBuild(),
  options: { journal?: string } = {},
): UsageError {
  error = findDenial(error) ?? error;
  const target = parseDenial(error)?.target;
  const journal = options.journal;
  const aboutJournal = journal !== undefined && target !== undefined &&
    (target === journal || target.startsWith(`${journal}.`) || target === dirname(journal));
  const message = outsideScope(error, {
    build,
    ...(aboutJournal ? { folder: dirname(journal), writable: true } : {}),
  });
  return new UsageError(aboutJournal ? `the journal ${journal}: ${message}` : message, {
    cause: error,
  });
}

/**
 * The names of `names` this build may not read: a config's `env.passthrough`
 * name outside the build's env scope would give the hooks nothing.
 *
 * @example
 * ```ts
 * import { ungrantedEnv } from "./scope.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(ungrantedEnv(["PATH", "http_proxy"], (name) => name === "PATH"), ["http_proxy"]);
 * ```
 */
export function ungrantedEnv(
  names: readonly string[],
  granted: (name: string) => boolean = envGranted,
): string[] {
  return [...new Set(names)].filter((name) => !granted(name));
}

/**
 * What is wrong with config `env.passthrough` names the build may not read, and
 * the command that builds one that may: a warning where stages run, an error
 * in `check`.
 *
 * @example
 * ```ts
 * import { ungrantedEnvProblem } from "./scope.ts";
 * import assert from "node:assert/strict";
 * const { problem, fix } = ungrantedEnvProblem(["http_proxy"]);
 * assert.match(problem, /env.passthrough names http_proxy, which this build may not read/);
 * assert.equal(fix, "SOLUS_HOOKS_ENV=http_proxy deno task bundle");
 * ```
 */
export function ungrantedEnvProblem(
  names: readonly string[],
  build: BuildInfo | undefined = declaredBuild(),
): { problem: string; fix: string } {
  const them = names.length === 1 ? "it" : "them";
  return {
    problem: `the config's env.passthrough names ${
      names.join(", ")
    }, which this build may not read, so hooks get nothing for ${them}`,
    fix: rebuildRecipe(build, { env: names }),
  };
}

/**
 * The warning for a journal that could not be written: Deno's refusal is worded
 * as this build's scope (asking for the journal's folder), anything else is the
 * error's own message.
 *
 * @example
 * ```ts
 * import { journalWarning } from "./scope.ts";
 * import assert from "node:assert/strict";
 * const denial = new Deno.errors.NotCapable('Requires write access to "/tmp", run again with the --allow-write flag');
 * const error = new Error("cannot write journal /tmp/x.jsonl: permission denied", { cause: denial });
 * assert.match(journalWarning(error, "/tmp/x.jsonl"), /^solus-hooks: warning: the journal was not written: cannot write journal \/tmp\/x.jsonl: writing \/tmp is outside/);
 * assert.doesNotMatch(journalWarning(error, "/tmp/x.jsonl"), /permission denied/);
 * ```
 */
export function journalWarning(error: unknown, journal: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const denial = findDenial(error);
  if (!denial || message.includes(OUTSIDE_SCOPE)) {
    return `solus-hooks: warning: the journal was not written: ${message}`;
  }
  return `solus-hooks: warning: the journal was not written: cannot write journal ${journal}: ${
    outsideScope(denial, { folder: dirname(journal), writable: true })
  }`;
}
