/**
 * The printed JSON Schemas and the runner's own checks are one definition: an
 * independent validator (ajv, JSON Schema 2020-12) must give the same verdict
 * as solus-hooks on every event and config of a fuzz corpus.
 */
import assert from "node:assert/strict";
import { Ajv2020 } from "ajv/dist/2020.js";
import { CONFIG_SCHEMA } from "../lib/config/file.ts";
import { PATTERNS } from "../lib/event/field_types.ts";
import { createRegistry, validateEvent } from "../mod.ts";
import { checkSchema, isValid, type JsonSchema } from "../lib/event/schema.ts";
import { FUZZ_SEED, mulberry32 } from "./helpers.ts";

const SEED = FUZZ_SEED;
const registry = createRegistry({
  "backup-create": { description: "a backup", data: { uuid: "uuid", note: "string" } },
});
// `x-expected` is an annotation of ours; ajv's strict mode would call it an unknown keyword.
const ajv = new Ajv2020({ strict: false, allErrors: false });
const ajvEvent = ajv.compile(registry.jsonSchema());
const ajvConfig = ajv.compile(CONFIG_SCHEMA);

/** Addresses at the edges of the IPv4 and IPv6 grammars, valid and not. */
const ADDRESSES = [
  "::ffff:10.0.0.1",
  "::",
  "::1",
  "1::",
  "2001:db8::10",
  "0:0:0:0:0:ffff:1.2.3.4",
  "64:ff9b::1.2.3.4",
  "1:2:3:4:5:6:7:8",
  "1:2:3:4:5:6:7::",
  "fe80::1%eth0",
  "1:2:3:4:5:6:7:8:9",
  "1::2::3",
  "12345::",
  "::ffff:256.0.0.1",
  "1:2:3:4:5:6::1.2.3.4",
  "192.0.2.10",
  "255.255.255.255",
  "01.2.3.4",
  "1.2.3",
  "1.2.3.4.5",
  "١٢٣.1.1.1",
  " 1.2.3.4",
];
const STRINGS = [
  ...ADDRESSES,
  "",
  "vs-1.example.com",
  "-bad.example",
  "a".repeat(64) + ".com",
  "x.".repeat(127) + "x",
  "52:54:00:12:34:56",
  "52:54:00:12:34",
  "c7ee19aa-2722-4139-9223-60ed4baf09e2",
  "C7EE19AA-2722-4139-9223-60ED4BAF09E2",
  "c7ee19aa-2722-0139-9223-60ed4baf09e2",
  "00000000-0000-0000-0000-000000000000",
  "kvm",
  "vz",
  "xen",
  "\u0000",
  "é".repeat(3),
];
const VALUES: unknown[] = [...STRINGS, 0, 1, -1, 1.5, 2 ** 53, true, null, [], {}, [
  "192.0.2.1",
], ["::ffff:10.0.0.1", 7]];

function ours(value: unknown): boolean {
  try {
    validateEvent(value, registry);
    return true;
  } catch {
    return false;
  }
}

Deno.test(`the event schema and validateEvent() agree on a fuzz corpus (FUZZ_SEED=${SEED})`, () => {
  const random = mulberry32(SEED);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  let valid = 0;
  for (let i = 0; i < 4000; i++) {
    const spec = pick(registry.actions());
    const event = registry.sample(spec.name, pick(["pre", "post"] as const)) as unknown as {
      data: Record<string, unknown>;
    } & Record<string, unknown>;
    const keys = Object.keys(event.data);
    const mutations = Math.floor(random() * 3);
    for (let m = 0; m < mutations; m++) {
      const roll = random();
      if (roll < 0.7 && keys.length > 0) event.data[pick(keys)] = pick(VALUES);
      else if (roll < 0.8) event.data[pick(["extra", "uuid", "hostname"])] = pick(VALUES);
      else if (roll < 0.9 && keys.length > 0) delete event.data[pick(keys)];
      else event[pick(["stage", "action", "extra"])] = pick(VALUES);
    }
    const verdict = ours(event);
    assert.equal(
      ajvEvent(event),
      verdict,
      `ajv and solus-hooks disagree on ${JSON.stringify(event)}`,
    );
    if (verdict) valid++;
  }
  assert.ok(valid > 400, `the corpus holds valid events too (${valid})`);
});

Deno.test("every edge-case address gets the same verdict from the printed pattern and from ajv", () => {
  const schema: JsonSchema = { type: "string", pattern: PATTERNS.ip };
  const check = ajv.compile(schema);
  for (const address of ADDRESSES) {
    assert.equal(check(address), isValid(schema, address), address);
  }
  assert.ok(isValid(schema, "::ffff:10.0.0.1"), "an IPv4-mapped IPv6 address is valid");
  assert.ok(!isValid(schema, "fe80::1%eth0"), "a zone index is not an address");
});

Deno.test(`the config schema and checkSchema() agree on a fuzz corpus (FUZZ_SEED=${SEED})`, () => {
  const random = mulberry32(SEED + 1);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const base = () => ({
    hooksDir: "/opt/hooks",
    timeoutMs: 30000,
    mode: "serial",
    journal: { path: "/j", keep: 2, maxOutputBytes: 1024 },
    env: { passthrough: ["http_proxy"], set: { SITE: "dc1" } },
    actions: { "backup-create": { data: { uuid: "uuid" } } },
    hooks: { "20-fw": { actions: ["server-*"], stages: ["post"], timeoutMs: 5000 } },
    syslog: false,
    metrics: { textfile: "/m.prom" },
  });
  const paths: string[][] = [
    ["hooksDir"],
    ["timeoutMs"],
    ["mode"],
    ["journal", "keep"],
    ["journal", "path"],
    ["env", "passthrough"],
    ["env", "set", "SITE"],
    ["actions", "backup-create", "data", "uuid"],
    ["hooks", "20-fw", "stages"],
    ["hooks", "20-fw", "timeoutMs"],
    ["syslog"],
    ["metrics", "textfile"],
    ["unknown"],
  ];
  const configValues = [...VALUES, "parallel", "uuid", ["pre"], ["during"], 86_400_001, 5000];
  for (let i = 0; i < 3000; i++) {
    const config = base() as Record<string, unknown>;
    for (let m = Math.floor(random() * 3); m > 0; m--) {
      const path = pick(paths);
      let target = config as Record<string, unknown>;
      for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
      target[path.at(-1)!] = pick(configValues);
    }
    assert.equal(
      ajvConfig(config),
      checkSchema(CONFIG_SCHEMA, config).length === 0,
      `ajv and solus-hooks disagree on ${JSON.stringify(config)}`,
    );
  }
});
