/**
 * Turning zod issues into sentences that name the key at fault, shared by event
 * and config validation.
 *
 * @module
 */
import type * as z from "zod/mini";
import { closest, distance } from "fastest-levenshtein";

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

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const part of path) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, part)) {
      return undefined;
    }
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

/**
 * A name or value quoted for a message, cut to `max` characters so a huge key
 * or string never floods the terminal.
 *
 * @example
 * ```ts
 * import { quote } from "./issues.ts";
 * console.log(quote("x".repeat(100), 10)); // "xxxxxxx..."
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
 * import { describeValue } from "./issues.ts";
 * console.log(describeValue(5)); // number 5
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return `string ${quote(value)}`;
  return `${typeof value} ${String(value).slice(0, 60)}`;
}

const FORMAT_WORDS: Record<string, string> = {
  uuid: "an RFC 4122 UUID",
  ipv4: "an IPv4 address",
  ipv6: "an IPv6 address",
  regex: "in the expected format",
};

/**
 * One zod issue as a sentence naming its key, e.g.
 * `data.virtualization_type must be one of "kvm", "vz", not string "xen"`.
 *
 * @example
 * ```ts
 * import * as z from "zod/mini";
 * import { formatIssue } from "./issues.ts";
 * const data = { uuid: 42 };
 * const result = z.strictObject({ uuid: z.string() }).safeParse(data);
 * if (!result.success) console.log(formatIssue(result.error.issues[0], data, "data"));
 * // data.uuid must be a string, not number 42
 * ```
 */
export function formatIssue(issue: z.core.$ZodIssue, root: unknown, prefix = ""): string {
  const path = prefix ? [prefix, ...issue.path] : [...issue.path];
  const where = formatPath(path) || "value";
  const got = describeValue(valueAt(root, issue.path));
  if (got === "nothing" && issue.path.length > 0 && issue.code !== "unrecognized_keys") {
    return `is missing ${where}`;
  }
  switch (issue.code) {
    case "unrecognized_keys": {
      const keys = issue.keys.map((key) => formatPath([...path, key]));
      return `has unexpected key${keys.length > 1 ? "s" : ""} ${keys.join(", ")}`;
    }
    case "invalid_type":
      return `${where} must be ${article(issue.expected)}, not ${got}`;
    case "invalid_value":
      return `${where} must be one of ${
        issue.values.map((v) => JSON.stringify(v)).join(", ")
      }, not ${got}`;
    case "invalid_format":
      if (issue.format === "regex" && "pattern" in issue) {
        return `${where} must match ${issue.pattern}, not ${got}`;
      }
      return `${where} must be ${FORMAT_WORDS[issue.format] ?? issue.format}, not ${got}`;
    case "invalid_union":
      return `${where} must be an IPv4 or IPv6 address, not ${got}`;
    case "too_small":
      return `${where} must be at least ${issue.minimum}, not ${got}`;
    case "too_big":
      return `${where} must be at most ${issue.maximum}, not ${got}`;
    default:
      return `${where} is invalid: ${issue.message}`;
  }
}

function article(expected: string): string {
  if (expected === "int") return "an integer";
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/**
 * A " (did you mean X?)" hint when one of `known` is close to `name`, else "".
 * Close means at most a third of the name's letters differ, so `__proto__` gets
 * no far-fetched suggestion.
 *
 * @example
 * ```ts
 * import { suggest } from "./issues.ts";
 * console.log(suggest("--evnt", ["--event", "--dir"])); // " (did you mean --event?)"
 * console.log(suggest("__proto__", ["timeoutMs"])); // ""
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
