/**
 * An action the config file adds is a full action (contract §6): `sample`,
 * `schema`, `actions`, `test` and `run` know it, and the repository's SDK hook
 * does not fail on it. Through the command line (`SOLUS_HOOKS_CMD`, so
 * `deno task test-bundle` runs these against the bundle too).
 */
import assert from "node:assert/strict";
import { ROOT, runCli, withTempDir, writeConfig } from "./helpers.ts";

const CONFIG = {
  actions: {
    "backup-create": {
      description: "a backup is taken",
      data: { uuid: "uuid", note: "string" },
    },
  },
};
const AUDIT = `${ROOT}examples/hooks/30-audit.ts`;

function cli(args: string[], options: { stdin?: string } = {}) {
  return runCli(args, { ...options, timeoutMs: 90_000 });
}

async function withConfig(fn: (config: string) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => await fn(await writeConfig(dir, CONFIG)));
}

Deno.test("sample, schema and actions know an action the config adds", async () => {
  await withConfig(async (config) => {
    const sample = await cli(["sample", "backup-create", "--stage", "post", "--config", config]);
    assert.equal(sample.code, 0, sample.stderr);
    const event = JSON.parse(sample.stdout);
    assert.equal(event.action, "backup-create");
    assert.equal(event.stage, "post");
    assert.deepEqual(Object.keys(event.data).sort(), ["note", "uuid"]);

    const schema = await cli(["schema", "--config", config]);
    assert.equal(schema.code, 0, schema.stderr);
    assert.ok(
      schema.stdout.includes('"const": "backup-create"'),
      "the schema has a branch for backup-create",
    );

    const actions = await cli(["actions", "--json", "--config", config]);
    assert.equal(actions.code, 0, actions.stderr);
    assert.match(actions.stdout, /"backup-create"/);
  });
});

Deno.test("test and run give an action the config adds to every hook, and the SDK hook without a handler for it passes", async () => {
  await withConfig(async (config) => {
    const tested = await cli([
      "test",
      AUDIT,
      "--action",
      "backup-create",
      "--action",
      "server-restart",
      "--config",
      config,
      "--json",
    ]);
    assert.equal(tested.code, 0, tested.stderr);
    const matrix = JSON.parse(tested.stdout);
    assert.equal(matrix.ok, true, tested.stdout);
    assert.deepEqual(
      matrix.results.map((r: { action: string; stage: string; status: string }) =>
        `${r.action} ${r.stage} ${r.status}`
      ),
      [
        "backup-create pre ok",
        "backup-create post ok",
        "server-restart pre ok",
        "server-restart post ok",
      ],
    );

    const sample = await cli(["sample", "backup-create", "--config", config]);
    const run = await cli([
      "run",
      "--dir",
      `${ROOT}examples/hooks`,
      "--config",
      config,
      "--no-journal",
      "--json",
    ], { stdin: sample.stdout });
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.deepEqual(
      report.hooks.map((hook: { name: string; status: string }) => `${hook.name} ${hook.status}`),
      ["10-log.sh ok", "30-audit.ts ok"],
    );
    // 20-dispatch.py's directive names the actions it is for: a config action is not one.
    assert.deepEqual(
      report.skipped.map((skip: { name: string; kind: string }) => `${skip.name} ${skip.kind}`),
      ["20-dispatch.py not_for"],
    );
  });
});
