/**
 * A whole platform event as a library call: the `pre` stage of each action in
 * order, then the command that is the event, then the `post` stage of each
 * action only if the command exited 0 (the seed: a failed event runs only the
 * pre hooks). With `veto`, a failed or timed-out pre hook stops the command and
 * the post stage. `solus-hooks around` is this function plus flags and output.
 *
 * @module
 */
import { exitStatus } from "./exit_status.ts";
import { InterruptedError } from "./errors.ts";
import { type ForegroundResult, runForeground } from "./process/foreground.ts";
import type { HookEvent, Stage } from "./event/registry.ts";
import type { RunReport } from "./report.ts";
import { runStage, type StageOptions } from "./stage.ts";

/**
 * One action of a platform event: its name and data, without a stage.
 *
 * @example
 * ```ts
 * import type { EventAction } from "./event_runner.ts";
 * import { createRegistry } from "./event/registry.ts";
 * import assert from "node:assert/strict";
 * const registry = createRegistry();
 * const actions: EventAction[] = registry.platformEvent("server-create")
 *   .map((action) => ({ action, data: registry.sample(action).data }));
 * assert.deepEqual(actions.map((a) => a.action), ["server-create", "server-network-create"]);
 * ```
 */
export interface EventAction {
  /** The action's name, known to the registry. */
  action: string;
  /** Its data. */
  data: Record<string, unknown>;
}

/**
 * How to run a whole event: a stage's options, the command and what to do around it.
 *
 * @example
 * ```ts
 * import { type EventOptions, runEvent } from "./event_runner.ts";
 * import { createRegistry } from "./event/registry.ts";
 * import assert from "node:assert/strict";
 * const seen: string[] = [];
 * const options: EventOptions = {
 *   hooksDir: "/nonexistent/hooks",
 *   command: ["false"],
 *   runStage: (event, stage) => {
 *     seen.push(event.stage);
 *     return import("./stage.ts").then(({ runStage }) => runStage(event, stage));
 *   },
 * };
 * const { data } = createRegistry().sample("server-start");
 * const report = await runEvent([{ action: "server-start", data }], options);
 * assert.deepEqual(seen, ["pre"]); // the command failed: no post stage
 * assert.equal(report.exit_code, 1);
 * ```
 */
export interface EventOptions extends Omit<StageOptions, "runId" | "eventId" | "replayOf"> {
  /** The command that is the event (`virsh reboot vm1`): its words. */
  command: readonly string[];
  /** A failed or timed-out pre hook stops the command and the post stage (default false). */
  veto?: boolean;
  /** The platform event's id, shared by every stage (default: a fresh UUID). */
  eventId?: string;
  /** Where the command's stdout goes: inherited (default) or the runner's stderr. */
  commandStdout?: "inherit" | "stderr";
  /**
   * The function that runs one stage; defaults to {@linkcode runStage}. The CLI
   * passes its own, which adds the live status line, the journal and the
   * report on stderr.
   */
  runStage?: (event: HookEvent, options: StageOptions) => Promise<RunReport>;
}

/**
 * What a whole event did: `around --json` prints it.
 *
 * @example
 * ```ts
 * import { type EventReport, runEvent } from "./event_runner.ts";
 * import { createRegistry } from "./event/registry.ts";
 * import assert from "node:assert/strict";
 * const { data } = createRegistry().sample("server-start");
 * const report: EventReport = await runEvent([{ action: "server-start", data }], {
 *   hooksDir: "/nonexistent/hooks",
 *   command: ["sh", "-c", "exit 4"],
 * });
 * assert.equal(report.command_exit_code, 4);
 * assert.equal(report.command_signal, null);
 * assert.equal(report.exit_code, 4);
 * ```
 */
export interface EventReport {
  /** Shared by every stage and action of the event. */
  event_id: string;
  /** The command's words. */
  command: string[];
  /** Its exit code, or null when it did not run or a signal ended it (as a hook's `exit_code`). */
  command_exit_code: number | null;
  /** The signal that ended it, or null. */
  command_signal: string | null;
  /** Why the command could not start, when it could not. */
  command_error?: string;
  /** True when `veto` stopped the command. */
  vetoed: boolean;
  /** True when the runner was interrupted. */
  interrupted: boolean;
  /** Each stage run, in order. */
  stages: RunReport[];
  /** The exit status `around` gives: the command's, 3 when vetoed, 130/143 when interrupted. */
  exit_code: number;
}

/** The signal an interruption stands for, from an abort signal's reason. */
function interruptedBy(signal: AbortSignal | undefined): "SIGINT" | "SIGTERM" | null {
  if (!signal?.aborted) return null;
  return signal.reason instanceof InterruptedError ? signal.reason.signal : "SIGTERM";
}

/**
 * Run a whole event: pre hooks, the command, post hooks if it exited 0. Every
 * stage shares one `SOLUS_HOOK_EVENT_ID`. Interrupting through
 * `options.signal` stops the current stage (its hooks are killed), passes the
 * signal on to the command while it runs, and runs nothing after.
 *
 * @example
 * ```ts
 * import { runEvent } from "./event_runner.ts";
 * import assert from "node:assert/strict";
 * const report = await runEvent(
 *   [{
 *     action: "server-restart",
 *     data: { uuid: "c7ee19aa-2722-4139-9223-60ed4baf09e2", virtualization_type: "kvm" },
 *   }],
 *   { hooksDir: "/nonexistent/hooks", command: ["true"] },
 * );
 * assert.equal(report.exit_code, 0);
 * assert.deepEqual(report.stages.map((stage) => stage.event.stage), ["pre", "post"]);
 * ```
 */
export async function runEvent(
  actions: readonly EventAction[],
  options: EventOptions,
): Promise<EventReport> {
  const { command, veto, commandStdout, runStage: runOne = runStage, ...stageOptions } = options;
  if (command.length === 0) throw new RangeError("runEvent needs a command");
  const eventId = options.eventId ?? crypto.randomUUID();
  const report: EventReport = {
    event_id: eventId,
    command: [...command],
    command_exit_code: null,
    command_signal: null,
    vetoed: false,
    interrupted: false,
    stages: [],
    exit_code: 0,
  };
  const finish = (outcome: ForegroundResult | null) => {
    const by = interruptedBy(options.signal);
    report.interrupted = by !== null;
    report.exit_code = exitStatus({
      ok: report.stages.every((stage) => stage.ok),
      interruptedBy: by,
      vetoed: report.vetoed,
      commandExitCode: outcome?.exit_code ?? null,
      commandSignal: outcome?.signal ?? null,
    });
    return report;
  };
  /** Run one stage for every action in order; false when interrupted. */
  const runAll = async (stage: Stage) => {
    for (const action of actions) {
      const result = await runOne({ ...action, stage }, { ...stageOptions, eventId });
      report.stages.push(result);
      if (result.interrupted || options.signal?.aborted) return false;
    }
    return true;
  };

  if (!await runAll("pre")) return finish(null);
  if (veto && report.stages.some((stage) => !stage.ok)) {
    report.vetoed = true;
    return finish(null);
  }
  const outcome = await runForeground(command, {
    signal: options.signal ?? new AbortController().signal,
    forward: () => interruptedBy(options.signal),
    stdout: commandStdout ?? "inherit",
  });
  report.command_exit_code = outcome.exit_code;
  report.command_signal = outcome.signal;
  if (outcome.error) report.command_error = outcome.error;
  if (outcome.exit_code === 0 && !options.signal?.aborted) await runAll("post");
  return finish(outcome);
}
