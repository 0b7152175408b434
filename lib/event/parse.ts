/**
 * Turning text into a valid event: JSON parsing that says where it broke, then
 * validation against the registry that names the key at fault.
 *
 * @module
 */
import { EventError } from "../errors.ts";
import { describeValue, formatSchemaIssue, quote } from "./schema_issues.ts";
import { lineColumn, MAX_NESTING, mayRepeatKeys, scanJson, tooDeepAt } from "./json_text.ts";
import { type HookEvent, type Registry, type Stage, STAGES } from "./registry.ts";
import { checkSchema } from "./schema.ts";

/**
 * Parse JSON text strictly: a syntax error, empty input or a repeated key is an
 * {@linkcode EventError} that says where. `what` names the text in the message.
 *
 * @example
 * ```ts
 * import { parseJson } from "./parse.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => parseJson('{"action": "server-start",}', "event"), {
 *   message: "event is not valid JSON: line 1, column 27: expected a property name in double quotes",
 * });
 * assert.deepEqual(parseJson('\uFEFF{"a": 1}'), { a: 1 });
 * ```
 */
export function parseJson(text: string, what = "event"): unknown {
  // A byte-order mark (editors on Windows add one) is no part of the JSON.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const deep = tooDeepAt(text);
  if (deep !== -1) {
    const { line, column } = lineColumn(text, deep);
    throw new EventError(
      `${what} nests deeper than ${MAX_NESTING} levels at line ${line}, column ${column}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    if (text.trim() === "") throw new EventError(`${what} is empty: expected a JSON object`);
    const { error } = scanJson(text);
    throw new EventError(`${what} is not valid JSON: ${error ?? "cannot be parsed"}`);
  }
  // The full scan that finds where a key repeats runs only when one may.
  const duplicate = mayRepeatKeys(text, value) ? scanJson(text).duplicate : undefined;
  if (duplicate) throw new EventError(`${what} is ambiguous: ${duplicate}`);
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * How an event is judged: `strict` refuses anything the registry does not say
 * (for authors: `test`, `sample`, `schema`, `check`, and `--strict` or
 * `strictEvents` at run time); `lenient` refuses only a broken envelope and
 * turns every other difference into a warning (run time: the platform's word
 * beats this project's reading of it, contract §1).
 */
export type EventMode = NonNullable<ValidateOptions["mode"]>;

/**
 * Options of {@linkcode checkEvent} and {@linkcode validateEvent}.
 *
 * @example
 * ```ts
 * import { type ValidateOptions, validateEvent } from "./parse.ts";
 * import { createRegistry } from "./registry.ts";
 * import assert from "node:assert/strict";
 * const aroundForm: ValidateOptions = { requireStage: false, stage: "post", what: "event 1" };
 * const { data } = createRegistry().sample("server-start");
 * assert.equal(validateEvent({ action: "server-start", data }, createRegistry(), aroundForm).stage, "post");
 * ```
 */
export interface ValidateOptions {
  /** When false, the event has only `action` and `data` (the `around --event` form). */
  requireStage?: boolean;
  /** The stage to give an event that has none (default `pre`). */
  stage?: Stage;
  /** How the message names the event, e.g. `event 2` (default `event`). */
  what?: string;
  /** `strict` (default) or `lenient` (see {@linkcode EventMode}). */
  mode?: "strict" | "lenient";
}

/** An event that passed, and what a lenient check let through. */
export interface CheckedEvent {
  /** The event: action, stage, and data as given (every key, known or not). */
  event: HookEvent;
  /** Each difference from the registry, naming the key; empty when there is none. */
  warnings: string[];
}

/**
 * The one check of an event against the registry. The envelope always
 * refuses, with an {@linkcode EventError} naming the key at fault: not an
 * object, `action` not a string, `stage` not `pre`/`post`, `data` not an
 * object. What the registry says beyond it (a known action, exactly its data
 * keys, each of its type, no other top-level key) refuses in `strict` mode
 * and is a warning in `lenient` mode, worded the same. An unknown action names
 * the nearest known one.
 *
 * @example
 * ```ts
 * import { createRegistry } from "./registry.ts";
 * import { checkEvent } from "./parse.ts";
 * import assert from "node:assert/strict";
 * const event = {
 *   action: "server-stop",
 *   stage: "pre",
 *   data: { uuid: "c7ee19aa-2722-4139-9223-60ed4baf09e2", virtualization_type: "kvm", new_field: "x" },
 * };
 * const checked = checkEvent(event, createRegistry(), { mode: "lenient" });
 * assert.deepEqual(checked.warnings, ["server-stop has unexpected key data.new_field"]);
 * assert.equal(checked.event.data.new_field, "x");
 * assert.throws(() => checkEvent(event, createRegistry()), /unexpected key data.new_field/);
 * assert.throws(() => checkEvent({ ...event, stage: "during" }, createRegistry(), { mode: "lenient" }), {
 *   message: 'event: "stage" must be "pre" or "post", not string "during"',
 * });
 * ```
 */
export function checkEvent(
  value: unknown,
  registry: Registry,
  options: ValidateOptions = {},
): CheckedEvent {
  const what = options.what ?? "event";
  const requireStage = options.requireStage ?? true;
  const strict = (options.mode ?? "strict") === "strict";
  const warnings: string[] = [];
  /** A difference from the registry: refused when strict, else a warning. */
  const differs = (words: string) => {
    if (strict) throw new EventError(`${what}${words.startsWith(" ") ? "" : ": "}${words}`);
    warnings.push(words.trimStart());
  };
  if (!isPlainObject(value)) {
    throw new EventError(`${what} must be a JSON object, not ${describeValue(value)}`);
  }
  const allowed = requireStage ? ["action", "stage", "data"] : ["action", "data"];
  const extra = Object.keys(value).filter((key) => !allowed.includes(key));
  // around runs both stages itself: a stage in its event is a mistake in the envelope.
  if (!requireStage && extra.includes("stage")) {
    throw new EventError(
      `${what} has unknown top-level key "stage": only "action", "data" are allowed (around runs both stages itself, so leave stage out)`,
    );
  }
  if (extra.length > 0) {
    differs(
      ` has unknown top-level key${extra.length > 1 ? "s" : ""} ${
        extra.slice(0, 5).map((k) => quote(k)).join(", ")
      }: only ${allowed.map((k) => `"${k}"`).join(", ")} are allowed`,
    );
  }
  const missing = allowed.filter((key) => !Object.hasOwn(value, key));
  if (missing.length > 0) {
    throw new EventError(`${what} is missing ${missing.map((k) => `"${k}"`).join(", ")}`);
  }
  const { action, data } = value;
  if (typeof action !== "string") {
    throw new EventError(`${what}: "action" must be a string, not ${describeValue(action)}`);
  }
  const spec = registry.get(action);
  if (!spec) {
    differs(
      `unknown action ${quote(action)} (did you mean ${
        registry.nearest(action)
      }?); \`solus-hooks actions\` lists them`,
    );
  }
  let stage: Stage = options.stage ?? "pre";
  if (requireStage) {
    if (!STAGES.includes(value.stage as Stage)) {
      throw new EventError(
        `${what}: "stage" must be "pre" or "post", not ${describeValue(value.stage)}`,
      );
    }
    stage = value.stage as Stage;
  }
  if (!isPlainObject(data)) {
    throw new EventError(`${what}: "data" must be an object, not ${describeValue(data)}`);
  }
  if (spec) {
    const problems = checkSchema(spec.schema, data).map((issue) =>
      formatSchemaIssue(issue, "data")
    );
    if (strict && problems.length > 0) {
      differs(
        `${action} ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? "; ..." : ""}`,
      );
    }
    for (const problem of problems) warnings.push(`${action} ${problem}`);
  }
  return { event: { action, stage, data: { ...data } }, warnings };
}

/**
 * Check a parsed value against the registry, strictly unless `options.mode`
 * says `lenient`, and return it as an event ({@linkcode checkEvent} without
 * its warnings).
 *
 * @example
 * ```ts
 * import { createRegistry } from "./registry.ts";
 * import { validateEvent } from "./parse.ts";
 * import assert from "node:assert/strict";
 * const event = validateEvent({
 *   action: "server-restart",
 *   stage: "pre",
 *   data: { uuid: "c7ee19aa-2722-4139-9223-60ed4baf09e2", virtualization_type: "kvm" },
 * }, createRegistry());
 * assert.equal(event.action, "server-restart");
 * ```
 */
export function validateEvent(
  value: unknown,
  registry: Registry,
  options: ValidateOptions = {},
): HookEvent {
  return checkEvent(value, registry, options).event;
}

/**
 * Parse and validate event text in one step.
 *
 * @example
 * ```ts
 * import { createRegistry } from "./registry.ts";
 * import { parseEvent } from "./parse.ts";
 * import assert from "node:assert/strict";
 * const event = parseEvent(
 *   '{"action":"server-stop","stage":"post","data":{"uuid":"c7ee19aa-2722-4139-9223-60ed4baf09e2","virtualization_type":"vz"}}',
 *   createRegistry(),
 * );
 * assert.equal(event.stage, "post");
 * ```
 */
export function parseEvent(
  text: string,
  registry: Registry,
  options: ValidateOptions = {},
): HookEvent {
  return validateEvent(parseJson(text, options.what ?? "event"), registry, options);
}
