/**
 * Every journal wait ends (contract §3): a lock another process holds, a FIFO
 * nobody reads, a stalled append. The three hangs of issue 8 §3, each through
 * the CLI with a real external holder (`flock`) or a real FIFO (`mkfifo`), and
 * each with a deadline of its own so a regression fails instead of hanging.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { JournalError } from "../lib/errors.ts";
import { appendRecord } from "../lib/journal/write.ts";
import { fakeReport } from "./fixtures/fake_report.ts";
import {
  holdsOpen,
  runCli,
  startCli,
  survivorsOf,
  timed,
  WAIT_MS,
  waitFor,
  waitForFile,
  withHooks,
  withLockHeld,
  withTempDir,
  writeConfig,
} from "./helpers.ts";
import { EVENT, journalLines, RUN_MS, runArgs } from "./journal_helpers.ts";

const LOCKED = /warning: the journal was not written: .*stayed locked by another process/;

/** A hook that appends its stage to `log`, then exits 0. */
function logger(log: string): string {
  return `#!/bin/sh\necho "$SOLUS_HOOK_STAGE" >> '${log}'\n`;
}

async function readLog(log: string): Promise<string[]> {
  return (await Deno.readTextFile(log).catch(() => "")).split("\n").filter(Boolean);
}

timed.test("run with the journal's lock held by another process warns after 2 s and keeps the hooks' status", async () => {
  await withTempDir(async (tmp) => {
    const journal = join(tmp, "journal.jsonl");
    const log = join(tmp, "log");
    const config = await writeConfig(tmp);
    await withLockHeld(`${journal}.lock`, async () => {
      await withHooks({ "10-ok.sh": logger(log) }, async (dir) => {
        const result = await runCli(
          runArgs(dir, journal, config),
          { timeoutMs: RUN_MS },
        );
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stderr, LOCKED);
        assert.deepEqual(await readLog(log), ["pre"], "the hook ran");
      });
    });
    assert.deepEqual(await journalLines(journal), [], "nothing was written past the lock");
  });
});

timed.test({
  name:
    "around with the journal's lock held by another process goes on to COMMAND and the post hooks",
  timeoutMs: WAIT_MS + 30_000,
  fn: async () => {
    await withTempDir(async (tmp) => {
      const journal = join(tmp, "journal.jsonl");
      const log = join(tmp, "log");
      const config = await writeConfig(tmp);
      await withLockHeld(`${journal}.lock`, async () => {
        await withHooks({ "10-log.sh": logger(log) }, async (dir) => {
          const event = JSON.stringify({ action: "server-restart", data: JSON.parse(EVENT).data });
          const result = await runCli([
            "around",
            "--dir",
            dir,
            "--journal",
            journal,
            "--config",
            config,
            "--event",
            event,
            "--",
            "sh",
            "-c",
            `echo command >> '${log}'`,
          ], { timeoutMs: 30_000 });
          assert.equal(result.code, 0, result.stderr);
          assert.deepEqual(await readLog(log), ["pre", "command", "post"]);
          assert.equal(result.stderr.match(new RegExp(LOCKED, "g"))?.length, 2, result.stderr);
        });
      });
    });
  },
});

for (
  const [when, hook] of [
    ["while it waits for the lock", '#!/bin/sh\ntouch "$MARK"\n'],
    ["while its hooks run", '#!/bin/sh\ntouch "$MARK"\nexec sleep 30\n'],
  ] as const
) {
  timed.test(`run with the journal's lock held elsewhere exits 143 at once on SIGTERM ${when}`, async () => {
    await withTempDir(async (tmp) => {
      const journal = join(tmp, "journal.jsonl");
      const mark = join(tmp, "started");
      const config = await writeConfig(tmp, { env: { set: { MARK: mark } } });
      await withLockHeld(`${journal}.lock`, async () => {
        await withHooks({ "10-hook.sh": hook }, async (dir) => {
          const runner = startCli(
            runArgs(dir, journal, config),
            { timeoutMs: RUN_MS },
          );
          await waitForFile(mark);
          // Into the wait: the start record's (hooks running) or the report's
          // (stage over), where the runner holds the lock file open.
          const lock = `${journal}.lock`;
          await waitFor("the runner to wait on the lock", () => holdsOpen(runner.child.pid, lock));
          const sent = performance.now();
          runner.child.kill("SIGTERM");
          const result = await runner.result;
          const ms = performance.now() - sent;
          assert.equal(result.signal, null, `died of ${result.signal} instead of exiting`);
          assert.equal(result.code, 143, result.stderr);
          // The lock wait alone is 2 s: ending well before it means the signal ended it.
          assert.ok(ms < 1500, `exited ${ms.toFixed(0)} ms after SIGTERM`);
        });
      });
    });
  });
}

timed.test({
  name: "run --journal FIFO returns promptly with a warning, for a 100 KB record and a small one",
  timeoutMs: 2 * RUN_MS,
  fn: async () => {
    await withTempDir(async (tmp) => {
      const fifo = join(tmp, "journal.jsonl");
      const config = await writeConfig(tmp);
      const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
      assert.ok(made.success, "mkfifo");
      for (
        const [size, hook] of [
          ["100 KB", "#!/bin/sh\nhead -c 100000 /dev/zero | tr '\\0' x\n"],
          ["small", "#!/bin/sh\necho hi\n"],
        ]
      ) {
        await withHooks({ "10-out.sh": hook }, async (dir) => {
          const result = await runCli(
            runArgs(dir, fifo, config, "--json"),
            { timeoutMs: RUN_MS },
          );
          assert.equal(result.code, 0, `${size}: ${result.stderr}`);
          assert.match(
            result.stderr,
            /warning: the journal was not written: cannot write journal .*: it is a FIFO \(named pipe\), not a regular file/,
            size,
          );
          assert.equal(
            result.stderr.match(/the journal was not written/g)?.length,
            1,
            `${size}: one warning, not one per record`,
          );
          assert.equal(JSON.parse(result.stdout).hooks[0].status, "ok");
          // No writer blocked on it: the whole run is start-up plus a hook, not a lock or write wait.
          assert.ok(result.ms < 10_000, `${size}: took ${result.ms.toFixed(0)} ms`);
        });
      }
    });
  },
});

timed.test({
  name:
    "appendRecord() gives up at its whole-append bound and at the caller's signal, whatever the lock wait",
  // A lock wait given up on leaves Deno's blocking flock call behind until the holder lets go.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await withTempDir(async (tmp) => {
      const journal = { path: join(tmp, "journal.jsonl"), maxBytes: 1 << 20, keep: 1 };
      await withLockHeld(`${journal.path}.lock`, async () => {
        let start = performance.now();
        await assert.rejects(
          () =>
            appendRecord(journal, fakeReport("bounded"), { timeoutMs: 300, lockWaitMs: 60_000 }),
          (error: Error) =>
            error instanceof JournalError && /gave up after 300 ms/.test(error.message) &&
            /while locking/.test(error.message),
        );
        let ms = performance.now() - start;
        assert.ok(ms >= 250 && ms < 1500, `gave up after ${ms.toFixed(0)} ms`);

        const controller = new AbortController();
        start = performance.now();
        setTimeout(
          () => controller.abort(new DOMException("interrupted by SIGTERM", "AbortError")),
          100,
        );
        await assert.rejects(
          () => appendRecord(journal, fakeReport("interrupted"), { signal: controller.signal }),
          /cannot write journal .*: interrupted by SIGTERM \(while locking/,
        );
        ms = performance.now() - start;
        assert.ok(ms < 1000, `gave up ${ms.toFixed(0)} ms after the signal`);
      });
      // Once the lock is free, appends work again.
      await appendRecord(journal, fakeReport("after"));
      assert.deepEqual((await journalLines(journal.path)).map((line) => line.run_id), ["after"]);
    });
  },
});

timed.test({
  name:
    "run interrupted by SIGTERM still journals its report, marked interrupted, and no start record shows",
  timeoutMs: 2 * RUN_MS,
  fn: async () => {
    await withTempDir(async (tmp) => {
      const journal = join(tmp, "journal.jsonl");
      const mark = join(tmp, "started");
      const config = await writeConfig(tmp, { env: { set: { MARK: mark } } });
      await withHooks(
        { "10-sleep.sh": '#!/bin/sh\ntouch "$MARK"\nexec sleep 30\n' },
        async (dir) => {
          const runner = startCli(
            runArgs(dir, journal, config),
            { timeoutMs: RUN_MS },
          );
          await waitForFile(mark);
          runner.child.kill("SIGTERM");
          const result = await runner.result;
          assert.equal(result.signal, null, `died of ${result.signal} instead of exiting`);
          assert.equal(result.code, 143, result.stderr);
          const lines = await journalLines(journal);
          const report = lines.find((line) => line.record === undefined);
          assert.ok(report, `a report was written: ${JSON.stringify(lines)}`);
          assert.equal(report.interrupted, true);
          assert.deepEqual(await survivorsOf(String(report.run_id)), []);
          const history = await runCli(
            ["history", "--journal", journal, "--config", config, "--json"],
            { timeoutMs: RUN_MS },
          );
          assert.equal(history.code, 0, history.stderr);
          assert.deepEqual(
            JSON.parse(history.stdout).map((run: { state: string }) => run.state),
            ["finished"],
          );
        },
      );
    });
  },
});
