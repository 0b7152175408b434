/**
 * solus-hooks as a library: the same runner, registry, validation and settings
 * the CLI uses, for test harnesses and platform agents: run a stage
 * ({@linkcode runStage}), a whole event ({@linkcode runEvent}) or one hook file
 * ({@linkcode runHook}), parse and validate events, and turn an outcome into the
 * CLI's exit status. Hooks written in TypeScript import the SDK from its own
 * entry, `@solus/hooks/sdk`, which loads the registry but not the runner.
 *
 * @example
 * ```ts
 * import { createRegistry, runStage } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/10-hello.sh`, "#!/bin/sh\necho hello $SOLUS_HOOK_ACTION\n", { mode: 0o755 });
 * const report = await runStage(createRegistry().sample("server-restart", "pre"), {
 *   hooksDir: dir,
 *   timeoutMs: 10_000,
 * });
 * assert.equal(report.ok, true);
 * assert.equal(report.hooks[0].stdout, "hello server-restart\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export { runStage, type StageOptions, type StageStart } from "./lib/stage.ts";
export type { Containment } from "./lib/process/watchdog.ts";
export { type HookOptions, runHook } from "./lib/hook_runner.ts";
export {
  type EventAction,
  type EventOptions,
  type EventReport,
  runEvent,
} from "./lib/event_runner.ts";
export { exitStatus, type Outcome } from "./lib/exit_status.ts";
export {
  type ActionDefinition,
  type ActionSpec,
  createRegistry,
  type HookEvent,
  Registry,
  type Stage,
} from "./lib/event/registry.ts";
export type { FieldType } from "./lib/event/field_types.ts";
export type { JsonSchema, JsonType } from "./lib/event/schema.ts";
export { parseEvent, validateEvent, type ValidateOptions } from "./lib/event/parse.ts";
export type { HookResult, HookStatus, RunReport, SkipKind, SkippedHook } from "./lib/report.ts";
export {
  ConfigError,
  EventError,
  ExitCode,
  InterruptedError,
  SolusHooksError,
  UsageError,
} from "./lib/errors.ts";
export { type Overrides, resolveSettings, stageOptionsFrom } from "./lib/config/resolve.ts";
export type { HookRules, Settings } from "./lib/config/settings.ts";
