/**
 * The types an action's data fields may have. Each is one JSON Schema: the
 * printed schema and the runtime check are the same object (see schema.ts), so
 * `::ffff:10.0.0.1` is valid to both or to neither.
 *
 * @module
 */
import type { JsonSchema } from "./schema.ts";

/** What a value of one field type looks like. */
export interface FieldKind<T> {
  /** The JSON Schema of the field: what `schema` prints and what validation checks. */
  readonly schema: JsonSchema;
  /** A plausible value, fresh where it should be unique. */
  sample(): T;
  /** A few words on the type, for `actions`. */
  readonly description: string;
}

/** 0-255 without leading zeros, the way `inet_pton` reads a dotted quad. */
const OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const IPV4 = `${OCTET}(?:\\.${OCTET}){3}`;
const H16 = "[0-9A-Fa-f]{1,4}";
const LS32 = `(?:${H16}:${H16}|${IPV4})`;

/** The IPv6 textual forms of RFC 4291 section 2.2 (RFC 3986's IPv6address), embedded IPv4 included. */
function ipv6Pattern(): string {
  const groups = (n: number) => n === 0 ? "" : `(?:${H16}:){${n}}`;
  // Up to `n` groups before "::", the last without its colon.
  const head = (n: number) => n < 0 ? "" : n === 0 ? H16 : `(?:(?:${H16}:){0,${n}}${H16})`;
  const forms = [
    `${groups(6)}${LS32}`,
    `::${groups(5)}${LS32}`,
    `${head(0)}?::${groups(4)}${LS32}`,
    `${head(1)}?::${groups(3)}${LS32}`,
    `${head(2)}?::${groups(2)}${LS32}`,
    `${head(3)}?::${H16}:${LS32}`,
    `${head(4)}?::${LS32}`,
    `${head(5)}?::${H16}`,
    `${head(6)}?::`,
  ];
  return `(?:${forms.join("|")})`;
}

/** Regular expressions (anchored) of the string field types, shared with tests. */
export const PATTERNS = Object.freeze({
  uuid:
    "^(?:[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[1-8][0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}" +
    "|00000000-0000-0000-0000-000000000000|[Ff]{8}-[Ff]{4}-[Ff]{4}-[Ff]{4}-[Ff]{12})$",
  ip: `^(?:${IPV4}|${ipv6Pattern()})$`,
  hostname:
    "^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$",
  mac: "^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$",
});

function randomMac(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(3));
  return ["52", "54", "00", ...Array.from(bytes, (b) => b.toString(16).padStart(2, "0"))].join(":");
}

const IP_ADDRESS: JsonSchema = {
  type: "string",
  pattern: PATTERNS.ip,
  "x-expected": "an IPv4 or IPv6 address",
};

/**
 * The field types a registry entry (or a config file's `actions`) may use.
 *
 * @example
 * ```ts
 * import { FIELD_TYPES } from "./field_types.ts";
 * import { isValid } from "./schema.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isValid(FIELD_TYPES.ip_addresses.schema, ["192.0.2.10", "::ffff:10.0.0.1"]));
 * assert.ok(!isValid(FIELD_TYPES.mac_address.schema, "52:54:00:12:34"));
 * ```
 */
export const FIELD_TYPES = {
  uuid: {
    schema: { type: "string", pattern: PATTERNS.uuid, "x-expected": "an RFC 4122 UUID" },
    sample: () => crypto.randomUUID(),
    description: "RFC 4122 UUID string",
  } as FieldKind<string>,
  virtualization_type: {
    schema: { enum: ["kvm", "vz"] },
    sample: () => "kvm",
    description: '"kvm" or "vz"',
  } as FieldKind<"kvm" | "vz">,
  hostname: {
    schema: {
      type: "string",
      maxLength: 253,
      pattern: PATTERNS.hostname,
      "x-expected":
        "a host name (letters, digits and inner hyphens, in dot-separated labels of up to 63, such as vs-1.example.com)",
    },
    sample: () => "vs-1.example.com",
    description: "host name",
  } as FieldKind<string>,
  ip_addresses: {
    schema: { type: "array", items: IP_ADDRESS, "x-expected": "an array of IP addresses" },
    sample: () => ["192.0.2.10", "2001:db8::10"],
    description: "array of IPv4/IPv6 address strings",
  } as FieldKind<string[]>,
  mac_address: {
    schema: {
      type: "string",
      pattern: PATTERNS.mac,
      "x-expected": "a MAC address, six colon-separated hex pairs such as 52:54:00:12:34:56",
    },
    sample: randomMac,
    description: "MAC address, six colon-separated hex pairs",
  } as FieldKind<string>,
  compute_resource_id: {
    schema: { type: "integer", minimum: 1, "x-expected": "a positive integer" },
    sample: () => 1,
    description: "positive integer id of a compute resource",
  } as FieldKind<number>,
  string: {
    schema: { type: "string" },
    sample: () => "example",
    description: "string",
  } as FieldKind<string>,
  "string[]": {
    schema: { type: "array", items: { type: "string" }, "x-expected": "an array of strings" },
    sample: () => ["example"],
    description: "array of strings",
  } as FieldKind<string[]>,
  integer: {
    schema: { type: "integer" },
    sample: () => 1,
    description: "integer",
  } as FieldKind<number>,
  number: {
    schema: { type: "number" },
    sample: () => 1,
    description: "number",
  } as FieldKind<number>,
  boolean: {
    schema: { type: "boolean" },
    sample: () => true,
    description: "true or false",
  } as FieldKind<boolean>,
} as const satisfies Record<FieldType, FieldKind<unknown>>;

/**
 * The name of a field type, as used in the registry and in a config file's
 * `actions`: the keys of {@linkcode FIELD_TYPES}, which must have each one.
 *
 * @example
 * ```ts
 * import { FIELD_TYPES, type FieldType } from "./field_types.ts";
 * import assert from "node:assert/strict";
 * const kind: FieldType = "mac_address";
 * assert.match(String(FIELD_TYPES[kind].sample()), /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
 * ```
 */
export type FieldType =
  | "uuid"
  | "virtualization_type"
  | "hostname"
  | "ip_addresses"
  | "mac_address"
  | "compute_resource_id"
  | "string"
  | "string[]"
  | "integer"
  | "number"
  | "boolean";

/** The TypeScript type a field type stands for. */
export type FieldValue<F extends FieldType> = ReturnType<typeof FIELD_TYPES[F]["sample"]>;
