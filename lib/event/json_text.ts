/**
 * Reading JSON and JSONC text so that every problem has a place: line and
 * column of an offset, words for the parser's error codes, a nesting check that
 * cannot overflow the stack, and keys repeated inside one object. Shared by
 * events (strict JSON) and the config file (JSONC).
 *
 * @module
 */
import {
  createScanner,
  type Node,
  type ParseError,
  parseTree,
  printParseErrorCode,
  type SyntaxKind,
  visit,
} from "jsonc-parser";
import { quote } from "./schema_issues.ts";

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

/**
 * The 1-based line and column of a character offset in `text`.
 *
 * @example
 * ```ts
 * import { lineColumn } from "./json_text.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(lineColumn('{\n  "a": 1\n}', 4), { line: 2, column: 3 });
 * ```
 */
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

/**
 * Describe a jsonc-parser error as `line L, column C: words`.
 *
 * @example
 * ```ts
 * import { parseTree, type ParseError } from "jsonc-parser";
 * import { describeParseError } from "./json_text.ts";
 * import assert from "node:assert/strict";
 * const errors: ParseError[] = [];
 * parseTree('{"a": }', errors);
 * assert.equal(describeParseError('{"a": }', errors[0]), "line 1, column 7: expected a value");
 * ```
 */
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
 * import { tooDeepAt } from "./json_text.ts";
 * import assert from "node:assert/strict";
 * assert.equal(tooDeepAt("[[[1]]]", 2), 2);
 * assert.equal(tooDeepAt('{"a": "[[[["}', 2), -1);
 * ```
 */
export function tooDeepAt(text: string, limit = MAX_NESTING): number {
  // Depth never exceeds the number of opening brackets: a text with few of them
  // (every event and config in practice) needs no tokenizer, which costs about
  // a millisecond of every stage's start-up the first time it runs.
  let openers = 0;
  for (let i = 0; i < text.length && openers <= limit; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x7b || code === 0x5b) openers++; // { [
  }
  if (openers <= limit) return -1;
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
 *
 * @example
 * ```ts
 * import { scanJson } from "./json_text.ts";
 * import assert from "node:assert/strict";
 * assert.equal(scanJson('{"a": 1, "a": 2}').duplicate, 'line 1, column 10: key "a" appears twice in one object');
 * assert.equal(scanJson('{"a": 1}').error, undefined);
 * ```
 */
export function scanJson(text: string): { error?: string; duplicate?: string } {
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

/** Every object key in a parsed JSON value, counted through nested objects and arrays. */
function countKeys(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + countKeys(item), 0);
  if (typeof value !== "object" || value === null) return 0;
  let count = 0;
  for (const key in value) count += 1 + countKeys((value as Record<string, unknown>)[key]);
  return count;
}

/**
 * Whether valid JSON `text`, parsed into `value`, may repeat a key inside one
 * object: JSON.parse keeps only the last of two equal keys, so a repeat shows
 * as fewer keys in the value than key-like spots in the text (a string
 * followed by a colon). Every key is one such spot; an escaped quote and colon
 * inside a string can make more, which only sends the text to the full scan.
 *
 * @example
 * ```ts
 * import { mayRepeatKeys } from "./json_text.ts";
 * import assert from "node:assert/strict";
 * const once = '{"a": {"b": 1}, "c": 2}';
 * assert.equal(mayRepeatKeys(once, JSON.parse(once)), false);
 * const twice = '{"a": 1, "a": 2}';
 * assert.equal(mayRepeatKeys(twice, JSON.parse(twice)), true);
 * ```
 */
export function mayRepeatKeys(text: string, value: unknown): boolean {
  const spots = text.match(/"[ \t\n\r]*:/g)?.length ?? 0;
  return spots !== countKeys(value);
}

/**
 * The first key repeated inside one object of a jsonc-parser tree, in reading
 * order, or undefined.
 *
 * @example
 * ```ts
 * import { parseTree } from "jsonc-parser";
 * import { findDuplicateKey } from "./json_text.ts";
 * import assert from "node:assert/strict";
 * const key = findDuplicateKey(parseTree('{"a": {"b": 1, "b": 2}}')!);
 * assert.equal(key?.value, "b");
 * ```
 */
export function findDuplicateKey(node: Node): Node | undefined {
  let first: Node | undefined;
  const consider = (found: Node | undefined) => {
    if (found && (first === undefined || found.offset < first.offset)) first = found;
  };
  if (node.type === "object") {
    const seen = new Set<unknown>();
    for (const property of node.children ?? []) {
      const key = property.children?.[0];
      if (key && seen.has(key.value)) {
        consider(key);
        break;
      }
      seen.add(key?.value);
    }
  }
  for (const child of node.children ?? []) consider(findDuplicateKey(child));
  return first;
}

/**
 * The text of each top-level member's value of a JSON object, exactly as
 * written (spacing, key order and digits kept), by key; empty when the text is
 * not one object. What `around` builds each stage's event from, so an integer
 * past 2^53 in its data reaches hooks unchanged.
 *
 * @example
 * ```ts
 * import { memberTexts } from "./json_text.ts";
 * import assert from "node:assert/strict";
 * const members = memberTexts('{"action": "server-stop", "data": {"id": 9007199254740993 }}');
 * assert.equal(members.get("data"), '{"id": 9007199254740993 }');
 * assert.equal(members.get("action"), '"server-stop"');
 * ```
 */
export function memberTexts(text: string): Map<string, string> {
  const members = new Map<string, string>();
  const root = parseTree(text, [], { disallowComments: true, allowTrailingComma: false });
  if (root?.type !== "object") return members;
  for (const property of root.children ?? []) {
    const [key, value] = property.children ?? [];
    if (key && value) {
      members.set(String(key.value), text.slice(value.offset, value.offset + value.length));
    }
  }
  return members;
}
