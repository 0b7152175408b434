/**
 * One definition, two uses: the JSON Schemas solus-hooks prints (`solus-hooks
 * schema`) are the very objects it validates events and config files with. This
 * module checks a value against the subset of JSON Schema 2020-12 those schemas
 * use, so the schema a platform team feeds its own validator and the check the
 * runner makes cannot disagree (tests hold both against an independent
 * validator on a fuzz corpus).
 *
 * Why not a validator library: the ones that compile schemas (ajv) cost tens of
 * milliseconds at start-up, once per stage on a node, and the interpreting ones
 * report "does not match pattern" where an operator needs "data.mac_address
 * must be a MAC address such as 52:54:00:12:34:56". The subset is small:
 * `type`, `properties`, `required`, `additionalProperties`, `propertyNames`,
 * `items`, `enum`, `const`, `pattern`, `minLength`, `maxLength`, `minimum`,
 * `maximum`, `anyOf` and `not`. `x-expected` is an annotation (2020-12 ignores
 * unknown keywords) holding the words that follow "must be" in a message.
 *
 * @module
 */

/**
 * A JSON Schema in the subset solus-hooks writes and checks.
 *
 * @example
 * ```ts
 * import { isValid, type JsonSchema } from "./schema.ts";
 * import assert from "node:assert/strict";
 * const port: JsonSchema = { type: "integer", minimum: 1, maximum: 65535 };
 * assert.ok(isValid(port, 22));
 * assert.ok(!isValid(port, 0));
 * ```
 */
export interface JsonSchema {
  /** The JSON type, or several. */
  type?: JsonType | readonly JsonType[];
  /** Schemas of known object keys. */
  properties?: Record<string, JsonSchema>;
  /** Keys an object must have. */
  required?: readonly string[];
  /** `false` forbids other keys; a schema checks their values. */
  additionalProperties?: false | JsonSchema;
  /** A schema every key of an object must match. */
  propertyNames?: JsonSchema;
  /** The schema of every array item. */
  items?: JsonSchema;
  /** The allowed values. */
  enum?: readonly unknown[];
  /** The one allowed value. */
  const?: unknown;
  /** A regular expression (ECMA-262, `u` flag) a string must match. */
  pattern?: string;
  /** The fewest characters of a string. */
  minLength?: number;
  /** The most characters of a string. */
  maxLength?: number;
  /** The lowest number. */
  minimum?: number;
  /** The highest number. */
  maximum?: number;
  /** Schemas of which the value must match at least one. */
  anyOf?: readonly JsonSchema[];
  /** A schema the value must not match. */
  not?: JsonSchema;
  /** What the value is for. */
  description?: string;
  /** Words after "must be" in a message: `"an RFC 4122 UUID"`. */
  "x-expected"?: string;
  /** Any other annotation ($schema, title, oneOf of the printed event schema ...). */
  [annotation: string]: unknown;
}

/**
 * The JSON types.
 *
 * @example
 * ```ts
 * import { isValid, type JsonType } from "./schema.ts";
 * import assert from "node:assert/strict";
 * const either: JsonType[] = ["string", "null"];
 * assert.ok(isValid({ type: either }, null));
 * ```
 */
export type JsonType = "object" | "array" | "string" | "integer" | "number" | "boolean" | "null";

/** One place where a value breaks its schema. */
export interface SchemaIssue {
  /** Where, from the root: keys and array indexes. */
  path: (string | number)[];
  /**
   * `missing`: a required key is absent (the key is the last of `path`);
   * `unexpected`: a key the object does not allow (last of `path`);
   * `key`: a key whose name breaks `propertyNames` (last of `path`);
   * `value`: a value that breaks its schema.
   */
  kind: "missing" | "unexpected" | "key" | "value";
  /** The words after "must be", for `key` and `value`. */
  expected: string;
  /** The offending value (for `key`, the key itself). */
  value: unknown;
  /** The keys the object knows, for "did you mean" on `unexpected`. */
  known?: string[];
  /** The allowed values, for "did you mean" on an enum. */
  allowed?: readonly unknown[];
}

const patterns = new Map<string, RegExp>();

function regex(pattern: string): RegExp {
  let compiled = patterns.get(pattern);
  if (compiled === undefined) patterns.set(pattern, compiled = new RegExp(pattern, "u"));
  return compiled;
}

function typeOf(value: unknown): JsonType {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value as JsonType;
}

function hasType(value: unknown, type: JsonType): boolean {
  const actual = typeOf(value);
  return actual === type || (type === "number" && actual === "integer");
}

const ARTICLE_TYPES: Record<JsonType, string> = {
  object: "an object",
  array: "an array",
  string: "a string",
  integer: "an integer",
  number: "a number",
  boolean: "a boolean",
  null: "null",
};

/**
 * The words after "must be" for a schema: its `x-expected`, else derived from
 * its `const`, `enum` or `type`.
 *
 * @example
 * ```ts
 * import { expectedWords } from "./schema.ts";
 * import assert from "node:assert/strict";
 * assert.equal(expectedWords({ enum: ["kvm", "vz"] }), 'one of "kvm", "vz"');
 * assert.equal(expectedWords({ type: "integer" }), "an integer");
 * ```
 */
export function expectedWords(schema: JsonSchema): string {
  if (schema["x-expected"]) return schema["x-expected"];
  if ("const" in schema) return JSON.stringify(schema.const);
  if (schema.enum) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  const types = schema.type === undefined ? [] : [schema.type].flat();
  if (types.length > 0) return types.map((type) => ARTICLE_TYPES[type]).join(" or ");
  if (schema.anyOf) return schema.anyOf.map(expectedWords).join(" or ");
  return "valid";
}

function equal(a: unknown, b: unknown): boolean {
  return a === b ||
    (typeof a === "object" && a !== null && JSON.stringify(a) === JSON.stringify(b));
}

/** Whether `value` matches `schema`, without collecting issues. */
function matches(schema: JsonSchema, value: unknown): boolean {
  return walk(schema, value, [], null);
}

/**
 * Check `value` against `schema`, pushing each issue found onto `issues`, in
 * the order of the value's own keys (reading order for a parsed document).
 * Returns true when the value matches.
 */
function walk(
  schema: JsonSchema,
  value: unknown,
  path: (string | number)[],
  issues: SchemaIssue[] | null,
): boolean {
  const fail = (expected = expectedWords(schema), allowed?: readonly unknown[]) => {
    issues?.push({ path, kind: "value", expected, value, ...(allowed ? { allowed } : {}) });
    return false;
  };
  if (schema.type !== undefined && ![schema.type].flat().some((type) => hasType(value, type))) {
    return fail();
  }
  if ("const" in schema && !equal(value, schema.const)) return fail();
  if (schema.enum && !schema.enum.some((allowed) => equal(value, allowed))) {
    return fail(expectedWords(schema), schema.enum);
  }
  if (schema.anyOf && !schema.anyOf.some((branch) => matches(branch, value))) return fail();
  if (schema.not && matches(schema.not, value)) return fail();
  if (typeof value === "string") {
    const length = [...value].length;
    if (schema.minLength !== undefined && length < schema.minLength) return fail();
    if (schema.maxLength !== undefined && length > schema.maxLength) return fail();
    if (schema.pattern !== undefined && !regex(schema.pattern).test(value)) return fail();
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) {
      return fail(schema["x-expected"] ?? `at least ${schema.minimum}`);
    }
    if (schema.maximum !== undefined && value > schema.maximum) {
      return fail(`at most ${schema.maximum}`);
    }
  }
  if (Array.isArray(value) && schema.items) {
    let ok = true;
    for (let index = 0; index < value.length; index++) {
      if (walk(schema.items, value[index], [...path, index], issues)) continue;
      ok = false;
      if (issues === null) break;
    }
    return ok;
  }
  if (typeOf(value) === "object") {
    return walkObject(schema, value as Record<string, unknown>, path, issues);
  }
  return true;
}

function walkObject(
  schema: JsonSchema,
  object: Record<string, unknown>,
  path: (string | number)[],
  issues: SchemaIssue[] | null,
): boolean {
  let ok = true;
  const properties = schema.properties ?? {};
  for (const [key, value] of Object.entries(object)) {
    const keyPath = [...path, key];
    if (schema.propertyNames && !matches(schema.propertyNames, key)) {
      ok = false;
      issues?.push({
        path: keyPath,
        kind: "key",
        expected: expectedWords(schema.propertyNames),
        value: key,
      });
      if (issues === null) return false;
      continue;
    }
    const own = Object.hasOwn(properties, key) ? properties[key] : undefined;
    const valueSchema = own ?? schema.additionalProperties;
    if (valueSchema === false) {
      ok = false;
      issues?.push({
        path: keyPath,
        kind: "unexpected",
        expected: "",
        value,
        known: Object.keys(properties),
      });
      if (issues === null) return false;
      continue;
    }
    if (valueSchema !== undefined && !walk(valueSchema, value, keyPath, issues)) {
      ok = false;
      if (issues === null) return false;
    }
  }
  for (const key of schema.required ?? []) {
    if (!Object.hasOwn(object, key)) {
      ok = false;
      issues?.push({ path: [...path, key], kind: "missing", expected: "", value: undefined });
      if (issues === null) return false;
    }
  }
  return ok;
}

/**
 * Every place where `value` breaks `schema`, in reading order; empty when it
 * matches.
 *
 * @example
 * ```ts
 * import { checkSchema, type JsonSchema } from "./schema.ts";
 * import assert from "node:assert/strict";
 * const schema: JsonSchema = {
 *   type: "object",
 *   properties: { uuid: { type: "string", pattern: "^[0-9a-f-]{36}$", "x-expected": "a UUID" } },
 *   required: ["uuid"],
 *   additionalProperties: false,
 * };
 * assert.deepEqual(checkSchema(schema, { uuid: "c7ee19aa-2722-4139-9223-60ed4baf09e2" }), []);
 * const [issue] = checkSchema(schema, { uuid: "x" });
 * assert.equal(issue.expected, "a UUID");
 * assert.deepEqual(issue.path, ["uuid"]);
 * ```
 */
export function checkSchema(schema: JsonSchema, value: unknown): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  walk(schema, value, [], issues);
  return issues;
}

/**
 * Whether `value` matches `schema`; stops at the first problem.
 *
 * @example
 * ```ts
 * import { isValid } from "./schema.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isValid({ type: "integer", minimum: 1 }, 0), false);
 * assert.equal(isValid({ type: "integer", minimum: 1 }, 5), true);
 * ```
 */
export function isValid(schema: JsonSchema, value: unknown): boolean {
  return matches(schema, value);
}
