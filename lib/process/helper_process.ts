/**
 * Running short helper programs of our own (`logger`, `stat` for a scoped
 * build): not hooks, so no process group to tend, but bounded in time and
 * never throwing.
 *
 * @module
 */
import { captureStream } from "./capture.ts";
import { delay, drain, feedStdin } from "./pipes.ts";

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
  /**
   * Answer after this many milliseconds even if it still runs: it goes on in
   * the background, still killed at `timeoutMs`, keeping no caller's process
   * alive (should that exit first, it runs on alone and is reaped by init),
   * and the result is `ok` with `background: true`.
   */
  backgroundAfterMs?: number;
}

/** How a helper program ended. */
export interface HelperResult {
  /** True when it exited 0 within its time. */
  ok: boolean;
  /** Its exit code, or null when it could not start or a signal ended it. */
  exit_code: number | null;
  /** The signal that ended it (SIGKILL when it overran), or null. */
  signal: Deno.Signal | null;
  /** What it printed on stdout (the first `maxOutputBytes`). */
  stdout: string;
  /** What it printed on stderr (the first `maxOutputBytes`). */
  stderr: string;
  /** Why it is not ok, in words; absent when ok. */
  error?: string;
  /** From spawn to exit, in milliseconds. */
  durationMs: number;
  /** It was still running at `backgroundAfterMs`, and was left to finish alone. */
  background?: true;
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
 * import { runHelper } from "./helper_process.ts";
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
      exit_code: null,
      signal: null,
      stdout: "",
      stderr: "",
      error: `cannot start ${command}: ${reason}`,
      durationMs: elapsed(),
    };
  }
  const deadline = delay(options.timeoutMs);
  const work = settle(child, command, options, cap, elapsed, deadline);
  if (options.backgroundAfterMs === undefined) return await work;
  const early = delay(options.backgroundAfterMs);
  const first = await Promise.race([work, early.promise.then(() => undefined)]);
  early.clear();
  if (first) return first;
  // Not awaited from here on: neither its exit, nor its pipes, nor the timer
  // that kills it hold the caller.
  child.unref();
  deadline.unref();
  return {
    ok: true,
    exit_code: null,
    signal: null,
    stdout: "",
    stderr: "",
    durationMs: elapsed(),
    background: true,
  };
}

/** Wait for a spawned helper to end (or kill it at its time), and say how it ended. */
async function settle(
  child: Deno.ChildProcess,
  command: string,
  options: HelperOptions,
  cap: number,
  elapsed: () => number,
  deadline: ReturnType<typeof delay>,
): Promise<HelperResult> {
  try {
    const stdout = captureStream(child.stdout, cap);
    const stderr = captureStream(child.stderr, cap);
    if (options.stdin) feedStdin(child.stdin, options.stdin);
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
      exit_code: first === "late" || !status || status.signal ? null : status.code,
      signal: first === "late" ? "SIGKILL" : status?.signal ?? null,
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
      exit_code: null,
      signal: null,
      stdout: "",
      stderr: "",
      error: `${command}: ${error instanceof Error ? error.message : String(error)}`,
      durationMs: elapsed(),
    };
  }
}
