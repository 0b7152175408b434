/**
 * The one rule that turns an outcome into the process exit status of the
 * contract, for every command that runs hooks (`run`, `around`, `replay`,
 * `test`) and for harnesses that want the CLI's answer without the CLI.
 *
 * @module
 */
import { ExitCode } from "./errors.ts";

/** What happened, as far as the exit status cares. */
export interface Outcome {
  /** Whether every hook succeeded and none was refused. */
  ok: boolean;
  /** The runner's own signal, when it was interrupted. */
  interruptedBy?: "SIGINT" | "SIGTERM" | null;
  /** True when a pre hook vetoed the event (`around --veto`). */
  vetoed?: boolean;
  /** The exit status of the event's own command, when one ran (`around`). */
  commandExitCode?: number | null;
}

/**
 * The exit status of an outcome: 130/143 when interrupted, 3 when vetoed, the
 * command's own status when one ran, else 0 when ok and 1 when not.
 *
 * @example
 * ```ts
 * import { exitStatus } from "./exit_status.ts";
 * import assert from "node:assert/strict";
 * assert.equal(exitStatus({ ok: true }), 0);
 * assert.equal(exitStatus({ ok: false }), 1);
 * assert.equal(exitStatus({ ok: false, vetoed: true }), 3);
 * assert.equal(exitStatus({ ok: true, commandExitCode: 4 }), 4);
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
  return outcome.ok ? ExitCode.Ok : ExitCode.HookFailed;
}
