/**
 * Starting a hook where its whole tree can be stopped, at the least cost a
 * spawn allows: `detached: true` makes Deno fork its whole runtime (about
 * 2.7 ms a hook against 1 ms, measured on 100 `/bin/true`), so a hook is
 * spawned the cheap way (`vfork`) through a program that `exec`s it in place:
 *
 * - where the stage has cgroup v2 groups, a one-line `/bin/sh` that moves
 *   itself into the hook's cgroup, then becomes the hook: all the hook forks
 *   starts inside, and the cgroup is what is signalled (the hook stays in the
 *   runner's process group);
 * - elsewhere, util-linux `setsid`: the hook leads a process group of its own,
 *   and the group is what is signalled. Where there is no `setsid`, the hook is
 *   spawned `detached`, which gives the same group.
 *
 * @module
 */
import { CGROUP_STARTER } from "./spawn_error.ts";

/** What to start: the parts of a hook's options a spawn needs. */
export interface SpawnOptions {
  /** The file to execute. */
  command: string;
  /** Its arguments. */
  args?: string[];
  /** Working directory. */
  cwd: string;
  /** Its whole environment. */
  env: Record<string, string>;
  /** The cgroup v2 folder it starts in, if any. */
  cgroup?: string;
  /**
   * A file it reads as its stdin instead of a pipe from the runner (a large
   * event: see `writeEventFile`); its pipe is then left empty.
   */
  stdinFile?: string;
}

/** A hook just spawned. */
export interface Spawned {
  child: Deno.ChildProcess;
  /** Started through a program (`sh`, `setsid`) whose own failure to `exec` it ends 126 or 127. */
  wrapped: boolean;
  /** It leads a process group of its own (else it is signalled by pid and through its cgroup). */
  grouped: boolean;
}

/**
 * Moves itself into the cgroup named by `$1` (its `cgroup.procs`), then becomes
 * the hook. Builtins only. A move that fails leaves the hook outside: the
 * runner still signals it by pid.
 */
const IN_CGROUP = '{ echo $$ > "$1/cgroup.procs"; } 2>/dev/null; shift; exec "$@"';

/** The same, with stdin from the file named by `$2`. */
const IN_CGROUP_FROM =
  '{ echo $$ > "$1/cgroup.procs"; } 2>/dev/null; f=$2; shift 2; exec "$@" < "$f"';

/** The hook with stdin from the file named by `$1`. */
const FROM = 'f=$1; shift; exec "$@" < "$f"';

/** Where util-linux `setsid` is looked for, in order. */
const SETSID_PATHS: readonly string[] = ["/usr/bin/setsid", "/bin/setsid"];
/** How many of SETSID_PATHS were found missing: all of them means spawn `detached`. */
let setsidMissing = 0;

/**
 * Start the hook (see the module's words for how). Throws what the spawn
 * throws: a missing file or working directory, a file that cannot run.
 *
 * @example
 * ```ts
 * import { spawnHook } from "./spawn_hook.ts";
 * import assert from "node:assert/strict";
 * const { child, grouped } = spawnHook({ command: "/bin/true", cwd: "/", env: {} });
 * child.stdin.close();
 * assert.equal((await child.output()).success, true);
 * assert.equal(grouped, true);
 * ```
 */
export function spawnHook(options: SpawnOptions): Spawned {
  const base = {
    cwd: options.cwd,
    env: options.env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  } as const;
  const target = [options.command, ...(options.args ?? [])];
  const file = options.stdinFile;
  if (options.cgroup) {
    const args = file === undefined
      ? ["-c", IN_CGROUP, CGROUP_STARTER, options.cgroup, ...target]
      : ["-c", IN_CGROUP_FROM, CGROUP_STARTER, options.cgroup, file, ...target];
    return {
      child: new Deno.Command("/bin/sh", { ...base, args }).spawn(),
      wrapped: true,
      grouped: false,
    };
  }
  if (file !== undefined) {
    // A large event, which is rare: the cost of a detached spawn does not matter.
    const args = ["-c", FROM, CGROUP_STARTER, file, ...target];
    return {
      child: new Deno.Command("/bin/sh", { ...base, args, detached: true }).spawn(),
      wrapped: true,
      grouped: true,
    };
  }
  while (setsidMissing < SETSID_PATHS.length) {
    try {
      const child = new Deno.Command(SETSID_PATHS[setsidMissing], { ...base, args: target })
        .spawn();
      return { child, wrapped: true, grouped: true };
    } catch (error) {
      // `setsid` itself is what is not found: the hook is its argument. (A
      // missing working directory says so too: then the detached spawn below
      // fails the same way, and the next hook tries `setsid` no more.)
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      setsidMissing++;
    }
  }
  const child = new Deno.Command(options.command, { ...base, args: options.args, detached: true })
    .spawn();
  return { child, wrapped: false, grouped: true };
}

/**
 * Signal a hook the runner has not reaped: its whole group when it leads one,
 * else the hook itself (its cgroup is the watchdog's to signal). A hook that
 * is gone already is fine.
 *
 * @example
 * ```ts
 * import { signalHook } from "./spawn_hook.ts";
 * import assert from "node:assert/strict";
 * assert.equal(signalHook(999999, true, "SIGTERM"), false); // no such group, no error
 * ```
 */
export function signalHook(pid: number, grouped: boolean, signal: Deno.Signal): boolean {
  try {
    Deno.kill(grouped ? -pid : pid, signal);
    return true;
  } catch {
    // NotFound: gone. Anything else (EPERM) leaves nothing we can do.
    return false;
  }
}
