/**
 * Finding a run's processes by the `SOLUS_HOOK_*` entries in their environment:
 * the only way to reach a hook's descendant that left its process group with
 * `setsid` (a group kill cannot), for when the runner is interrupted or a hook
 * is killed at its deadline.
 *
 * @module
 */
import { runHelper } from "./helper_process.ts";

/**
 * The pids of live processes whose environment holds every one of `entries`
 * (`NAME=value`). Deno itself may read `/proc` only with every permission
 * granted, which the scoped binary does not have, so `grep` reads it; spawning is
 * unrestricted anyway. Never throws: without `grep` or `/proc` the answer is no pids.
 */
async function pidsWithEnv(entries: readonly string[], timeoutMs: number): Promise<number[]> {
  // -z: environ entries end in NUL; -x -F: the whole entry, literally; each
  // further entry narrows the files the first one found. grep's status is 2
  // when some process vanished while it read: only its output counts.
  const script = [
    'files=$(grep -lsxzF -e "$1" /proc/[0-9]*/environ)',
    "shift",
    'for entry in "$@"; do [ -n "$files" ] && files=$(grep -lsxzF -e "$entry" $files); done',
    'echo "$files"',
  ].join("\n");
  const { stdout } = await runHelper("/bin/sh", {
    args: ["-c", script, "sh", ...entries],
    env: { PATH: "/usr/bin:/bin" },
    timeoutMs,
    maxOutputBytes: 1024 * 1024, // a path per process found
  });
  return stdout.split(/[\0\n]/)
    .map((path) => Number(/^\/proc\/(\d+)\/environ$/.exec(path)?.[1]))
    .filter((pid) => pid > 1 && pid !== Deno.pid);
}

/** At most this long for one scan of /proc. */
const SCAN_MS = 2000;

/**
 * SIGKILL what carries `entries`, scanning again after each kill (at most three
 * times), and never past `until` (`performance.now()` ms): each scan gets what
 * is left of it, and none starts once it has passed.
 */
async function killMarked(entries: readonly string[], until: number): Promise<number> {
  let killed = 0;
  for (let round = 0; round < 3; round++) {
    const left = Math.min(SCAN_MS, Math.floor(until - performance.now()));
    if (left <= 0) break;
    const pids = await pidsWithEnv(entries, left);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        Deno.kill(pid, "SIGKILL");
        killed++;
      } catch {
        // gone already
      }
    }
  }
  return killed;
}

/**
 * SIGKILL every process left of run `runId`, found by the `SOLUS_HOOK_RUN_ID` in
 * its environment: for when the runner is interrupted, where the contract says
 * no hook process outlives it. Killing each hook's group does not reach a
 * descendant that left the group with `setsid`; this does, unless it also
 * cleared its environment. Scans again after each kill, at most three times, in
 * case one forked in between, and never past `until` (`performance.now()` ms:
 * the stage's deadline + grace + 1 s, which bounds the whole stage; default
 * 6 s from now). Returns how many processes were killed.
 *
 * @example
 * ```ts
 * import { killRunProcesses } from "./process_scan.ts";
 * import assert from "node:assert/strict";
 * assert.equal(await killRunProcesses(crypto.randomUUID()), 0); // no such run
 * ```
 */
export function killRunProcesses(
  runId: string,
  until = performance.now() + 3 * SCAN_MS,
): Promise<number> {
  return killMarked([`SOLUS_HOOK_RUN_ID=${runId}`], until);
}

/**
 * SIGKILL the processes of one hook of run `runId` (both `SOLUS_HOOK_RUN_ID` and
 * `SOLUS_HOOK_NAME` in their environment): for a hook killed at its deadline,
 * whose descendants that left its group with `setsid` would live on. Another
 * hook's processes, and daemons of hooks that exited normally, are not touched.
 * Never past `until` (`performance.now()` ms), as {@linkcode killRunProcesses}.
 *
 * @example
 * ```ts
 * import { killHookProcesses } from "./process_scan.ts";
 * import assert from "node:assert/strict";
 * assert.equal(await killHookProcesses(crypto.randomUUID(), "10-hook"), 0);
 * // With no time left, no scan is made at all.
 * const child = new Deno.Command("sleep", {
 *   args: ["5"], env: { SOLUS_HOOK_RUN_ID: "r1", SOLUS_HOOK_NAME: "10-hook" },
 * }).spawn();
 * assert.equal(await killHookProcesses("r1", "10-hook", performance.now()), 0);
 * assert.equal(await killHookProcesses("r1", "10-hook"), 1);
 * await child.status;
 * ```
 */
export function killHookProcesses(
  runId: string,
  name: string,
  until = performance.now() + 3 * SCAN_MS,
): Promise<number> {
  return killMarked([`SOLUS_HOOK_RUN_ID=${runId}`, `SOLUS_HOOK_NAME=${name}`], until);
}

/**
 * Whether process `pid` is still the one that started at `startTime` (field 22
 * of `/proc/PID/stat`, clock ticks since boot): false once it is gone, or its
 * number names a later process. Read by `/bin/sh`, as a scoped build may not
 * read `/proc`; undefined when that could not be asked (then judge by time).
 *
 * @example
 * ```ts
 * import { isSameProcess } from "./process_scan.ts";
 * import assert from "node:assert/strict";
 * const stat = Deno.readTextFileSync("/proc/self/stat");
 * const start = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
 * assert.equal(await isSameProcess(Deno.pid, start), true);
 * assert.equal(await isSameProcess(Deno.pid, "1"), false);
 * ```
 */
export async function isSameProcess(pid: number, startTime: string): Promise<boolean | undefined> {
  const script = 'read -r s < "/proc/$1/stat" || exit 0; s=${s##*) }; set -- $s; echo "${20}"';
  const result = await runHelper("/bin/sh", {
    args: ["-c", script, "sh", String(pid)],
    env: { PATH: "/usr/bin:/bin" },
    timeoutMs: 2000,
  });
  if (!result.ok) return undefined;
  return result.stdout.trim() === startTime;
}
