/**
 * Fuzzing the front door: thousands of mutated events and configs through the
 * parser and validator in process, and a sample through the CLI. Every answer
 * must be a valid event (or config) or a clean exit-2 error: never another
 * exception, never a hang. The seed is printed; FUZZ_SEED=N replays a run.
 */
import assert from "node:assert/strict";
import { createRegistry, EventError, parseEvent, validateEvent } from "../mod.ts";
import { parseConfigText } from "../lib/config/file.ts";
import { ConfigError } from "../lib/errors.ts";
import { FUZZ_SEED, mulberry32, runCli, timed } from "./helpers.ts";

const SEED = FUZZ_SEED;
const registry = createRegistry();

const WEIRD_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  1e308,
  "",
  "x".repeat(100_000),
  [],
  {},
  { __proto__: 1 },
  ["192.0.2.1", 7],
  "c7ee19aa-2722-4139-9223-60ed4baf09e2",
  "kvm",
  "\u0000\ud800",
];

function mutate(text: string, random: () => number, extras: string[]): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const at = Math.floor(random() * (text.length + 1));
  switch (Math.floor(random() * 10)) {
    case 0: // cut
      return text.slice(0, at);
    case 1: { // flip a byte
      const bytes = new TextEncoder().encode(text);
      if (bytes.length > 0) {
        bytes[Math.floor(random() * bytes.length)] ^= 1 << Math.floor(random() * 8);
      }
      return new TextDecoder().decode(bytes);
    }
    case 2: // insert punctuation
      return text.slice(0, at) + pick(['"', "{", "}", "[", "]", ",", ":", "\\", "\n", "/*", "//"]) +
        text.slice(at);
    case 3: { // replace a value with one of the wrong type
      let value;
      try {
        value = JSON.parse(text);
      } catch {
        return text; // an earlier mutation already broke it
      }
      if (typeof value !== "object" || value === null) return text;
      const data = value.data;
      const target = random() < 0.5 && typeof data === "object" && data !== null ? data : value;
      const keys = Object.keys(target);
      if (keys.length > 0) target[pick(keys)] = pick(WEIRD_VALUES);
      return JSON.stringify(value);
    }
    case 4: { // deep nesting
      const depth = pick([100, 5_000, 200_000]);
      return text.slice(0, at) + "[".repeat(depth) + "]".repeat(random() < 0.5 ? depth : 0) +
        text.slice(at);
    }
    case 5: // a huge string
      return text.replace(/"[^"]*"/, `"${"y".repeat(pick([70_000, 70_000, 70_000, 1_000_000]))}"`);
    case 6: { // duplicate a key
      const match = /"([a-z_]+)":/.exec(text.slice(at)) ?? /"([a-z_]+)":/.exec(text);
      return match ? text.replace(`"${match[1]}":`, `"${match[1]}": 1, "${match[1]}":`) : text;
    }
    case 7: // __proto__ and constructor keys
      return text.replace(
        "{",
        pick(['{"__proto__": {"polluted": 1},', '{"constructor": {"prototype": {}},', "{"]),
      );
    case 8: // a known good fragment in the wrong place
      return text.slice(0, at) + pick(extras) + text.slice(at);
    default: // drop a random slice
      return text.slice(0, at) + text.slice(at + Math.floor(random() * 20));
  }
}

function sampleTexts(): string[] {
  return registry.actions().flatMap((spec) =>
    (["pre", "post"] as const).map((stage) => JSON.stringify(registry.sample(spec.name, stage)))
  );
}

Deno.test(`parseEvent() answers thousands of mutated events with a valid event or an exit-2 error (seed ${SEED})`, () => {
  const random = mulberry32(SEED);
  const samples = sampleTexts();
  let valid = 0;
  let refused = 0;
  for (let i = 0; i < 3000; i++) {
    let text = samples[i % samples.length];
    for (let n = 1 + Math.floor(random() * 3); n > 0; n--) text = mutate(text, random, samples);
    const start = performance.now();
    try {
      const event = parseEvent(text, registry);
      assert.deepEqual(validateEvent(JSON.parse(JSON.stringify(event)), registry), event);
      valid++;
    } catch (error) {
      assert.ok(
        error instanceof EventError,
        `seed ${SEED} input ${i}: ${error} for ${JSON.stringify(text.slice(0, 200))}`,
      );
      assert.equal(error.exitCode, 2);
      assert.ok(
        error.message.length > 0 && error.message.length < 2000,
        `a short message: ${error.message.length}`,
      );
      assert.ok(!error.message.includes("\n"), `one line: ${error.message}`);
      refused++;
    }
    assert.ok(performance.now() - start < 2000, `seed ${SEED} input ${i} took too long`);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined, "no prototype pollution");
  assert.ok(valid > 0 && refused > 0, `both outcomes seen: ${valid} valid, ${refused} refused`);
});

Deno.test(`parseConfigText() answers thousands of mutated configs with a config or an exit-2 error (seed ${SEED})`, () => {
  const random = mulberry32(SEED + 1);
  const good = [
    '{"timeoutMs": 30000, "mode": "serial", "journal": {"path": "/var/log/x.jsonl", "keep": 3}}',
    '{"env": {"passthrough": ["http_proxy"], "set": {"SITE": "dc1"}}, "allowInsecure": false}',
    '{"actions": {"backup-create": {"description": "b", "data": {"uuid": "uuid", "note": "string"}}}}',
    '{"hooksDir": "/usr/local/solus/hooks", "maxParallel": 4, "maxOutputBytes": 65536, "killGraceMs": 500}',
  ];
  let valid = 0;
  let refused = 0;
  for (let i = 0; i < 2000; i++) {
    let text = good[i % good.length];
    for (let n = 1 + Math.floor(random() * 3); n > 0; n--) text = mutate(text, random, good);
    try {
      parseConfigText(text, "fuzz.jsonc");
      valid++;
    } catch (error) {
      assert.ok(
        error instanceof ConfigError,
        `seed ${SEED} config ${i}: ${error} for ${JSON.stringify(text.slice(0, 200))}`,
      );
      assert.match(
        error.message,
        /^fuzz\.jsonc: line \d+, column \d+: /,
        error.message.slice(0, 200),
      );
      refused++;
    }
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined, "no prototype pollution");
  assert.ok(valid > 0 && refused > 0, `both outcomes seen: ${valid} valid, ${refused} refused`);
});

timed.test(`the CLI answers mutated events with exit 0 or a one-line exit 2, never a crash (seed ${SEED})`, async () => {
  const random = mulberry32(SEED + 2);
  const samples = sampleTexts();
  for (let i = 0; i < 30; i++) {
    let text = samples[i % samples.length];
    for (let n = 1 + Math.floor(random() * 2); n > 0; n--) text = mutate(text, random, samples);
    const result = await runCli(["run", "--dir", "/nonexistent/hooks", "--no-journal"], {
      stdin: text,
    });
    assert.ok(
      result.code === 0 || result.code === 2,
      `seed ${SEED} input ${i}: exit ${result.code}: ${result.stderr}`,
    );
    if (result.code === 2) {
      assert.match(result.stderr, /^solus-hooks: /);
      assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr.slice(0, 300));
      assert.doesNotMatch(result.stderr, /internal error|Stack backtrace| {4}at /);
    }
  }
});
