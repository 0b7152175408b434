/**
 * Errors that carry the process exit code they stand for, so the CLI door can
 * turn any of them into one clear line and the right status, never a stack trace.
 *
 * @module
 */

/**
 * Exit statuses of the contract, by meaning.
 *
 * @example
 * ```ts
 * import { EventError, ExitCode } from "./errors.ts";
 * import assert from "node:assert/strict";
 * assert.equal(new EventError("bad event").exitCode, ExitCode.Usage);
 * assert.equal(ExitCode.Vetoed, 3);
 * ```
 */
export const ExitCode = {
  /** All hooks succeeded, or there were none. */
  Ok: 0,
  /** A hook failed, timed out, could not start or was refused. */
  HookFailed: 1,
  /** Bad usage, bad event or bad config. */
  Usage: 2,
  /** A pre hook vetoed the event (`around --veto`). */
  Vetoed: 3,
  /** The runner got SIGINT. */
  Interrupted: 130,
  /** The runner got SIGTERM. */
  Terminated: 143,
} as const;

/**
 * Base class of every error solus-hooks reports to a user.
 *
 * @example
 * ```ts
 * import { SolusHooksError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const err = new SolusHooksError("journal is broken", 1);
 * assert.equal(err.exitCode, 1);
 * assert.equal(err.name, "SolusHooksError");
 * ```
 */
export class SolusHooksError extends Error {
  /** The exit status the CLI uses when this error ends a command. */
  readonly exitCode: number;

  /** Make an error with a message meant for a person and the status it stands for. */
  constructor(message: string, exitCode: number, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/**
 * Bad command-line usage: unknown flag, missing argument, bad value. Exit 2.
 *
 * @example
 * ```ts
 * import { UsageError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * assert.equal(new UsageError('--timeout: "-5" is not a positive number').exitCode, 2);
 * ```
 */
export class UsageError extends SolusHooksError {
  /** Make a usage error; its exit status is 2. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, ExitCode.Usage, options);
  }
}

/**
 * An event that is not valid JSON or does not match the registry. Exit 2.
 *
 * @example
 * ```ts
 * import { EventError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * assert.equal(new EventError('unknown action "server-restat" (did you mean server-restart?)').exitCode, 2);
 * ```
 */
export class EventError extends SolusHooksError {
  /** Make an event error; its exit status is 2. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, ExitCode.Usage, options);
  }
}

/**
 * A config file that cannot be read, is not valid JSONC, or has an unknown key or
 * a wrong type. The message carries `line L, column C` where it applies. Exit 2.
 *
 * @example
 * ```ts
 * import { ConfigError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const error = new ConfigError("config.jsonc: line 3, column 14: timeoutMs must be a positive integer");
 * assert.equal(error.exitCode, 2);
 * ```
 */
export class ConfigError extends SolusHooksError {
  /** Make a config error; its exit status is 2. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, ExitCode.Usage, options);
  }
}

/**
 * The runner's own SIGINT or SIGTERM: the abort reason of the runner's
 * interruption signal, and the error a wait it cut short ends with. Exit 130 or
 * 143.
 *
 * @example
 * ```ts
 * import { InterruptedError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * assert.equal(new InterruptedError("SIGTERM").exitCode, 143);
 * ```
 */
export class InterruptedError extends SolusHooksError {
  /** The signal the runner got. */
  readonly signal: "SIGINT" | "SIGTERM";
  /** Make the error for `signal`. */
  constructor(signal: "SIGINT" | "SIGTERM", options?: ErrorOptions) {
    super(
      `interrupted by ${signal}`,
      signal === "SIGINT" ? ExitCode.Interrupted : ExitCode.Terminated,
      options,
    );
    this.signal = signal;
  }
}

/**
 * A journal that cannot be read (missing, a directory, unreadable, outside the
 * build's permission scope) or written. Reading commands end with it: one line,
 * exit 2. A run that cannot write its record turns it into a warning instead.
 *
 * @example
 * ```ts
 * import { JournalError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const error = new JournalError("no journal at /var/log/solus-hooks/journal.jsonl");
 * assert.equal(error.exitCode, 2);
 * assert.equal(error.name, "JournalError");
 * ```
 */
export class JournalError extends SolusHooksError {
  /** Make a journal error; its exit status is 2. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, ExitCode.Usage, options);
  }
}

/**
 * True when `error` is Deno refusing what this build's permission scope leaves
 * out (`Deno.errors.NotCapable`), as opposed to the system refusing it: the one
 * test of a scoped build's refusal. `scopeError` (scope.ts) words it for a
 * person, with the command that builds a scope that fits.
 *
 * @example
 * ```ts
 * import { isScopeDenial } from "./errors.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isScopeDenial(new Deno.errors.NotCapable('Requires read access to "/x"')));
 * assert.ok(!isScopeDenial(new Deno.errors.PermissionDenied("x")));
 * ```
 */
export function isScopeDenial(error: unknown): error is Deno.errors.NotCapable {
  return error instanceof Deno.errors.NotCapable;
}

/**
 * Rethrow Deno's refusal as it is, so that no module wraps it in its own
 * message and the CLI can word it as this build's scope; anything else returns.
 *
 * @example
 * ```ts
 * import { passScopeDenial } from "./errors.ts";
 * import assert from "node:assert/strict";
 * passScopeDenial(new Deno.errors.NotFound("x")); // returns
 * assert.throws(() => passScopeDenial(new Deno.errors.NotCapable("x")), Deno.errors.NotCapable);
 * ```
 */
export function passScopeDenial(error: unknown): void {
  if (isScopeDenial(error)) throw error;
}
