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
export { runStage, STAGE_DEFAULTS, type StageOptions, type StageStart } from "./lib/stage.ts";
export {
  type EventAction,
  type EventOptions,
  type EventReport,
  runEvent,
} from "./lib/lifecycle.ts";
export { exitStatus, type Outcome } from "./lib/exit_status.ts";
export {
  type ForegroundOptions,
  type ForegroundResult,
  hookWrapper,
  runForeground,
} from "./lib/process.ts";
export { decodeOutput, type EncodedOutput, encodeOutput } from "./lib/capture.ts";
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
} from "./lib/registry.ts";
export { parseEvent, parseJson, validateEvent, type ValidateOptions } from "./lib/event.ts";
export {
  discoverHooks,
  type DiscoverOptions,
  type Discovery,
  type HookFile,
  judgeFile,
  selectFor,
  type Verdict,
} from "./lib/discovery.ts";
export {
  appliesTo,
  type DirectiveResult,
  type Directives,
  parseDirectives,
  type RulesSummary,
} from "./lib/directives.ts";
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
export {
  DEFAULT_SETTINGS,
  type HookRules,
  type Overrides,
  resolveSettings,
  type Settings,
  stageOptionsFrom,
} from "./lib/config.ts";
export {
  CONFIG_SCHEMA,
  type ConfigFile,
  parseConfigText,
  readConfigFile,
} from "./lib/config_file.ts";
export { DEFAULTS, type Defaults } from "./lib/constants.ts";
export {
  checkSchema,
  isValid,
  type JsonSchema,
  type JsonType,
  type SchemaIssue,
} from "./lib/schema.ts";
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
export {
  type Audit,
  auditHooksDir,
  type AuditOptions,
  type Finding,
  type Severity,
} from "./lib/audit.ts";
