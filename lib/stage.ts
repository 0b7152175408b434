/**
 * Running one stage of an event: find the hooks, start them in name order (all at
 * once, or at most `maxParallel`, or one at a time), stop them at one deadline for
 * the whole stage, and gather the report.
 *
 * @module
 */
import { DEFAULTS } from "./constants.ts";
import { discoverHooks, type Discovery } from "./discovery.ts";
import { buildHookEnvironment, hookEnvironment } from "./environment.ts";
import { validateEvent } from "./event.ts";
import { killRunProcesses, runHookProcess } from "./process.ts";
import { createRegistry, type HookEvent, type Registry } from "./registry.ts";
import { type HookResult, isSuccessful, type RunReport } from "./report.ts";

/** How to run a stage. Every field but `dir` has the contract's default. */
export interface StageOptions {
  /** The hooks directory. */
  dir: string;
  /** The stage deadline from its start, in milliseconds (default 60000). */
  timeoutMs?: number;
  /** Between SIGTERM and SIGKILL at the deadline, in milliseconds (default 2000). */
  killGraceMs?: number;
  /** `parallel` (default) or `serial` (one hook at a time). */
  mode?: "parallel" | "serial";
  /** At most this many hooks at once in parallel mode; 0 (default) for no cap. */
  maxParallel?: number;
  /** Bytes of stdout and of stderr kept per hook (default 1 MiB). */
  maxOutputBytes?: number;
  /** Run hooks that fail the ownership and permission rule (default false). */
  allowInsecure?: boolean;
  /** More environment variables to pass through, and variables to set. */
  env?: { passthrough?: readonly string[]; set?: Readonly<Record<string, string>> };
  /** Validates the event; defaults to the built-in registry. */
  registry?: Registry;
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
  /** A discovery made just before, to avoid listing the directory twice. */
  discovery?: Discovery;
  /** Told the names of the hooks running whenever that set changes. */
  onProgress?: (running: readonly string[]) => void;
}

/** The contract's defaults for a stage. */
export const STAGE_DEFAULTS = {
  timeoutMs: DEFAULTS.timeoutMs,
  killGraceMs: DEFAULTS.killGraceMs,
  maxOutputBytes: DEFAULTS.maxOutputBytes,
} as const;

let defaultRegistry: Registry | undefined;

/**
 * Run every hook in `options.dir` for one event stage and report what happened.
 * The event is validated first (an `EventError` if it does not match the registry).
 * One hook's failure never stops the others.
 *
 * @example
 * ```ts
 * import { runStage } from "./stage.ts";
 * const report = await runStage(
 *   {
 *     action: "server-restart",
 *     stage: "pre",
 *     data: { uuid: "c7ee19aa-2722-4139-9223-60ed4baf09e2", virtualization_type: "kvm" },
 *   },
 *   { dir: "/usr/local/solus/hooks", timeoutMs: 30_000 },
 * );
 * console.log(report.ok, report.hooks.map((hook) => `${hook.name}: ${hook.status}`));
 * ```
 */
export async function runStage(event: HookEvent, options: StageOptions): Promise<RunReport> {
  const registry = options.registry ?? (defaultRegistry ??= createRegistry());
  const checked = validateEvent(event, registry);
  const timeoutMs = options.timeoutMs ?? STAGE_DEFAULTS.timeoutMs;
  const startedAt = new Date();
  const start = performance.now();
  const deadline = startedAt.getTime() + timeoutMs;
  const runId = options.runId ?? crypto.randomUUID();
  const eventId = options.eventId ?? crypto.randomUUID();

  const discovery = options.discovery ??
    await discoverHooks(options.dir, { allowInsecure: options.allowInsecure ?? false });
  const env = buildHookEnvironment({
    event: checked,
    runId,
    eventId,
    deadline,
    passthrough: options.env?.passthrough,
    set: options.env?.set,
  });
  const stdin = new TextEncoder().encode(JSON.stringify(checked));

  const running = new Set<string>();
  const progress = () => options.onProgress?.([...running]);
  const runOne = async (name: string, path: string): Promise<HookResult> => {
    running.add(name);
    progress();
    const outcome = await runHookProcess({
      command: path,
      cwd: discovery.dir,
      env: hookEnvironment(env, name),
      stdin,
      deadline,
      signal: options.signal,
      killGraceMs: options.killGraceMs ?? STAGE_DEFAULTS.killGraceMs,
      maxOutputBytes: options.maxOutputBytes ?? STAGE_DEFAULTS.maxOutputBytes,
    });
    running.delete(name);
    progress();
    return { name, ...outcome };
  };

  const limit = options.mode === "serial" ? 1 : options.maxParallel || discovery.hooks.length;
  const hooks = await mapLimited(
    discovery.hooks,
    Math.max(1, limit),
    (hook) => runOne(hook.name, hook.path),
  );

  // Interrupted: every hook group is dead, but a descendant that left its group
  // with setsid is not, and no hook process may outlive an interrupted runner.
  if (options.signal?.aborted) await killRunProcesses(runId);

  return {
    run_id: runId,
    event_id: eventId,
    event: checked,
    dir: discovery.dir,
    started_at: startedAt.toISOString(),
    duration_ms: Math.round(performance.now() - start),
    ok: isSuccessful(hooks, discovery.skipped) && !options.signal?.aborted,
    interrupted: options.signal?.aborted ?? false,
    hooks,
    skipped: discovery.skipped,
    ...(options.replayOf ? { replay_of: options.replayOf } : {}),
  };
}

/** Map over `items` with at most `limit` calls in flight, starting them in order; results keep order. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
