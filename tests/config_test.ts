/** The config file and how settings are resolved. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError, DEFAULT_SETTINGS, resolveSettings } from "../mod.ts";
import { parseConfigText, readConfigFile } from "../lib/config.ts";
import { RESTART_PRE, runCli, withHooks, withTempDir } from "./helpers.ts";

function configError(text: string, pattern: RegExp) {
  assert.throws(() => parseConfigText(text, "c.jsonc"), (error: unknown) => {
    assert.ok(error instanceof ConfigError, `a ConfigError, got ${error}`);
    assert.equal(error.exitCode, 2);
    assert.match(error.message, pattern);
    return true;
  });
}

const noEnv = { get: () => undefined };

Deno.test("parseConfigText() accepts comments, trailing commas and every key", () => {
  const config = parseConfigText(
    `{
      // the hooks
      "hooksDir": "/opt/hooks",
      "timeoutMs": 30000, /* half a minute */
      "killGraceMs": 500,
      "mode": "serial",
      "maxParallel": 4,
      "maxOutputBytes": 65536,
      "journal": { "path": "/srv/j.jsonl", "maxBytes": 1000000, "keep": 2, },
      "env": { "passthrough": ["http_proxy"], "set": { "SITE": "dc1" } },
      "allowInsecure": true,
      "actions": { "backup-create": { "description": "b", "data": { "uuid": "uuid", "note": "string" } } },
    }`,
    "c.jsonc",
  );
  assert.equal(config.timeoutMs, 30000);
  assert.deepEqual(config.journal, { path: "/srv/j.jsonl", maxBytes: 1000000, keep: 2 });
  assert.deepEqual(config.actions?.["backup-create"].data, { uuid: "uuid", note: "string" });
});

Deno.test("parseConfigText() reports each wrong type with its line and column", () => {
  configError(
    '{\n  "timeoutMs": "60s"\n}',
    /c\.jsonc: line 2, column 16: timeoutMs must be a number, not string "60s"/,
  );
  configError(
    '{\n  "timeoutMs": 0\n}',
    /line 2, column 16: timeoutMs must be at least 1, not number 0/,
  );
  configError('{\n  "killGraceMs": 1.5\n}', /line 2, column 18: killGraceMs must be an integer/);
  configError(
    '{\n  "mode": "fast"\n}',
    /line 2, column 11: mode must be one of "parallel", "serial", not string "fast"/,
  );
  configError('{\n  "maxParallel": -1\n}', /line 2, column 18: maxParallel must be at least 0/);
  configError(
    '{\n  "allowInsecure": "yes"\n}',
    /line 2, column 20: allowInsecure must be a boolean/,
  );
  configError(
    '{\n  "journal": { "keep": "3" }\n}',
    /line 2, column 24: journal\.keep must be a number/,
  );
  configError(
    '{\n  "env": { "set": { "SITE": 1 } }\n}',
    /line 2, column 29: env\.set\.SITE must be a string/,
  );
  configError(
    '{\n  "env": { "passthrough": ["ok", "bad name"] }\n}',
    /line 2, column 34: env\.passthrough\[1\] must match/,
  );
  configError(
    '{\n  "hooksDir": []\n}',
    /line 2, column 15: hooksDir must be a string, not an array/,
  );
});

Deno.test("parseConfigText() names unknown keys, nested ones too, with a suggestion when one is close", () => {
  configError(
    '{\n  "timeout": 5\n}',
    /line 2, column 3: unknown key "timeout" \(did you mean timeoutMs\?\)/,
  );
  configError(
    '{\n  "journal": { "mxBytes": 1 }\n}',
    /line 2, column 16: unknown key "journal\.mxBytes" \(did you mean maxBytes\?\)/,
  );
  configError('{"__proto__": {"polluted": 1}}', /line 1, column 2: unknown key "__proto__"$/);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

Deno.test("parseConfigText() reports syntax errors, duplicates and bad actions with line and column", () => {
  configError('{\n  "timeoutMs": 5 "mode": "serial"\n}', /line 2, column 18: expected a comma/);
  configError("[]", /line 1, column 1: the config must be a JSON object/);
  configError(
    '{"hooksDir": "/a",\n "hooksDir": "/b"}',
    /line 2, column 2: key "hooksDir" appears twice/,
  );
  configError(
    '{\n  "actions": { "server-start": { "data": {} } }\n}',
    /line 2, column 16: action "server-start" is built in and cannot be redefined/,
  );
  configError(
    '{\n  "actions": { "x-y": { "data": { "uuid": "guid" } } }\n}',
    /line 2, column 43: actions\.x-y\.data\.uuid must be a field type: uuid, virtualization_type/,
  );
});

Deno.test("readConfigFile() is fine with a missing default file and refuses a missing named one", async () => {
  assert.equal(await readConfigFile("/nonexistent/config.jsonc", false), null);
  await assert.rejects(
    () => readConfigFile("/nonexistent/config.jsonc", true),
    /cannot read config file .*: no such file/,
  );
});

Deno.test("resolveSettings() puts flags over environment over the file over the defaults", async () => {
  await withTempDir(async (dir) => {
    const config = join(dir, "config.jsonc");
    await Deno.writeTextFile(
      config,
      '{ "hooksDir": "from-file", "timeoutMs": 1111, "mode": "parallel", "journal": { "path": "j.jsonl", "keep": 9 } }',
    );
    const env: Record<string, string> = {
      SOLUS_HOOKS_CONFIG: config,
      SOLUS_HOOKS_DIR: "/from/env",
      SOLUS_HOOKS_JOURNAL: "/env/journal.jsonl",
    };
    const fromEnv = await resolveSettings({}, { get: (name) => env[name] });
    assert.equal(fromEnv.configPath, config);
    assert.equal(fromEnv.hooksDir, "/from/env", "environment beats the file");
    assert.equal(fromEnv.journal.path, "/env/journal.jsonl");
    assert.equal(fromEnv.timeoutMs, 1111, "the file beats the defaults");
    assert.equal(fromEnv.journal.keep, 9);
    assert.equal(fromEnv.killGraceMs, DEFAULT_SETTINGS.killGraceMs);

    const fromFlags = await resolveSettings(
      {
        dir: "/from/flag",
        timeoutMs: 2222,
        journal: "/flag/j.jsonl",
        serial: true,
        noJournal: true,
      },
      { get: (name) => env[name] },
    );
    assert.deepEqual(
      [
        fromFlags.hooksDir,
        fromFlags.timeoutMs,
        fromFlags.journal.path,
        fromFlags.mode,
        fromFlags.journal.enabled,
      ],
      ["/from/flag", 2222, "/flag/j.jsonl", "serial", false],
    );

    const fileOnly = await resolveSettings({ config }, noEnv);
    assert.equal(
      fileOnly.hooksDir,
      join(dir, "from-file"),
      "relative paths in the file are relative to it",
    );
    assert.equal(fileOnly.journal.path, join(dir, "j.jsonl"));
  });
});

Deno.test("resolveSettings() gives the contract's defaults without a config file", async () => {
  const settings = await resolveSettings({ config: undefined }, { get: () => undefined });
  if (settings.configPath === null) {
    assert.deepEqual(settings, DEFAULT_SETTINGS);
  }
});

Deno.test("the config file's env, mode and actions reach a run through the CLI", async () => {
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
