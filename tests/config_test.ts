/** The config file (JSONC) and how settings are resolved. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { resolveSettings } from "../lib/config/resolve.ts";
import { DEFAULTS } from "../lib/config/constants.ts";
import { type ConfigFile, parseConfigText, readConfigFile } from "../lib/config/file.ts";
import { ConfigError } from "../lib/errors.ts";
import { createRegistry } from "../lib/event/registry.ts";
import { FIELD_TYPES } from "../lib/event/field_types.ts";
import { RESTART_PRE, runCli, timed, withHooks, withTempDir } from "./helpers.ts";

/** The message of the ConfigError that parsing `text` as `c.jsonc` throws. */
function problem(text: string): string {
  try {
    parseConfigText(text, "c.jsonc");
  } catch (error) {
    assert.ok(error instanceof ConfigError, `a ConfigError, got ${error}`);
    assert.equal(error.exitCode, 2);
    return error.message;
  }
  assert.fail(`no error for ${JSON.stringify(text)}`);
}

/** Assert that each text fails with exactly its message. */
function assertProblems(cases: [text: string, message: string][]) {
  for (const [text, message] of cases) {
    assert.equal(problem(text), `c.jsonc: ${message}`, JSON.stringify(text));
  }
}

const noEnv = { get: () => undefined };
const envOf = (vars: Record<string, string>) => ({ get: (name: string) => vars[name] });

/** Assert that `run` rejects with a ConfigError whose message is exactly `message`. */
async function rejectsWithConfigError(run: () => Promise<unknown>, message: string) {
  await assert.rejects(run, (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.message, message);
    return true;
  });
}

const FIELD_TYPE_LIST = Object.keys(FIELD_TYPES).join(", ");
const VARIABLE_NAME = "a variable name (letters, digits and _, not starting with a digit)";
const defaultConfigExists = (() => {
  try {
    Deno.statSync(DEFAULTS.configPath);
    return true;
  } catch {
    return false;
  }
})();

Deno.test("parseConfigText() accepts comments, trailing commas and every key", () => {
  const config = parseConfigText(
    `// solus-hooks settings
    {
      /* where the hooks live */
      "hooksDir": "/opt/hooks",
      "timeoutMs": 30000, // half a minute
      "killGraceMs": 0,
      "mode": "serial",
      "maxParallel": 4,
      "maxOutputBytes": 65536,
      "journal": { "path": "/srv/j.jsonl", "maxBytes": 1000000, "keep": 0, },
      "env": { "passthrough": ["http_proxy", "_X1",], "set": { "SITE": "dc1", }, },
      "allowInsecure": true,
      "actions": {
        "backup-create": { "description": "a backup is taken", "data": { "uuid": "uuid", "note": "string" } },
        "backup-2": { "data": {}, },
      },
    }`,
    "c.jsonc",
  );
  const expected: ConfigFile = {
    hooksDir: "/opt/hooks",
    timeoutMs: 30000,
    killGraceMs: 0,
    mode: "serial",
    maxParallel: 4,
    maxOutputBytes: 65536,
    journal: { path: "/srv/j.jsonl", maxBytes: 1000000, keep: 0 },
    env: { passthrough: ["http_proxy", "_X1"], set: { SITE: "dc1" } },
    allowInsecure: true,
    actions: {
      "backup-create": { description: "a backup is taken", data: { uuid: "uuid", note: "string" } },
      "backup-2": { data: {} },
    },
  };
  assert.deepEqual(config, expected);
  assert.deepEqual(parseConfigText("{}", "c.jsonc"), {});
});

Deno.test("parseConfigText() reports each top-level key's wrong type with its line and column", () => {
  assertProblems([
    [
      '{\n  "hooksDir": []\n}',
      "line 2, column 15: hooksDir must be a non-empty string, not an array",
    ],
    [
      '{\n  "hooksDir": ""\n}',
      'line 2, column 15: hooksDir must be a non-empty string, not string ""',
    ],
    [
      '{\n  "timeoutMs": "60s"\n}',
      'line 2, column 16: timeoutMs must be a positive integer, not string "60s"',
    ],
    [
      '{\n  "timeoutMs": 0\n}',
      "line 2, column 16: timeoutMs must be a positive integer, not number 0",
    ],
    [
      '{\n  "timeoutMs": 86400001\n}',
      "line 2, column 16: timeoutMs must be at most 86400000, not number 86400001",
    ],
    [
      '{\n  "killGraceMs": 1.5\n}',
      "line 2, column 18: killGraceMs must be an integer >= 0, not number 1.5",
    ],
    [
      '{\n  "killGraceMs": 600001\n}',
      "line 2, column 18: killGraceMs must be at most 600000, not number 600001",
    ],
    [
      '{\n  "mode": "fast"\n}',
      'line 2, column 11: mode must be one of "parallel", "serial", not string "fast"',
    ],
    [
      '{\n  "mode": "paralel"\n}',
      'line 2, column 11: mode must be one of "parallel", "serial", not string "paralel" (did you mean parallel?)',
    ],
    [
      '{\n  "maxParallel": -1\n}',
      "line 2, column 18: maxParallel must be an integer >= 0, not number -1",
    ],
    [
      '{\n  "maxOutputBytes": "1M"\n}',
      'line 2, column 21: maxOutputBytes must be an integer >= 0, not string "1M"',
    ],
    [
      '{\n  "journal": "/var/log/j"\n}',
      'line 2, column 14: journal must be an object, not string "/var/log/j"',
    ],
    ['{\n  "env": []\n}', "line 2, column 10: env must be an object, not an array"],
    [
      '{\n  "allowInsecure": "yes"\n}',
      'line 2, column 20: allowInsecure must be a boolean, not string "yes"',
    ],
    [
      '{\n  "allowInsecure": null\n}',
      "line 2, column 20: allowInsecure must be a boolean, not null",
    ],
    ['{\n  "actions": []\n}', "line 2, column 14: actions must be an object, not an array"],
  ]);
});

Deno.test("parseConfigText() reports wrong types inside journal and env with their line and column", () => {
  const journal = (line: string) => `{\n  "journal": {\n    ${line}\n  }\n}`;
  const env = (line: string) => `{\n  "env": {\n    ${line}\n  }\n}`;
  assertProblems([
    [
      journal('"path": ""'),
      'line 3, column 13: journal.path must be a non-empty string, not string ""',
    ],
    [
      journal('"maxBytes": 0'),
      "line 3, column 17: journal.maxBytes must be a positive integer, not number 0",
    ],
    [
      journal('"keep": "3"'),
      'line 3, column 13: journal.keep must be an integer >= 0, not string "3"',
    ],
    [
      journal('"keep": 1001'),
      "line 3, column 13: journal.keep must be at most 1000, not number 1001",
    ],
    [
      env('"passthrough": "PATH"'),
      'line 3, column 20: env.passthrough must be an array, not string "PATH"',
    ],
    [
      env('"passthrough": ["http_proxy", "bad-name"]'),
      `line 3, column 35: env.passthrough[1] must be ${VARIABLE_NAME}, not string "bad-name"`,
    ],
    [env('"set": ["A=1"]'), "line 3, column 12: env.set must be an object, not an array"],
    [env('"set": { "SITE": 1 }'), "line 3, column 22: env.set.SITE must be a string, not number 1"],
    [
      env('"set": { "1SITE": "x" }'),
      `line 3, column 14: env.set: "1SITE" must be ${VARIABLE_NAME}`,
    ],
  ]);
});

Deno.test("parseConfigText() rejects actions with an unknown field type, a built-in name, a bad name or no data", () => {
  const actions = (line: string) => `{\n  "actions": {\n    ${line}\n  }\n}`;
  assertProblems([
    [
      actions('"backup-create": { "data": { "uuid": "uuid", "note": "text" } }'),
      `line 3, column 58: actions.backup-create.data.note must be a field type (${FIELD_TYPE_LIST}), not string "text"`,
    ],
    [
      actions('"backup-create": { "data": { "id": "uid" } }'),
      `line 3, column 40: actions.backup-create.data.id must be a field type (${FIELD_TYPE_LIST}), not string "uid" (did you mean uuid?)`,
    ],
    [
      actions('"server-restart": { "data": {} }'),
      'line 3, column 5: actions: "server-restart" is a built-in action and cannot be redefined',
    ],
    [
      actions('"Backup": { "data": {} }'),
      'line 3, column 5: actions: "Backup" must be an action name (lower-case letters, digits and -, starting with a letter)',
    ],
    [
      actions('"b": { "data": { "Note": "string" } }'),
      'line 3, column 22: actions.b.data: "Note" must be a data key (lower-case letters, digits and _, starting with a letter)',
    ],
    [actions('"b": { "description": "x" }'), 'line 3, column 10: actions.b is missing "data"'],
    [
      actions('"b": { "description": 7, "data": {} }'),
      "line 3, column 27: actions.b.description must be a string, not number 7",
    ],
    [
      actions('"b": { "data": [] }'),
      "line 3, column 20: actions.b.data must be an object, not an array",
    ],
    [actions('"b": "uuid"'), 'line 3, column 10: actions.b must be an object, not string "uuid"'],
    [
      actions('"b": { "data": {}, "fields": {} }'),
      'line 3, column 24: unknown key "actions.b.fields"',
    ],
  ]);
});

Deno.test("parseConfigText() reports an unknown key with line and column, and a suggestion when one is close", () => {
  assertProblems([
    ['{\n  "timeout": 5\n}', 'line 2, column 3: unknown key "timeout" (did you mean timeoutMs?)'],
    [
      '{\n  "hooksdir": "/a"\n}',
      'line 2, column 3: unknown key "hooksdir" (did you mean hooksDir?)',
    ],
    ['{\n  "colour": "red"\n}', 'line 2, column 3: unknown key "colour"'],
    ['{\n  "a b": 1\n}', 'line 2, column 3: unknown key "a b"'],
  ]);
});

Deno.test("parseConfigText() reports a nested unknown key such as journal.sizeMax", () => {
  assertProblems([
    [
      '{\n  "journal": {\n    "sizeMax": 5\n  }\n}',
      'line 3, column 5: unknown key "journal.sizeMax"',
    ],
    [
      '{\n  "journal": { "path": "/j", "maxbytes": 5 }\n}',
      'line 2, column 30: unknown key "journal.maxbytes" (did you mean maxBytes?)',
    ],
    [
      '{\n  "env": { "pasthrough": [] }\n}',
      'line 2, column 12: unknown key "env.pasthrough" (did you mean passthrough?)',
    ],
  ]);
});

Deno.test("parseConfigText() reports syntax errors with their line and column", () => {
  assertProblems([
    ['{\n  "timeoutMs": 5\n  "mode": "serial"\n}', "line 3, column 3: expected a comma"],
    ['{\n  "hooksDir": "/opt/hooks\n}', "line 2, column 15: an unterminated string"],
    [
      '{\n  "mode": "serial"\n} }',
      "line 3, column 3: unexpected text after the end of the JSON value",
    ],
    ['{\n  "mode": serial\n}', 'line 2, column 11: unexpected character "s"'],
    ["{\n  /* an open comment\n}", "line 2, column 3: an unterminated comment"],
    ["", "line 1, column 1: no JSON value: the config must be an object, such as {}"],
    [
      "// nothing here\n",
      "line 2, column 1: no JSON value: the config must be an object, such as {}",
    ],
  ]);
});

Deno.test("parseConfigText() wants an object at the top and each key once", () => {
  assertProblems([
    ["// a list\n[]", "line 2, column 1: the config must be a JSON object, not an array"],
    ['"hooks"', 'line 1, column 1: the config must be a JSON object, not string "hooks"'],
    [
      '{\n  "hooksDir": "/a",\n  "hooksDir": "/b"\n}',
      'line 3, column 3: key "hooksDir" appears twice',
    ],
    [
      '{\n  "journal": { "keep": 1, "keep": 2 }\n}',
      'line 2, column 27: key "keep" appears twice',
    ],
  ]);
});

Deno.test("parseConfigText() reports the first problem in reading order, not schema order", () => {
  // The schema checks hooksDir before mode; the file says mode first.
  assertProblems([
    [
      '{\n  "mode": "fast",\n  "hooksDir": 7\n}',
      'line 2, column 11: mode must be one of "parallel", "serial", not string "fast"',
    ],
    [
      '{\n  "zzz": 1,\n  "hooksDir": 7\n}',
      'line 2, column 3: unknown key "zzz"',
    ],
  ]);
});

Deno.test("parseConfigText() counts lines and columns after a byte-order mark and with CRLF line ends", () => {
  assertProblems([
    [
      '\uFEFF{\n  "mode": 1\n}',
      'line 2, column 11: mode must be one of "parallel", "serial", not number 1',
    ],
    [
      '{\r\n  "mode": 1\r\n}',
      'line 2, column 11: mode must be one of "parallel", "serial", not number 1',
    ],
  ]);
  assert.deepEqual(parseConfigText('\uFEFF{ "mode": "serial" }', "c.jsonc"), { mode: "serial" });
});

Deno.test("parseConfigText() refuses __proto__ keys without polluting any prototype", () => {
  assertProblems([
    ['{\n  "__proto__": { "polluted": 1 }\n}', 'line 2, column 3: unknown key "__proto__"'],
    [
      '{\n  "journal": { "__proto__": { "polluted": 1 } }\n}',
      'line 2, column 16: unknown key "journal.__proto__"',
    ],
    [
      '{\n  "env": { "set": { "__proto__": "x" } }\n}',
      'line 2, column 21: env.set: "__proto__" is not allowed as a key',
    ],
    [
      '{\n  "actions": { "__proto__": { "data": {} } }\n}',
      'line 2, column 16: actions: "__proto__" is not allowed as a key',
    ],
    [
      '{\n  "actions": { "b": { "data": { "__proto__": "uuid" } } }\n}',
      'line 2, column 33: actions.b.data: "__proto__" is not allowed as a key',
    ],
  ]);
  // deno-lint-ignore no-explicit-any
  assert.equal(({} as any).polluted, undefined);
  assert.equal(Object.hasOwn(Object.prototype, "polluted"), false);
  // Names that Object.prototype happens to have are ordinary names.
  const config = parseConfigText(
    '{ "env": { "set": { "constructor": "c", "toString": "t" } } }',
    "c.jsonc",
  );
  assert.deepEqual(Object.entries(config.env?.set ?? {}), [["constructor", "c"], [
    "toString",
    "t",
  ]]);
});

Deno.test("readConfigFile() returns null for a missing default file and refuses a missing named one", async () => {
  await withTempDir(async (dir) => {
    const missing = join(dir, "config.jsonc");
    assert.equal(await readConfigFile(missing, false), null);
    await rejectsWithConfigError(
      () => readConfigFile(missing, true),
      `cannot read config file ${missing}: no such file`,
    );
  });
});

Deno.test("readConfigFile() names the file and the spot when its text is wrong", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "config.jsonc");
    await Deno.writeTextFile(path, '{\n  // deadline\n  "timeoutMs": "60s",\n}\n');
    await rejectsWithConfigError(
      () => readConfigFile(path, false),
      `${path}: line 3, column 16: timeoutMs must be a positive integer, not string "60s"`,
    );
    await Deno.writeTextFile(path, '{ "mode": "serial", }');
    assert.deepEqual(await readConfigFile(path, true), { mode: "serial" });
  });
});

Deno.test("readConfigFile() refuses a directory, a huge file and bytes that are not UTF-8", async () => {
  await withTempDir(async (dir) => {
    const refused = async (path: string, why: string) => {
      for (const explicit of [false, true]) {
        await rejectsWithConfigError(
          () => readConfigFile(path, explicit),
          `cannot read config file ${path}: ${why}`,
        );
      }
    };
    await refused(dir, "it is a directory");
    const huge = join(dir, "huge.jsonc");
    await Deno.writeTextFile(huge, `{}${" ".repeat(1024 * 1024)}`);
    await refused(huge, "it is larger than 1048576 bytes");
    const latin1 = join(dir, "latin1.jsonc");
    await Deno.writeFile(latin1, new Uint8Array([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]));
    await refused(latin1, "it is not UTF-8 text");
  });
});

Deno.test({
  name: "readConfigFile() turns an unreadable file into a ConfigError",
  ignore: Deno.uid() === 0, // root reads any file
  fn: async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "config.jsonc");
      await Deno.writeTextFile(path, "{}");
      await Deno.chmod(path, 0o000);
      await rejectsWithConfigError(
        () => readConfigFile(path, false),
        `cannot read config file ${path}: permission denied`,
      );
    });
  },
});

Deno.test("resolveSettings() puts flags over environment over the file over the defaults", async () => {
  await withTempDir(async (dir) => {
    const config = join(dir, "config.jsonc");
    await Deno.writeTextFile(
      config,
      `{
        "hooksDir": "/file/hooks",
        "timeoutMs": 1111,
        "mode": "parallel",
        "journal": { "path": "/file/journal.jsonl", "keep": 9 },
      }`,
    );
    const env = envOf({
      SOLUS_HOOKS_CONFIG: config,
      SOLUS_HOOKS_DIR: "/env/hooks",
      SOLUS_HOOKS_JOURNAL: "/env/journal.jsonl",
    });

    const fileOnly = await resolveSettings({ config }, noEnv);
    assert.equal(fileOnly.configPath, config);
    assert.equal(fileOnly.hooksDir, "/file/hooks", "the file beats the defaults");
    assert.equal(fileOnly.timeoutMs, 1111);
    assert.equal(fileOnly.journal.path, "/file/journal.jsonl");
    assert.equal(fileOnly.journal.keep, 9);
    assert.equal(fileOnly.journal.maxBytes, DEFAULTS.journal.maxBytes, "defaults fill in");
    assert.equal(fileOnly.killGraceMs, DEFAULTS.killGraceMs);

    const fromEnv = await resolveSettings({}, env);
    assert.equal(fromEnv.configPath, config, "SOLUS_HOOKS_CONFIG names the file");
    assert.equal(fromEnv.hooksDir, "/env/hooks", "the environment beats the file");
    assert.equal(fromEnv.journal.path, "/env/journal.jsonl");
    assert.equal(fromEnv.timeoutMs, 1111);

    const fromFlags = await resolveSettings(
      {
        dir: "/flag/hooks",
        timeoutMs: 2222,
        journal: "/flag/j.jsonl",
        serial: true,
        noJournal: true,
      },
      env,
    );
    assert.deepEqual(
      [
        fromFlags.hooksDir,
        fromFlags.timeoutMs,
        fromFlags.journal.path,
        fromFlags.maxParallel,
        fromFlags.journal.enabled,
      ],
      ["/flag/hooks", 2222, "/flag/j.jsonl", 1, false],
      "flags beat the environment and the file",
    );
    assert.equal(fromEnv.journal.enabled, true);
    assert.equal(fromEnv.maxParallel, 0);

    const other = join(dir, "other.jsonc");
    await Deno.writeTextFile(other, '{ "timeoutMs": 3333 }');
    const flagConfig = await resolveSettings({ config: other }, env);
    assert.equal(flagConfig.configPath, other, "--config beats SOLUS_HOOKS_CONFIG");
    assert.equal(flagConfig.timeoutMs, 3333);
  });
});

Deno.test("resolveSettings() resolves relative paths in the file against the file's directory", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(join(dir, "etc"));
    const config = join(dir, "etc", "config.jsonc");
    await Deno.writeTextFile(
      config,
      '{ "hooksDir": "hooks.d", "journal": { "path": "../log/j.jsonl" } }',
    );
    const settings = await resolveSettings({ config }, noEnv);
    assert.equal(settings.hooksDir, join(dir, "etc", "hooks.d"));
    assert.equal(settings.journal.path, join(dir, "log", "j.jsonl"));
    const flags = await resolveSettings(
      { config, dir: "rel/hooks" },
      envOf({ SOLUS_HOOKS_JOURNAL: "j.jsonl" }),
    );
    assert.equal(
      flags.hooksDir,
      join(Deno.cwd(), "rel", "hooks"),
      "a flag is relative to the working directory",
    );
    assert.equal(flags.journal.path, join(Deno.cwd(), "j.jsonl"), "so is a variable");
  });
});

Deno.test("resolveSettings() treats an empty or forbidden variable as unset", async () => {
  await withTempDir(async (dir) => {
    const config = join(dir, "config.jsonc");
    await Deno.writeTextFile(config, '{ "hooksDir": "/file/hooks" }');
    const forbidden = {
      get(name: string) {
        if (name === "SOLUS_HOOKS_CONFIG") return config;
        throw new Deno.errors.NotCapable(`Requires env access to "${name}"`);
      },
    };
    const settings = await resolveSettings({}, forbidden);
    assert.equal(settings.hooksDir, "/file/hooks");
    assert.equal(settings.journal.path, DEFAULTS.journal.path);
    const empty = await resolveSettings(
      {},
      envOf({ SOLUS_HOOKS_CONFIG: config, SOLUS_HOOKS_DIR: "" }),
    );
    assert.equal(empty.hooksDir, "/file/hooks");
    await assert.rejects(
      () =>
        resolveSettings({ config }, {
          get: () => {
            throw new Error("broken env");
          },
        }),
      /broken env/,
      "any other failure is not hidden",
    );
  });
});

Deno.test("resolveSettings() refuses a missing file named by SOLUS_HOOKS_CONFIG or --config", async () => {
  await withTempDir(async (dir) => {
    const missing = join(dir, "nope.jsonc");
    for (
      const [overrides, env] of [[{}, envOf({ SOLUS_HOOKS_CONFIG: missing })], [
        { config: missing },
        noEnv,
      ]] as const
    ) {
      await rejectsWithConfigError(
        () => resolveSettings(overrides, env),
        `cannot read config file ${missing}: no such file`,
      );
    }
  });
});

Deno.test({
  name: "resolveSettings() gives the contract's defaults when the default file is missing",
  ignore: defaultConfigExists,
  fn: async () => {
    const settings = await resolveSettings({}, noEnv);
    assert.deepEqual(settings, {
      hooksDir: "/usr/local/solus/hooks.d",
      timeoutMs: 60000,
      killGraceMs: 2000,
      maxParallel: 0,
      maxOutputBytes: 1048576,
      maxEventBytes: 1048576,
      eventReadTimeoutMs: 10000,
      strictEvents: false,
      journal: {
        path: "/var/log/solus-hooks/journal.jsonl",
        maxBytes: 10485760,
        keep: 5,
        maxOutputBytes: 65536,
        maxAgeDays: 0,
        enabled: true,
      },
      env: { passthrough: [], set: {} },
      allowInsecure: false,
      actions: {},
      hooks: {},
      syslog: true,
      metrics: { textfile: null },
      configPath: null,
    });
    assert.deepEqual(settings, { ...DEFAULTS, configPath: null });
    (settings.env.passthrough as string[]).push("X"); // narrowed to [] by the assertions above
    assert.deepEqual(
      DEFAULTS.env.passthrough,
      [],
      "a result shares nothing with the defaults",
    );
  },
});

Deno.test("DEFAULTS cannot be changed, not even inside", () => {
  assert.throws(() => (DEFAULTS as { timeoutMs: number }).timeoutMs = 1, TypeError);
  assert.throws(() => DEFAULTS.journal.keep = 1, TypeError);
  assert.throws(() => DEFAULTS.env.passthrough.push("X"), TypeError);
  assert.throws(() => DEFAULTS.env.set.X = "1", TypeError);
  assert.throws(() => DEFAULTS.actions.x = { description: "", data: {} }, TypeError);
});

Deno.test("resolveSettings() turns the file's actions into registry definitions", async () => {
  await withTempDir(async (dir) => {
    const config = join(dir, "config.jsonc");
    await Deno.writeTextFile(
      config,
      `{ "actions": {
          "backup-create": { "data": { "uuid": "uuid", "note": "string" } },
          "backup-delete": { "description": "a backup is removed", "data": { "uuid": "uuid" } },
      } }`,
    );
    const settings = await resolveSettings({ config }, noEnv);
    assert.deepEqual(settings.actions, {
      "backup-create": {
        description: "added by the config file",
        data: { uuid: "uuid", note: "string" },
      },
      "backup-delete": { description: "a backup is removed", data: { uuid: "uuid" } },
    });
    const registry = createRegistry(settings.actions);
    assert.equal(registry.get("backup-create")?.builtin, false);
    assert.deepEqual(Object.keys(registry.sample("backup-create").data), ["uuid", "note"]);
  });
});

timed.test("the config file's env and actions reach a run through the CLI", async () => {
  await withHooks({ "env.sh": '#!/bin/sh\necho "$SITE $SOLUS_HOOK_DATA_NOTE"\n' }, async (dir) => {
    const config = join(dir, ".config.jsonc");
    await Deno.writeTextFile(
      config,
      `{ "env": { "set": { "SITE": "dc1" } },
         "actions": { "backup-create": { "data": { "uuid": "uuid", "note": "string" } } } }`,
    );
    const event = JSON.stringify({
      action: "backup-create",
      stage: "post",
      data: { uuid: RESTART_PRE.data.uuid, note: "nightly" },
    });
    const result = await runCli([
      "run",
      "--dir",
      dir,
      "--config",
      config,
      "--no-journal",
      "--json",
      "--event",
      event,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).hooks[0].stdout, "dc1 nightly\n");
    const actions = JSON.parse((await runCli(["actions", "--json", "--config", config])).stdout);
    assert.equal(
      actions.find((a: { action: string }) => a.action === "backup-create").builtin,
      false,
    );
  });
});
