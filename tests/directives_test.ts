/**
 * Per-hook directives: `# solus-hooks: actions=... stages=... timeout=...` in a
 * hook's first lines, and the config's `hooks` key that wins over it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseDirectives, readDirectives } from "../lib/hooks/directives.ts";
import { discoverHooks } from "../lib/hooks/discovery.ts";
import { cli, configFile, CREATE_POST, put, RESTART, withDir } from "./verdict_helpers.ts";

const ACTIONS = ["server-create", "server-restart", "server-network-create", "server-stop"];

// ---------------------------------------------------------------------------
// The line

Deno.test("parseDirectives() reads every comment marker, and lines add up", () => {
  for (const marker of ["#", "//", "--", ";", "  #"]) {
    assert.deepEqual(
      parseDirectives(`${marker} solus-hooks: actions=server-create,server-network-* stages=post`),
      {
        ok: true,
        directives: { actions: ["server-create", "server-network-*"], stages: ["post"] },
      },
      marker,
    );
  }
  assert.deepEqual(
    parseDirectives("#!/bin/sh\n#solus-hooks: stages=pre\r\n# solus-hooks: timeout=1.5s\n"),
    { ok: true, directives: { stages: ["pre"], timeoutMs: 1500 } },
  );
  assert.deepEqual(parseDirectives("#!/bin/sh\necho solus-hooks: timeout=x\n"), {
    ok: true,
    directives: {},
  });
  assert.deepEqual(parseDirectives("# solus-hooks: timeout=500ms"), {
    ok: true,
    directives: { timeoutMs: 500 },
  });
  assert.deepEqual(parseDirectives("-- solus-hooks: timeout=2m"), {
    ok: true,
    directives: { timeoutMs: 120_000 },
  });
});

Deno.test("parseDirectives() counts only the first 20 lines", () => {
  const line = "# solus-hooks: stages=post\n";
  assert.deepEqual(parseDirectives("\n".repeat(19) + line).ok, true);
  assert.deepEqual(parseDirectives("\n".repeat(19) + line), {
    ok: true,
    directives: { stages: ["post"] },
  });
  assert.deepEqual(parseDirectives("\n".repeat(20) + line), { ok: true, directives: {} });
});

Deno.test("parseDirectives() refuses an unknown key, a bad value, a key given twice, naming the line", () => {
  const cases: [string, string][] = [
    ["# solus-hooks: timout=1s", 'line 1: unknown key "timout" (did you mean timeout?)'],
    [
      "# solus-hooks: colour=red",
      'line 1: unknown key "colour" (the keys are actions, stages and timeout)',
    ],
    [
      "\n# solus-hooks: timeout=10",
      'line 2: timeout "10" is not a time limit such as 500ms, 10s or 2m',
    ],
    ["# solus-hooks: timeout=0s", 'line 1: timeout "0s" must be between 1ms and 1440m'],
    ["# solus-hooks: stages=during", 'line 1: stages: "during" is not pre or post'],
    ["# solus-hooks: stages=", "line 1: stages has no value"],
    ["# solus-hooks: actions=server-create,", 'line 1: actions "server-create," has an empty item'],
    [
      "# solus-hooks: actions=Server_Create",
      'line 1: actions: "Server_Create" is not an action name or pattern (lower-case letters, digits, - and *)',
    ],
    ["# solus-hooks: post", 'line 1: "post" is not key=value'],
    ["# solus-hooks: stages=pre\n# solus-hooks: stages=post", "line 2: stages is given twice"],
  ];
  for (const [text, error] of cases) {
    assert.deepEqual(parseDirectives(text, ACTIONS), { ok: false, error }, text);
  }
  // With the registry's names, a pattern that matches no action is a mistake.
  assert.deepEqual(parseDirectives("# solus-hooks: actions=server-crate", ACTIONS), {
    ok: false,
    error: 'line 1: actions: "server-crate" matches no action (did you mean server-create?)',
  });
  assert.equal(parseDirectives("# solus-hooks: actions=backup-*", ACTIONS).ok, false);
  assert.equal(parseDirectives("# solus-hooks: actions=server-*", ACTIONS).ok, true);
});

Deno.test("readDirectives() reads a bounded head and never judges a line the bound cut", async () => {
  await withDir(0o755, async (dir) => {
    // The directive line straddles the byte bound: not read, not judged.
    const cut = await put(dir, "cut", "#".repeat(8180) + "\n# solus-hooks: timeout=10s\n");
    assert.deepEqual(readDirectives(cut), { ok: true, directives: {} });
    const whole = await put(dir, "whole", "#!/bin/sh\n# solus-hooks: timeout=10s");
    assert.deepEqual(readDirectives(whole), { ok: true, directives: { timeoutMs: 10_000 } });
    // A huge file is not read whole: only its head.
    const big = await put(
      dir,
      "big",
      "#!/bin/sh\n# solus-hooks: stages=pre\n" + "x".repeat(4 << 20),
    );
    assert.deepEqual(readDirectives(big), { ok: true, directives: { stages: ["pre"] } });
  });
});

Deno.test("discoverHooks() puts the directive on the hook, the config's entry over it, and refuses a bad one", async () => {
  await withDir(0o755, async (dir) => {
    await put(
      dir,
      "10-create",
      "#!/bin/sh\n# solus-hooks: actions=server-create stages=post timeout=10s\n",
    );
    await put(dir, "20-bad", "#!/bin/sh\n# solus-hooks: stages=post timout=1s\n");
    await put(dir, "30-compiled", "#!/bin/sh\n");
    await put(dir, "40-off", "#!/bin/sh\n");
    await put(dir, "50-off.disabled", "#!/bin/sh\n");
    const found = await discoverHooks(dir, {
      actions: ACTIONS,
      rules: {
        "10-create": { timeoutMs: 5000 },
        "30-compiled": { actions: ["server-network-*"], stages: ["pre"] },
        "40-off": { enabled: false },
      },
    });
    assert.deepEqual(found.hooks, [
      {
        name: "10-create",
        path: join(dir, "10-create"),
        target: null,
        actions: ["server-create"],
        stages: ["post"],
        timeoutMs: 5000,
      },
      {
        name: "30-compiled",
        path: join(dir, "30-compiled"),
        target: null,
        actions: ["server-network-*"],
        stages: ["pre"],
      },
    ]);
    assert.deepEqual(found.skipped, [
      {
        name: "20-bad",
        reason: 'bad directive: line 2: unknown key "timout" (did you mean timeout?)',
        kind: "bad_directive",
        refused: true,
      },
      {
        name: "40-off",
        reason: "disabled by the config (its hooks entry says enabled: false)",
        kind: "disabled",
        refused: false,
      },
      { name: "50-off.disabled", reason: "disabled", kind: "disabled", refused: false },
    ]);
    // A config entry naming no action is refused like a bad directive.
    const typo = await discoverHooks(dir, {
      actions: ACTIONS,
      rules: { "30-compiled": { actions: ["server-netwrk-create"] } },
    });
    assert.deepEqual(
      typo.skipped.find((s) => s.name === "30-compiled"),
      {
        name: "30-compiled",
        reason:
          'bad hooks entry in the config: actions: "server-netwrk-create" matches no action (did you mean server-network-create?)',
        kind: "bad_directive",
        refused: true,
      },
    );
  });
});

// ---------------------------------------------------------------------------
// Through the CLI

const SLEEPER = "#!/bin/sh\n# solus-hooks: timeout=1s\necho started\nexec sleep 30\n";

Deno.test("run skips a hook not meant for the event as not_for, which is no failure", async () => {
  await withDir(0o755, async (dir) => {
    await put(dir, "10-all", "#!/bin/sh\ncat >/dev/null\n");
    await put(
      dir,
      "20-create-post",
      "#!/bin/sh\n# solus-hooks: actions=server-create stages=post\ntouch ran\n",
    );
    const restart = await cli(["run", "--dir", dir, "--no-journal", "--json", "--event", RESTART]);
    assert.equal(restart.code, 0, restart.stderr);
    const report = JSON.parse(restart.stdout);
    assert.equal(report.ok, true);
    assert.deepEqual(report.hooks.map((h: { name: string }) => h.name), ["10-all"]);
    assert.deepEqual(report.skipped, [{
      name: "20-create-post",
      reason: "not for server-restart pre",
      kind: "not_for",
      refused: false,
    }]);
    const create = await cli([
      "run",
      "--dir",
      dir,
      "--no-journal",
      "--json",
      "--event",
      CREATE_POST,
    ]);
    assert.equal(create.code, 0, create.stderr);
    assert.deepEqual(JSON.parse(create.stdout).hooks.map((h: { name: string }) => h.name), [
      "10-all",
      "20-create-post",
    ]);
  });
});

Deno.test("run kills a hook at its own timeout while the stage deadline is longer", async () => {
  await withDir(0o755, async (dir) => {
    await put(dir, "10-sleeps", SLEEPER);
    await put(dir, "20-quick", '#!/bin/sh\necho "$SOLUS_HOOK_DEADLINE"\nsleep 2\n');
    const run = await cli(
      ["run", "--dir", dir, "--no-journal", "--json", "--timeout", "20000", "--event", RESTART],
      { timeoutMs: 15_000 },
    );
    assert.equal(run.code, 1, run.stderr);
    const report = JSON.parse(run.stdout);
    const [sleeps, quick] = report.hooks;
    assert.equal(sleeps.status, "timed_out");
    assert.equal(sleeps.signal, "SIGTERM");
    assert.equal(sleeps.stdout, "started\n");
    assert.ok(sleeps.duration_ms >= 900 && sleeps.duration_ms < 5000, `${sleeps.duration_ms} ms`);
    assert.match(sleeps.error, /own time limit \(timeout=1s\)/);
    // The other hook keeps the stage's deadline, and outlives the sleeper's limit.
    assert.equal(quick.status, "ok");
    const stageDeadline = Date.parse(report.started_at) + 20_000;
    assert.ok(Math.abs(Number(quick.stdout) - stageDeadline) < 50, quick.stdout);
    assert.ok(report.duration_ms < 10_000, `${report.duration_ms} ms`);
  });
});

Deno.test("the config's timeoutMs wins over the file's timeout", async () => {
  await withDir(0o755, async (dir) => {
    await put(dir, "10-sleeps", SLEEPER);
    const config = await configFile({ hooks: { "10-sleeps": { timeoutMs: 300 } } });
    const run = await cli(["run", "--dir", dir, "--no-journal", "--json", "--event", RESTART], {
      config,
      timeoutMs: 15_000,
    });
    const [hook] = JSON.parse(run.stdout).hooks;
    assert.equal(hook.status, "timed_out");
    assert.ok(hook.duration_ms < 900, `${hook.duration_ms} ms: killed at 300 ms, not at 1 s`);
  });
});

Deno.test("a bad directive refuses the hook in run and is an error in check", async () => {
  await withDir(0o755, async (dir) => {
    await put(dir, "10-ok", "#!/bin/sh\n");
    await put(dir, "20-bad", "#!/bin/sh\n# solus-hooks: stages=post timeout=soon\ntouch ran\n");
    const run = await cli(["run", "--dir", dir, "--no-journal", "--json", "--event", RESTART]);
    assert.equal(run.code, 1, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.deepEqual(report.skipped, [{
      name: "20-bad",
      reason: 'bad directive: line 2: timeout "soon" is not a time limit such as 500ms, 10s or 2m',
      kind: "bad_directive",
      refused: true,
    }]);
    const check = await cli(["check", "--dir", dir, "--json"]);
    assert.equal(check.code, 1);
    const finding = JSON.parse(check.stdout).findings.find((f: { name: string }) =>
      f.name === "20-bad"
    );
    assert.equal(finding.severity, "error");
    assert.match(finding.problem, /^bad directive: line 2: timeout "soon".*: it will be refused$/);
    assert.match(finding.fix, /solus-hooks: actions=/);
  });
});

Deno.test("check, test, --dry-run and actions show what each hook is for", async () => {
  await withDir(0o755, async (dir) => {
    await put(dir, "10-all", "#!/bin/sh\ncat >/dev/null\n");
    const create = await put(
      dir,
      "20-create",
      "#!/bin/sh\n// not a directive\n# solus-hooks: actions=server-create,server-network-* stages=post timeout=10s\ncat >/dev/null\n",
    );
    const said = "actions server-create,server-network-*; stages post; timeout 10s";

    const check = await cli(["check", "--dir", dir]);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stderr, new RegExp(`20-create +${escape(said)}`));
    assert.match(check.stderr, /10-all +every action and stage/);
    const checkJson = JSON.parse((await cli(["check", "--dir", dir, "--json"])).stdout);
    assert.deepEqual(checkJson.rules[1], {
      name: "20-create",
      actions: ["server-create", "server-network-*"],
      stages: ["post"],
      timeout_ms: 10_000,
    });

    const plan = await cli(["run", "--dir", dir, "--dry-run", "--event", RESTART]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stderr, /1\. 10-all\n/);
    assert.match(
      plan.stderr,
      new RegExp(`skipped 20-create: not for server-restart pre +\\(${escape(said)}\\)`),
    );
    const planJson = JSON.parse(
      (await cli(["run", "--dir", dir, "--dry-run", "--json", "--event", CREATE_POST])).stdout,
    );
    assert.deepEqual(planJson.stages, [{
      action: "server-create",
      stage: "post",
      hooks: ["10-all", "20-create"],
      not_for: [],
    }]);

    const test = await cli([
      "test",
      create,
      "--action",
      "server-create",
      "--action",
      "server-stop",
    ]);
    assert.equal(test.code, 0, test.stderr);
    assert.match(test.stderr, new RegExp(`20-create: ${escape(said)}`));
    assert.match(test.stderr, /server-create +not for it +ok 0/);
    assert.match(test.stderr, /server-stop +not for it +not for it/);
    assert.match(test.stderr, /1 run passed; 3 not for it \(its directive\)/);
    const testJson = JSON.parse((await cli(["test", create, "--json"])).stdout);
    assert.equal(testJson.results.length, 4, "server-create and the three network actions, post");
    assert.ok(testJson.results.every((r: { stage: string }) => r.stage === "post"));
    assert.equal(testJson.not_for.length, 16);

    const actions = await cli(["actions", "--dir", dir, "--json"]);
    assert.equal(actions.code, 0, actions.stderr);
    const byName = new Map(
      JSON.parse(actions.stdout).map((
        a: { action: string; hooks: unknown },
      ) => [a.action, a.hooks]),
    );
    assert.deepEqual(byName.get("server-network-update"), {
      pre: ["10-all"],
      post: ["10-all", "20-create"],
    });
    assert.deepEqual(byName.get("server-stop"), { pre: ["10-all"], post: ["10-all"] });
    const human = await cli(["actions", "--dir", dir]);
    assert.match(human.stdout, new RegExp(`20-create +${escape(said)}`));
  });
});

Deno.test("test holds a hook to its own timeout", async () => {
  await withDir(0o755, async (dir) => {
    const sleeper = await put(dir, "sleeps", SLEEPER);
    const test = await cli(
      [
        "test",
        sleeper,
        "--action",
        "server-stop",
        "--stage",
        "pre",
        "--json",
        "--timeout",
        "20000",
      ],
      { timeoutMs: 15_000 },
    );
    assert.equal(test.code, 1, test.stderr);
    const [result] = JSON.parse(test.stdout).results;
    assert.equal(result.status, "timed_out");
    assert.ok(result.duration_ms < 5000, `${result.duration_ms} ms`);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
