/** The registry and event validation, in process. */
import assert from "node:assert/strict";
import { createRegistry, EventError, parseEvent, validateEvent } from "../mod.ts";
import { parseJson } from "../lib/event/parse.ts";
import { parseConfigText } from "../lib/config/file.ts";
import { RESTART_DATA, RESTART_PRE } from "./helpers.ts";

const registry = createRegistry();

function rejects(value: unknown, pattern: RegExp, options = {}) {
  assert.throws(() => validateEvent(value, registry, options), (error: unknown) => {
    assert.ok(error instanceof EventError, `an EventError, got ${error}`);
    assert.equal(error.exitCode, 2);
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("validateEvent() accepts the seed's server-restart example exactly", () => {
  assert.deepEqual(validateEvent(RESTART_PRE, registry), RESTART_PRE);
});

Deno.test("validateEvent() accepts a sample of every action at both stages", () => {
  for (const spec of registry.actions()) {
    for (const stage of ["pre", "post"] as const) {
      const sample = registry.sample(spec.name, stage);
      assert.deepEqual(validateEvent(JSON.parse(JSON.stringify(sample)), registry), sample);
    }
  }
  assert.equal(registry.actions().length, 10);
});

Deno.test("validateEvent() names the missing, extra or mistyped data key", () => {
  rejects(
    { ...RESTART_PRE, data: { uuid: RESTART_DATA.uuid } },
    /missing data\.virtualization_type/,
  );
  rejects(
    { ...RESTART_PRE, data: { ...RESTART_DATA, hostname: "x" } },
    /unexpected key data\.hostname/,
  );
  rejects(
    { ...RESTART_PRE, data: { ...RESTART_DATA, uuid: 7 } },
    /data\.uuid must be an RFC 4122 UUID, not number 7/,
  );
  rejects(
    { ...RESTART_PRE, data: { ...RESTART_DATA, uuid: "not-a-uuid" } },
    /data\.uuid must be an RFC 4122 UUID/,
  );
  rejects(
    { ...RESTART_PRE, data: { ...RESTART_DATA, virtualization_type: "xen" } },
    /data\.virtualization_type must be one of "kvm", "vz", not string "xen"/,
  );
  const create = registry.sample("server-create");
  rejects(
    { ...create, data: { ...create.data, ip_addresses: ["192.0.2.1", "300.1.1.1"] } },
    /data\.ip_addresses\[1\] must be an IPv4 or IPv6 address, not string "300\.1\.1\.1"/,
  );
  const migrate = registry.sample("server-migrate");
  rejects(
    { ...migrate, data: { ...migrate.data, source_compute_resource_id: "1" } },
    /data\.source_compute_resource_id must be a positive integer, not string "1"/,
  );
  rejects(
    { ...migrate, data: { ...migrate.data, source_compute_resource_id: 0 } },
    /data\.source_compute_resource_id must be a positive integer, not number 0$/,
  );
});

Deno.test("validateEvent() says what a host name and a MAC address look like, never a regular expression", () => {
  const create = registry.sample("server-create");
  rejects(
    { ...create, data: { ...create.data, hostname: "bad_host!" } },
    /data\.hostname must be a host name \(letters, digits and inner hyphens.*such as vs-1\.example\.com\), not string "bad_host!"$/,
  );
  const network = registry.sample("server-network-create");
  rejects(
    { ...network, data: { ...network.data, mac_address: "52:54:00:12:34" } },
    /data\.mac_address must be a MAC address, six colon-separated hex pairs such as 52:54:00:12:34:56, not string "52:54:00:12:34"$/,
  );
  assert.throws(
    () => validateEvent({ ...create, data: { ...create.data, hostname: "-x" } }, registry),
    (error: unknown) => !/[\^$\\]|\(\?/.test((error as Error).message),
  );
});

Deno.test("validateEvent() checks the top level: object, exactly three keys, stage, known action", () => {
  rejects([], /must be a JSON object, not an array/);
  rejects(null, /must be a JSON object, not null/);
  rejects({ ...RESTART_PRE, extra: 1 }, /unknown top-level key "extra"/);
  rejects({ action: "server-restart", data: RESTART_DATA }, /missing "stage"/);
  rejects(
    { ...RESTART_PRE, stage: "during" },
    /"stage" must be "pre" or "post", not string "during"/,
  );
  rejects(
    { ...RESTART_PRE, action: "server-reboot" },
    /unknown action "server-reboot" \(did you mean server-restart\?\)/,
  );
  rejects({ ...RESTART_PRE, action: 5 }, /"action" must be a string/);
  rejects({ ...RESTART_PRE, data: [] }, /"data" must be an object, not an array/);
});

Deno.test("validateEvent() takes the around form without a stage", () => {
  const event = validateEvent({ action: "server-restart", data: RESTART_DATA }, registry, {
    requireStage: false,
  });
  assert.equal(event.stage, "pre");
  rejects(RESTART_PRE, /leave stage out/, { requireStage: false });
});

Deno.test("parseJson() says where malformed JSON breaks, and refuses repeated keys", () => {
  const cases: [string, RegExp][] = [
    ['{"action": "server-restart",\n  "stage": }', /line 2, column 12: expected a value/],
    ['{"a": 1,}', /line 1, column 9: expected a property name/],
    ['{"a": 1', /line 1, column 8: expected a closing brace/],
    ['{"a": 1} x', /line 1, column 10: unexpected character "x"/],
    ["// comment\n{}", /comments are not allowed/],
    ['{"a": "\u0001"}', /control character/],
    ["   ", /is empty/],
    ['{"action": "a", "action": "b"}', /line 1, column 17: key "action" appears twice/],
  ];
  for (const [text, pattern] of cases) {
    assert.throws(() => parseJson(text), (error: unknown) => {
      assert.ok(error instanceof EventError);
      assert.match(error.message, pattern, text);
      return true;
    });
  }
});

Deno.test("parseEvent() never lets __proto__ reach a prototype", () => {
  assert.throws(
    () =>
      parseEvent(
        '{"__proto__": {"polluted": 1}, "action": "server-restart", "stage": "pre", "data": {}}',
        registry,
      ),
    /unknown top-level key "__proto__"/,
  );
  assert.throws(
    () =>
      parseEvent(
        JSON.stringify({ ...RESTART_PRE, data: RESTART_DATA }).replace(
          '"uuid"',
          '"__proto__":{"polluted":1},"uuid"',
        ),
        registry,
      ),
    /unexpected key data\.__proto__/,
  );
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

Deno.test("createRegistry() adds config actions and refuses to redefine a built-in one", () => {
  const extended = createRegistry({
    "backup-create": { description: "a backup is taken", data: { uuid: "uuid", note: "string" } },
  });
  assert.equal(extended.get("backup-create")?.builtin, false);
  const event = {
    action: "backup-create",
    stage: "post",
    data: { uuid: RESTART_DATA.uuid, note: "nightly" },
  };
  assert.deepEqual(validateEvent(event, extended), event);
  assert.throws(
    () => createRegistry({ "server-start": { description: "x", data: {} } }),
    /built in/,
  );
});

Deno.test("Registry.jsonSchema() has one branch per action, strict data, from the same table", () => {
  const schema = registry.jsonSchema() as {
    oneOf: { properties: Record<string, { const?: string; required?: string[] }> }[];
  };
  assert.equal(schema.oneOf.length, 10);
  const restart = schema.oneOf.find((branch) =>
    branch.properties.action.const === "server-restart"
  );
  assert.deepEqual(restart?.properties.data.required, ["uuid", "virtualization_type"]);
});

Deno.test("Registry.platformEvent() knows that creating a server fires two actions", () => {
  assert.deepEqual(registry.platformEvent("server-create"), [
    "server-create",
    "server-network-create",
  ]);
  assert.deepEqual(registry.platformEvent("server-stop"), ["server-stop"]);
});

Deno.test("parseJson() refuses deep nesting before the parsers recurse, and keeps messages short", () => {
  assert.throws(
    () => parseJson("[".repeat(200_000)),
    /nests deeper than 64 levels at line 1, column 65/,
  );
  assert.throws(
    () => parseJson(`{"data": {"a": ${"[".repeat(100)}${"]".repeat(100)}}}`),
    /nests deeper than 64 levels/,
  );
  // Found by the fuzzer: a line break ends a string for the parser, so the
  // brackets after it are real brackets and must be counted as such.
  assert.throws(
    () => parseJson(`{"a": "x\ny"-z", "b": ${"[".repeat(200_000)}`),
    /nests deeper than 64 levels at line 2, column \d+/,
  );
  assert.doesNotThrow(() =>
    parseJson('{"note": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}')
  );
  const huge = "k".repeat(1_000_000);
  assert.throws(() => validateEvent({ ...RESTART_PRE, [huge]: 1 }, registry), (error: unknown) => {
    assert.ok(error instanceof EventError);
    assert.ok(error.message.length < 200, `short: ${error.message.length}`);
    return true;
  });
  assert.throws(
    () => validateEvent({ ...RESTART_PRE, data: { ...RESTART_DATA, "bad\nkey": 1 } }, registry),
    /unexpected key data\["bad\\nkey"\]/,
  );
});

Deno.test("parseConfigText() refuses deep nesting with its line and column", () => {
  assert.throws(
    () => parseConfigText(`{\n  "hooksDir": ${"[".repeat(100_000)}`, "c.jsonc"),
    /c\.jsonc: line 2, column 78: nested deeper than 64 levels$/,
  );
});
