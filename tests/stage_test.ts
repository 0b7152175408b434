/**
 * The process contract, proven with real hooks in temporary directories:
 * stdin, environment, order, parallelism, the deadline, hostile hooks.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  createRegistry,
  type HookEvent,
  type RunReport,
  runStage,
  type StageOptions,
} from "../mod.ts";
import {
  killRun,
  RESTART_PRE,
  survivorsOf,
  timed,
  waitForFile,
  withHooks,
  withTempDir,
} from "./helpers.ts";

const EVENT_JSON = JSON.stringify(RESTART_PRE);

/** A registry with an action carrying a free string, to send events of any size. */
const blobRegistry = createRegistry({
  "blob-test": {
    description: "test action with a big string",
    data: { uuid: "uuid", note: "string" },
  },
});
function blobEvent(bytes: number) {
  return {
    action: "blob-test",
    stage: "pre" as const,
    data: { uuid: RESTART_PRE.data.uuid, note: "x".repeat(bytes) },
  };
}

/** The contract's bound on a stage's return, plus slack for a loaded 2-core machine. */
function bound(timeoutMs: number, graceMs: number): number {
  return timeoutMs + graceMs + 1000 + 1000;
}

/**
 * Run a stage of `event` with `options` under a run id of its own (unless
 * `options` names one): its report, the run id (for survivorsOf), and how long
 * the call took.
 */
async function timeStage(
  options: StageOptions,
  event: HookEvent = RESTART_PRE,
): Promise<{ report: RunReport; runId: string; elapsed: number }> {
  const runId = options.runId ?? crypto.randomUUID();
  const start = performance.now();
  const report = await runStage(event, { ...options, runId });
  return { report, runId, elapsed: performance.now() - start };
}

timed.test("runStage() gives shell, Python and shebang-less hooks the event on stdin byte for byte", async () => {
  await withHooks({
    "a-shell.sh": "#!/bin/sh\ncat\n",
    "b-python.py": "#!/usr/bin/env python3\nimport sys\nsys.stdout.write(sys.stdin.read())\n",
    "c-plain": "cat\n",
  }, async (dir) => {
    const report = await runStage(RESTART_PRE, { hooksDir: dir });
    assert.deepEqual(report.hooks.map((h) => [h.name, h.status]), [
      ["a-shell.sh", "ok"],
      ["b-python.py", "ok"],
      ["c-plain", "ok"],
    ]);
    for (const hook of report.hooks) {
      assert.equal(hook.stdout, EVENT_JSON, `${hook.name} got the event unchanged`);
      assert.equal(hook.stdout_bytes, new TextEncoder().encode(EVENT_JSON).byteLength);
    }
    assert.equal(report.ok, true);
  });
});

timed.test("runStage() gives hooks a clean environment with the SOLUS_HOOK_ variables", async () => {
  Deno.env.set("SOLUS_TEST_SECRET", "must-not-leak");
  Deno.env.set("SOLUS_TEST_PASSED", "passed-through");
  try {
    await withHooks({ "env.sh": "#!/bin/sh\nenv\npwd >&2\n" }, async (dir) => {
      const before = Date.now();
      const report = await runStage(RESTART_PRE, {
        hooksDir: dir,
        timeoutMs: 30_000,
        runId: "run-1",
        eventId: "event-1",
        env: { passthrough: ["SOLUS_TEST_PASSED"], set: { SITE: "dc1" } },
      });
      const env = Object.fromEntries(
        report.hooks[0].stdout.trim().split("\n").map((
          line,
        ) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
      );
      assert.equal(env.SOLUS_TEST_SECRET, undefined, "the caller's variables never reach a hook");
      assert.equal(env.SOLUS_TEST_PASSED, "passed-through");
      assert.equal(env.SITE, "dc1");
      assert.ok(env.PATH, "PATH passes through");
      assert.equal(env.SOLUS_HOOK_ACTION, "server-restart");
      assert.equal(env.SOLUS_HOOK_STAGE, "pre");
      assert.equal(env.SOLUS_HOOK_RUN_ID, "run-1");
      assert.equal(env.SOLUS_HOOK_EVENT_ID, "event-1");
      assert.equal(env.SOLUS_HOOK_DATA_UUID, RESTART_PRE.data.uuid);
      assert.equal(env.SOLUS_HOOK_DATA_VIRTUALIZATION_TYPE, "kvm");
      const deadline = Number(env.SOLUS_HOOK_DEADLINE);
      assert.ok(
        deadline >= before + 30_000 && deadline <= Date.now() + 30_000,
        `deadline ${deadline}`,
      );
      const allowed = new Set([
        "PATH",
        "HOME",
        "LANG",
        "LC_ALL",
        "TZ",
        "SOLUS_TEST_PASSED",
        "SITE",
        "PWD",
        "SHLVL",
        "_",
      ]);
      const stray = Object.keys(env).filter((name) =>
        !allowed.has(name) && !name.startsWith("SOLUS_HOOK_")
      );
      assert.deepEqual(stray, []);
      assert.equal(
        report.hooks[0].stderr.trim(),
        await Deno.realPath(dir),
        "working directory is the hooks directory",
      );
    });
  } finally {
    Deno.env.delete("SOLUS_TEST_SECRET");
    Deno.env.delete("SOLUS_TEST_PASSED");
  }
});

timed.test("runStage() joins arrays with spaces and leaves values over 64 KiB out of the environment", async () => {
  await withHooks(
    { "env.sh": '#!/bin/sh\necho "note=${SOLUS_HOOK_DATA_NOTE:-unset}"\nwc -c\n' },
    async (dir) => {
      const big = blobEvent(100 * 1024);
      const report = await runStage(big, { hooksDir: dir, registry: blobRegistry });
      assert.equal(report.hooks[0].status, "ok", report.hooks[0].error);
      const [line, count] = report.hooks[0].stdout.trim().split("\n");
      assert.equal(line, "note=unset");
      assert.equal(
        Number(count.trim()),
        JSON.stringify(big).length,
        "stdin still carries the whole event",
      );
    },
  );
  await withHooks(
    { "ips.sh": '#!/bin/sh\necho "$SOLUS_HOOK_DATA_IP_ADDRESSES"\n' },
    async (dir) => {
      const event = createRegistry().sample("server-create", "post");
      const report = await runStage(event, { hooksDir: dir });
      assert.equal(report.hooks[0].stdout.trim(), (event.data.ip_addresses as string[]).join(" "));
    },
  );
});

timed.test("runStage() starts hooks in byte-wise name order, in parallel by default", async () => {
  const log = await Deno.makeTempFile();
  const hook = (name: string) => `#!/bin/sh\necho ${name} >> ${log}\nsleep 0.6\n`;
  const names = ["b", "B", "a", "10", "9", "é"];
  try {
    await withHooks(Object.fromEntries(names.map((n) => [n, hook(n)])), async (dir) => {
      const parallel = await runStage(RESTART_PRE, { hooksDir: dir });
      assert.deepEqual(parallel.hooks.map((h) => h.name), ["10", "9", "B", "a", "b", "é"]);
      assert.ok(parallel.duration_ms < 6 * 600, `parallel took ${parallel.duration_ms} ms`);
      await Deno.writeTextFile(log, "");
      const serial = await runStage(RESTART_PRE, { hooksDir: dir, maxParallel: 1 });
      assert.deepEqual((await Deno.readTextFile(log)).trim().split("\n"), [
        "10",
        "9",
        "B",
        "a",
        "b",
        "é",
      ]);
      assert.ok(serial.duration_ms >= 6 * 600, `serial took ${serial.duration_ms} ms`);
    });
  } finally {
    await Deno.remove(log);
  }
});

timed.test("runStage() runs at most maxParallel hooks at once", async () => {
  const log = await Deno.makeTempFile();
  // Each hook records how many hooks are running as it starts (by counting marker files).
  const hook =
    `#!/bin/sh\ntouch "$0.running"\nls *.running | wc -l >> ${log}\nsleep 0.4\nrm "$0.running"\n`;
  try {
    await withHooks({ h1: hook, h2: hook, h3: hook, h4: hook, h5: hook }, async (dir) => {
      const report = await runStage(RESTART_PRE, { hooksDir: dir, maxParallel: 2 });
      assert.equal(report.ok, true);
      const counts = (await Deno.readTextFile(log)).trim().split("\n").map(Number);
      assert.equal(counts.length, 5);
      assert.ok(Math.max(...counts) <= 2, `at most 2 at once, saw ${counts}`);
      assert.ok(
        report.duration_ms >= 3 * 400,
        `5 hooks 2 at a time take 3 rounds: ${report.duration_ms} ms`,
      );
    });
  } finally {
    await Deno.remove(log);
  }
});

timed.test("runStage() lets one hook's failure never stop the others", async () => {
  await withHooks({
    "1-fails": "#!/bin/sh\necho broken >&2\nexit 3\n",
    "2-works": "#!/bin/sh\necho fine\n",
    "3-signal": "#!/bin/sh\nkill -9 $$\n",
  }, async (dir) => {
    const report = await runStage(RESTART_PRE, { hooksDir: dir });
    assert.equal(report.ok, false);
    const [fails, works, signal] = report.hooks;
    assert.equal(fails.status, "failed");
    assert.equal(fails.exit_code, 3);
    assert.equal(fails.stderr, "broken\n");
    assert.equal(works.status, "ok");
    assert.equal(works.stdout, "fine\n");
    assert.equal(signal.status, "failed");
    assert.equal(signal.signal, "SIGKILL");
    assert.equal(signal.exit_code, null);
  });
});

timed.test("runStage() kills the process group at the deadline", async () => {
  await withHooks({
    "hang.sh": "#!/bin/sh\nsleep 30 &\nsleep 30 &\nsleep 30\n",
    "quick.sh": "#!/bin/sh\nexit 0\n",
  }, async (dir) => {
    const { report, runId, elapsed } = await timeStage({
      hooksDir: dir,
      timeoutMs: 500,
      killGraceMs: 500,
    });
    assert.ok(elapsed >= 500 && elapsed < bound(500, 500), `returned after ${elapsed} ms`);
    assert.equal(report.hooks[0].status, "timed_out");
    assert.equal(report.hooks[0].signal, "SIGTERM");
    assert.equal(report.hooks[1].status, "ok");
    assert.equal(report.ok, false);
    assert.deepEqual(await survivorsOf(runId), [], "no process of the hook's group survives");
  });
});

timed.test("runStage() keeps the stage's deadline when a hook's own timeout= is longer", async () => {
  await withHooks({
    "10-long.sh":
      '#!/bin/sh\n# solus-hooks: timeout=30s\necho "$SOLUS_HOOK_DEADLINE"\nexec sleep 30\n',
  }, async (dir) => {
    const { report, runId, elapsed } = await timeStage({
      hooksDir: dir,
      timeoutMs: 600,
      killGraceMs: 300,
    });
    const [hook] = report.hooks;
    assert.equal(hook.status, "timed_out");
    assert.equal(hook.error, "killed at the stage deadline (SIGTERM)");
    assert.ok(elapsed < bound(600, 300), `returned after ${elapsed} ms, not at the stage's 600 ms`);
    // The hook is told the stage's deadline, not its own 30 s.
    const told = Number(hook.stdout.trim());
    assert.ok(Math.abs(told - (Date.parse(report.started_at) + 600)) < 50, hook.stdout);
    assert.deepEqual(await survivorsOf(runId), []);
  });
});

timed.test("runStage() sends SIGKILL after the grace to hooks that ignore SIGTERM, children included", async () => {
  await withHooks({
    "stubborn.sh": [
      "#!/bin/sh",
      "trap '' TERM",
      // A fork tree three levels deep, every level ignoring SIGTERM too.
      "sh -c \"trap '' TERM; sh -c \\\"trap '' TERM; while :; do sleep 0.1; done\\\" & while :; do sleep 0.1; done\" &",
      "while :; do sleep 0.1; done",
    ].join("\n"),
  }, async (dir) => {
    const { report, runId, elapsed } = await timeStage({
      hooksDir: dir,
      timeoutMs: 500,
      killGraceMs: 700,
    });
    assert.ok(elapsed >= 500 + 700 - 50, `waited the grace: ${elapsed} ms`);
    assert.ok(elapsed < bound(500, 700), `returned after ${elapsed} ms`);
    assert.equal(report.hooks[0].status, "timed_out");
    assert.equal(report.hooks[0].signal, "SIGKILL");
    assert.deepEqual(await survivorsOf(runId), [], "the whole tree is gone");
  });
});

timed.test("runStage() stops reading pipes within a second of a hook's exit when background processes hold them", async () => {
  await withHooks({ "bg.sh": "#!/bin/sh\necho started\nsleep 20 &\nexit 0\n" }, async (dir) => {
    const runId = crypto.randomUUID();
    try {
      const report = await runStage(RESTART_PRE, { hooksDir: dir, runId, timeoutMs: 10_000 });
      const hook = report.hooks[0];
      assert.equal(hook.status, "ok");
      assert.equal(hook.stdout, "started\n");
      assert.ok(report.duration_ms < 1000 + 1500, `returned ${report.duration_ms} ms after start`);
      assert.match(hook.error ?? "", /held open by a background process/);
      // The contract leaves a normally-exiting hook's background processes alone.
      assert.equal((await survivorsOf(runId, 0)).length, 1, "the background sleep was not killed");
    } finally {
      killRun(runId);
    }
  });
});

timed.test("runStage() returns in time when a descendant escapes with setsid and holds the pipes, and kills it with its timed-out hook", async () => {
  // The escapee writes its pid once it runs in its own session, holding the
  // hook's stdout and stderr; the hook waits for that before it hangs, so the
  // deadline finds the escapee there. A hook killed at its deadline takes what
  // it started outside its group with it (found by SOLUS_HOOK_NAME).
  const hook = [
    "#!/bin/sh",
    "setsid sh -c 'echo $$ > escaped.pid; exec sleep 20' &",
    "while [ ! -s escaped.pid ]; do sleep 0.01; done",
    "sleep 30",
  ].join("\n");
  await withHooks({ "escape.sh": hook }, async (dir) => {
    const runId = crypto.randomUUID();
    try {
      const { report, elapsed } = await timeStage({
        hooksDir: dir,
        runId,
        timeoutMs: 500,
        killGraceMs: 500,
      });
      const escapee = Number(await waitForFile(join(dir, "escaped.pid"), { nonEmpty: true }));
      assert.ok(escapee > 0, "the escapee ran before the deadline");
      assert.equal(report.hooks[0].status, "timed_out");
      assert.deepEqual(await survivorsOf(runId), [], "the timed-out hook's escapee is gone");
      assert.ok(elapsed < bound(500, 500), `returned after ${elapsed} ms`);
    } finally {
      killRun(runId);
    }
  });
});

timed.test("runStage() keeps memory bounded while a hook writes hundreds of megabytes", async () => {
  await withHooks({
    "flood.sh": "#!/bin/sh\nhead -c 314572800 /dev/zero\nhead -c 3000000 /dev/zero >&2\n",
  }, async (dir) => {
    const base = Deno.memoryUsage().rss;
    let peak = base;
    const sampler = setInterval(() => peak = Math.max(peak, Deno.memoryUsage().rss), 20);
    try {
      const report = await runStage(RESTART_PRE, {
        hooksDir: dir,
        timeoutMs: 60_000,
        maxOutputBytes: 65536,
      });
      const hook = report.hooks[0];
      assert.equal(hook.status, "ok");
      assert.equal(hook.stdout_bytes, 314_572_800, "every byte is counted");
      assert.equal(hook.stdout.length, 65536, "only maxOutputBytes are kept");
      assert.equal(hook.stderr_bytes, 3_000_000);
      assert.equal(hook.stderr.length, 65536);
    } finally {
      clearInterval(sampler);
    }
    const grownMiB = (peak - base) / 1024 / 1024;
    assert.ok(grownMiB < 100, `memory grew by ${grownMiB.toFixed(1)} MiB`);
  });
});

timed.test("runStage() kills an endless flood at the deadline", async () => {
  await withHooks({ "yes.sh": "#!/bin/sh\nexec yes flood\n" }, async (dir) => {
    const { report, runId, elapsed } = await timeStage({
      hooksDir: dir,
      timeoutMs: 700,
      killGraceMs: 300,
    });
    assert.equal(report.hooks[0].status, "timed_out");
    assert.ok(report.hooks[0].stdout_bytes > 1024 * 1024, "it did flood");
    assert.ok(elapsed < bound(700, 300), `returned after ${elapsed} ms`);
    assert.deepEqual(await survivorsOf(runId), []);
  });
});

timed.test("runStage() copes with hooks that never read a large event, exit before the write, or echo it back", async () => {
  const event = blobEvent(2 * 1024 * 1024);
  const size = JSON.stringify(event).length;
  await withHooks({
    "1-ignores.sh": "#!/bin/sh\nsleep 0.3\nexit 0\n",
    "2-exits-at-once.sh": "#!/bin/sh\nexit 0\n",
    "3-echoes.sh": "#!/bin/sh\ncat\n",
    "4-closes-stdin.sh": "#!/bin/sh\nexec 0<&-\nsleep 0.2\necho done\n",
  }, async (dir) => {
    const report = await runStage(event, {
      hooksDir: dir,
      registry: blobRegistry,
      timeoutMs: 20_000,
      maxOutputBytes: 4 * 1024 * 1024,
    });
    assert.deepEqual(report.hooks.map((h) => h.status), ["ok", "ok", "ok", "ok"]);
    assert.equal(
      report.hooks[2].stdout_bytes,
      size,
      "the echo got the whole event back without deadlock",
    );
    assert.equal(report.hooks[2].stdout.length, size);
    assert.equal(report.hooks[3].stdout, "done\n");
  });
});

timed.test("runStage() times out a hook that never reads a large event and hangs", async () => {
  await withHooks({ "stuck.sh": "#!/bin/sh\nsleep 30\n" }, async (dir) => {
    const { report, runId, elapsed } = await timeStage({
      hooksDir: dir,
      registry: blobRegistry,
      timeoutMs: 500,
      killGraceMs: 300,
    }, blobEvent(1024 * 1024));
    assert.equal(report.hooks[0].status, "timed_out");
    assert.ok(elapsed < bound(500, 300));
    assert.deepEqual(await survivorsOf(runId), []);
  });
});

timed.test("runStage() treats a missing or empty directory as zero hooks", async () => {
  const report = await runStage(RESTART_PRE, { hooksDir: "/nonexistent/solus-hooks-test" });
  assert.deepEqual(report.hooks, []);
  assert.equal(report.ok, true);
  await withHooks({}, async (dir) => {
    const empty = await runStage(RESTART_PRE, { hooksDir: dir });
    assert.deepEqual([empty.hooks, empty.skipped, empty.ok], [[], [], true]);
  });
});

timed.test("runStage() kills every hook group, and processes that left it, when interrupted", async () => {
  await withHooks({
    "a.sh": "#!/bin/sh\nsleep 30 &\ntouch a.started\nsleep 30\n",
    "b.sh": "#!/bin/sh\ntrap '' TERM\ntouch b.started\nwhile :; do sleep 0.1; done\n",
    "c.sh": "#!/bin/sh\nsetsid sh -c 'touch c.escaped; exec sleep 30' &\nsleep 30\n",
  }, async (dir) => {
    const runId = crypto.randomUUID();
    const controller = new AbortController();
    // Interrupt once every hook is where the test needs it: a and b running
    // (b ignoring SIGTERM), c's escapee in its own session.
    let abortedAt = Infinity;
    const ready = Promise.all(
      ["a.started", "b.started", "c.escaped"].map((name) => waitForFile(join(dir, name))),
    ).finally(() => {
      abortedAt = performance.now();
      controller.abort();
    });
    ready.catch(() => {}); // awaited below, after the stage
    const report = await runStage(RESTART_PRE, {
      hooksDir: dir,
      runId,
      signal: controller.signal,
      killGraceMs: 500,
    });
    await ready;
    // The bound this test always had (interrupt at 300 ms, then grace + 2 s),
    // counted from the interrupt itself now that it no longer comes at 300 ms.
    assert.ok(performance.now() - abortedAt < 500 + 2000);
    assert.equal(report.interrupted, true);
    assert.equal(report.ok, false);
    assert.deepEqual(report.hooks.map((h) => h.status), ["failed", "failed", "failed"]);
    assert.deepEqual(await survivorsOf(runId), [], "not even the one that escaped with setsid");
  });
});

timed.test("runStage() with strictEvents rejects an event the registry does not match before running anything", async () => {
  const marker = join(await Deno.makeTempDir(), "ran");
  await withHooks({ "x.sh": `#!/bin/sh\ntouch ${marker}\n` }, async (dir) => {
    await assert.rejects(
      () =>
        runStage({ action: "server-restart", stage: "pre", data: { uuid: "nope" } }, {
          hooksDir: dir,
          strictEvents: true,
        }),
      /data.uuid must be an RFC 4122 UUID/,
    );
    await assert.rejects(() => Deno.stat(marker), Deno.errors.NotFound);
  });
});

timed.test("runStage() runs the hooks with an event the registry does not match, each difference a warning", async () => {
  await withHooks({ "x.sh": "#!/bin/sh\ncat > got.json\n" }, async (dir) => {
    const event = { action: "server-restart", stage: "pre", data: { uuid: "nope", extra: 1 } };
    const report = await runStage(event as HookEvent, { hooksDir: dir });
    assert.equal(report.ok, true);
    assert.deepEqual(report.warnings, [
      'server-restart data.uuid must be an RFC 4122 UUID, not string "nope"',
      "server-restart has unexpected key data.extra",
      "server-restart is missing data.virtualization_type",
    ]);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(join(dir, "got.json"))), event);
    // The envelope still refuses.
    await assert.rejects(
      () => runStage({ ...event, stage: "during" } as unknown as HookEvent, { hooksDir: dir }),
      /"stage" must be "pre" or "post"/,
    );
  });
});

timed.test("runStage() in serial mode does not start the hooks left when the stage deadline has passed", async () => {
  await withHooks({
    "1-slow.sh": "#!/bin/sh\nexec sleep 30\n",
    "2-late.sh": "#!/bin/sh\ntouch ran-2\n",
    "3-late.sh": "#!/bin/sh\ntouch ran-3\n",
  }, async (dir) => {
    const { report, runId, elapsed } = await timeStage({
      hooksDir: dir,
      maxParallel: 1,
      timeoutMs: 500,
      killGraceMs: 300,
    });
    assert.ok(elapsed < bound(500, 300), `returned after ${elapsed} ms`);
    const [slow, ...late] = report.hooks;
    assert.equal(slow.status, "timed_out");
    assert.equal(slow.signal, "SIGTERM");
    for (const hook of late) {
      assert.deepEqual(
        [hook.status, hook.exit_code, hook.signal, hook.duration_ms, hook.error],
        ["timed_out", null, null, 0, "not started: the stage deadline had passed"],
        hook.name,
      );
    }
    assert.equal(report.ok, false);
    const ran = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.startsWith("ran-"));
    assert.deepEqual(ran, [], "the hooks after the deadline never ran");
    assert.deepEqual(await survivorsOf(runId), []);
  });
});

timed.test("runStage() in serial mode does not start the hooks left once interrupted", async () => {
  await withHooks({
    "1-slow.sh": "#!/bin/sh\ntouch started\nexec sleep 30\n",
    "2-late.sh": "#!/bin/sh\ntouch ran-2\n",
  }, async (dir) => {
    const controller = new AbortController();
    const ready = waitForFile(join(dir, "started")).finally(() => controller.abort());
    ready.catch(() => {}); // awaited below, after the stage
    const report = await runStage(RESTART_PRE, {
      hooksDir: dir,
      maxParallel: 1,
      signal: controller.signal,
      killGraceMs: 300,
    });
    await ready;
    assert.equal(report.interrupted, true);
    assert.deepEqual(report.hooks.map((h) => [h.name, h.status, h.error]), [
      ["1-slow.sh", "failed", "killed: the runner was interrupted"],
      ["2-late.sh", "failed", "not started: the runner was interrupted"],
    ]);
    await assert.rejects(() => Deno.stat(join(dir, "ran-2")), Deno.errors.NotFound);
  });
});

timed.test("runStage() blames the #! line for an exit 127 only when its interpreter or env's program is missing, and a hook's own 126 and 127 never", async () => {
  await withTempDir(async (elsewhere) => {
    // An interpreter that is there when the hook starts and gone when it exits 127.
    const vanishing = join(elsewhere, "vanishing-interpreter");
    await Deno.writeTextFile(vanishing, '#!/bin/sh\nrm -f "$0"\nexit 127\n');
    await Deno.chmod(vanishing, 0o755);
    await withHooks({
      "a-env-missing.sh": "#!/usr/bin/env no-such-program-xyz\n",
      "b-vanishing.sh": `#!${vanishing}\n`,
      "c-exits-127.sh": "#!/bin/sh\nexit 127\n",
      "d-exits-126.sh": "#!/bin/sh\nexit 126\n",
    }, async (dir) => {
      const report = await runStage(RESTART_PRE, { hooksDir: dir });
      const [env, gone, own127, own126] = report.hooks;
      assert.deepEqual([env.status, env.exit_code], ["failed", 127]);
      assert.match(
        env.error ?? "",
        /^exit 127: \/usr\/bin\/env cannot find "no-such-program-xyz" on the hooks' PATH \(.+\): install it or name it by absolute path$/,
      );
      assert.deepEqual([gone.status, gone.exit_code], ["failed", 127]);
      assert.equal(
        gone.error,
        `exit 127: the interpreter named in the #! line is missing: ${vanishing}`,
      );
      assert.deepEqual(
        [own127.status, own127.exit_code, own127.error],
        ["failed", 127, "exit 127"],
        "a valid interpreter: the hook's own exit status, no blame on the #! line",
      );
      assert.deepEqual([own126.status, own126.exit_code, own126.error], [
        "failed",
        126,
        "exit 126",
      ]);
    });
  });
});
