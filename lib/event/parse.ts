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
 * Options of {@linkcode validateEvent}.
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
}

/**
 * Check a parsed value against the registry and return it as an event. Every
 * problem is an {@linkcode EventError} naming the key at fault; an unknown action
 * names the nearest known one.
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
  const what = options.what ?? "event";
  const requireStage = options.requireStage ?? true;
  if (!isPlainObject(value)) {
    throw new EventError(`${what} must be a JSON object, not ${describeValue(value)}`);
  }
  const allowed = requireStage ? ["action", "stage", "data"] : ["action", "data"];
  const extra = Object.keys(value).filter((key) => !allowed.includes(key));
  if (extra.length > 0) {
    const hint = !requireStage && extra.includes("stage")
      ? " (around runs both stages itself, so leave stage out)"
      : "";
    throw new EventError(
      `${what} has unknown top-level key${extra.length > 1 ? "s" : ""} ${
        extra.slice(0, 5).map((k) => quote(k)).join(", ")
      }: only ${allowed.map((k) => `"${k}"`).join(", ")} are allowed${hint}`,
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
    throw new EventError(
      `${what}: unknown action ${quote(action)} (did you mean ${
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
  const issues = checkSchema(spec.schema, data);
  if (issues.length > 0) {
    const problems = issues.map((issue) => formatSchemaIssue(issue, "data"));
    throw new EventError(
      `${what}: ${action} ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? "; ..." : ""}`,
    );
  }
  return { action, stage, data: { ...data } };
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
