/**
 * The command line as a user or the platform runs it: a real subprocess
 * (`deno run main.ts`, or whatever `SOLUS_HOOKS_CMD` names), real hooks.
 */
import assert from "node:assert/strict";
import denoJson from "../deno.json" with { type: "json" };
import { join } from "node:path";
import {
  canRun,
  onTerminal,
  RESTART_PRE,
  runCli,
  sleep,
  spawnCli,
  survivorsOf,
  timed,
  waitForFile,
  withHooks,
  withTempDir,
} from "./helpers.ts";

const EVENT = JSON.stringify(RESTART_PRE);
const NO_JOURNAL = ["--no-journal"];

timed.test("run reads the event from stdin, --event and --event-file alike", async () => {
  await withHooks({ "cat.sh": "#!/bin/sh\ncat\n" }, async (dir) => {
    const file = join(dir, ".event.json");
    await Deno.writeTextFile(file, EVENT);
    for (
      const [args, stdin] of [
        [["run"], EVENT],
        [["run", "--event", EVENT], undefined],
        [["run", "--event-file", file], undefined],
        [["run", "--event-file", "-"], EVENT],
      ] as const
    ) {
      const result = await runCli([...args, "--dir", dir, "--json", ...NO_JOURNAL], { stdin });
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout);
      assert.equal(report.hooks[0].stdout, EVENT);
      assert.equal(report.ok, true);
      assert.deepEqual(report.skipped, [{
        name: ".event.json",
        reason: "hidden file (name starts with a dot)",
        kind: "hidden",
        refused: false,
      }]);
    }
  });
});

timed.test("run --json prints one report with every field of the contract", async () => {
  await withHooks(
    { "ok.sh": "#!/bin/sh\necho out\necho err >&2\n", "notes.txt": "not a hook" },
    async (dir) => {
      const result = await runCli(["run", "--dir", dir, "--json", ...NO_JOURNAL], { stdin: EVENT });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.trim().split("\n").length, 1, "one line of JSON");
      const report = JSON.parse(result.stdout);
      for (
        const key of [
          "run_id",
          "event_id",
          "event",
          "started_at",
          "duration_ms",
          "ok",
          "interrupted",
          "hooks",
          "skipped",
        ]
      ) {
        assert.ok(key in report, `report has ${key}`);
      }
      assert.deepEqual(report.event, RESTART_PRE);
      const [hook] = report.hooks;
      assert.deepEqual(
        [
          hook.name,
          hook.status,
          hook.exit_code,
          hook.signal,
          hook.stdout,
          hook.stderr,
          hook.stdout_bytes,
          hook.stderr_bytes,
        ],
        ["ok.sh", "ok", 0, null, "out\n", "err\n", 4, 4],
      );
      assert.equal(report.skipped[0].name, "notes.txt");
      assert.match(result.stderr, /ok\.sh/, "human lines still go to stderr");
    },
    { "notes.txt": 0o644 },
  );
});

timed.test("run exits 1 when a hook fails, times out, cannot start or is refused", async () => {
  const cases: Record<string, [Record<string, string>, Record<string, number>]> = {
    fails: [{ "f.sh": "#!/bin/sh\nexit 4\n" }, {}],
    "times out": [{ "t.sh": "#!/bin/sh\nsleep 30\n" }, {}],
    "cannot start": [{ "s.sh": "#!/no/such/interpreter\n" }, {}],
    "is refused": [{ "r.sh": "#!/bin/sh\nexit 0\n" }, { "r.sh": 0o777 }],
  };
  for (const [what, [files, modes]] of Object.entries(cases)) {
    await withHooks(files, async (dir) => {
      const result = await runCli(["run", "--dir", dir, "--timeout", "500", ...NO_JOURNAL], {
        stdin: EVENT,
      });
      assert.equal(result.code, 1, `a hook that ${what}: ${result.stderr}`);
      assert.match(result.stderr, /failed/);
    }, modes);
  }
});

timed.test("run exits 0 with zero hooks for a missing directory", async () => {
  const result = await runCli(["run", "--dir", "/nonexistent/hooks", ...NO_JOURNAL], {
    stdin: EVENT,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /0 hooks/);
});

timed.test("bad input exits 2 with one clear line and no stack trace", async () => {
  const cases: [string[], string | undefined, RegExp][] = [
    [
      ["run"],
      '{"action": "server-restart", "stage": "pre",\n "data": {]}',
      /not valid JSON: line 2, column 11/,
    ],
    [["run"], "", /event on stdin is empty/],
    [
      ["run", "--strict"],
      '{"action":"server-restat","stage":"pre","data":{}}',
      /unknown action "server-restat" \(did you mean server-restart\?\)/,
    ],
    [
      ["run", "--strict"],
      '{"action":"server-restart","stage":"pre","data":{"uuid":"c7ee19aa-2722-4139-9223-60ed4baf09e2"}}',
      /missing data\.virtualization_type/,
    ],
    [
      ["run", "--strict"],
      '{"action":"server-restart","stage":"pre","data":{"uuid":"c7ee19aa-2722-4139-9223-60ed4baf09e2","virtualization_type":"kvm","hostname":"x"}}',
      /unexpected key data\.hostname/,
    ],
    [
      ["run", "--strict"],
      '{"action":"server-restart","stage":"pre","data":{"uuid":"c7ee19aa-2722-4139-9223-60ed4baf09e2","virtualization_type":5}}',
      /data\.virtualization_type must be one of "kvm", "vz", not number 5/,
    ],
    [
      ["run"],
      '{"action":"server-restart","stage":"later","data":{}}',
      /"stage" must be "pre" or "post"/,
    ],
    [
      ["run", "--strict"],
      '{"action":"server-restart","stage":"pre","data":{},"extra":1}',
      /unknown top-level key "extra"/,
    ],
    [
      ["run", "--evnt", "{}"],
      undefined,
      /unknown option --evnt for run \(did you mean --event\?\)/,
    ],
    [["run", "--timeout", "soon"], EVENT, /--timeout: "soon" is not /],
    [
      ["run", "--event-file", "/nonexistent/event.json"],
      undefined,
      /cannot read event file \/nonexistent\/event.json: no such file/,
    ],
    [["runn"], undefined, /unknown command "runn" \(did you mean run\?\)/],
    [["run", "--config", "/nonexistent/config.jsonc"], EVENT, /nonexistent\/config\.jsonc/],
    [["sample", "server-restat"], undefined, /did you mean server-restart\?/],
  ];
  for (const [args, stdin, expected] of cases) {
    const result = await runCli([...args, "--dir", "/nonexistent/hooks", ...NO_JOURNAL], { stdin });
    assert.equal(result.code, 2, `${args.join(" ")} ${stdin}: ${result.stderr}`);
    assert.match(result.stderr, expected);
    assert.doesNotMatch(result.stderr, / {4}at |Stack backtrace|error: Uncaught/, "no stack trace");
    assert.equal(result.stderr.trim().split("\n").length, 1, `one line: ${result.stderr}`);
  }
});

timed.test("a bad config file exits 2 naming its line and column", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const config = join(dir, "config.jsonc");
    await Deno.writeTextFile(config, '{\n  // comment\n  "timeoutMs": "soon",\n}\n');
    const result = await runCli(["run", "--config", config, ...NO_JOURNAL], { stdin: EVENT });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /line 3, column \d+/);
    assert.match(result.stderr, /timeoutMs/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

timed.test("sample prints a valid event that run accepts; actions and schema come from the registry", async () => {
  const sample = await runCli(["sample", "server-create", "--stage", "post"]);
  assert.equal(sample.code, 0, sample.stderr);
  const event = JSON.parse(sample.stdout);
  assert.deepEqual(Object.keys(event.data).sort(), [
    "hostname",
    "ip_addresses",
    "uuid",
    "virtualization_type",
  ]);
  assert.equal(event.stage, "post");
  const again = await runCli(["sample", "server-create"]);
  assert.notEqual(JSON.parse(again.stdout).data.uuid, event.data.uuid, "a fresh UUID each time");
  const run = await runCli(["run", "--dir", "/nonexistent/hooks", ...NO_JOURNAL], {
    stdin: sample.stdout,
  });
  assert.equal(run.code, 0, run.stderr);

  const composite = await runCli(["sample", "server-create", "--event"]);
  const actions = JSON.parse(composite.stdout).map((e: { action: string }) => e.action);
  assert.deepEqual(actions, ["server-create", "server-network-create"]);

  const list = await runCli(["actions", "--json"]);
  const names = JSON.parse(list.stdout).map((a: { action: string }) => a.action);
  assert.equal(names.length, 10);
  assert.ok(names.includes("server-network-update"));

  const schema = JSON.parse((await runCli(["schema"])).stdout);
  assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
  const restart = schema.oneOf.find((b: { properties: { action: { const: string } } }) =>
    b.properties.action.const === "server-restart"
  );
  assert.deepEqual(restart.properties.data.required, ["uuid", "virtualization_type"]);
  assert.equal(restart.properties.data.additionalProperties, false);
});

timed.test("--help and --version work for the tool and each command", async () => {
  const top = await runCli(["--help"]);
  assert.equal(top.code, 0);
  assert.match(top.stdout, /Commands:/);
  const run = await runCli(["run", "--help"]);
  assert.equal(run.code, 0);
  assert.match(run.stdout, /Usage: solus-hooks run/);
  assert.match(run.stdout, /--no-journal/);
  // deno.json is the one source of the version: the CLI and every build print it.
  const version = await runCli(["--version"]);
  assert.equal(version.code, 0);
  assert.equal(version.stdout, `solus-hooks ${denoJson.version}\n`);
});

for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
  timed.test(`run exits ${code} on ${signal}, kills every hook process, even one that left its group, and reports interrupted`, async () => {
    await withHooks({
      "a.sh": "#!/bin/sh\necho $SOLUS_HOOK_RUN_ID > .run-id\nsleep 30 &\nsleep 30\n",
      "b.sh": "#!/bin/sh\ntrap '' TERM INT\ntouch .b-started\nwhile :; do sleep 0.1; done\n",
      "c.sh": "#!/bin/sh\nsetsid sh -c 'touch .c-escaped; exec sleep 30' &\nsleep 30\n",
    }, async (dir) => {
      const child = spawnCli([
        "run",
        "--dir",
        dir,
        "--json",
        "--event",
        EVENT,
        ...NO_JOURNAL,
      ]);
      // Signal the runner once every hook is where the test needs it: b
      // ignoring the signals, c's escapee running in its own session.
      const runId = await waitForFile(join(dir, ".run-id"), { nonEmpty: true });
      await waitForFile(join(dir, ".b-started"));
      await waitForFile(join(dir, ".c-escaped"));
      child.kill(signal);
      const output = await child.output();
      assert.equal(output.code, code, new TextDecoder().decode(output.stderr));
      const report = JSON.parse(new TextDecoder().decode(output.stdout));
      assert.equal(report.interrupted, true);
      assert.equal(report.ok, false);
      assert.deepEqual(await survivorsOf(runId), [], "no hook process outlives the runner");
    });
  });
}

timed.test({
  name:
    "run shows which hooks still run on a terminal, in colour unless NO_COLOR (needs script(1) for a pty)",
  ignore: !canRun("script") || Deno.env.get("SOLUS_HOOKS_CMD") !== undefined,
  fn: async () => {
    await withHooks(
      { "slow.sh": "#!/bin/sh\nsleep 1.8\n", "quick.sh": "#!/bin/sh\nexit 0\n" },
      async (dir) => {
        const args = ["run", "--dir", dir, "--no-journal", "--event", EVENT];
        // A terminal that shows colour whatever the caller's TERM (TERM=dumb means no colour).
        const colour = await onTerminal(args, { env: { TERM: "xterm" } });
        assert.match(colour, /server-restart pre: waiting 1 s for slow\.sh/);
        const ESC = "\x1b";
        assert.ok(colour.includes(`${ESC}[32mok`), "green on a terminal");
        const plain = await onTerminal(args, { env: { TERM: "xterm", NO_COLOR: "1" } });
        assert.match(plain, /waiting 1 s for slow\.sh/);
        assert.ok(!plain.includes(`${ESC}[3`), "no colour with NO_COLOR");
        const piped = await runCli(args, { env: { NO_COLOR: "" } });
        assert.ok(
          !piped.stderr.includes("waiting") && !piped.stderr.includes(ESC),
          "nothing live and no colour when stderr is not a terminal",
        );
      },
    );
  },
});

timed.test("run kills every hook group at once on a second SIGINT instead of waiting out the grace", async () => {
  await withTempDir(async (configDir) => {
    // A long grace, so that only the second SIGINT can end the run early.
    const config = join(configDir, "config.jsonc");
    await Deno.writeTextFile(config, '{ "killGraceMs": 15000 }\n');
    await withHooks({
      "a.sh":
        "#!/bin/sh\ntrap '' TERM INT\necho $SOLUS_HOOK_RUN_ID > .run-id\nwhile :; do sleep 0.1; done\n",
      "b.sh":
        "#!/bin/sh\ntrap '' TERM INT\nsh -c \"trap '' TERM; while :; do sleep 0.1; done\" &\ntouch .b-started\nwait\n",
    }, async (dir) => {
      const child = spawnCli([
        "run",
        "--dir",
        dir,
        "--config",
        config,
        "--json",
        "--event",
        EVENT,
        ...NO_JOURNAL,
      ]);
      let exited = false;
      child.status.then(() => exited = true);
      const runId = await waitForFile(join(dir, ".run-id"), { nonEmpty: true });
      await waitForFile(join(dir, ".b-started"));
      child.kill("SIGINT");
      await sleep(500);
      assert.equal(exited, false, "after one SIGINT the runner waits out the grace");
      const second = performance.now();
      child.kill("SIGINT");
      const output = await child.output();
      const ms = performance.now() - second;
      assert.equal(output.code, 130, new TextDecoder().decode(output.stderr));
      assert.ok(
        ms < 5000,
        `exited ${Math.round(ms)} ms after the second SIGINT (grace 15000 ms)`,
      );
      const report = JSON.parse(new TextDecoder().decode(output.stdout));
      assert.equal(report.interrupted, true);
      assert.deepEqual(report.hooks.map((h: { status: string }) => h.status), [
        "failed",
        "failed",
      ]);
      assert.deepEqual(await survivorsOf(runId), [], "no hook process outlives the runner");
    });
  });
});

timed.test("run --quiet prints only what failed, and nothing when all is well", async () => {
  await withHooks({
    "1-ok.sh": "#!/bin/sh\necho fine\n",
    "2-fails.sh": "#!/bin/sh\necho broken >&2\nexit 3\n",
    "notes.txt": "not a hook\n",
  }, async (dir) => {
    const args = ["run", "--dir", dir, "--event", EVENT, ...NO_JOURNAL];
    const loud = await runCli(args);
    assert.equal(loud.code, 1, loud.stderr);
    assert.match(loud.stderr, /1-ok\.sh/, "without --quiet the ok hook is listed");
    assert.match(loud.stderr, /notes\.txt/, "and so is the skipped file");
    for (const flag of ["--quiet", "-q"]) {
      const quiet = await runCli([...args, flag]);
      assert.equal(quiet.code, 1, quiet.stderr);
      assert.match(quiet.stderr, /FAILED\s+2-fails\.sh .*exit 3: broken/);
      assert.match(quiet.stderr, /server-restart pre: failed/);
      assert.doesNotMatch(quiet.stderr, /1-ok\.sh/, `${flag}: no line for an ok hook`);
      assert.doesNotMatch(quiet.stderr, /notes\.txt/, `${flag}: no line for a skipped file`);
    }
  }, { "notes.txt": 0o644 });
  await withHooks({ "ok.sh": "#!/bin/sh\necho fine\n" }, async (dir) => {
    const quiet = await runCli([
      "run",
      "--dir",
      dir,
      "--quiet",
      "--json",
      "--event",
      EVENT,
      ...NO_JOURNAL,
    ]);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stderr, "", "nothing on stderr when every hook succeeded");
    assert.equal(
      JSON.parse(quiet.stdout).hooks[0].stdout,
      "fine\n",
      "--json still prints the report",
    );
  });
});
