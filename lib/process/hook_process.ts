/**
 * The process layer: the only code that starts hooks and sends signals.
 *
 * Each hook runs under coreutils `timeout` (`timeout -s KILL LIMIT HOOK`), which
 * makes itself and the hook a new process group, so the whole tree the hook
 * forks can be signalled at once. The runner keeps the deadline: at the hook's
 * deadline or the runner's interruption the group gets SIGTERM, and SIGKILL
 * `killGraceMs` later or as soon as the hook itself has exited. The wrapper is
 * the backstop for a runner that died (SIGKILL, the OOM killer): at deadline +
 * grace + `WRAPPER_BACKSTOP_MS` it SIGKILLs the whole group by itself (without
 * a SIGTERM first: see `spawnHook` for why). Every
 * wait is bounded: a descendant that escaped the group with `setsid` and holds
 * the pipes cannot keep the runner waiting.
 *
 * Where no coreutils `timeout` exists (`hookWrapper()` says so), hooks are
 * spawned `detached` as before: the group still forms, but a SIGKILLed runner
 * leaves them running past their deadline.
 *
 * @module
 */
import { type Capture, type Captured, captureStream, encodeOutput } from "./capture.ts";
import {
  DRAIN_AFTER_EXIT_MS,
  DRAIN_AFTER_KILL_MS,
  WRAPPER_BACKSTOP_MS,
} from "../config/constants.ts";
import { delay, drain, feedStdin } from "./pipes.ts";
import { killHookProcesses } from "./process_scan.ts";
import type { HookResult } from "../report.ts";
import { explainExitCode, explainSpawnError, wrapperSpawnProblem } from "./spawn_error.ts";
import { isScopeDenial } from "../errors.ts";

/** What to run and how. */
export interface HookProcessOptions {
  /** The file to execute. */
  command: string;
  /** Arguments, none for a hook. */
  args?: string[];
  /** Working directory. */
  cwd: string;
  /**
   * The whole environment of the hook; nothing of the runner's is added. Its
   * `SOLUS_HOOK_RUN_ID` and `SOLUS_HOOK_NAME`, when set, find the processes a
   * hook killed at its deadline left outside its group.
   */
  env: Record<string, string>;
  /** Bytes written to the hook's stdin, followed by end-of-file. */
  stdin: Uint8Array;
  /**
   * The hook's own deadline, Unix milliseconds: the earlier of the stage's and
   * the hook's own `timeout`. Past it the group gets SIGTERM, then SIGKILL after
   * `killGraceMs`, and the hook is `timed_out`. The `timeout` wrapper SIGKILLs
   * the group at deadline + grace by itself, should the runner have died.
   */
  deadline?: number;
  /** How the deadline is named in the report, e.g. `its timeout=10s` (default: `the stage deadline`). */
  deadlineLabel?: string;
  /**
   * The runner's interruption: SIGTERM to the group at once, SIGKILL after
   * `killGraceMs`, status `failed`. A deadline is `deadline`, never this.
   */
  signal?: AbortSignal;
  /** Milliseconds between SIGTERM and SIGKILL. */
  killGraceMs: number;
  /** Bytes of stdout and of stderr kept, each. */
  maxOutputBytes: number;
}

/** How a hook process ended: a hook's result without its name, which the stage runner adds. */
export type ProcessOutcome = Omit<HookResult, "name">;

/** Process groups of hooks still running, so an interrupted runner can kill them all. */
const liveGroups = new Set<number>();

/**
 * Send `signal` to a whole process group. A group that is already gone is fine.
 *
 * @example
 * ```ts
 * import { signalGroup } from "./hook_process.ts";
 * import assert from "node:assert/strict";
 * assert.equal(signalGroup(999999, "SIGTERM"), false); // no such group, no error
 * ```
 */
export function signalGroup(pgid: number, signal: Deno.Signal): boolean {
  try {
    Deno.kill(-pgid, signal);
    return true;
  } catch {
    // NotFound: the group is gone. Anything else (EPERM) leaves nothing we can do.
    return false;
  }
}

/**
 * Signal a hook's group, led by `pgid`, a child of ours not yet reaped. Right
 * after the spawn, `timeout` may not have called `setpgid` yet: then there is no
 * group, and the signal goes to the process itself (which dies of it, or
 * passes it on to the group it has made in between), and to the group again.
 */
function signalHook(pgid: number, signal: Deno.Signal): void {
  if (signalGroup(pgid, signal)) return;
  try {
    Deno.kill(pgid, signal);
  } catch {
    // gone
  }
  signalGroup(pgid, signal);
}

/**
 * SIGKILL every hook group still running. For the runner's last moments: a second
 * interrupt, an unexpected error, or `unload`.
 *
 * @example
 * ```ts
 * import { killAllHookGroups } from "./hook_process.ts";
 * import assert from "node:assert/strict";
 * assert.equal(killAllHookGroups(), 0); // no hook running
 * ```
 */
export function killAllHookGroups(signal: Deno.Signal = "SIGKILL"): number {
  let count = 0;
  for (const pgid of liveGroups) {
    signalHook(pgid, signal);
    count++;
  }
  return count;
}

// ---------------------------------------------------------------------------
// The wrapper

/** Where coreutils `timeout` is looked for, in order. */
const TIMEOUT_PATHS: readonly string[] = ["/usr/bin/timeout", "/bin/timeout"];
/** The wrapper in use: a path once one has run, null when none exists, undefined before. */
let wrapper: string | null | undefined;
/** Before the first spawn: the index in TIMEOUT_PATHS to try next. */
let candidate = 0;

/** Whether `path` is a program that runs (a scoped build may not `stat` it: then run it). */
function wrapperRuns(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
  } catch (error) {
    if (!(isScopeDenial(error))) return false;
  }
  try {
    return new Deno.Command(path, {
      args: ["--version"],
      cwd: "/",
      clearEnv: true,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
}

/**
 * The coreutils `timeout` that hooks run under (`/usr/bin/timeout`, else
 * `/bin/timeout`), or null when there is none: then hooks are spawned detached,
 * and a hook's deadline does not hold if the runner is SIGKILLed. Looked up
 * once per process. For `check`, which should warn when it is null.
 *
 * @example
 * ```ts
 * import { hookWrapper } from "./hook_process.ts";
 * import assert from "node:assert/strict";
 * const path = hookWrapper();
 * assert.ok(path === null || path.endsWith("/timeout"));
 * ```
 */
export function hookWrapper(): string | null {
  if (wrapper !== undefined) return wrapper;
  wrapper = TIMEOUT_PATHS.find(wrapperRuns) ?? null;
  return wrapper;
}

/**
 * Choose the wrapper instead of looking for it: a `timeout` path, null for none
 * (hooks are then spawned detached, as where no coreutils `timeout` exists), or
 * undefined to look again at the next spawn. For tests of the fallback.
 *
 * @example
 * ```ts
 * import { hookWrapper, useHookWrapper } from "./hook_process.ts";
 * import assert from "node:assert/strict";
 * useHookWrapper(null);
 * assert.equal(hookWrapper(), null);
 * useHookWrapper(undefined); // look again
 * ```
 */
export function useHookWrapper(path: string | null | undefined): void {
  wrapper = path;
  candidate = 0;
}

/** Seconds for `timeout`'s command line, never 0 (which would mean "no limit"). */
function seconds(ms: number): string {
  return Math.max(0.001, ms / 1000).toFixed(3);
}

/**
 * Start the hook, through the wrapper when there is one. The wrapper is found by
 * trying it: a spawn that fails before any has worked is checked against
 * `wrapperRuns`, so a missing `/usr/bin/timeout` moves on to the next, while a
 * failure of the hook's own (a missing working directory) is rethrown.
 */
function spawnHook(options: HookProcessOptions): { child: Deno.ChildProcess; wrapped: boolean } {
  const base = {
    cwd: options.cwd,
    env: options.env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  } as const;
  while (wrapper !== null) {
    const path = wrapper ?? TIMEOUT_PATHS[candidate];
    if (path === undefined) {
      wrapper = null;
      break;
    }
    // Only SIGKILL, once, at deadline + grace: a wrapper that sent SIGTERM at the
    // deadline would exit as soon as the hook died of it, leaving the hook's
    // children that ignore SIGTERM to a runner that may be dead; SIGKILL while
    // the hook still runs takes the whole group. The runner's own SIGTERM is
    // passed on by timeout, and does not disarm this. Without a deadline, "0":
    // no limit, but still the group.
    const limit = options.deadline === undefined
      ? "0"
      : seconds(options.deadline + options.killGraceMs + WRAPPER_BACKSTOP_MS - Date.now());
    const args = ["-s", "KILL", limit, options.command];
    try {
      const child = new Deno.Command(path, { ...base, args: [...args, ...(options.args ?? [])] })
        .spawn();
      wrapper = path;
      return { child, wrapped: true };
    } catch (error) {
      if (wrapper === path || wrapperRuns(path)) {
        wrapper = path;
        throw error;
      }
      candidate++;
    }
  }
  const child = new Deno.Command(options.command, { ...base, args: options.args, detached: true })
    .spawn();
  return { child, wrapped: false };
}

// ---------------------------------------------------------------------------
// Running one hook

/**
 * An AbortSignal that aborts at `deadline` (Unix ms). The hooks of a stage share
 * one deadline, so they share one timer.
 */
let lastDeadline: { at: number; signal: AbortSignal } | undefined;
function deadlineSignal(at: number): AbortSignal {
  if (lastDeadline?.at !== at) {
    lastDeadline = { at, signal: AbortSignal.timeout(Math.max(0, at - Date.now())) };
  }
  return lastDeadline.signal;
}

/**
 * Spawns take turns: the next hook is spawned only once the one before has had
 * its stdin handed to the kernel. Deno runs a pipe write only when the event
 * loop turns, so in a loop of synchronous spawns every hook got its event after
 * the last spawn (10 hooks `cat; sleep 0.2` all ended 200 ms after the last
 * spawn, not after their own). A turn costs one event-loop tick.
 */
let spawnQueue: Promise<void> = Promise.resolve();
function takeSpawnTurn(): Promise<() => void> {
  const previous = spawnQueue;
  let release!: () => void;
  spawnQueue = new Promise<void>((resolve) => release = resolve);
  return previous.then(() => release);
}

/**
 * Run one hook to its end or its stop, and say how it ended.
 *
 * Never throws: a hook that cannot start is a `spawn_error` with the reason in words.
 *
 * @example
 * ```ts
 * import { runHookProcess } from "./hook_process.ts";
 * import assert from "node:assert/strict";
 * const outcome = await runHookProcess({
 *   command: "/bin/cat",
 *   cwd: "/",
 *   env: {},
 *   stdin: new TextEncoder().encode('{"hello":1}'),
 *   deadline: Date.now() + 5000,
 *   killGraceMs: 2000,
 *   maxOutputBytes: 1024,
 * });
 * assert.equal(outcome.status, "ok");
 * assert.equal(outcome.stdout, '{"hello":1}');
 * ```
 */
export async function runHookProcess(options: HookProcessOptions): Promise<ProcessOutcome> {
  const release = await takeSpawnTurn();
  let started: Started | ProcessOutcome | { spawnError: unknown; startedAt: number };
  try {
    started = await start(options);
  } finally {
    release();
  }
  if ("child" in started) return await finish(options, started);
  if (!("spawnError" in started)) return started;
  // Explained after the turn is passed on: reading the file must not hold up the next hook.
  const error = await explainSpawnError(options.command, started.spawnError);
  return {
    status: "spawn_error",
    exit_code: null,
    signal: null,
    duration_ms: Math.round(performance.now() - started.startedAt),
    ...EMPTY_OUTPUT,
    error,
  };
}

/** A hook spawned, its stdin on its way, its stop armed. */
interface Started {
  child: Deno.ChildProcess;
  wrapped: boolean;
  startedAt: number;
  stdout: Capture;
  stderr: Capture;
  stop: Stop;
}

/** Why and how a hook is being stopped. */
interface Stop {
  reason: "deadline" | "interrupt" | null;
  dispose(): void;
}

function notStarted(options: HookProcessOptions, label: string): ProcessOutcome | null {
  const late = options.deadline !== undefined && Date.now() >= options.deadline;
  if (!late && !options.signal?.aborted) return null;
  return {
    status: late ? "timed_out" : "failed",
    exit_code: null,
    signal: null,
    duration_ms: 0,
    ...EMPTY_OUTPUT,
    error: late ? `not started: ${label} had passed` : "not started: the runner was interrupted",
  };
}

const EMPTY_OUTPUT = { stdout: "", stderr: "", stdout_bytes: 0, stderr_bytes: 0 } as const;

async function start(
  options: HookProcessOptions,
): Promise<Started | ProcessOutcome | { spawnError: unknown; startedAt: number }> {
  const label = options.deadlineLabel ?? "the stage deadline";
  const before = notStarted(options, label);
  if (before) return before;
  const startedAt = performance.now();
  let spawned: { child: Deno.ChildProcess; wrapped: boolean };
  try {
    spawned = spawnHook(options);
  } catch (error) {
    return { spawnError: error, startedAt };
  }
  const { child, wrapped } = spawned;
  liveGroups.add(child.pid);
  const stdout = captureStream(child.stdout, options.maxOutputBytes);
  const stderr = captureStream(child.stderr, options.maxOutputBytes);
  const stop = armStop(child.pid, options);
  // Written while the pipes are read, or a hook that echoes its input deadlocks;
  // the first part before the next spawn (see takeSpawnTurn).
  await feedStdin(child.stdin, options.stdin);
  return { child, wrapped, startedAt, stdout, stderr, stop };
}

/**
 * At the deadline or the interruption, whichever is first: SIGTERM to the group,
 * SIGKILL after the grace.
 */
function armStop(pgid: number, options: HookProcessOptions): Stop {
  const deadline = options.deadline === undefined ? undefined : deadlineSignal(options.deadline);
  let grace: { clear(): void } | undefined;
  const stop: Stop = {
    reason: null,
    dispose() {
      deadline?.removeEventListener("abort", onDeadline);
      options.signal?.removeEventListener("abort", onInterrupt);
      grace?.clear();
    },
  };
  const fire = (reason: "deadline" | "interrupt") => {
    if (stop.reason) return;
    stop.reason = reason;
    signalHook(pgid, "SIGTERM");
    const timer = delay(options.killGraceMs);
    timer.promise.then(() => {
      if (liveGroups.has(pgid)) signalHook(pgid, "SIGKILL");
    });
    grace = timer;
  };
  const onDeadline = () => fire("deadline");
  const onInterrupt = () => fire("interrupt");
  deadline?.addEventListener("abort", onDeadline, { once: true });
  options.signal?.addEventListener("abort", onInterrupt, { once: true });
  return stop;
}

async function finish(options: HookProcessOptions, hook: Started): Promise<ProcessOutcome> {
  const { child, stop } = hook;
  const pgid = child.pid;
  const status = await child.status;
  const exitedAt = performance.now();
  stop.dispose();
  // Killed at or past its deadline while the runner's own timer had not fired
  // (an event loop held up past the grace): the wrapper's backstop.
  if (
    !stop.reason && hook.wrapped && options.deadline !== undefined &&
    Date.now() >= options.deadline && status.signal === "SIGKILL"
  ) stop.reason = "deadline";
  // The hook had its grace and is gone; whatever of its group is left is killed
  // now rather than when the grace runs out.
  if (stop.reason) signalHook(pgid, "SIGKILL");
  liveGroups.delete(pgid);
  // Killed at its deadline: what it started outside its group goes too (those
  // may hold the pipes). A hook that exited by itself keeps its daemons.
  const runId = options.env.SOLUS_HOOK_RUN_ID;
  const name = options.env.SOLUS_HOOK_NAME;
  if (stop.reason === "deadline" && runId && name) await killHookProcesses(runId, name);

  const output = await drain(
    [hook.stdout, hook.stderr],
    stop.reason ? DRAIN_AFTER_KILL_MS : DRAIN_AFTER_EXIT_MS,
  );
  const [out, err] = output.captured;
  const duration_ms = Math.round(exitedAt - hook.startedAt);

  if (!stop.reason && hook.wrapped && (status.code === 126 || status.code === 127)) {
    const problem = await wrapperSpawnProblem(options.command, status.code, err);
    if (problem) {
      return {
        status: "spawn_error",
        exit_code: null,
        signal: null,
        duration_ms,
        ...EMPTY_OUTPUT,
        error: problem,
      };
    }
  }

  const result: ProcessOutcome = {
    status: "ok",
    exit_code: status.signal ? null : status.code,
    signal: status.signal ?? null,
    duration_ms,
    ...EMPTY_OUTPUT,
  };
  setOutput(result, "stdout", out, options.maxOutputBytes);
  setOutput(result, "stderr", err, options.maxOutputBytes);
  if (stop.reason) {
    result.status = stop.reason === "deadline" ? "timed_out" : "failed";
    result.error = stop.reason === "deadline"
      ? `killed at ${options.deadlineLabel ?? "the stage deadline"} (${
        status.signal ?? `exit ${status.code}`
      })`
      : "killed: the runner was interrupted";
  } else if (!status.success) {
    result.status = "failed";
    result.error = status.signal
      ? `killed by ${status.signal}`
      : await explainExitCode(options.command, status.code, options.env.PATH ?? "");
  }
  if (output.cutShort) {
    const note = "output pipes still held open by a background process; stopped reading them";
    result.error = result.error ? `${result.error}; ${note}` : note;
  }
  return result;
}

/** Put a stream's output in the result: text or base64, and its exact byte count. */
function setOutput(
  result: ProcessOutcome,
  stream: "stdout" | "stderr",
  captured: Captured,
  maxBytes: number,
): void {
  const { text, encoding } = encodeOutput(captured.data, { cut: captured.bytes > maxBytes });
  result[stream] = text;
  result[`${stream}_bytes`] = captured.bytes;
  if (encoding) result[`${stream}_encoding`] = encoding;
}
