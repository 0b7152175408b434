/**
 * solus-hooks as a library: the same runner, registry and validation the CLI
 * uses, for test harnesses and hook authors.
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
export {
  type EventAction,
  type EventOptions,
  type EventReport,
  runEvent,
} from "./lib/event_runner.ts";
export { exitStatus, type Outcome } from "./lib/exit_status.ts";
export {
  type ForegroundOptions,
  type ForegroundResult,
  runForeground,
} from "./lib/process/foreground.ts";
export { hookWrapper } from "./lib/process/hook_process.ts";
export { decodeOutput, type EncodedOutput, encodeOutput } from "./lib/process/capture.ts";
export {
  type ActionData,
  type ActionDefinition,
  type ActionSpec,
  BUILTIN_ACTIONS,
  type BuiltinAction,
  createRegistry,
  type DataOf,
  FIELD_TYPES,
  type FieldKind,
  type FieldType,
  type FieldValue,
  type HookEvent,
  PLATFORM_EVENTS,
  Registry,
  type Stage,
  STAGES,
  type TypedEvent,
} from "./lib/event/registry.ts";
export { parseEvent, parseJson, validateEvent, type ValidateOptions } from "./lib/event/parse.ts";
export {
  discoverHooks,
  type DiscoverOptions,
  type Discovery,
  type HookFile,
  judgeFile,
  selectFor,
  type Verdict,
} from "./lib/hooks/discovery.ts";
export {
  appliesTo,
  type DirectiveResult,
  type Directives,
  parseDirectives,
  type RulesSummary,
} from "./lib/hooks/directives.ts";
export type { HookResult, HookStatus, RunReport, SkipKind, SkippedHook } from "./lib/report.ts";
export {
  ConfigError,
  EventError,
  ExitCode,
  InterruptedError,
  JournalError,
  SolusHooksError,
  UsageError,
} from "./lib/errors.ts";
export { type Overrides, resolveSettings, stageOptionsFrom } from "./lib/config/resolve.ts";
export { type HookRules, type Settings } from "./lib/config/settings.ts";
export {
  CONFIG_SCHEMA,
  type ConfigFile,
  parseConfigText,
  readConfigFile,
} from "./lib/config/file.ts";
export { DEFAULTS, type Defaults } from "./lib/config/constants.ts";
export {
  checkSchema,
  isValid,
  type JsonSchema,
  type JsonType,
  type SchemaIssue,
} from "./lib/event/schema.ts";
export {
  type AppendOptions,
  appendRecord,
  appendStart,
  type JournalOptions,
} from "./lib/journal/write.ts";
export {
  findRun,
  isUnfinished,
  type JournalEntry,
  readNewest,
  type ReadOptions,
  type UnfinishedRun,
} from "./lib/journal/read.ts";
export { type StartRecord } from "./lib/journal/records.ts";
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
export {
  type Audit,
  auditHooksDir,
  type AuditOptions,
  type Finding,
  type Severity,
} from "./lib/hooks/audit.ts";
