/**
 * Running one stage of an event: find the hooks, start them in name order (all at
 * once, or at most `maxParallel`, or one at a time), stop them at one deadline for
 * the whole stage, and gather the report.
 *
 * @module
 */
import { DEFAULTS } from "./config/constants.ts";
import type { HookRules, Settings } from "./config/settings.ts";
import { formatTimeout } from "./hooks/directives.ts";
import { discoverHooks, type Discovery, type HookFile, selectFor } from "./hooks/discovery.ts";
import { buildHookEnvironment, hookEnvironment } from "./hooks/hook_env.ts";
import { checkEvent } from "./event/parse.ts";
import { memberTexts } from "./event/json_text.ts";
import { killRunProcesses } from "./process/process_scan.ts";
import { runHookProcess } from "./process/hook_process.ts";
import { type Containment, startWatchdog } from "./process/watchdog.ts";
import { EVENT_FILE_OVER, writeEventFile } from "./process/event_file.ts";
import { createRegistry, type HookEvent, type Registry } from "./event/registry.ts";
import { type HookResult, isSuccessful, type RunReport } from "./report.ts";

/**
 * How to run a stage. `hooksDir` is needed; the settings' keys a stage reads
 * (documented on `Settings`) default to `DEFAULTS`. `maxParallel: 1` runs the
 * hooks one at a time.
 *
 * @example
 * ```ts
 * import { runStage, type StageOptions } from "./stage.ts";
 * import { createRegistry } from "./event/registry.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * for (const name of ["10-a.sh", "20-b.sh"]) {
 *   await Deno.writeTextFile(`${dir}/${name}`, "#!/bin/sh\nsleep 0.2\n", { mode: 0o755 });
 * }
 * const serial: StageOptions = { hooksDir: dir, maxParallel: 1, timeoutMs: 10_000 };
 * const report = await runStage(createRegistry().sample("server-stop"), serial);
 * const [a, b] = report.hooks;
 * assert.ok(b.started_ms! >= a.started_ms! + a.duration_ms, "one at a time");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface StageOptions extends
  Pick<Settings, "hooksDir">,
  Partial<
    Pick<Settings, "timeoutMs" | "killGraceMs" | "maxParallel" | "maxOutputBytes" | "allowInsecure">
  > {
  /** The config's `hooks` key: per hook name, which events it is for and its own time limit. */
  hookRules?: Readonly<Record<string, HookRules>>;
  /** More environment variables to pass through, and variables to set. */
  env?: { passthrough?: readonly string[]; set?: Readonly<Record<string, string>> };
  /** Validates the event; defaults to the built-in registry. */
  registry?: Registry;
  /**
   * Refuse an event that differs from the registry (an unknown action or data
   * key, a missing key, a value of another type) with an `EventError`, instead
   * of running the hooks and listing each difference in the report's
   * `warnings` (default false: the platform's event is delivered as sent).
   */
  strictEvents?: boolean;
  /**
   * The event's text exactly as the platform sent it (without a byte-order
   * mark): what every hook reads on stdin, so an integer past 2^53, key order
   * and spacing reach it unchanged. It must be the text `event` was parsed
   * from. Default: `event` as compact JSON.
   */
  eventText?: string | Uint8Array;
  /**
   * Differences from the registry found in the event as sent that its parsed
   * form no longer shows (an unknown top-level key), put first in the
   * report's `warnings`.
   */
  warnings?: readonly string[];
  /** This run's id (default: a fresh UUID). */
  runId?: string;
  /** The platform event's id, shared by stages and actions (default: a fresh UUID). */
  eventId?: string;
  /** The run this one replays, recorded in the report. */
  replayOf?: string;
  /**
   * Aborting it interrupts the stage: every hook's group is killed, then every
   * process left that carries this run's id, and the report says so.
   */
  signal?: AbortSignal;
  /** Told the names of the hooks running whenever that set changes. */
  onProgress?: (running: readonly string[]) => void;
  /**
   * Told, as the hooks start, what a journal's start record needs. Not
   * awaited: its work runs alongside the spawns, not before them.
   */
  onStart?: (start: StageStart) => void;
}

/**
 * What is known of a stage when its hooks are about to start.
 *
 * @example
 * ```ts
 * import { runStage, type StageStart } from "./stage.ts";
 * import { createRegistry } from "./event/registry.ts";
 * import assert from "node:assert/strict";
 * const starts: StageStart[] = [];
 * const report = await runStage(createRegistry().sample("server-stop"), {
 *   hooksDir: "/nonexistent/hooks",
 *   onStart: (start) => starts.push(start),
 * });
 * assert.equal(starts[0].run_id, report.run_id);
 * assert.deepEqual(starts[0].hooks, []);
 * ```
 */
export interface StageStart {
  /** This run's id. */
  run_id: string;
  /** The platform event's id. */
  event_id: string;
  /** The validated event. */
  event: HookEvent;
  /** The hooks directory. */
  dir: string;
  /** When the stage started, ISO 8601 in UTC. */
  started_at: string;
  /** The stage deadline, ISO 8601 in UTC. */
  deadline_at: string;
  /** Between SIGTERM and SIGKILL at the deadline, in milliseconds. */
  kill_grace_ms: number;
  /** The hooks due to start, in name order. */
  hooks: string[];
  /** The run this one replays, when it is a replay. */
  replay_of?: string;
  /**
   * When the runner's process started (`/proc/PID/stat` field 22, clock ticks
   * since boot): with its pid, it tells a runner that died from a live one
   * whose pid was handed to another process. Absent where it could not be read.
   */
  runner_start?: string;
  /** What contains each hook's processes on this node. */
  containment?: Containment;
}

let defaultRegistry: Registry | undefined;

/**
 * Run every hook in `options.hooksDir` for one event stage and report what happened.
 * The event's envelope is checked first (an `EventError` if it is broken); a
 * difference from the registry is a warning in the report's `warnings`, or an
 * `EventError` with `strictEvents`.
 * One hook's failure never stops the others.
 *
 * @example
 * ```ts
 * import { runStage } from "./stage.ts";
 * import assert from "node:assert/strict";
 * const report = await runStage(
 *   {
 *     action: "server-restart",
 *     stage: "pre",
 *     data: { uuid: "c7ee19aa-2722-4139-9223-60ed4baf09e2", virtualization_type: "kvm" },
 *   },
 *   { hooksDir: "/nonexistent/hooks", timeoutMs: 30_000 },
 * );
 * assert.equal(report.ok, true); // a missing directory is zero hooks
 * assert.deepEqual(report.hooks, []);
 * ```
 */
export function runStage(event: HookEvent, options: StageOptions): Promise<RunReport> {
  return runStageFrom(event, options, listDirectory);
}

/**
 * Where a stage's hooks come from, once the event is valid: the hooks
 * directory's discovery (`runStage`), or one file's verdict (`runHook`).
 *
 * @example
 * ```ts
 * import { type HookSource, runStageFrom } from "./stage.ts";
 * import { createRegistry } from "./event/registry.ts";
 * import assert from "node:assert/strict";
 * const nothing: HookSource = (_registry, options) => ({
 *   dir: options.hooksDir,
 *   exists: true,
 *   hooks: [],
 *   skipped: [{ name: "x", reason: "an example", kind: "disabled", refused: false }],
 * });
 * const report = await runStageFrom(createRegistry().sample("server-stop"), { hooksDir: "/h" }, nothing);
 * assert.deepEqual(report.skipped.map((skip) => skip.name), ["x"]);
 * ```
 */
export type HookSource = (
  registry: Registry,
  options: StageOptions,
) => Discovery | Promise<Discovery>;

/** The hooks directory's discovery, by the options' rules and the registry's actions. */
function listDirectory(registry: Registry, options: StageOptions): Promise<Discovery> {
  return discoverHooks(options.hooksDir, {
    allowInsecure: options.allowInsecure ?? false,
    rules: options.hookRules,
    actions: registry.actions().map((spec) => spec.name),
  });
}

/**
 * {@linkcode runStage} with the hooks from `source` instead of a listing of
 * `options.hooksDir`: the one runner behind a stage and a single hook.
 *
 * @example
 * ```ts
 * import { runStageFrom } from "./stage.ts";
 * import { createRegistry } from "./event/registry.ts";
 * import assert from "node:assert/strict";
 * const report = await runStageFrom(
 *   createRegistry().sample("server-restart", "pre"),
 *   { hooksDir: "/nonexistent" },
 *   () => ({ dir: "/nonexistent", exists: false, hooks: [], skipped: [] }),
 * );
 * assert.deepEqual(report.hooks, []);
 * ```
 */
export async function runStageFrom(
  event: HookEvent,
  options: StageOptions,
  source: HookSource,
): Promise<RunReport> {
  const registry = options.registry ?? (defaultRegistry ??= createRegistry());
  const checkedEvent = checkEvent(event, registry, {
    mode: options.strictEvents ? "strict" : "lenient",
  });
  const checked = checkedEvent.event;
  const warnings = [...new Set([...options.warnings ?? [], ...checkedEvent.warnings])];
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const killGraceMs = options.killGraceMs ?? DEFAULTS.killGraceMs;
  const startedAt = new Date();
  const start = performance.now();
  // Deadlines are kept on the monotonic clock: a step of the wall clock moves
  // none. The wall-clock form is only told (to hooks and the journal).
  const deadline = start + timeoutMs;
  const wallDeadline = startedAt.getTime() + timeoutMs;
  const runId = options.runId ?? crypto.randomUUID();
  const eventId = options.eventId ?? crypto.randomUUID();

  // One watchdog for the stage: it keeps the deadline should the runner die,
  // and gives each hook a cgroup where the node allows. Started before the
  // hooks are found, so that its start-up overlaps theirs.
  const watchdog = startWatchdog({ runId, untilKillMs: deadline + killGraceMs - start });
  let discovery: Discovery;
  try {
    discovery = await source(registry, options);
  } catch (error) {
    await watchdog.close();
    throw error;
  }
  // A refused directory runs nothing; hooks not meant for this event are skipped.
  const selected = discovery.refused
    ? { hooks: [], skipped: [] }
    : selectFor(discovery, checked.action, checked.stage);
  const env = buildHookEnvironment({
    event: checked,
    dataText: numbersAsSent(checked, options.eventText),
    runId,
    eventId,
    deadline: wallDeadline,
    passthrough: options.env?.passthrough,
    set: options.env?.set,
  });
  const stdin = options.eventText instanceof Uint8Array
    ? options.eventText
    : new TextEncoder().encode(options.eventText ?? JSON.stringify(checked));

  // Its first answer (is there a cgroup?) comes before the first spawn, so
  // that hooks start inside.
  const setup = selected.hooks.length === 0
    ? await watchdog.close()
    : await watchdog.begin(selected.hooks.length);
  // A large event goes to hooks from a file: no write of the runner's can then
  // be left waiting on a pipe that a hook's background process holds.
  const stdinFile = setup && stdin.byteLength > EVENT_FILE_OVER
    ? await writeEventFile(stdin)
    : undefined;
  if (stdinFile) watchdog.removeAtEnd(stdinFile);

  const running = new Set<string>();
  const progress = () => options.onProgress?.([...running]);
  const runOne = async (
    { name, path, timeoutMs: own }: HookFile,
    index: number,
  ): Promise<HookResult> => {
    running.add(name);
    progress();
    const now = performance.now();
    const startedMs = Math.round(now - start); // where it sits on show's timeline
    // A hook's own time limit (its directive or the config) ends it earlier than
    // the stage's deadline: the earlier of the two, from its own start.
    const ownDeadline = own !== undefined && now + own < deadline ? now + own : undefined;
    const hookDeadline = ownDeadline ?? deadline;
    const outcome = await runHookProcess({
      command: path,
      cwd: discovery.dir,
      env: ownDeadline === undefined ? hookEnvironment(env, name) : {
        ...hookEnvironment(env, name),
        SOLUS_HOOK_DEADLINE: String(Math.round(Date.now() + ownDeadline - performance.now())),
      },
      guard: watchdog.hook(index + 1, name),
      cgroup: setup?.cgroups ? `${setup.cgroups}/${index + 1}` : undefined,
      stdinFile,
      stdin,
      deadline: hookDeadline,
      ...(ownDeadline === undefined
        ? {}
        : { deadlineLabel: `its own time limit (timeout=${formatTimeout(own!)})` }),
      signal: options.signal,
      killGraceMs,
      maxOutputBytes: options.maxOutputBytes ?? DEFAULTS.maxOutputBytes,
    });
    running.delete(name);
    progress();
    return { name, ...outcome, started_ms: startedMs };
  };

  const limit = (options.maxParallel ?? DEFAULTS.maxParallel) || selected.hooks.length;
  const settled = mapLimited(selected.hooks, Math.max(1, limit), runOne);
  // Told as the hooks start, and not awaited: what it does (a journal's start
  // record) runs alongside their spawns instead of before them.
  options.onStart?.({
    run_id: runId,
    event_id: eventId,
    event: checked,
    dir: discovery.dir,
    started_at: startedAt.toISOString(),
    deadline_at: new Date(wallDeadline).toISOString(),
    kill_grace_ms: killGraceMs,
    hooks: selected.hooks.map((hook) => hook.name),
    ...(options.replayOf ? { replay_of: options.replayOf } : {}),
    ...(setup?.runnerStart ? { runner_start: setup.runnerStart } : {}),
    ...(setup ? { containment: setup.containment } : {}),
  });
  let hooks: HookResult[];
  try {
    hooks = await settled;
    // Interrupted: every hook group is dead, but a descendant that left its
    // group with setsid is not, and no hook process may outlive an interrupted
    // runner; within what is left of the deadline + grace + 1 s.
    if (options.signal?.aborted) await killRunProcesses(runId, deadline + killGraceMs + 1000);
  } finally {
    await watchdog.close();
  }

  return {
    run_id: runId,
    event_id: eventId,
    event: checked,
    dir: discovery.dir,
    started_at: startedAt.toISOString(),
    duration_ms: Math.round(performance.now() - start),
    ok: isSuccessful(hooks, selected.skipped) && !options.signal?.aborted && !discovery.refused,
    interrupted: options.signal?.aborted ?? false,
    hooks,
    skipped: selected.skipped,
    ...(options.replayOf ? { replay_of: options.replayOf } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(discovery.refused ? { refused: discovery.refused, refusal: "directory" as const } : {}),
  };
}

/**
 * The text of each data value as sent, when the event's text is at hand and
 * its data holds a number (whose digits JSON.parse may have changed); else
 * undefined, and the environment is built from the parsed values alone.
 */
function numbersAsSent(
  event: HookEvent,
  text: string | Uint8Array | undefined,
): Map<string, string> | undefined {
  if (text === undefined || !Object.values(event.data).some((v) => typeof v === "number")) {
    return undefined;
  }
  const source = typeof text === "string" ? text : new TextDecoder().decode(text);
  const data = memberTexts(source).get("data");
  return data === undefined ? undefined : memberTexts(data);
}

/** Map over `items` with at most `limit` calls in flight, starting them in order; results keep order. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
