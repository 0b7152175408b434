/**
 * One watchdog per stage: a small `/bin/sh` program beside the runner that
 * knows every hook (its process group, or, where the node allows, its cgroup
 * v2 group), so that a hook's deadline holds even when the runner itself is
 * SIGKILLed, and so that the checks and kills that need `/proc` and `/sys`
 * (which a scoped build may not touch) are made by a process that may.
 *
 * The runner tells it, one line each on its stdin: `p I PID NAME` when hook I
 * is spawned (with cgroups, the hook has entered group I of the stage itself,
 * before it ran a line: see `spawn_hook.ts`), `x I`
 * when hook I exited by itself (its leftover processes, its daemons, are moved
 * back to the runner's own cgroup and left alone), `t I` at hook I's deadline
 * or the runner's interruption (SIGTERM to its cgroup, or its group, answered
 * `r I live`, or `r I gone` when the hook had already exited, a zombie or
 * reaped, which `/proc` tells and the runner's event loop may not yet: then nothing is
 * sent and the hook is not stopped), `k I` for the SIGKILL (`cgroup.kill`,
 * which takes escapees that left with `setsid` and cleared their environment
 * too), `f PATH` for a large event's file, and `done` at the end (it removes
 * the stage's cgroups and that file, and exits).
 *
 * On end-of-file without `done` (the runner died), it waits until the stage's
 * deadline + grace and SIGKILLs every hook it was not told had exited, with
 * their cgroups and the processes of those hooks found by their
 * `SOLUS_HOOK_RUN_ID` and `SOLUS_HOOK_NAME`.
 *
 * Its first line says when the runner started (field 22 of the runner's
 * `/proc/PID/stat`, for the journal to tell a dead runner from a live one) and
 * the containment it gives: `cgroup` or `process group`.
 *
 * @module
 */
import { delay } from "./pipes.ts";
import { WATCHDOG_SCRIPT } from "./watchdog_script.ts";

/**
 * How a node contains a hook's processes: a cgroup v2 group each, or a process group each.
 *
 * @example
 * ```ts
 * import { type Containment, describeContainment } from "./watchdog.ts";
 * import assert from "node:assert/strict";
 * const fallback: Containment = "process group";
 * assert.match(describeContainment(fallback), /^containment: process group/);
 * ```
 */
export type Containment = "cgroup" | "process group";

/** What the watchdog says of its hook when asked to stop it. */
export type StopAnswer = "live" | "gone" | "unknown";

/** One hook's line to the watchdog. */
export interface HookGuard {
  /** The hook is spawned, leading process group `pgid`. */
  started(pgid: number): void;
  /** The hook exited by itself: what it left running is left alone. */
  exited(): void;
  /**
   * SIGTERM to the hook's group (and cgroup) if the hook still runs: `live`
   * when it did, `gone` when the hook had already exited (nothing was sent),
   * `unknown` when the watchdog did not answer (the caller signals itself).
   */
  stop(): Promise<StopAnswer>;
  /** SIGKILL to the hook's cgroup, or to its group where there is none. */
  kill(): void;
}

/** What the watchdog found when it started. */
export interface WatchdogSetup {
  /** What contains each hook on this node. */
  containment: Containment;
  /** The folder of the stage's cgroups (hook I starts in `I` below it), when `cgroup`. */
  cgroups?: string;
  /** The runner's start time in clock ticks since boot (`/proc/PID/stat` field 22), or null. */
  runnerStart: string | null;
}

/** A stage's watchdog, as the runner sees it. */
export interface StageWatchdog {
  /** The line for hook `index` (1 to the `hooks` it was started with) named `name`. */
  hook(index: number, name: string): HookGuard;
  /**
   * Tell it how many hooks the stage starts (it makes their cgroups), and have
   * what it found: `process group` and no start time where it could not start
   * or did not answer within half a second. Once, before the first spawn.
   */
  begin(hooks: number): Promise<WatchdogSetup>;
  /** Have it remove the file at `path` (a large event's) when the stage ends, or the runner dies. */
  removeAtEnd(path: string): void;
  /**
   * The stage is over: nothing more to kill; the watchdog tidies up and exits.
   * Resolves once it has been told (at most half a second).
   */
  close(): Promise<void>;
}

/** Whether watchdogs try cgroups: set by {@linkcode useCgroups}. */
let cgroupsWanted = true;

/**
 * Let watchdogs started from now on try cgroup v2 groups (the default), or not:
 * then hooks are contained as where none can be made. For tests of that case.
 *
 * @example
 * ```ts
 * import { startWatchdog, useCgroups } from "./watchdog.ts";
 * import assert from "node:assert/strict";
 * useCgroups(false);
 * const watchdog = startWatchdog({ runId: crypto.randomUUID(), untilKillMs: 0 });
 * assert.equal((await watchdog.begin(1)).containment, "process group");
 * watchdog.close();
 * useCgroups(true);
 * ```
 */
export function useCgroups(on: boolean): void {
  cgroupsWanted = on;
}

/** The cgroups a watchdog makes before it is told how many hooks there are. */
const PREPARED_CGROUPS = 8;

/** How long the runner waits for the watchdog's answer before signalling by itself. */
const ANSWER_MS = 500;

/** Start arguments of a stage's watchdog. */
export interface WatchdogOptions {
  /** The run's id (names its cgroup, finds its processes). */
  runId: string;
  /** Milliseconds from now to the stage's deadline + kill grace. */
  untilKillMs: number;
  /** Try cgroup v2 groups (default: yes, unless {@linkcode useCgroups} said no). */
  cgroups?: boolean;
}

/**
 * Start a stage's watchdog. Never throws: where `/bin/sh` cannot be spawned,
 * every guard answers `unknown` and the runner signals on its own.
 *
 * @example
 * ```ts
 * import { startWatchdog } from "./watchdog.ts";
 * import assert from "node:assert/strict";
 * const watchdog = startWatchdog({ runId: crypto.randomUUID(), untilKillMs: 5000 });
 * const setup = await watchdog.begin(1);
 * assert.match(setup.runnerStart ?? "", /^\d+$/);
 * assert.equal(setup.containment === "cgroup", setup.cgroups !== undefined);
 * watchdog.close();
 * ```
 */
export function startWatchdog(options: WatchdogOptions): StageWatchdog {
  const want = options.cgroups ?? cgroupsWanted;
  const taken = spare?.cgroups === want ? spare.child : undefined;
  if (taken) spare = undefined;
  const child = taken ?? spawnWatchdog(want);
  if (!child) return absentWatchdog();
  const createdAt = performance.now();
  const writer = child.stdin.getWriter();
  let open = true;
  const send = (line: string) => {
    if (!open) return;
    writer.write(new TextEncoder().encode(`${line}\n`)).catch(() => open = false);
  };
  let hello!: (value: WatchdogSetup) => void;
  const first = new Promise<WatchdogSetup>((resolve) => hello = resolve);
  // Past 8 hooks, whether the rest of their cgroups could be made.
  let madeMore!: (ok: boolean) => void;
  const more = new Promise<boolean>((resolve) => madeMore = resolve);
  const none: WatchdogSetup = { containment: "process group", runnerStart: null };

  const waiting = new Map<number, (answer: StopAnswer) => void>();
  (async () => {
    let text = "";
    // A plain reader: a TextDecoderStream would load Deno's TransformStream, a
    // few milliseconds of the stage's start.
    const reader = child.stdout.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = text.indexOf("\n")) >= 0) {
          const [kind, a, ...rest] = text.slice(0, end).split(" ");
          text = text.slice(end + 1);
          if (kind === "s") {
            const cgroups = rest.join(" ");
            hello({
              runnerStart: /^\d+$/.test(a) ? a : null,
              containment: cgroups ? "cgroup" : "process group",
              ...(cgroups ? { cgroups } : {}),
            });
          } else if (kind === "m") {
            madeMore(a === "ok");
          } else if (kind === "r") {
            waiting.get(Number(a))?.(rest[0] === "live" ? "live" : "gone");
          }
        }
      }
    } catch {
      // Its pipe broke: as if it had ended.
    }
    open = false;
    hello(none);
    madeMore(false);
    for (const answer of waiting.values()) answer("unknown");
  })();
  return {
    hook(index, name) {
      // A name is one line of the protocol: one with a line break is not sent
      // (its escapees are then found by group and cgroup only).
      const shown = /^[^\n\r]*$/.test(name) ? name : "";
      return {
        started: (pgid) => send(`p ${index} ${pgid} ${shown}`),
        exited: () => send(`x ${index}`),
        kill: () => send(`k ${index}`),
        stop() {
          if (!open) return Promise.resolve("unknown");
          return new Promise<StopAnswer>((resolve) => {
            const late = delay(ANSWER_MS);
            const settle = (answer: StopAnswer) => {
              waiting.delete(index);
              late.clear();
              resolve(answer);
            };
            late.promise.then(() => settle("unknown"));
            waiting.set(index, settle);
            send(`t ${index}`);
          });
        },
      };
    },
    removeAtEnd: (path) => send(`f ${path}`),
    async begin(hooks) {
      const left = Math.max(0, Math.round(options.untilKillMs - (performance.now() - createdAt)));
      send(`n ${hooks} ${options.runId.replace(/[^A-Za-z0-9-]/g, "")} ${left}`);
      // Listened to only until the answers: no process is held for them.
      const late = delay(ANSWER_MS);
      late.promise.then(() => {
        hello(none);
        madeMore(false);
      });
      try {
        const setup = await first;
        if (!setup.cgroups || hooks <= PREPARED_CGROUPS || await more) return setup;
        return { containment: "process group", runnerStart: setup.runnerStart };
      } finally {
        late.clear();
      }
    },
    close() {
      if (!open) return Promise.resolve();
      open = false;
      // Handed to the kernel before the runner may exit (the CLI calls
      // Deno.exit): a watchdog that never read `done` would take the end of
      // its stdin for a dead runner. A pipe with room takes it at once.
      const sent = writer.write(new TextEncoder().encode("done\n")).then(
        () => writer.close(),
      ).catch(() => {});
      const late = delay(ANSWER_MS);
      return Promise.race([sent, late.promise]).finally(() => late.clear());
    },
  };
}

/** The watchdog where none could start. */
function absentWatchdog(): StageWatchdog {
  return {
    hook: () => ({
      started() {},
      exited() {},
      kill() {},
      stop: () => Promise.resolve("unknown"),
    }),
    begin: () => Promise.resolve({ containment: "process group", runnerStart: null }),
    removeAtEnd: (path) => void Deno.remove(path).catch(() => {}),
    close: () => Promise.resolve(),
  };
}

/**
 * What contains a hook's processes on this node: a watchdog is started for a
 * stage of one hook and asked. For `check`.
 *
 * @example
 * ```ts
 * import { probeContainment } from "./watchdog.ts";
 * import assert from "node:assert/strict";
 * const root = Deno.uid() === 0;
 * assert.ok(root || (await probeContainment()) === "process group");
 * ```
 */
export async function probeContainment(): Promise<Containment> {
  const watchdog = startWatchdog({ runId: crypto.randomUUID(), untilKillMs: 0 });
  const { containment } = await watchdog.begin(1);
  await watchdog.close();
  return containment;
}

/**
 * `check`'s line on containment.
 *
 * @example
 * ```ts
 * import { describeContainment } from "./watchdog.ts";
 * import assert from "node:assert/strict";
 * assert.match(describeContainment("cgroup"), /^containment: cgroup/);
 * assert.match(describeContainment("process group"), /setsid/);
 * ```
 */
export function describeContainment(containment: Containment | undefined): string {
  return containment === "cgroup"
    ? "containment: cgroup (each hook in a cgroup v2 group of its own: a deadline kills all it started, escapees included)"
    : "containment: process group + /proc scan (no cgroup v2 group can be made here: an escapee that left with setsid and cleared its environment outlives a killed hook)";
}

/** A watchdog started ahead of its stage by {@linkcode prewarmWatchdog}. */
let spare: { child: Deno.ChildProcess; cgroups: boolean } | undefined;

/** Spawn the watchdog's shell; undefined where `/bin/sh` cannot be spawned. */
function spawnWatchdog(cgroups: boolean): Deno.ChildProcess | undefined {
  try {
    const child = new Deno.Command("/bin/sh", {
      args: ["-c", WATCHDOG_SCRIPT, "solus-hooks-watchdog", cgroups ? "1" : "0"],
      cwd: "/",
      clearEnv: true,
      env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    // Neither its exit nor its answers may keep a library caller's process alive.
    child.unref();
    child.status.catch(() => {});
    return child;
  } catch {
    return undefined;
  }
}

/**
 * Start the next stage's watchdog now, while the runner still reads its
 * config and event: its own start-up, and the first move into a cgroup after a
 * quiet spell (which waits out an RCU grace period, 5-20 ms seen), are then
 * paid before the stage rather than by its first hook. The next
 * {@linkcode startWatchdog} takes it. Not awaited, and keeps no process alive:
 * one never taken sees its stdin end with the runner, and exits.
 *
 * @example
 * ```ts
 * import { prewarmWatchdog, startWatchdog } from "./watchdog.ts";
 * import assert from "node:assert/strict";
 * prewarmWatchdog();
 * const watchdog = startWatchdog({ runId: crypto.randomUUID(), untilKillMs: 5000 });
 * assert.match((await watchdog.begin(1)).runnerStart ?? "", /^\d+$/);
 * await watchdog.close();
 * ```
 */
export function prewarmWatchdog(): void {
  if (spare) return;
  const child = spawnWatchdog(cgroupsWanted);
  if (child) spare = { child, cgroups: cgroupsWanted };
}
