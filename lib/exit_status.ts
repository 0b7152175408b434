/**
 * The one rule that turns an outcome into the process exit status of the
 * contract, for every command that runs hooks (`run`, `around`, `replay`,
 * `test`) and for harnesses that want the CLI's answer without the CLI.
 *
 * @module
 */
import { ExitCode } from "./errors.ts";

/**
 * What happened, as far as the exit status cares.
 *
 * @example
 * ```ts
 * import { exitStatus, type Outcome } from "./exit_status.ts";
 * import assert from "node:assert/strict";
 * const interrupted: Outcome = { ok: true, interruptedBy: "SIGINT" };
 * assert.equal(exitStatus(interrupted), 130);
 * ```
 */
export interface Outcome {
  /** Whether every hook succeeded and none was refused. */
  ok: boolean;
  /** The runner's own signal, when it was interrupted. */
  interruptedBy?: "SIGINT" | "SIGTERM" | null;
  /** True when a pre hook vetoed the event (`around --veto`). */
  vetoed?: boolean;
  /** The exit code of the event's own command, when one ran and exited (`around`). */
  commandExitCode?: number | null;
  /** The signal that ended the event's own command, when one did. */
  commandSignal?: Deno.Signal | null;
}

/** Linux's numbers of the signals that end a process, for the shell's 128 + N. */
const SIGNAL_NUMBERS: Readonly<Partial<Record<Deno.Signal, number>>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
};

/**
 * The exit status of an outcome: 130/143 when interrupted, 3 when vetoed, the
 * command's own status when one ran (128 + N when signal N ended it, as a
 * shell says), else 0 when ok and 1 when not.
 *
 * @example
 * ```ts
 * import { exitStatus } from "./exit_status.ts";
 * import assert from "node:assert/strict";
 * assert.equal(exitStatus({ ok: true }), 0);
 * assert.equal(exitStatus({ ok: false }), 1);
 * assert.equal(exitStatus({ ok: false, vetoed: true }), 3);
 * assert.equal(exitStatus({ ok: true, commandExitCode: 4 }), 4);
 * assert.equal(exitStatus({ ok: true, commandExitCode: null, commandSignal: "SIGKILL" }), 137);
 * assert.equal(exitStatus({ ok: false, interruptedBy: "SIGTERM" }), 143);
 * ```
 */
export function exitStatus(outcome: Outcome): number {
  if (outcome.interruptedBy === "SIGINT") return ExitCode.Interrupted;
  if (outcome.interruptedBy === "SIGTERM") return ExitCode.Terminated;
  if (outcome.vetoed) return ExitCode.Vetoed;
  if (outcome.commandExitCode !== undefined && outcome.commandExitCode !== null) {
    return outcome.commandExitCode;
  }
  if (outcome.commandSignal) return 128 + (SIGNAL_NUMBERS[outcome.commandSignal] ?? 0);
  return outcome.ok ? ExitCode.Ok : ExitCode.HookFailed;
}
