/**
 * The foreground command of `around`: the command that is the event itself. It
 * runs in the runner's own process group with the terminal's stdin and stderr;
 * its stdout is the runner's, or is copied to the runner's stderr when the
 * runner's stdout must hold only a JSON report. The runner's SIGINT or SIGTERM
 * is passed on to it.
 *
 * @module
 */
import { DRAIN_AFTER_EXIT_MS } from "../config/constants.ts";
import type { Capture, Captured } from "./capture.ts";
import { drain } from "./pipes.ts";
import { explainSpawnError } from "./spawn_error.ts";

/** The exit status a shell gives a command it cannot find. */
const NOT_FOUND = 127;
/** The exit status a shell gives a command it found but cannot run. */
const NOT_RUNNABLE = 126;

/** How to run the foreground command. */
export interface ForegroundOptions {
  /**
   * Aborted when the runner is interrupted: the signal is then passed on to the
   * command. Which one: `forward()` if given, else the one the abort reason
   * names (`"SIGINT"`, or an error whose message says `SIGINT`, as the runner's
   * interrupt watch gives), else SIGTERM.
   */
  signal: AbortSignal;
  /** The signal to pass on, asked at the moment of the abort. */
  forward?: () => Deno.Signal | null | undefined;
  /** `inherit` (default): the runner's stdout; `stderr`: copied to the runner's stderr. */
  stdout?: "inherit" | "stderr";
}

/** How the foreground command ended. */
export interface ForegroundResult {
  /**
   * Its exit code (127 not found, 126 not runnable), or null when a signal
   * ended it: the meaning `exit_code` has in a hook's report.
   */
  exit_code: number | null;
  /** The signal that ended it, or null. */
  signal: Deno.Signal | null;
  /** Why it could not start, in words (`cannot run NAME: ...`); absent when it ran. */
  error?: string;
}

/** The signal an abort reason names, else SIGTERM. */
function signalOf(reason: unknown): Deno.Signal {
  const text = typeof reason === "string"
    ? reason
    : reason instanceof Error || reason instanceof DOMException
    ? reason.message
    : "";
  const named = /\bSIG(INT|TERM|HUP|QUIT|USR1|USR2)\b/.exec(text)?.[0];
  return (named as Deno.Signal | undefined) ?? "SIGTERM";
}

/**
 * Run `argv` in the foreground until it exits and return its status. Never
 * throws: a command that cannot start is 127 (not found) or 126 (found, not
 * runnable) with the reason in `error`.
 *
 * With `stdout: "stderr"` the copying stops at most `DRAIN_AFTER_EXIT_MS` after
 * the command exits, so a background process it left holding the pipe cannot
 * keep the runner waiting.
 *
 * @example
 * ```ts
 * import { runForeground } from "./foreground.ts";
 * import assert from "node:assert/strict";
 * const signal = new AbortController().signal;
 * assert.deepEqual(await runForeground(["sh", "-c", "exit 3"], { signal }), {
 *   exit_code: 3,
 *   signal: null,
 * });
 * const missing = await runForeground(["no-such-command-here"], { signal });
 * assert.equal(missing.exit_code, 127);
 * assert.equal(missing.error, "cannot run no-such-command-here: command not found");
 * ```
 */
export async function runForeground(
  argv: readonly string[],
  options: ForegroundOptions,
): Promise<ForegroundResult> {
  const [program, ...args] = argv;
  if (program === undefined) {
    return { exit_code: NOT_FOUND, signal: null, error: "no command given" };
  }
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args,
      stdin: "inherit",
      stdout: options.stdout === "stderr" ? "piped" : "inherit",
      stderr: "inherit",
    }).spawn();
  } catch (error) {
    return await cannotStart(program, error);
  }
  const copy = options.stdout === "stderr" ? copyToStderr(child.stdout) : undefined;
  const forward = () => {
    try {
      child.kill(options.forward?.() ?? signalOf(options.signal.reason));
    } catch {
      // it already exited
    }
  };
  options.signal.addEventListener("abort", forward, { once: true });
  if (options.signal.aborted) forward();
  try {
    const status = await child.status;
    if (copy) await drain([copy], DRAIN_AFTER_EXIT_MS);
    return { exit_code: status.signal ? null : status.code, signal: status.signal };
  } finally {
    options.signal.removeEventListener("abort", forward);
  }
}

async function cannotStart(program: string, error: unknown): Promise<ForegroundResult> {
  const named = program.includes("/");
  if (error instanceof Deno.errors.NotFound && !named) {
    return {
      exit_code: NOT_FOUND,
      signal: null,
      error: `cannot run ${program}: command not found`,
    };
  }
  if (error instanceof Deno.errors.PermissionDenied && !named) {
    return {
      exit_code: NOT_RUNNABLE,
      signal: null,
      error: `cannot run ${program}: permission denied`,
    };
  }
  const reason = named ? await explainSpawnError(program, error) : String(error);
  // NotFound with no better reason (a scoped build may not look at the file) is the file itself.
  const missing = reason.startsWith("file not found") ||
    (error instanceof Deno.errors.NotFound && reason.startsWith("cannot start"));
  return {
    exit_code: missing ? NOT_FOUND : NOT_RUNNABLE,
    signal: null,
    error: `cannot run ${program}: ${missing ? "no such file" : reason}`,
  };
}

/**
 * Copy a stream to the runner's stderr as it comes, as a capture that keeps
 * nothing: `drain` bounds the wait for its end after the command exits.
 */
function copyToStderr(stream: ReadableStream<Uint8Array>): Capture {
  const reader = stream.getReader();
  let writable = true;
  let bytes = 0;
  const done = (async (): Promise<Captured> => {
    try {
      while (true) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.byteLength;
        // A closed stderr stops the copy, not the reading: the command must not block.
        if (writable) {
          try {
            for (let at = 0; at < value.byteLength;) {
              at += await Deno.stderr.write(value.subarray(at));
            }
          } catch {
            writable = false;
          }
        }
      }
    } catch {
      // cancelled
    }
    return { data: new Uint8Array(0), text: "", bytes };
  })();
  return { done, cancel: () => void reader.cancel().catch(() => {}) };
}
