/**
 * The process layer with real processes: the stage watchdog that keeps a
 * hook's deadline when the runner is SIGKILLed, spawn errors told apart from
 * hooks that exit 126/127, the hook's name and PATH, escapees of a timed-out
 * hook, stdin handed over at spawn, output bytes, and the foreground command.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { encodeOutput } from "../lib/process/capture.ts";
import { DEFAULT_PATH } from "../lib/config/constants.ts";
import { runHookProcess } from "../lib/process/hook_process.ts";
import { useCgroups } from "../lib/process/watchdog.ts";
import { runForeground } from "../lib/process/foreground.ts";
import { runStage } from "../mod.ts";
import {
  DeadlineError,
  isAlive,
  killRun,
  processesWithEnv,
  RESTART_PRE,
  ROOT,
  runCli,
  spawnCli,
  survivorsOf,
  timed,
  track,
  waitFor,
  withHooks,
  withTempDir,
  writeConfig,
} from "./helpers.ts";

const EVENT_JSON = JSON.stringify(RESTART_PRE);

/** Whether `check` holds within `ms`: helpers' waitFor as a yes or no, for an assertion with its own message. */
async function holdsWithin(ms: number, check: () => boolean | Promise<boolean>): Promise<boolean> {
  return await waitFor("a condition", check, ms).then(() => true, (error) => {
    if (error instanceof DeadlineError) return false;
    throw error;
  });
}

/** Whether the marker file at `path` appears within 10 s. */
function appears(path: string): Promise<boolean> {
  return holdsWithin(10_000, () => Deno.stat(path).then(() => true, () => false));
}

function kill(pids: number[]): void {
  for (const pid of pids) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
}

timed.test({
  name: "runStage() without cgroups: the group kill and spawn errors as with them",
  timeoutMs: 10_000,
  fn: async () => {
    useCgroups(false);
    try {
      await withHooks({
        "a-stubborn.sh": [
          "#!/bin/sh",
          "trap '' TERM",
          `sh -c "trap '' TERM; while :; do sleep 0.1; done" &`,
          "while :; do sleep 0.1; done",
        ].join("\n"),
        "b-missing.py": "#!/usr/bin/python-not-installed\n",
        "c-exits-127.sh": "#!/bin/sh\nexit 127\n",
      }, async (dir) => {
        const runId = crypto.randomUUID();
        const report = await runStage(RESTART_PRE, {
          hooksDir: dir,
          runId,
          timeoutMs: 500,
          killGraceMs: 300,
        });
        const [stubborn, missing, exits127] = report.hooks;
        assert.deepEqual([stubborn.status, stubborn.signal], ["timed_out", "SIGKILL"]);
        assert.deepEqual(
          [missing.status, missing.error],
          [
            "spawn_error",
            "the interpreter named in the #! line is missing: /usr/bin/python-not-installed",
          ],
        );
        assert.deepEqual([exits127.status, exits127.exit_code], ["failed", 127]);
        assert.deepEqual(await survivorsOf(runId), []);
      });
    } finally {
      useCgroups(true);
    }
  },
});

timed.test({
  name:
    "the runner SIGKILLed while a hook sleeps: the hook's whole group is gone by deadline + grace + 1 s",
  timeoutMs: 10_000 + 5_000 + 5_000 + 5_000,
  fn: async () => {
    await withTempDir(async (tmp) => {
      const mark = crypto.randomUUID();
      const started = join(tmp, "started");
      const config = await writeConfig(tmp, {
        killGraceMs: 500,
        env: { set: { TEST_MARK: mark } },
      });
      // A hook that ignores SIGTERM, with a child that does too: only the SIGKILL
      // after the grace ends them.
      const hook = [
        "#!/bin/sh",
        "trap '' TERM",
        `sh -c "trap '' TERM; while :; do sleep 0.1; done" &`,
        `touch ${started}`,
        "while :; do sleep 0.1; done",
      ].join("\n");
      // And one that dies of SIGTERM, leaving a child that ignores it.
      const mortal = `#!/bin/sh\nsh -c "trap '' TERM; while :; do sleep 0.1; done" &\nsleep 30\n`;
      await withHooks({ "10-stubborn.sh": hook, "20-mortal.sh": mortal }, async (dir) => {
        const timeoutMs = 1500;
        const args = ["run", "--dir", dir, "--timeout", String(timeoutMs), "--event", EVENT_JSON];
        // As a node starts it: an explicit config, no journal.
        const runner = spawnCli([...args, "--config", config, "--no-journal"]);
        const spawnedAt = performance.now();
        try {
          assert.ok(await appears(started), "the hook started");
          assert.ok(
            await holdsWithin(5_000, () => processesWithEnv("TEST_MARK", mark).length >= 4),
            "both hooks and their children run",
          );
          runner.kill("SIGKILL");
          await runner.status;
          // The stage started after the runner was spawned: its deadline + grace + 1 s
          // is at the latest this.
          const bound = spawnedAt + timeoutMs + 500 + 1000;
          const gone = await holdsWithin(
            bound - performance.now() + 2000,
            () => processesWithEnv("TEST_MARK", mark).length === 0,
          );
          const late = Math.round(performance.now() - bound);
          assert.ok(gone, "the hook's group outlived the dead runner");
          assert.ok(late <= 0, `the hook's group was gone ${late} ms after deadline + grace + 1 s`);
        } finally {
          kill(processesWithEnv("TEST_MARK", mark));
          try {
            runner.kill("SIGKILL");
          } catch {
            // gone
          }
          await runner.status;
          await runner.stdout.cancel();
          await runner.stderr.cancel();
        }
      });
    });
  },
});

timed.test({
  name: "runStage() tells a hook that exits 127 itself from one that cannot start",
  timeoutMs: 20_000,
  fn: async () => {
    await withTempDir(async (tmp) => {
      // An ELF whose program interpreter (the dynamic loader) does not exist: execve
      // fails although the file itself is fine, and only the starting shell says so.
      const elf = await Deno.readFile("/bin/true");
      const at = new TextDecoder("latin1").decode(elf).indexOf("/ld-linux");
      if (at >= 0) elf[at + 1] = "X".charCodeAt(0);
      await Deno.writeFile(join(tmp, "no-loader"), elf, { mode: 0o755 });
      await withHooks({
        "a-exits-127.sh": "#!/bin/sh\necho 'oops' >&2\nexit 127\n",
        "b-exits-126.sh": "#!/bin/sh\nexit 126\n",
        "c-missing-interpreter": "#!/usr/bin/python-not-installed\nprint(1)\n",
        "d-env-cannot-find": "#!/usr/bin/env solus-no-such-program\n",
        "e-crlf.sh": "#!/bin/sh\r\necho hi\r\n",
      }, async (dir) => {
        if (at >= 0) await Deno.symlink(join(tmp, "no-loader"), join(dir, "f-no-loader"));
        const report = await runStage(RESTART_PRE, { hooksDir: dir });
        const byName = Object.fromEntries(report.hooks.map((hook) => [hook.name, hook]));
        const exits127 = byName["a-exits-127.sh"];
        assert.deepEqual(
          [exits127.status, exits127.exit_code, exits127.stderr, exits127.error],
          ["failed", 127, "oops\n", "exit 127"],
        );
        assert.deepEqual(
          [byName["b-exits-126.sh"].status, byName["b-exits-126.sh"].exit_code],
          ["failed", 126],
        );
        const missing = byName["c-missing-interpreter"];
        assert.equal(missing.status, "spawn_error");
        assert.equal(
          missing.error,
          "the interpreter named in the #! line is missing: /usr/bin/python-not-installed",
        );
        assert.deepEqual(
          [missing.stderr, missing.stderr_bytes],
          ["", 0],
          "not the starting shell's own line",
        );
        const envCannotFind = byName["d-env-cannot-find"];
        assert.equal(envCannotFind.status, "failed", "env ran, and exited 127");
        assert.match(envCannotFind.error ?? "", /^exit 127: \/usr\/bin\/env cannot find/);
        assert.equal(byName["e-crlf.sh"].status, "spawn_error");
        assert.match(byName["e-crlf.sh"].error ?? "", /CRLF/);
        if (at >= 0) {
          const noLoader = byName["f-no-loader"];
          assert.equal(noLoader.status, "spawn_error");
          assert.equal(noLoader.error, "cannot start: No such file or directory");
          assert.equal(noLoader.stderr, "");
        }
      });
    });
  },
});

timed.test({
  name: "runHookProcess() explains a file that is missing or not executable",
  timeoutMs: 2 * 10_000,
  fn: async () => {
    await withTempDir(async (tmp) => {
      const plain = join(tmp, "not-executable.sh");
      await Deno.writeTextFile(plain, "#!/bin/sh\nexit 0\n", { mode: 0o644 });
      await Deno.chmod(plain, 0o644);
      const options = {
        cwd: tmp,
        env: {},
        stdin: new Uint8Array(),
        deadline: performance.now() + 10_000,
        killGraceMs: 500,
        maxOutputBytes: 1024,
      };
      const notExecutable = await runHookProcess({ ...options, command: plain });
      assert.deepEqual(
        [notExecutable.status, notExecutable.error, notExecutable.stderr],
        ["spawn_error", "permission denied: the file is not executable (chmod +x)", ""],
      );
      const missing = await runHookProcess({ ...options, command: join(tmp, "gone") });
      assert.deepEqual(
        [missing.status, missing.error],
        ["spawn_error", `file not found: ${join(tmp, "gone")}`],
      );
    });
  },
});

timed.test({
  name:
    "hooks get SOLUS_HOOK_NAME (a link's own name) and the default PATH when the runner has none",
  timeoutMs: 20_000,
  fn: async () => {
    await withTempDir(async (tmp) => {
      const config = await writeConfig(tmp);
      const target = join(tmp, "real-hook.sh");
      const script = '#!/bin/sh\necho "$SOLUS_HOOK_NAME"\necho "$PATH"\n';
      await Deno.writeTextFile(target, script);
      await Deno.chmod(target, 0o755);
      await withHooks({ "10-plain.sh": script }, async (dir) => {
        await Deno.symlink(target, join(dir, "20-link"));
        // No PATH at all in the runner's environment.
        const args = ["run", "--dir", dir, "--json", "--event", EVENT_JSON];
        const output = await runCli([...args, "--config", config, "--no-journal"], {
          env: { PATH: undefined },
        });
        assert.equal(output.code, 0, output.stderr);
        const report = JSON.parse(output.stdout);
        assert.deepEqual(
          report.hooks.map((hook: { name: string; stdout: string }) => [hook.name, hook.stdout]),
          [
            ["10-plain.sh", `10-plain.sh\n${DEFAULT_PATH}\n`],
            ["20-link", `20-link\n${DEFAULT_PATH}\n`],
          ],
        );
      });
    });
  },
});

timed.test({
  name:
    "runStage() kills a timed-out hook's setsid escapee, and leaves another hook's daemon alone",
  timeoutMs: 15_000 + 1500,
  fn: async () => {
    await withTempDir(async (tmp) => {
      const escapee = join(tmp, "escapee.pid");
      const daemon = join(tmp, "daemon.pid");
      await withHooks({
        // Exits at once, leaving a daemon: the contract leaves it alone.
        "a-daemon.sh": `#!/bin/sh\nsetsid sh -c 'echo $$ > ${daemon}; exec sleep 30' &\nexit 0\n`,
        // Leaves its group with setsid, then hangs until its deadline.
        "b-hangs.sh":
          `#!/bin/sh\nsetsid sh -c 'echo $$ > ${escapee}; exec sleep 30' > /dev/null 2>&1 &\nsleep 30\n`,
      }, async (dir) => {
        const runId = crypto.randomUUID();
        try {
          const report = await runStage(RESTART_PRE, {
            hooksDir: dir,
            runId,
            timeoutMs: 1500,
            killGraceMs: 300,
          });
          assert.deepEqual(report.hooks.map((hook) => hook.status), ["ok", "timed_out"]);
          const escapeePid = Number(await Deno.readTextFile(escapee));
          const daemonPid = Number(await Deno.readTextFile(daemon));
          assert.ok(
            await holdsWithin(1500, () => !isAlive(escapeePid)),
            "the timed-out hook's escapee is killed",
          );
          assert.ok(isAlive(daemonPid), "the daemon of the hook that exited normally lives on");
        } finally {
          killRun(runId);
        }
      });
    });
  },
});

timed.test("runStage() hands each hook its stdin as it is spawned, not after the last spawn", async () => {
  // Each hook says how long it waited for end-of-file on stdin after it started.
  const hook = [
    "#!/bin/sh",
    "a=$(date +%s%N)",
    "cat > /dev/null",
    "b=$(date +%s%N)",
    'echo "$a $((b - a))"',
  ].join("\n");
  const n = 30;
  const files = Object.fromEntries(
    Array.from({ length: n }, (_, i) => [`h${String(i).padStart(2, "0")}`, hook]),
  );
  await withHooks(files, async (dir) => {
    const report = await runStage(RESTART_PRE, { hooksDir: dir });
    assert.ok(report.ok, JSON.stringify(report.hooks.filter((h) => h.status !== "ok")));
    const rows = report.hooks.map((h) => h.stdout.trim().split(" ").map(Number));
    const starts = rows.map(([start]) => start);
    const waits = rows.map(([, wait]) => wait / 1e6).sort((a, b) => a - b);
    const spread = (Math.max(...starts) - Math.min(...starts)) / 1e6;
    const median = waits[Math.floor(n / 2)];
    // Stdin written after the last spawn makes the median hook wait about half
    // the spawn loop; written at its spawn, the event is there when cat reads.
    assert.ok(
      median < Math.max(5, spread / 4),
      `median wait for stdin ${median.toFixed(1)} ms, spawns spread over ${spread.toFixed(1)} ms`,
    );
  });
});

timed.test({
  name: "runHookProcess() reports output that is not UTF-8 as base64, with exact byte counts",
  timeoutMs: 10_000,
  fn: async () => {
    await withTempDir(async (tmp) => {
      const options = {
        cwd: tmp,
        env: { PATH: DEFAULT_PATH },
        stdin: new Uint8Array(),
        deadline: performance.now() + 10_000,
        killGraceMs: 500,
        maxOutputBytes: 4,
      };
      const outcome = await runHookProcess({
        ...options,
        command: "/bin/sh",
        // stdout: "abcé" cut after 4 bytes splits é; stderr: bytes that are not UTF-8.
        args: ["-c", "printf 'abc\\303\\251xyz'; printf '\\377\\000' >&2"],
      });
      assert.equal(outcome.status, "ok", outcome.error);
      assert.deepEqual(
        [outcome.stdout, outcome.stdout_encoding, outcome.stdout_bytes],
        ["abc", undefined, 8],
      );
      assert.deepEqual(
        [outcome.stderr, outcome.stderr_encoding, outcome.stderr_bytes],
        ["/wA=", "base64", 2],
      );
      assert.deepEqual(encodeOutput(Uint8Array.of(0xe2, 0x82, 0xac)), { text: "€" });
      assert.deepEqual(encodeOutput(Uint8Array.of(0x61, 0xe2, 0x82), { cut: false }), {
        text: "YeKC",
        encoding: "base64",
      });
    });
  },
});

/** A script that runs `runForeground` with `stdout` and prints its result on stdout. */
async function foregroundRunner(tmp: string, stdout: "inherit" | "stderr"): Promise<string> {
  const path = join(tmp, "foreground.ts");
  await Deno.writeTextFile(
    path,
    `import { runForeground } from ${JSON.stringify(join(ROOT, "lib", "process", "foreground.ts"))};
import { watchInterrupts } from ${JSON.stringify(join(ROOT, "lib", "process", "interrupt.ts"))};
const watch = watchInterrupts();
const result = await runForeground(Deno.args, { signal: watch.signal, stdout: ${
      JSON.stringify(stdout)
    } });
console.log("RESULT " + JSON.stringify(result));
watch.dispose();
`,
  );
  return path;
}

timed.test({
  name:
    "runForeground() passes the runner's SIGTERM and SIGINT on, and copies stdout to stderr when asked",
  timeoutMs: 2 * (10_000 + 10_000),
  fn: async () => {
    await withTempDir(async (tmp) => {
      const ready = join(tmp, "ready");
      const script = await foregroundRunner(tmp, "stderr");
      for (const signal of ["SIGTERM", "SIGINT"] as const) {
        await Deno.remove(ready).catch(() => {});
        const command = `trap 'echo got-${signal}; exit 7' ${signal.slice(3)}; echo to-stdout; ` +
          `touch ${ready}; while :; do sleep 0.05; done`;
        const child = new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", "--no-prompt", script, "sh", "-c", command],
          cwd: ROOT,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        track(child.pid);
        try {
          assert.ok(await appears(ready), "the command started");
          child.kill(signal);
          const output = await child.output();
          const stdout = new TextDecoder().decode(output.stdout);
          const stderr = new TextDecoder().decode(output.stderr);
          assert.equal(
            stdout,
            `RESULT {"exit_code":7,"signal":null}\n`,
            "only the runner's own line",
          );
          assert.match(stderr, new RegExp(`to-stdout\ngot-${signal}\n`));
        } finally {
          try {
            child.kill("SIGKILL");
          } catch {
            // gone
          }
        }
      }
    });
  },
});

timed.test({
  name: "runForeground() inherits stdout by default and says why a command cannot start",
  timeoutMs: 10_000,
  fn: async () => {
    await withTempDir(async (tmp) => {
      const script = await foregroundRunner(tmp, "inherit");
      const runner = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--no-prompt", script, "sh", "-c", "echo hello; exit 4"],
        cwd: ROOT,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      track(runner.pid);
      const output = await runner.output();
      assert.equal(
        new TextDecoder().decode(output.stdout),
        `hello\nRESULT {"exit_code":4,"signal":null}\n`,
      );

      const signal = new AbortController().signal;
      const plain = join(tmp, "plain.sh");
      await Deno.writeTextFile(plain, "#!/bin/sh\n", { mode: 0o644 });
      await Deno.chmod(plain, 0o644);
      const badInterpreter = join(tmp, "bad.sh");
      await Deno.writeTextFile(badInterpreter, "#!/nonexistent/sh\n");
      await Deno.chmod(badInterpreter, 0o755);
      assert.deepEqual(await runForeground(["solus-no-such-command"], { signal }), {
        exit_code: 127,
        signal: null,
        error: "cannot run solus-no-such-command: command not found",
      });
      assert.deepEqual(await runForeground([join(tmp, "gone")], { signal }), {
        exit_code: 127,
        signal: null,
        error: `cannot run ${join(tmp, "gone")}: no such file`,
      });
      assert.deepEqual(await runForeground([plain], { signal }), {
        exit_code: 126,
        signal: null,
        error: `cannot run ${plain}: permission denied: the file is not executable (chmod +x)`,
      });
      assert.deepEqual(await runForeground([badInterpreter], { signal }), {
        exit_code: 126,
        signal: null,
        error:
          `cannot run ${badInterpreter}: the interpreter named in the #! line is missing: /nonexistent/sh`,
      });
    });
  },
});

timed.test({
  name: "runStage() leaves no hook process behind after a normal stage",
  timeoutMs: 10_000,
  fn: async () => {
    await withHooks({ "a.sh": "#!/bin/sh\ncat >/dev/null\n" }, async (dir) => {
      const runId = crypto.randomUUID();
      const report = await runStage(RESTART_PRE, { hooksDir: dir, runId });
      assert.equal(report.ok, true);
      assert.deepEqual(await survivorsOf(runId), [], "not even the starting shell");
    });
  },
});

timed.test({
  name: "runHookProcess() stops a hook at its own deadline, SIGTERM then SIGKILL after the grace",
  timeoutMs: 10_000 + 1500,
  fn: async () => {
    await withTempDir(async (tmp) => {
      const child = join(tmp, "child.pid");
      const start = performance.now();
      const outcome = await runHookProcess({
        command: "/bin/sh",
        // Ignores SIGTERM, and so does a child of its group.
        args: ["-c", `trap '' TERM; sh -c 'echo $$ > ${child}; exec sleep 30' & sleep 30`],
        cwd: tmp,
        env: { PATH: DEFAULT_PATH },
        stdin: new Uint8Array(),
        deadline: performance.now() + 400,
        deadlineLabel: "its timeout=400ms",
        signal: new AbortController().signal,
        killGraceMs: 300,
        maxOutputBytes: 1024,
      });
      const elapsed = performance.now() - start;
      assert.deepEqual(
        [outcome.status, outcome.signal, outcome.error],
        ["timed_out", "SIGKILL", "killed at its timeout=400ms (SIGKILL)"],
      );
      assert.ok(elapsed >= 400 + 300 - 50 && elapsed < 400 + 300 + 1500, `took ${elapsed} ms`);
      const pid = Number(await Deno.readTextFile(child));
      assert.ok(await holdsWithin(1500, () => !isAlive(pid)), "the group's child is gone too");
    });
  },
});
