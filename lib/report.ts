/**
 * The shape of a run's report: what `--json` prints and the journal stores.
 *
 * @module
 */
import type { HookEvent } from "./event/registry.ts";

/**
 * How one hook ended.
 *
 * @example
 * ```ts
 * import type { HookStatus } from "./report.ts";
 * import assert from "node:assert/strict";
 * const failures: HookStatus[] = ["failed", "timed_out", "spawn_error"];
 * assert.ok(!failures.includes("ok"));
 * ```
 */
export type HookStatus = "ok" | "failed" | "timed_out" | "spawn_error";

/**
 * What became of one hook in one stage.
 *
 * @example
 * ```ts
 * import type { HookResult } from "./report.ts";
 * import { runStage } from "./stage.ts";
 * import { createRegistry } from "./event/registry.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/10-kill.sh`, "#!/bin/sh\nkill -KILL $$\n", { mode: 0o755 });
 * const report = await runStage(createRegistry().sample("server-stop"), { hooksDir: dir });
 * const [result]: HookResult[] = report.hooks;
 * assert.deepEqual([result.status, result.exit_code, result.signal], ["failed", null, "SIGKILL"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface HookResult {
  /** The file name inside the hooks directory. */
  name: string;
  /** How it ended. */
  status: HookStatus;
  /** Its exit code, or null if it was killed by a signal or never started. */
  exit_code: number | null;
  /** The signal that ended it (e.g. `SIGKILL`), or null. */
  signal: string | null;
  /** From spawn to exit (or to giving up on it), in milliseconds. */
  duration_ms: number;
  /**
   * From the stage's start to this hook's spawn, in milliseconds: with
   * `duration_ms`, where the hook sits on the stage's timeline (`show`). Absent
   * in records written before it was added.
   */
  started_ms?: number;
  /**
   * The first `maxOutputBytes` of its stdout: the text itself when those bytes
   * are valid UTF-8 (a character cut by the cap is dropped), else their base64,
   * and then `stdout_encoding` is `"base64"`.
   */
  stdout: string;
  /** Like `stdout`, for stderr. */
  stderr: string;
  /** `"base64"` when `stdout` holds base64 of bytes that are not UTF-8; absent for text. */
  stdout_encoding?: "base64";
  /** `"base64"` when `stderr` holds base64 of bytes that are not UTF-8; absent for text. */
  stderr_encoding?: "base64";
  /** How many bytes it wrote to stdout in all, kept or not. */
  stdout_bytes: number;
  /** How many bytes it wrote to stderr in all, kept or not. */
  stderr_bytes: number;
  /** Why it failed to start, or other notes from the runner (absent when there is nothing to say). */
  error?: string;
}

/**
 * The classes of files that are not run, for programs to filter on: `hidden`
 * (name starts with a dot), `leftover` (editor or package-manager leftover),
 * `disabled` (a name ending in `.disabled`, or `enabled: false` in the
 * config), `directory`, `not_regular`, `broken_link`, `not_executable`,
 * `self` (the entry or the solus-hooks command: the runner never runs itself),
 * `insecure` (the safety rule: refused), `bad_directive` (an unknown key or a
 * bad value in its directive line or config entry: refused), `cannot_start` (a
 * `#!` line that cannot start: refused by `check`, `--dry-run` and `test`; a run
 * tries it and reports `spawn_error` in the same words), and `not_for` (its
 * directives say it is not for this action or stage: no failure, and hidden
 * from the human report unless `--verbose`).
 *
 * @example
 * ```ts
 * import type { SkipKind } from "./report.ts";
 * import assert from "node:assert/strict";
 * const refusedKinds: SkipKind[] = ["insecure", "bad_directive"];
 * assert.ok(!refusedKinds.includes("not_for"));
 * ```
 */
export type SkipKind =
  | "hidden"
  | "leftover"
  | "disabled"
  | "directory"
  | "not_regular"
  | "broken_link"
  | "not_executable"
  | "self"
  | "insecure"
  | "bad_directive"
  | "cannot_start"
  | "not_for";

/**
 * A file in the hooks directory that was not run, and why.
 *
 * @example
 * ```ts
 * import type { SkippedHook } from "./report.ts";
 * import { runStage } from "./stage.ts";
 * import { createRegistry } from "./event/registry.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/10-a.sh.disabled`, "#!/bin/sh\n", { mode: 0o755 });
 * const report = await runStage(createRegistry().sample("server-stop"), { hooksDir: dir });
 * const [skip]: SkippedHook[] = report.skipped;
 * assert.deepEqual([skip.name, skip.kind, skip.refused], ["10-a.sh.disabled", "disabled", false]);
 * assert.equal(report.ok, true); // a plain skip is no failure
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface SkippedHook {
  /** The file name inside the hooks directory. */
  name: string;
  /** Why it was not run, in words. */
  reason: string;
  /** Why it was not run, for programs. */
  kind: SkipKind;
  /**
   * True when the file was refused (the safety rule, or a bad directive): a
   * refusal makes the run fail (exit 1), a plain skip does not.
   */
  refused: boolean;
  /** The command that fixes it, when there is one (e.g. `chmod go-w /usr/local/solus/hooks/10-a`). */
  fix?: string;
}

/**
 * Why a run was refused before any hook ran, for programs and the
 * `solus_hooks_refused_total{reason}` counter: `event` (the event was refused:
 * a broken envelope, too large, not complete in time, or a difference from the
 * registry under `strictEvents`), `config` (the config file could not be
 * read), `directory` (the hooks directory failed the safety rule), `recursion`
 * (a run started from inside a hook of another run).
 */
export type RefusalReason = NonNullable<RunReport["refusal"]>;

/**
 * The record of one stage run.
 *
 * @example
 * ```ts
 * import type { RunReport } from "./report.ts";
 * import { runStage } from "./stage.ts";
 * import { createRegistry } from "./event/registry.ts";
 * import assert from "node:assert/strict";
 * const event = createRegistry().sample("server-stop");
 * const report: RunReport = await runStage(event, { hooksDir: "/nonexistent/hooks" });
 * assert.deepEqual(report.event, event);
 * assert.equal(report.ok, true);
 * assert.equal(report.interrupted, false);
 * ```
 */
export interface RunReport {
  /** A fresh id for this run. */
  run_id: string;
  /** The id shared by every stage and action of one platform event. */
  event_id: string;
  /** The event the hooks got. */
  event: HookEvent;
  /** The hooks directory. */
  dir: string;
  /** When the stage started, ISO 8601 in UTC. */
  started_at: string;
  /** From start to the last hook settled, in milliseconds. */
  duration_ms: number;
  /** True when every hook succeeded and none was refused. */
  ok: boolean;
  /** True when the runner was stopped by SIGINT or SIGTERM. */
  interrupted: boolean;
  /** Every hook that was started or due to start, in name order. */
  hooks: HookResult[];
  /** Files that were not run, in name order. */
  skipped: SkippedHook[];
  /** The run this one replays, when it is a replay. */
  replay_of?: string;
  /**
   * Why no hook ran at all: the hooks directory or a parent failed the safety
   * rule, or the run itself was refused (see `refusal`). Absent (or null) when
   * nothing was refused.
   */
  refused?: string | null;
  /** Why no hook ran, in one word, when `refused` says so in words (see {@linkcode RefusalReason}). */
  refusal?: "event" | "config" | "directory" | "recursion";
  /**
   * How the event differs from the registry (an unknown action or data key,
   * a missing key, a value of another type), each naming the key: the hooks
   * ran with the event as sent. Absent when there is none.
   */
  warnings?: string[];
}

/**
 * Whether a stage succeeded: every hook ok and nothing refused by the safety rule.
 *
 * @example
 * ```ts
 * import { isSuccessful } from "./report.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isSuccessful([], []), true); // no hooks is not an error
 * ```
 */
export function isSuccessful(
  hooks: readonly HookResult[],
  skipped: readonly SkippedHook[],
): boolean {
  return hooks.every((hook) => hook.status === "ok") && skipped.every((skip) => !skip.refused);
}

/**
 * Whether a file was skipped by a per-hook directive (the hook is not for this
 * action or stage): not a failure, and not shown in the human report unless
 * `--verbose`. The one test for it, so every view agrees.
 *
 * @example
 * ```ts
 * import { isDirectiveSkip, type SkippedHook } from "./report.ts";
 * import assert from "node:assert/strict";
 * const skip = { name: "20-fw", reason: "not for server-stop pre", kind: "not_for", refused: false };
 * assert.equal(isDirectiveSkip(skip as unknown as SkippedHook), true);
 * assert.equal(isDirectiveSkip({ ...skip, kind: "hidden" } as SkippedHook), false);
 * ```
 */
export function isDirectiveSkip(skip: SkippedHook): boolean {
  return skip.kind === "not_for";
}
