/**
 * solus-hooks as a library: the same runner, registry and validation the CLI
 * uses, for test harnesses and hook authors.
 *
 * @example
 * ```ts
 * import { createRegistry, runStage } from "./mod.ts";
 * const registry = createRegistry();
 * const report = await runStage(registry.sample("server-restart", "pre"), {
 *   dir: "./examples/hooks",
 *   timeoutMs: 10_000,
 * });
 * console.log(report.ok);
 * ```
 *
 * @module
 */
export { runStage, STAGE_DEFAULTS, type StageOptions, type StageStart } from "./lib/stage.ts";
export {
  type ActionData,
  type ActionDefinition,
  type ActionSpec,
  BUILTIN_ACTIONS,
  type BuiltinAction,
  createRegistry,
  FIELD_TYPES,
  type FieldType,
  type HookEvent,
  PLATFORM_EVENTS,
  Registry,
  type Stage,
  STAGES,
  type TypedEvent,
} from "./lib/registry.ts";
export { parseEvent, parseJson, validateEvent, type ValidateOptions } from "./lib/event.ts";
export { discoverHooks, type Discovery, type HookFile } from "./lib/discovery.ts";
export type { HookResult, HookStatus, RunReport, SkippedHook } from "./lib/report.ts";
export {
  ConfigError,
  EventError,
  ExitCode,
  JournalError,
  SolusHooksError,
  UsageError,
} from "./lib/errors.ts";
export { DEFAULT_SETTINGS, resolveSettings, type Settings } from "./lib/config.ts";
export {
  type AppendOptions,
  appendRecord,
  appendStart,
  findRun,
  isUnfinished,
  type JournalEntry,
  type JournalOptions,
  readNewest,
  type ReadOptions,
  type StartRecord,
  type UnfinishedRun,
} from "./lib/journal.ts";
export {
  type ActionHandlers,
  handleEvent,
  type Handler,
  type Handlers,
  HookExit,
  pickHandler,
  readEvent,
  type ReadEventOptions,
} from "./lib/sdk.ts";
export { type Audit, auditHooksDir, type Finding, type Severity } from "./lib/audit.ts";
