/**
 * Turning text into a valid event: JSON parsing that says where it broke, then
 * validation against the registry that names the key at fault.
 *
 * @module
 */
import {
  createScanner,
  type ParseError,
  printParseErrorCode,
  type SyntaxKind,
  visit,
} from "jsonc-parser";
import { EventError } from "./errors.ts";
import { type HookEvent, type Registry, type Stage, STAGES } from "./registry.ts";
import { describeValue, formatIssue, quote } from "./issues.ts";

/** Words for jsonc-parser's error codes, so a person reads "a comma" rather than "CommaExpected". */
const PARSE_ERROR_WORDS: Record<string, string> = {
  InvalidNumberFormat: "a malformed number",
  PropertyNameExpected: "expected a property name in double quotes",
  ValueExpected: "expected a value",
  ColonExpected: "expected a colon",
  CommaExpected: "expected a comma",
  CloseBraceExpected: "expected a closing brace }",
  CloseBracketExpected: "expected a closing bracket ]",
  EndOfFileExpected: "unexpected text after the end of the JSON value",
  InvalidCommentToken: "comments are not allowed in an event",
  UnexpectedEndOfComment: "an unterminated comment",
  UnexpectedEndOfString: "an unterminated string",
  UnexpectedEndOfNumber: "a number cut short",
  InvalidUnicode: "an invalid \\u escape",
  InvalidEscapeCharacter: "an invalid escape character",
  InvalidCharacter: "a control character inside a string",
};

/** The 1-based line and column of a character offset in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Describe a jsonc-parser error as `line L, column C: words`. */
export function describeParseError(text: string, error: ParseError): string {
  const { line, column } = lineColumn(text, error.offset);
  const code = printParseErrorCode(error.error);
  const words = code === "InvalidSymbol" && error.offset < text.length
    ? `unexpected character ${JSON.stringify(text[error.offset])}`
    : PARSE_ERROR_WORDS[code] ?? code;
  return `line ${line}, column ${column}: ${words}`;
}

/** How deep objects and arrays may nest: events need 3 levels, configs 5. */
export const MAX_NESTING = 64;

/**
 * jsonc-parser's bracket tokens. Its `SyntaxKind` is a `const enum`, which
 * isolated modules cannot read, so the four values are named here.
 */
const OPEN_BRACE = 1 as SyntaxKind;
const CLOSE_BRACE = 2 as SyntaxKind;
const OPEN_BRACKET = 3 as SyntaxKind;
const CLOSE_BRACKET = 4 as SyntaxKind;
const EOF = 17 as SyntaxKind;

/**
 * The offset where `text` first nests deeper than `limit` objects and arrays, or
 * -1. The parsers recurse, and a document of 200,000 open brackets would
 * overflow their stack, so this counts brackets first with jsonc-parser's own
 * tokenizer, which does not recurse. Using the parser's tokenizer, not a scan of
 * our own, means both agree on what is inside a string even in broken text (a
 * string cut by a line break, say), so no bracket escapes the count.
 *
 * @example
 * ```ts
 * import { tooDeepAt } from "./event.ts";
 * console.log(tooDeepAt("[[[1]]]", 2)); // 2
 * console.log(tooDeepAt('{"a": "[[[["}', 2)); // -1
 * ```
 */
export function tooDeepAt(text: string, limit = MAX_NESTING): number {
  const scanner = createScanner(text, true);
  let depth = 0;
  for (let token = scanner.scan(); token !== EOF; token = scanner.scan()) {
    if (token === OPEN_BRACE || token === OPEN_BRACKET) {
      if (++depth > limit) return scanner.getTokenOffset();
    } else if (token === CLOSE_BRACE || token === CLOSE_BRACKET) {
      depth--;
    }
  }
  return -1;
}

/**
 * Find where strict JSON text first goes wrong, and the first key repeated inside
 * one object. JSON.parse takes the last of two equal keys silently; an event whose
 * meaning depends on that is refused instead.
 */
function scanJson(text: string): { error?: string; duplicate?: string } {
  const errors: string[] = [];
  const keys: Set<string>[] = [];
  let duplicate: string | undefined;
  visit(text, {
    onObjectBegin: () => void keys.push(new Set()),
    onObjectEnd: () => void keys.pop(),
    onObjectProperty: (property, offset) => {
      const seen = keys[keys.length - 1];
      if (seen?.has(property) && duplicate === undefined) {
        const { line, column } = lineColumn(text, offset);
        duplicate = `line ${line}, column ${column}: key ${
          quote(property)
        } appears twice in one object`;
      }
      seen?.add(property);
    },
    onError: (error, offset) => {
      if (errors.length === 0) {
        errors.push(describeParseError(text, { error, offset, length: 0 }));
      }
    },
  }, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  return { error: errors[0], duplicate };
}

/**
 * Parse JSON text strictly: a syntax error, empty input or a repeated key is an
 * {@linkcode EventError} that says where. `what` names the text in the message.
 *
 * @example
 * ```ts
 * import { parseJson } from "./event.ts";
 * try {
 *   parseJson('{"action": "server-start",}', "event");
 * } catch (error) {
 *   console.log((error as Error).message); // event is not valid JSON: line 1, column 27: expected a property name in double quotes
 * }
 * ```
 */
export function parseJson(text: string, what = "event"): unknown {
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
  const { duplicate } = scanJson(text);
  if (duplicate) throw new EventError(`${what} is ambiguous: ${duplicate}`);
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Options of {@linkcode validateEvent}. */
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
 * import { validateEvent } from "./event.ts";
 * const event = validateEvent({
 *   action: "server-restart",
 *   stage: "pre",
 *   data: { uuid: "c7ee19aa-2722-4139-9223-60ed4baf09e2", virtualization_type: "kvm" },
 * }, createRegistry());
 * console.log(event.action); // "server-restart"
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
  const result = spec.schema.safeParse(data);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => formatIssue(issue, data, "data"));
    throw new EventError(
      `${what}: ${action} ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? "; ..." : ""}`,
    );
  }
  return { action, stage, data: result.data };
}

/**
 * Parse and validate event text in one step.
 *
 * @example
 * ```ts
 * import { createRegistry } from "./registry.ts";
 * import { parseEvent } from "./event.ts";
 * const event = parseEvent(
 *   '{"action":"server-stop","stage":"post","data":{"uuid":"c7ee19aa-2722-4139-9223-60ed4baf09e2","virtualization_type":"vz"}}',
 *   createRegistry(),
 * );
 * console.log(event.stage); // "post"
 * ```
 */
export function parseEvent(
  text: string,
  registry: Registry,
  options: ValidateOptions = {},
): HookEvent {
  return validateEvent(parseJson(text, options.what ?? "event"), registry, options);
}
