/**
 * What a journal line may hold, checked when it is read: a run's report (one per
 * stage, written when it ends) or a start record (written when its hooks start,
 * so a run whose runner died still shows up). A line that is JSON but neither is
 * skipped with a warning, never trusted: readers index `hooks`, call string
 * methods on `started_at`, and so on.
 *
 * The schemas check what readers use and let other keys through, so a newer
 * runner's records (a new status, a new key) still read.
 *
 * @module
 */
import * as v from "valibot";
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

/** A timestamp `Date.parse` can read (ISO 8601 as the runner writes them). */
const timestamp = () =>
  v.pipe(v.string(), v.check((text) => !Number.isNaN(Date.parse(text)), "is not a timestamp"));

const event = v.looseObject({
  action: v.string(),
  stage: v.string(),
  data: v.looseObject({}),
});

const hook = v.looseObject({
  name: v.string(),
  status: v.string(),
  exit_code: v.nullable(v.number()),
  signal: v.nullable(v.string()),
  duration_ms: v.number(),
  stdout: v.string(),
  stderr: v.string(),
  stdout_encoding: v.optional(v.literal("base64")),
  stderr_encoding: v.optional(v.literal("base64")),
  stdout_bytes: v.number(),
  stderr_bytes: v.number(),
  error: v.optional(v.string()),
});

const skipped = v.looseObject({
  name: v.string(),
  reason: v.string(),
  kind: v.optional(v.string()),
  refused: v.optional(v.boolean()),
});

const report = v.looseObject({
  run_id: v.pipe(v.string(), v.minLength(1)),
  event_id: v.string(),
  event,
  dir: v.string(),
  started_at: timestamp(),
  duration_ms: v.number(),
  ok: v.boolean(),
  interrupted: v.boolean(),
  hooks: v.array(hook),
  skipped: v.array(skipped),
  replay_of: v.optional(v.string()),
});

const start = v.looseObject({
  record: v.literal("start"),
  run_id: v.pipe(v.string(), v.minLength(1)),
  event_id: v.string(),
  event,
  dir: v.string(),
  started_at: timestamp(),
  deadline_at: timestamp(),
  kill_grace_ms: v.number(),
  hooks: v.array(v.string()),
  pid: v.number(),
  replay_of: v.optional(v.string()),
});

/** A checked line, or why it is not a record. */
export type Checked =
  | { ok: true; record: JournalRecord }
  | { ok: false; problem: string };

/** The first issue as a short phrase naming its key: `hooks is missing`. */
function describeIssue(issue: v.BaseIssue<unknown>): string {
  const where = v.getDotPath(issue) ?? "the record";
  if (issue.input === undefined && issue.kind === "schema") return `${where} is missing`;
  if (issue.kind === "validation") return `${where} ${issue.message}`;
  const expected = issue.expected ?? "valid";
  return `${where} must be ${ARTICLED[expected] ?? expected}, not ${issue.received}`;
}

/** valibot's names of expected types, as words in a sentence. */
const ARTICLED: Record<string, string> = {
  Array: "an array",
  Object: "an object",
  string: "a string",
  number: "a number",
  boolean: "a boolean",
};

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
  const result = isStart
    ? v.safeParse(start, value, { abortEarly: true })
    : v.safeParse(report, value, { abortEarly: true });
  if (result.success) return { ok: true, record: value as JournalRecord };
  return { ok: false, problem: describeIssue(result.issues[0]) };
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
