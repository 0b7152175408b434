/**
 * The process layer: the only code that starts hooks and sends signals.
 *
 * Each hook runs detached, so it leads its own process group and the whole tree it
 * forks can be signalled at once. At the stop signal (the stage deadline or the
 * runner's own interruption) the group gets SIGTERM, and SIGKILL `killGraceMs`
 * later or as soon as the hook itself has exited. Every wait is bounded: a
 * descendant that escaped the group with `setsid` and holds the pipes cannot keep
 * the runner waiting.
 *
 * @module
 */
import { type Capture, captureStream } from "./capture.ts";
import type { HookResult } from "./report.ts";
import { readShebang, shebangProblem } from "./shebang.ts";

/** How long to keep reading a hook's pipes after it exited normally (contract: within 1 s). */
export const DRAIN_AFTER_EXIT_MS = 1000;
/** How long to keep reading a killed hook's pipes after it died. */
export const DRAIN_AFTER_KILL_MS = 200;

/** What to run and how. */
export interface HookProcessOptions {
  /** The file to execute. */
  command: string;
  /** Arguments, none for a hook. */
  args?: string[];
  /** Working directory. */
  cwd: string;
  /** The whole environment of the hook; nothing of the runner's is added. */
  env: Record<string, string>;
  /** Bytes written to the hook's stdin, followed by end-of-file. */
  stdin: Uint8Array;
  /**
   * Stops the hook: SIGTERM to its group at once, SIGKILL after `killGraceMs`.
   * An abort whose reason is a `TimeoutError` marks the hook `timed_out`.
   */
  signal: AbortSignal;
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
 * import { signalGroup } from "./process.ts";
 * signalGroup(999999, "SIGTERM"); // false: no such group, no error
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
 * SIGKILL every hook group still running. For the runner's last moments: a second
 * interrupt, an unexpected error, or `unload`.
 *
 * @example
 * ```ts
 * import { killAllHookGroups } from "./process.ts";
 * globalThis.addEventListener("unload", () => killAllHookGroups());
 * ```
 */
export function killAllHookGroups(signal: Deno.Signal = "SIGKILL"): number {
  let count = 0;
  for (const pgid of liveGroups) if (signalGroup(pgid, signal)) count++;
  return count;
}

/** The environment entry every hook process of a run carries, and its descendants inherit. */
function runMarker(runId: string): string {
  return `SOLUS_HOOK_RUN_ID=${runId}`;
}

/**
 * The pids of live processes whose environment holds `SOLUS_HOOK_RUN_ID=<runId>`.
 * Deno itself may read `/proc` only with every permission granted, which the
 * scoped binary does not have, so `grep` reads it; spawning is unrestricted
 * anyway. Never throws: without `grep` or `/proc` the answer is no pids.
 */
async function pidsOfRun(runId: string): Promise<number[]> {
  try {
    const { stdout } = await new Deno.Command("/bin/sh", {
      // -z: environ entries end in NUL; -x -F: the whole entry, literally.
      args: ["-c", 'exec grep -lsxzF -e "$1" /proc/[0-9]*/environ', "sh", runMarker(runId)],
      clearEnv: true,
      env: { PATH: "/usr/bin:/bin" },
      stdin: "null",
      stdout: "piped",
      stderr: "null",
      signal: AbortSignal.timeout(2000),
    }).output();
    return new TextDecoder().decode(stdout).split(/[\0\n]/)
      .map((path) => Number(/^\/proc\/(\d+)\/environ$/.exec(path)?.[1]))
      .filter((pid) => pid > 1 && pid !== Deno.pid);
  } catch {
    return [];
  }
}

/**
 * SIGKILL every process left of run `runId`, found by the `SOLUS_HOOK_RUN_ID` in
 * its environment: for when the runner is interrupted, where the contract says
 * no hook process outlives it. Killing each hook's group does not reach a
 * descendant that left the group with `setsid`; this does, unless it also
 * cleared its environment. Scans again after each kill, at most three times, in
 * case one forked in between. Returns how many processes were killed.
 *
 * @example
 * ```ts
 * import { killRunProcesses } from "./process.ts";
 * console.log(await killRunProcesses(crypto.randomUUID())); // 0: no such run
 * ```
 */
export async function killRunProcesses(runId: string): Promise<number> {
  let killed = 0;
  for (let round = 0; round < 3; round++) {
    const pids = await pidsOfRun(runId);
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
 * A promise that resolves after `ms`. Built on `AbortSignal.timeout`, which the
 * stage deadline loads anyway: Deno loads its `setTimeout` lazily, and that
 * load was 5 to 8 ms of every run's start-up. The timer is unref'd and cannot
 * be cancelled; `clear` only stops it from mattering.
 */
function delay(ms: number): { promise: Promise<void>; clear(): void } {
  const signal = AbortSignal.timeout(Math.max(0, ms));
  let cleared = false;
  const promise = new Promise<void>((resolve) => {
    signal.addEventListener("abort", () => cleared || resolve(), { once: true });
  });
  return { promise, clear: () => void (cleared = true) };
}

function isTimeout(signal: AbortSignal): boolean {
  return signal.reason instanceof DOMException && signal.reason.name === "TimeoutError";
}

/**
 * Run one hook to its end or its stop, and say how it ended.
 *
 * Never throws: a hook that cannot start is a `spawn_error` with the reason in words.
 *
 * @example
 * ```ts
 * import { runHookProcess } from "./process.ts";
 * const outcome = await runHookProcess({
 *   command: "/bin/cat",
 *   cwd: "/",
 *   env: {},
 *   stdin: new TextEncoder().encode('{"hello":1}'),
 *   signal: AbortSignal.timeout(5000),
 *   killGraceMs: 2000,
 *   maxOutputBytes: 1024,
 * });
 * console.log(outcome.status, outcome.stdout); // ok {"hello":1}
 * ```
 */
export async function runHookProcess(options: HookProcessOptions): Promise<ProcessOutcome> {
  const start = performance.now();
  const elapsed = () => Math.round(performance.now() - start);
  const empty = { stdout: "", stderr: "", stdout_bytes: 0, stderr_bytes: 0 };
  if (options.signal.aborted) {
    return {
      status: isTimeout(options.signal) ? "timed_out" : "failed",
      exit_code: null,
      signal: null,
      duration_ms: 0,
      ...empty,
      error: isTimeout(options.signal)
        ? "not started: the stage deadline had passed"
        : "not started: the runner was interrupted",
    };
  }

  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(options.command, {
      args: options.args ?? [],
      cwd: options.cwd,
      env: options.env,
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      detached: true,
    }).spawn();
  } catch (error) {
    return {
      status: "spawn_error",
      exit_code: null,
      signal: null,
      duration_ms: elapsed(),
      ...empty,
      error: await explainSpawnError(options.command, error),
    };
  }

  const pgid = child.pid;
  liveGroups.add(pgid);
  const stdout = captureStream(child.stdout, options.maxOutputBytes);
  const stderr = captureStream(child.stderr, options.maxOutputBytes);
  // Write while the pipes are being read, or a hook that echoes its input deadlocks.
  // The write is never awaited past the hook's exit: a descendant holding stdin
  // without reading would block it for ever (see the CLI door's final exit).
  feedStdin(child.stdin, options.stdin);

  let stopped = false;
  let forceKill: { clear(): void } | undefined;
  const onStop = () => {
    stopped = true;
    signalGroup(pgid, "SIGTERM");
    const grace = delay(options.killGraceMs);
    grace.promise.then(() => {
      if (liveGroups.has(pgid)) signalGroup(pgid, "SIGKILL");
    });
    forceKill = grace;
  };
  options.signal.addEventListener("abort", onStop, { once: true });

  const status = await child.status;
  const exitedAt = performance.now();
  options.signal.removeEventListener("abort", onStop);
  if (stopped) {
    // The hook had its grace and is gone; whatever of its group is left is
    // killed now rather than when the grace runs out.
    forceKill?.clear();
    signalGroup(pgid, "SIGKILL");
  }
  liveGroups.delete(pgid);

  const output = await drain(
    [stdout, stderr],
    stopped ? DRAIN_AFTER_KILL_MS : DRAIN_AFTER_EXIT_MS,
  );
  const duration_ms = Math.round(exitedAt - start);
  const [out, err] = output.captured;
  const result: ProcessOutcome = {
    status: "ok",
    exit_code: status.signal ? null : status.code,
    signal: status.signal ?? null,
    duration_ms,
    stdout: out.text,
    stderr: err.text,
    stdout_bytes: out.bytes,
    stderr_bytes: err.bytes,
  };
  if (stopped) {
    result.status = isTimeout(options.signal) ? "timed_out" : "failed";
    result.error = isTimeout(options.signal)
      ? `killed at the stage deadline (${status.signal ?? `exit ${status.code}`})`
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

function feedStdin(stdin: WritableStream<Uint8Array>, bytes: Uint8Array): void {
  const writer = stdin.getWriter();
  (async () => {
    try {
      if (bytes.byteLength > 0) await writer.write(bytes);
      await writer.close();
    } catch {
      // BrokenPipe: the hook exited or closed stdin without reading it all. Not an error.
    }
  })();
}

/** Wait for both pipes to end, at most `ms`; then stop reading them. */
async function drain(
  captures: Capture[],
  ms: number,
): Promise<{ captured: Awaited<Capture["done"]>[]; cutShort: boolean }> {
  const all = Promise.all(captures.map((capture) => capture.done));
  const timer = delay(ms);
  const first = await Promise.race([
    all.then(() => "ended" as const),
    timer.promise.then(() => "late" as const),
  ]);
  timer.clear();
  if (first === "late") { for (const capture of captures) capture.cancel(); }
  return { captured: await all, cutShort: first === "late" };
}

/**
 * Explain why a file could not be started. Deno reports a missing shebang
 * interpreter as NotFound on the script's own path, which misleads; say which.
 *
 * @example
 * ```ts
 * import { explainSpawnError } from "./process.ts";
 * console.log(await explainSpawnError("/nope", new Deno.errors.NotFound("x")));
 * // file not found: /nope
 * ```
 */
export async function explainSpawnError(path: string, error: unknown): Promise<string> {
  const message = error instanceof Error ? error.message : String(error);
  let exists = false;
  try {
    await Deno.stat(path);
    exists = true;
  } catch {
    // stays false
  }
  if (!exists) return `file not found: ${path}`;
  const shebang = await readShebang(path);
  if (error instanceof Deno.errors.NotFound && shebang) {
    return await shebangProblem(shebang, "") ?? `cannot start: ${message}`;
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return shebang
      ? `permission denied: the file or its interpreter ${shebang.interpreter} is not executable (chmod +x)`
      : "permission denied: the file is not executable (chmod +x)";
  }
  return `cannot start: ${message}`;
}

/** Explain a non-zero exit whose cause is likely the `#!` line rather than the hook. */
async function explainExitCode(path: string, code: number, hookPath: string): Promise<string> {
  if (code === 127 || code === 126) {
    const shebang = await readShebang(path);
    const problem = shebang && await shebangProblem(shebang, hookPath);
    if (problem) return `exit ${code}: ${problem}`;
  }
  return `exit ${code}`;
}

/** A short helper program to run (such as `logger`), and how long it may take. */
export interface HelperOptions {
  /** Its arguments. */
  args?: string[];
  /** Bytes written to its stdin, then end-of-file; without them its stdin is `/dev/null`. */
  stdin?: Uint8Array;
  /** Its whole environment (`PATH` finds the program); nothing of the runner's is added. */
  env: Record<string, string>;
  /** It gets SIGKILL this many milliseconds after it started. */
  timeoutMs: number;
  /** Bytes kept of its stdout and of its stderr, each (default 4096). */
  maxOutputBytes?: number;
}

/** How a helper program ended. */
export interface HelperResult {
  /** True when it exited 0 within its time. */
  ok: boolean;
  /** Its exit code, or null when it could not start or was killed. */
  code: number | null;
  /** What it printed on stdout (the first `maxOutputBytes`). */
  stdout: string;
  /** What it printed on stderr (the first `maxOutputBytes`). */
  stderr: string;
  /** Why it is not ok, in words; absent when ok. */
  error?: string;
  /** From spawn to exit, in milliseconds. */
  durationMs: number;
}

/** How long a helper's pipes are read after it exited or was killed. */
const HELPER_DRAIN_MS = 100;

/**
 * Run a short helper program (not a hook) with these arguments and this stdin,
 * bounded in time, and say how it ended. Never throws: a helper that is missing,
 * fails or overruns is a result with `ok: false` and the reason in `error`.
 *
 * Unlike a hook it is not detached (a spawn costs about half as much) and gets
 * SIGKILL at its deadline: it is our own tool, with no process tree to tend.
 *
 * @example
 * ```ts
 * import { runHelper } from "./process.ts";
 * import assert from "node:assert/strict";
 * const env = { PATH: "/usr/bin:/bin" };
 * const result = await runHelper("cat", {
 *   stdin: new TextEncoder().encode("hi"),
 *   env,
 *   timeoutMs: 5000,
 * });
 * assert.equal(result.ok, true);
 * assert.equal(result.stdout, "hi");
 * const missing = await runHelper("/nonexistent/helper", { env, timeoutMs: 5000 });
 * assert.equal(missing.ok, false);
 * ```
 */
export async function runHelper(command: string, options: HelperOptions): Promise<HelperResult> {
  const start = performance.now();
  const elapsed = () => Math.round(performance.now() - start);
  const cap = options.maxOutputBytes ?? 4096;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(command, {
      args: options.args ?? [],
      env: options.env,
      clearEnv: true,
      stdin: options.stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "not found"
      : error instanceof Error
      ? error.message
      : String(error);
    return {
      ok: false,
      code: null,
      stdout: "",
      stderr: "",
      error: `cannot start ${command}: ${reason}`,
      durationMs: elapsed(),
    };
  }
  try {
    const stdout = captureStream(child.stdout, cap);
    const stderr = captureStream(child.stderr, cap);
    if (options.stdin) feedStdin(child.stdin, options.stdin);
    const deadline = delay(options.timeoutMs);
    const first = await Promise.race([
      child.status,
      deadline.promise.then(() => "late" as const),
    ]);
    deadline.clear();
    let status: Deno.CommandStatus | undefined;
    if (first === "late") {
      try {
        child.kill("SIGKILL");
      } catch {
        // it exited just now
      }
      // SIGKILL ends it at once; the bound is for a process stuck in the kernel.
      const reaped = delay(HELPER_DRAIN_MS);
      status = await Promise.race([child.status, reaped.promise.then(() => undefined)]);
      reaped.clear();
    } else {
      status = first;
    }
    const durationMs = elapsed();
    const output = await drain([stdout, stderr], HELPER_DRAIN_MS);
    const [out, err] = output.captured;
    const result: HelperResult = {
      ok: first !== "late" && status?.success === true,
      code: first === "late" || !status || status.signal ? null : status.code,
      stdout: out.text,
      stderr: err.text.trim(),
      durationMs,
    };
    if (first === "late") {
      result.error = `${command} took longer than ${options.timeoutMs} ms and was killed`;
    } else if (!result.ok) {
      const detail = result.stderr ? `: ${result.stderr.split("\n")[0]}` : "";
      result.error = status?.signal
        ? `${command} was killed by ${status.signal}${detail}`
        : `${command} exited ${status?.code}${detail}`;
    }
    return result;
  } catch (error) {
    return {
      ok: false,
      code: null,
      stdout: "",
      stderr: "",
      error: `${command}: ${error instanceof Error ? error.message : String(error)}`,
      durationMs: elapsed(),
    };
  }
}
