/**
 * What a journal line may hold, checked when it is read: a run's report (one per
 * stage, written when it ends; a refused run's too, with `refused` and
 * `refusal` saying why no hook ran) or a start record (written when its hooks start,
 * so a run whose runner died still shows up). A line that is JSON but neither is
 * skipped with a warning, never trusted: readers index `hooks`, call string
 * methods on `started_at`, and so on.
 *
 * The schemas check what readers use and let other keys through, so a newer
 * runner's records (a new status, a new key) still read.
 *
 * @module
 */
import { describeValue, formatPath } from "../event/schema_issues.ts";
import { checkSchema, type JsonSchema } from "../event/schema.ts";
import type { RunReport } from "../report.ts";
import type { StageStart } from "../stage.ts";

/**
 * The record appended when a stage's hooks are about to start. Its report,
 * appended when the stage ends, carries the same `run_id`; a start record
 * without one is a run whose runner died (or is still running).
 */
export interface StartRecord extends StageStart {
  /** Marks the line as a start record (reports have no `record` key). */
  record: "start";
  /** The runner's process id. */
  pid: number;
}

/** A line of the journal that passed its schema. */
export type JournalRecord = RunReport | StartRecord;

/** A timestamp as the runner writes them (ISO 8601, UTC). */
const TIMESTAMP: JsonSchema = {
  type: "string",
  pattern:
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$",
  "x-expected": "an ISO 8601 timestamp",
};
const STRING: JsonSchema = { type: "string" };
const NUMBER: JsonSchema = { type: "number" };
const RUN_ID: JsonSchema = { type: "string", minLength: 1, "x-expected": "a non-empty string" };

/** An object with these keys, all required but `optional`, other keys let through. */
function loose(properties: Record<string, JsonSchema>, optional: string[] = []): JsonSchema {
  return {
    type: "object",
    properties,
    required: Object.keys(properties).filter((key) => !optional.includes(key)),
  };
}

const EVENT = loose({ action: STRING, stage: STRING, data: { type: "object" } });

const HOOK = loose({
  name: STRING,
  status: STRING,
  exit_code: { type: ["number", "null"] },
  signal: { type: ["string", "null"] },
  duration_ms: NUMBER,
  stdout: STRING,
  stderr: STRING,
  stdout_encoding: { const: "base64" },
  stderr_encoding: { const: "base64" },
  stdout_bytes: NUMBER,
  stderr_bytes: NUMBER,
  error: STRING,
}, ["stdout_encoding", "stderr_encoding", "error"]);

const SKIPPED = loose({
  name: STRING,
  reason: STRING,
  kind: STRING,
  refused: { type: "boolean" },
}, ["kind", "refused"]);

/**
 * The JSON Schema of a run's report as the journal stores it: what readers
 * use is checked, other keys pass, so a newer runner's records still read. A
 * report whose start record was written leaves the event to it
 * (`"event_in": "start"`): the journal stores each event once.
 */
export const REPORT_SCHEMA: JsonSchema = loose({
  run_id: RUN_ID,
  event_id: STRING,
  event: EVENT,
  dir: STRING,
  started_at: TIMESTAMP,
  duration_ms: NUMBER,
  ok: { type: "boolean" },
  interrupted: { type: "boolean" },
  hooks: { type: "array", items: HOOK },
  skipped: { type: "array", items: SKIPPED },
  replay_of: STRING,
  refused: { type: ["string", "null"] },
  refusal: STRING,
  warnings: { type: "array", items: STRING },
  event_in: { const: "start" },
}, ["replay_of", "refused", "refusal", "warnings", "event", "event_in"]);

/** The JSON Schema of a start record. */
export const START_SCHEMA: JsonSchema = loose({
  record: { const: "start" },
  run_id: RUN_ID,
  event_id: STRING,
  event: EVENT,
  dir: STRING,
  started_at: TIMESTAMP,
  deadline_at: TIMESTAMP,
  kill_grace_ms: NUMBER,
  hooks: { type: "array", items: STRING },
  pid: NUMBER,
  replay_of: STRING,
  runner_start: STRING,
  containment: STRING,
}, ["replay_of", "runner_start", "containment"]);

/** A checked line, or why it is not a record. */
export type Checked =
  | { ok: true; record: JournalRecord }
  | { ok: false; problem: string };

/**
 * Check a parsed journal line: a run report, or a start record (`"record": "start"`).
 *
 * @example
 * ```ts
 * import { checkRecord } from "./records.ts";
 * import assert from "node:assert/strict";
 * const checked = checkRecord({ run_id: "abcdefgh-1234" });
 * assert.equal(checked.ok, false);
 * if (!checked.ok) assert.equal(checked.problem, "event_id is missing");
 * ```
 */
export function checkRecord(value: unknown): Checked {
  const isStart = typeof value === "object" && value !== null &&
    (value as { record?: unknown }).record === "start";
  const [issue] = checkSchema(isStart ? START_SCHEMA : REPORT_SCHEMA, value);
  if (issue === undefined) return { ok: true, record: value as JournalRecord };
  const where = formatPath(issue.path) || "the record";
  return {
    ok: false,
    problem: issue.kind === "missing"
      ? `${where} is missing`
      : `${where} must be ${issue.expected}, not ${describeValue(issue.value)}`,
  };
}

/**
 * Whether a record is a start record rather than a run's report.
 *
 * @example
 * ```ts
 * import { isStartRecord } from "./records.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isStartRecord({ record: "start" } as never), true);
 * ```
 */
export function isStartRecord(record: JournalRecord): record is StartRecord {
  return (record as Partial<StartRecord>).record === "start";
}
