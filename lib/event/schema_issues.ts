/**
 * Turning schema issues into sentences that name the key at fault, shared by
 * event and config validation.
 *
 * @module
 */
import { closest, distance } from "fastest-levenshtein";
import type { SchemaIssue } from "./schema.ts";

/** Render a path such as `["data", "ip_addresses", 1]` as `data.ip_addresses[1]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") {
      out += `[${part}]`;
    } else if (/^[A-Za-z_][\w-]{0,59}$/.test(String(part))) {
      out += out === "" ? String(part) : `.${String(part)}`;
    } else {
      out += `[${quote(String(part))}]`; // odd, long or control characters: quoted and cut
    }
  }
  return out;
}

/**
 * A name or value quoted for a message, cut to `max` characters so a huge key
 * or string never floods the terminal.
 *
 * @example
 * ```ts
 * import { quote } from "./schema_issues.ts";
 * import assert from "node:assert/strict";
 * assert.equal(quote("x".repeat(100), 10), '"xxxxx..."');
 * assert.equal(quote("short"), '"short"');
 * ```
 */
export function quote(text: string, max = 60): string {
  const json = JSON.stringify(text);
  return json.length > max ? `${json.slice(0, max - 4)}..."` : json;
}

/**
 * Describe a value briefly for a message, without dumping a huge string.
 *
 * @example
 * ```ts
 * import { describeValue } from "./schema_issues.ts";
 * import assert from "node:assert/strict";
 * assert.equal(describeValue(5), "number 5");
 * assert.equal(describeValue([]), "an array");
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "boolean") return String(value);
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return `string ${quote(value)}`;
  return `${typeof value} ${String(value).slice(0, 60)}`;
}

/**
 * One schema issue as a sentence naming its key: `is missing data.uuid`,
 * `has unexpected key data.hostname`, or
 * `data.virtualization_type must be one of "kvm", "vz", not string "xen"`.
 * `prefix` is put in front of the issue's path (`"data"` for an event's data).
 *
 * @example
 * ```ts
 * import { checkSchema, type JsonSchema } from "./schema.ts";
 * import { formatSchemaIssue } from "./schema_issues.ts";
 * import assert from "node:assert/strict";
 * const schema: JsonSchema = { type: "object", properties: { uuid: { type: "string" } } };
 * const [issue] = checkSchema(schema, { uuid: 42 });
 * assert.equal(formatSchemaIssue(issue, "data"), "data.uuid must be a string, not number 42");
 * ```
 */
export function formatSchemaIssue(issue: SchemaIssue, prefix = ""): string {
  const path = prefix ? [prefix, ...issue.path] : [...issue.path];
  const where = formatPath(path) || "the value";
  switch (issue.kind) {
    case "missing":
      return `is missing ${where}`;
    case "unexpected":
      return `has unexpected key ${where}`;
    case "key":
      return `${formatPath(path.slice(0, -1)) || "the object"}: key ${
        quote(String(issue.value))
      } must be ${issue.expected}`;
    default: {
      const hint = issue.allowed && typeof issue.value === "string"
        ? suggest(issue.value, issue.allowed.map(String))
        : "";
      return `${where} must be ${issue.expected}, not ${describeValue(issue.value)}${hint}`;
    }
  }
}

/**
 * A " (did you mean X?)" hint when one of `known` is close to `name`, else "".
 * Close means at most a third of the name's letters differ, so `__proto__` gets
 * no far-fetched suggestion.
 *
 * @example
 * ```ts
 * import { suggest } from "./schema_issues.ts";
 * import assert from "node:assert/strict";
 * assert.equal(suggest("--evnt", ["--event", "--dir"]), " (did you mean --event?)");
 * assert.equal(suggest("__proto__", ["timeoutMs"]), "");
 * ```
 */
export function suggest(name: string, known: readonly string[]): string {
  // Edit distance costs length times length: a megabyte-long key gets no hint.
  if (known.length === 0 || name.length > 64) return "";
  const best = closest(name, [...known]);
  return distance(name, best) <= Math.max(2, Math.ceil(name.length / 3))
    ? ` (did you mean ${best}?)`
    : "";
}
