/**
 * The process layer under races (contract §3): a hook that exits just before
 * its deadline, a wall clock that steps, signals after a reap, escapees that
 * cleared their environment, and a runner SIGKILLed with such an escapee.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runStage } from "../lib/stage.ts";
import { probeContainment } from "../lib/process/watchdog.ts";
import {
  canRun,
  cliCommand,
  cliEnv,
  isAlive,
  processesWithEnv,
  RESTART_PRE,
  ROOT,
  survivorsOf,
  timed,
  track,
  waitFor,
  waitForFile,
  withHooks,
  withTempDir,
  writeConfig,
} from "./helpers.ts";

const EVENT_JSON = JSON.stringify(RESTART_PRE);

/**
 * Start `run` of the restart event over `dir` with `config`, no journal and a
 * stage deadline of `timeoutMs`, inside `wrapper` if given (such as `unshare`):
 * output discarded, since these tests SIGKILL it and read only the hooks' marks.
 */
function spawnRunner(
  dir: string,
  config: string,
  timeoutMs: number,
  wrapper: string[] = [],
): Deno.ChildProcess {
  const [command, ...args] = [
    ...wrapper,
    ...cliCommand(),
    "run",
    "--dir",
    dir,
    "--config",
    config,
    "--no-journal",
    "--timeout",
    String(timeoutMs),
    "--event",
    EVENT_JSON,
  ];
  const runner = new Deno.Command(command, {
    args,
    clearEnv: true,
    env: cliEnv(),
    stdout: "null",
    stderr: "null",
  }).spawn();
  track(runner.pid);
  return runner;
}

function kill(pid: number): void {
  try {
    Deno.kill(pid, "SIGKILL");
  } catch {
    // gone
  }
}

const cgroups = Deno.uid() === 0 && (await probeContainment()) === "cgroup";

timed.test("a hook that exited before the deadline is ok and keeps its daemon, though the runner saw its exit only after the deadline", async () => {
  await withHooks({
    // Exits 0 at 0.3 s, leaving a daemon whose pid it wrote.
    "10-quick.sh": "#!/bin/sh\nsleep 30 >/dev/null 2>&1 &\necho $! > daemon.pid\nexec sleep 0.3\n",
  }, async (dir) => {
    const runId = crypto.randomUUID();
    const stage = runStage(RESTART_PRE, { hooksDir: dir, runId, timeoutMs: 800, killGraceMs: 300 });
    const daemon = Number(await waitForFile(join(dir, "daemon.pid"), { nonEmpty: true }));
    try {
      // Hold the runner's event loop past the deadline: the hook exits while it
      // is held, and the runner learns of that exit and of the deadline together.
      const until = performance.now() + 1500;
      while (performance.now() < until) { /* busy */ }
      const report = await stage;
      const [hook] = report.hooks;
      assert.equal(hook.status, "ok", hook.error);
      assert.equal(hook.exit_code, 0);
      assert.ok(isAlive(daemon), "its daemon was left alone");
    } finally {
      kill(daemon);
    }
    assert.deepEqual(await survivorsOf(runId), []);
  });
});

for (
  const [when, serial] of [["at the stage's start", false], ["at its deadline", true]] as const
) {
  timed.test(`a step of the wall clock ${when} moves no deadline`, async () => {
    await withHooks({
      "10-hang.sh": "#!/bin/sh\nexec sleep 30\n",
      "20-hang.sh": "#!/bin/sh\nexec sleep 30\n",
    }, async (dir) => {
      const runId = crypto.randomUUID();
      const realNow = Date.now;
      const start = performance.now();
      // The wall clock goes back an hour: at once, or when the deadline passes.
      Date.now = () => realNow() - (serial && performance.now() - start < 600 ? 0 : 3_600_000);
      let report;
      try {
        report = await runStage(RESTART_PRE, {
          hooksDir: dir,
          runId,
          timeoutMs: 600,
          killGraceMs: 300,
          ...(serial ? { maxParallel: 1 } : {}),
        });
      } finally {
        Date.now = realNow;
      }
      const elapsed = performance.now() - start;
      assert.ok(elapsed < 600 + 300 + 2000, `returned after ${Math.round(elapsed)} ms`);
      assert.deepEqual(report.hooks.map((hook) => hook.status), ["timed_out", "timed_out"]);
      if (serial) assert.match(report.hooks[1].error ?? "", /^not started: the stage deadline/);
      assert.deepEqual(await survivorsOf(runId), []);
    });
  });
}

timed.test({
  name: "the runner never signals a pid it has reaped, at the deadline or after (seen by strace)",
  ignore: !canRun("strace", ["-V"]),
  timeoutMs: 30_000,
  fn: async () => {
    await withTempDir(async (tmp) => {
      await withHooks({
        // Dies of the deadline's SIGTERM with nothing left in its group; one
        // that exits by itself; one that traps SIGTERM and exits 0 after it.
        "10-dies.sh": "#!/bin/sh\nexec sleep 30\n",
        "20-quick.sh": "#!/bin/sh\nexit 0\n",
        "30-traps.sh": "#!/bin/sh\ntrap 'exit 0' TERM\nsleep 30 &\nwait\n",
      }, async (dir) => {
        const log = join(tmp, "strace.log");
        const config = await writeConfig(tmp, { killGraceMs: 300 });
        const [deno, ...rest] = cliCommand();
        const child = new Deno.Command("strace", {
          args: [
            "-f",
            "-qq",
            "-e",
            "trace=kill,wait4,waitid",
            "-e",
            "signal=none",
            "-o",
            log,
            deno,
            ...rest,
            "run",
            "--dir",
            dir,
            "--config",
            config,
            "--no-journal",
            "--timeout",
            "700",
            "--event",
            EVENT_JSON,
          ],
          clearEnv: true,
          env: cliEnv(),
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        track(child.pid);
        const output = await child.output();
        assert.equal(output.code, 1, new TextDecoder().decode(output.stderr));
        // Every pid reaped (wait4 returning it), then any kill() naming it or its group after.
        // Deno's runtime itself sends SIGKILL to a child it spawned without `detached` as it
        // drops it, the moment after its wait4 reaped it (kill-on-drop: the very next call of
        // that thread, ESRCH): that is the runtime's, not the runner's, and is passed over.
        const reaped = new Set<number>();
        const justReaped = new Map<string, number>(); // thread -> the pid its last call reaped
        const late: string[] = [];
        for (const line of (await Deno.readTextFile(log)).split("\n")) {
          const thread = line.split(" ")[0];
          const waited = /\bwait4\((-?\d+),.*\) = (\d+)$/.exec(line);
          const killed = /\bkill\((-?\d+), (SIG\w+)/.exec(line);
          const dropKill = killed && killed[2] === "SIGKILL" &&
            justReaped.get(thread) === Number(killed[1]);
          justReaped.delete(thread);
          if (waited && Number(waited[2]) > 0) {
            reaped.add(Number(waited[2]));
            justReaped.set(thread, Number(waited[2]));
          }
          if (killed && !dropKill && reaped.has(Math.abs(Number(killed[1])))) late.push(line);
        }
        assert.ok(reaped.size >= 3, `the hooks were reaped: ${[...reaped]}`);
        assert.deepEqual(late, [], "signals sent after the reap");
      });
    });
  },
});

timed.test({
  name:
    "a timed-out hook's escapee that cleared its environment and left with setsid dies with it (cgroup)",
  ignore: !cgroups,
  fn: async () => {
    await withHooks({
      "10-escapes.sh":
        "#!/bin/sh\nsetsid env -i /bin/sh -c 'echo $$ > escapee.pid; exec sleep 30' >/dev/null 2>&1 < /dev/null &\nexec sleep 30\n",
    }, async (dir) => {
      const runId = crypto.randomUUID();
      const report = await runStage(RESTART_PRE, {
        hooksDir: dir,
        runId,
        timeoutMs: 800,
        killGraceMs: 300,
      });
      const escapee = Number(await waitForFile(join(dir, "escapee.pid"), { nonEmpty: true }));
      try {
        assert.equal(report.hooks[0].status, "timed_out");
        assert.ok(
          await waitFor("the escapee to die", () => !isAlive(escapee), 2000).then(
            () => true,
            () => false,
          ),
          `the escapee ${escapee} outlived its hook`,
        );
      } finally {
        kill(escapee);
      }
    });
  },
});

timed.test({
  name:
    "the runner SIGKILLed: an escapee that cleared its environment is gone by deadline + grace + 1 s (cgroup)",
  ignore: !cgroups,
  timeoutMs: 20_000,
  fn: async () => {
    await withTempDir(async (tmp) => {
      const config = await writeConfig(tmp, { killGraceMs: 300 });
      await withHooks({
        "10-escapes.sh":
          "#!/bin/sh\nsetsid env -i /bin/sh -c 'echo $$ > escapee.pid; exec sleep 30' >/dev/null 2>&1 < /dev/null &\nexec sleep 30\n",
      }, async (dir) => {
        const timeoutMs = 1500;
        const runner = spawnRunner(dir, config, timeoutMs);
        const spawnedAt = performance.now();
        const escapee = Number(await waitForFile(join(dir, "escapee.pid"), { nonEmpty: true }));
        try {
          runner.kill("SIGKILL");
          await runner.status;
          const bound = spawnedAt + timeoutMs + 300 + 1000;
          const gone = await waitFor(
            "the escapee to die",
            () => !isAlive(escapee),
            bound - performance.now() + 3000,
          ).then(() => true, () => false);
          const late = Math.round(performance.now() - bound);
          assert.ok(gone, `the escapee ${escapee} outlived the dead runner's deadline`);
          assert.ok(late <= 0, `the escapee was gone ${late} ms after deadline + grace + 1 s`);
        } finally {
          kill(escapee);
        }
      });
    });
  },
});

timed.test({
  name:
    "the runner SIGKILLed where no cgroup can be made: each hook's group, and an escapee that kept its environment, gone by deadline + grace + 1 s (needs root for a private mount namespace)",
  ignore: Deno.uid() !== 0,
  timeoutMs: 20_000,
  fn: async () => {
    await withTempDir(async (tmp) => {
      const mark = crypto.randomUUID();
      const config = await writeConfig(tmp, {
        killGraceMs: 300,
        env: { set: { TEST_MARK: mark } },
      });
      await withHooks({
        // Ignores SIGTERM, with a child that does too, and a child that left its group.
        "10-stubborn.sh": [
          "#!/bin/sh",
          "trap '' TERM",
          `sh -c "trap '' TERM; while :; do sleep 0.1; done" &`,
          "setsid sleep 30 >/dev/null 2>&1 < /dev/null &",
          "touch started",
          "while :; do sleep 0.1; done",
        ].join("\n"),
      }, async (dir) => {
        const timeoutMs = 1500;
        // No cgroup v2 anywhere in its own mount namespace: an empty tmpfs over the hierarchy.
        const hide =
          'for m in /sys/fs/cgroup/unified /sys/fs/cgroup; do [ -e "$m/cgroup.controllers" ] && mount -t tmpfs none "$m"; done; exec "$@"';
        const runner = spawnRunner(dir, config, timeoutMs, [
          "unshare",
          "-m",
          "--propagation",
          "private",
          "sh",
          "-c",
          hide,
          "sh",
        ]);
        const spawnedAt = performance.now();
        try {
          await waitForFile(join(dir, "started"));
          await waitFor(
            "the hook, its child and its escapee",
            () => processesWithEnv("TEST_MARK", mark).length >= 3,
          );
          runner.kill("SIGKILL");
          await runner.status;
          const bound = spawnedAt + timeoutMs + 300 + 1000;
          const gone = await waitFor(
            "the hook's processes to die",
            () => processesWithEnv("TEST_MARK", mark).length === 0,
            bound - performance.now() + 3000,
          ).then(() => true, () => false);
          const late = Math.round(performance.now() - bound);
          assert.ok(gone, "the hook's processes outlived the dead runner");
          assert.ok(late <= 0, `they were gone ${late} ms after deadline + grace + 1 s`);
        } finally {
          for (const pid of processesWithEnv("TEST_MARK", mark)) kill(pid);
        }
      });
    });
  },
});

timed.test({
  name:
    "a library caller's process ends once its stage has, though a hook left a process holding a large event's stdin unread",
  timeoutMs: 30_000,
  fn: async () => {
    await withTempDir(async (tmp) => {
      const mark = crypto.randomUUID();
      await withHooks({
        // Exits at once; what it leaves holds its stdin (the event) and never reads it.
        "10-leaves.sh": "#!/bin/sh\nexec 3<&0\nsleep 30 <&3 >/dev/null 2>&1 &\nexit 0\n",
      }, async (dir) => {
        const script = join(tmp, "caller.ts");
        const stage = new URL("../lib/stage.ts", import.meta.url).href;
        await Deno.writeTextFile(
          script,
          `import { runStage } from "${stage}";\n` +
            `const event = { action: "server-restart", stage: "pre", data: { ...${
              JSON.stringify(RESTART_PRE.data)
            }, note: "x".repeat(1 << 20) } };\n` +
            `const report = await runStage(event, { hooksDir: ${
              JSON.stringify(dir)
            }, env: { set: { TEST_MARK: "${mark}" } } });\n` +
            `console.log(report.hooks[0].status);\n`,
        );
        const start = performance.now();
        const caller = new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", "--no-prompt", "--config", join(ROOT, "deno.json"), script],
          clearEnv: true,
          env: cliEnv(),
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        track(caller.pid);
        let timer: ReturnType<typeof setTimeout> | undefined;
        try {
          const ended = await Promise.race([
            caller.output(),
            new Promise<undefined>((resolve) =>
              timer = setTimeout(() => resolve(undefined), 10_000)
            ),
          ]);
          assert.ok(ended, "the caller's process was still alive 10 s on");
          assert.equal(
            new TextDecoder().decode(ended.stdout).trim(),
            "ok",
            new TextDecoder().decode(ended.stderr),
          );
          assert.ok(performance.now() - start < 10_000);
        } finally {
          clearTimeout(timer);
          for (const pid of processesWithEnv("TEST_MARK", mark)) kill(pid);
          kill(caller.pid);
        }
      });
    });
  },
});
