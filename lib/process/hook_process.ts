/**
 * The process layer: the only code that starts hooks and sends signals.
 *
 * Each hook starts where its whole tree can be signalled at once (see
 * `spawn_hook.ts`): in a process group of its own, or, where the stage's
 * watchdog (see `watchdog.ts`) made cgroup v2 groups, in its own cgroup, which
 * it enters before it runs a line, so that not even a descendant forked at once
 * escapes it. The runner keeps the
 * deadline on one monotonic clock (`performance.now()`): at the hook's deadline
 * or the runner's interruption the watchdog is asked to SIGTERM the hook's
 * group and cgroup, which it does only if the hook has not exited already (a
 * hook that exited first is `ok` and its daemons are left alone); SIGKILL
 * follows `killGraceMs` later, or as soon as the hook itself has exited
 * (`cgroup.kill` takes its escapees too). The watchdog is also the backstop
 * for a runner that died (SIGKILL, the OOM killer). Every wait is bounded: a
 * descendant that escaped with `setsid` and holds the pipes cannot keep the
 * runner waiting. No signal is sent to a pid the runner has reaped.
 *
 * @module
 */
import { type Capture, type Captured, captureStream, encodeOutput } from "./capture.ts";
import { DRAIN_AFTER_EXIT_MS, DRAIN_AFTER_KILL_MS } from "../config/constants.ts";
import { delay, drain, feedStdin } from "./pipes.ts";
import { killHookProcesses } from "./process_scan.ts";
import type { HookResult } from "../report.ts";
import { explainExitCode, explainSpawnError, wrapperSpawnProblem } from "./spawn_error.ts";
import { signalHook, spawnHook } from "./spawn_hook.ts";
import type { HookGuard } from "./watchdog.ts";

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
   * The hook's own deadline on the `performance.now()` clock (monotonic: a step
   * of the wall clock moves no deadline): the earlier of the stage's and the
   * hook's own `timeout`. Past it the group gets SIGTERM, then SIGKILL after
   * `killGraceMs`, and the hook is `timed_out`.
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
  /**
   * The stage watchdog's line for this hook: it signals for the runner where
   * that needs `/proc` (did the hook exit already?) or a cgroup, and keeps the
   * deadline if the runner dies. Without it the runner signals the group itself.
   */
  guard?: HookGuard;
  /** The cgroup v2 folder the hook starts in (made by the watchdog), if any. */
  cgroup?: string;
  /**
   * A file holding `stdin`, read by the hook instead of its pipe (a large
   * event: see `event_file.ts`); then the runner writes nothing to the hook.
   */
  stdinFile?: string;
}

/** How a hook process ended: a hook's result without its name, which the stage runner adds. */
export type ProcessOutcome = Omit<HookResult, "name">;

/**
 * Hooks not yet reaped (by pid), whether each leads its group, and their
 * watchdog lines, so an interrupted runner can kill them all.
 */
const liveHooks = new Map<number, { grouped: boolean; guard?: HookGuard }>();

/**
 * SIGKILL every hook still running. For the runner's last moments: a second
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
  // Only hooks the runner has not reaped: each pid is a live hook or its
  // zombie, so it names that hook (and its group) and nothing else.
  for (const [pid, { grouped, guard }] of liveHooks) {
    signalHook(pid, grouped, signal);
    if (signal === "SIGKILL") guard?.kill();
    count++;
  }
  return count;
}

// ---------------------------------------------------------------------------
// Running one hook

/**
 * An AbortSignal that aborts at `deadline` (`performance.now()` ms; its timer
 * is monotonic too). The hooks of a stage share one deadline, so they share
 * one timer.
 */
let lastDeadline: { at: number; signal: AbortSignal } | undefined;
function deadlineSignal(at: number): AbortSignal {
  if (lastDeadline?.at !== at) {
    lastDeadline = { at, signal: AbortSignal.timeout(Math.max(0, at - performance.now())) };
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
 *   deadline: performance.now() + 5000,
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
  grouped: boolean;
  startedAt: number;
  stdout: Capture;
  stderr: Capture;
  stop: Stop;
}

/** Why and how a hook is being stopped. */
interface Stop {
  /** Why it was stopped; null while it was not (or had exited when the stop came). */
  reason: "deadline" | "interrupt" | null;
  /** Set once the runner has reaped the hook: from then on, no signal names its pid. */
  exited: boolean;
  /** Settles once a stop under way has been decided (the watchdog's answer). */
  decided: Promise<void>;
  dispose(): void;
}

function notStarted(options: HookProcessOptions, label: string): ProcessOutcome | null {
  // Past it by the clock, or by its timer (which may fire a fraction of a
  // millisecond before the clock reads it).
  const late = options.deadline !== undefined &&
    (performance.now() >= options.deadline || deadlineSignal(options.deadline).aborted);
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
  let spawned: ReturnType<typeof spawnHook>;
  try {
    spawned = spawnHook(options);
  } catch (error) {
    return { spawnError: error, startedAt };
  }
  const { child, wrapped, grouped } = spawned;
  liveHooks.set(child.pid, { grouped, guard: options.guard });
  options.guard?.started(child.pid);
  const stdout = captureStream(child.stdout, options.maxOutputBytes);
  const stderr = captureStream(child.stderr, options.maxOutputBytes);
  const stop = armStop(child.pid, grouped, options);
  // Written while the pipes are read, or a hook that echoes its input deadlocks;
  // the first part before the next spawn (see takeSpawnTurn).
  if (options.stdinFile === undefined) await feedStdin(child.stdin, options.stdin);
  else await child.stdin.close().catch(() => {});
  return { child, wrapped, grouped, startedAt, stdout, stderr, stop };
}

/**
 * At the deadline or the interruption, whichever is first: SIGTERM to the group,
 * SIGKILL after the grace. A deadline or interruption that came before the hook
 * was spawned stops it at once.
 */
function armStop(pid: number, grouped: boolean, options: HookProcessOptions): Stop {
  const deadline = options.deadline === undefined ? undefined : deadlineSignal(options.deadline);
  const guard = options.guard;
  let grace: { clear(): void } | undefined;
  let firing = false;
  const stop: Stop = {
    reason: null,
    exited: false,
    decided: Promise.resolve(),
    dispose() {
      deadline?.removeEventListener("abort", onDeadline);
      options.signal?.removeEventListener("abort", onInterrupt);
      grace?.clear();
    },
  };
  const fire = (reason: "deadline" | "interrupt") => {
    if (firing || stop.exited) return;
    firing = true;
    stop.decided = (async () => {
      // The watchdog looks in /proc: a hook that exited before the stop came
      // (reaped by the runtime or not) is left alone, its daemons too.
      const answer = guard ? await guard.stop() : "unknown";
      if (answer === "gone") return;
      if (answer === "unknown") {
        if (stop.exited) return;
        signalHook(pid, grouped, "SIGTERM");
      }
      stop.reason = reason;
      const timer = delay(options.killGraceMs);
      timer.promise.then(() => {
        if (stop.exited) return; // finish() has sent the SIGKILL
        signalHook(pid, grouped, "SIGKILL");
        guard?.kill();
      });
      grace = timer;
    })();
  };
  const onDeadline = () => fire("deadline");
  const onInterrupt = () => fire("interrupt");
  if (deadline?.aborted) onDeadline();
  else deadline?.addEventListener("abort", onDeadline, { once: true });
  if (options.signal?.aborted) onInterrupt();
  else options.signal?.addEventListener("abort", onInterrupt, { once: true });
  return stop;
}

async function finish(options: HookProcessOptions, hook: Started): Promise<ProcessOutcome> {
  const { child, stop } = hook;
  const status = await child.status;
  const exitedAt = performance.now();
  stop.exited = true;
  liveHooks.delete(child.pid);
  await stop.decided;
  stop.dispose();
  const guard = options.guard;
  if (stop.reason) {
    // The hook had its grace and is gone; whatever of its group or cgroup is
    // left is killed now rather than when the grace runs out. The hook is
    // reaped: its number goes to the watchdog, which kills the cgroup, or the
    // group, which no other can have taken while a member of it lives.
    if (guard) guard.kill();
    else if (hook.grouped) signalHook(child.pid, true, "SIGKILL");
  } else {
    guard?.exited();
  }
  // Killed at its deadline: what it started outside its group goes too (those
  // may hold the pipes); a cgroup has taken them already. A hook that exited
  // by itself keeps its daemons.
  const runId = options.env.SOLUS_HOOK_RUN_ID;
  const name = options.env.SOLUS_HOOK_NAME;
  if (stop.reason === "deadline" && runId && name && !options.cgroup) {
    const until = (options.deadline ?? exitedAt) + options.killGraceMs + 1000 - DRAIN_AFTER_KILL_MS;
    await killHookProcesses(runId, name, until);
  }

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
