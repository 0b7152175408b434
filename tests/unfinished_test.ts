/**
 * Unfinished runs (contract §5): a stage appends a start record when its hooks
 * start and its report when it ends; a start record without its report is a
 * run that is `running` until its deadline + kill grace + a margin, then
 * `unfinished`. A start record whose report exists is never shown.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { UNFINISHED_AFTER_MS } from "../lib/config/constants.ts";
import { appendRecord, appendStart } from "../lib/journal/write.ts";
import { findRun, isUnfinished, type JournalEntry, readNewest } from "../lib/journal/read.ts";
import type { StageStart } from "../lib/stage.ts";
import { fakeReport } from "./fixtures/fake_report.ts";
import {
  killRun,
  runCli,
  startCli,
  timed,
  waitFor,
  waitForFile,
  withHooks,
  withTempDir,
  writeConfig,
} from "./helpers.ts";
import { EVENT, journalLines, RUN_MS, runArgs } from "./journal_helpers.ts";

/** A start as `runStage` reports it, for run `runId`, started `startedAt` with a 1 s deadline. */
function stageStart(runId: string, startedAt: number): StageStart {
  const report = fakeReport(runId);
  return {
    run_id: runId,
    event_id: report.event_id,
    event: report.event,
    dir: report.dir,
    started_at: new Date(startedAt).toISOString(),
    deadline_at: new Date(startedAt + 1000).toISOString(),
    kill_grace_ms: 500,
    hooks: ["10-a.sh", "20-b.sh"],
  };
}

async function readAll(path: string, now?: number): Promise<JournalEntry[]> {
  const entries: JournalEntry[] = [];
  for await (const entry of readNewest({ path, now, onWarning: (m) => assert.fail(m) })) {
    entries.push(entry);
  }
  return entries;
}

Deno.test("readNewest() pairs start records with reports across rotated files, and dates the rest", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "journal.jsonl");
    const journal = { path, maxBytes: 1200, keep: 10 };
    const t0 = Date.now();
    await appendStart(journal, stageStart("done-1", t0));
    await appendStart(journal, stageStart("died-1", t0));
    await appendRecord(journal, fakeReport("done-1"));
    await appendRecord(journal, fakeReport("no-start"));
    await appendStart(journal, stageStart("done-2", t0));
    await appendStart(journal, stageStart("died-2", t0 + 60_000));
    await appendRecord(journal, fakeReport("done-2"));
    const files = [...Deno.readDirSync(dir)].filter((entry) => !entry.name.endsWith(".lock"));
    assert.ok(files.length > 2, "the records span rotated files");

    const summary = (entries: JournalEntry[]) =>
      entries.map((entry) => `${entry.run_id}:${isUnfinished(entry) ? entry.state : "report"}`);
    // Just started: both starts without a report are still running.
    assert.deepEqual(summary(await readAll(path, t0)), [
      "done-2:report",
      "died-2:running",
      "no-start:report",
      "done-1:report",
      "died-1:running",
    ]);
    // Past deadline + kill grace + margin for the first, not the second (started a minute later).
    const later = t0 + 1000 + 500 + UNFINISHED_AFTER_MS + 1;
    assert.deepEqual(summary(await readAll(path, later)), [
      "done-2:report",
      "died-2:running",
      "no-start:report",
      "done-1:report",
      "died-1:unfinished",
    ]);
    const died = await findRun({ path, now: later }, "died-1");
    assert.ok(died && isUnfinished(died));
    assert.equal(died.state, "unfinished");
    assert.deepEqual(died.hooks, ["10-a.sh", "20-b.sh"]);
    assert.equal(died.pid, Deno.pid);
    assert.equal(died.event.action, "server-restart");
    const done = await findRun({ path }, "done-1");
    assert.ok(done && !isUnfinished(done), "a run with a report is found as its report");
  });
});

timed.test({
  name: "a finished run's start record is never listed: history shows the run once",
  timeoutMs: 2 * RUN_MS,
  fn: async () => {
    await withTempDir(async (tmp) => {
      const journal = join(tmp, "journal.jsonl");
      const config = await writeConfig(tmp);
      // Long enough that the start record is written before the stage ends.
      await withHooks({ "10-nap.sh": "#!/bin/sh\nsleep 0.5\n" }, async (dir) => {
        const run = await runCli(
          runArgs(dir, journal, config, "--json"),
          { timeoutMs: RUN_MS },
        );
        assert.equal(run.code, 0, run.stderr);
        const runId = JSON.parse(run.stdout).run_id;
        const lines = await journalLines(journal);
        assert.deepEqual(lines.map((line) => [line.run_id, line.record ?? "report"]), [
          [runId, "start"],
          [runId, "report"],
        ]);
        const history = await runCli(
          ["history", "--journal", journal, "--config", config, "--json"],
          { timeoutMs: RUN_MS },
        );
        assert.equal(history.code, 0, history.stderr);
        const runs = JSON.parse(history.stdout);
        assert.deepEqual(runs.map((r: { run_id: string; state: string }) => [r.run_id, r.state]), [
          [runId, "finished"],
        ]);
      });
    });
  },
});

timed.test({
  name:
    "a run is running while its runner lives, unfinished as soon as it is SIGKILLed (history and show), and replays",
  timeoutMs: 30_000 + 8 * RUN_MS + UNFINISHED_AFTER_MS,
  fn: async () => {
    await withTempDir(async (tmp) => {
      const journal = join(tmp, "journal.jsonl");
      const mark = join(tmp, "started");
      const config = await writeConfig(tmp, { killGraceMs: 200, env: { set: { MARK: mark } } });
      let runId = "";
      await withHooks({
        "10-sleep.sh": '#!/bin/sh\ntouch "$MARK"\nexec sleep 30\n',
        "20-quick.sh": "#!/bin/sh\nexit 0\n",
      }, async (dir) => {
        const args = (...more: string[]) => [...more, "--journal", journal, "--config", config];
        try {
          const runner = startCli(
            [...args("run"), "--dir", dir, "--timeout", "20000", "--event", EVENT],
            { timeoutMs: 30_000 },
          );
          await waitForFile(mark);
          await waitFor(
            "the start record",
            async () => (await journalLines(journal)).some((line) => line.record === "start"),
          );
          const history = async (...more: string[]) => {
            const result = await runCli([...args("history"), "--json", ...more], {
              timeoutMs: RUN_MS,
            });
            assert.equal(result.code, 0, result.stderr);
            return JSON.parse(result.stdout) as Record<string, unknown>[];
          };
          // Its runner alive: running.
          const live = await history();
          assert.equal(live[0]?.state, "running", JSON.stringify(live));
          assert.deepEqual(await history("--failed"), [], "a running run has not failed");
          runner.child.kill("SIGKILL");
          await runner.result;
          const [start] = await journalLines(journal);
          runId = String(start.run_id);
          if (Deno.env.get("SOLUS_HOOKS_CMD") === undefined) {
            assert.equal(start.pid, runner.child.pid, "the start record names the runner");
          }
          assert.deepEqual(start.hooks, ["10-sleep.sh", "20-quick.sh"]);
          assert.match(String(start.runner_start), /^\d+$/, "the runner's start time");
          // Its runner dead: unfinished at once, long before deadline + grace + margin.
          const givenUpAt = Date.parse(String(start.deadline_at)) + 200 + UNFINISHED_AFTER_MS;
          const [run] = await history();
          assert.ok(Date.now() < givenUpAt, "asked before the time alone would say unfinished");
          assert.equal(run.run_id, runId);
          assert.equal(run.state, "unfinished");
          assert.equal(run.ok, false);
          assert.equal(run.duration_ms, null);
          assert.equal(run.action, "server-restart");
          assert.equal(run.stage, "pre");
          assert.deepEqual(run.started_hooks, ["10-sleep.sh", "20-quick.sh"]);
          assert.deepEqual((await history("--failed")).map((r) => r.run_id), [runId]);
          const human = await runCli(args("history"), { timeoutMs: RUN_MS });
          assert.match(
            human.stdout,
            /server-restart pre\s+unfinished\s+2 hooks\s+\?\s+10-sleep\.sh, 20-quick\.sh/,
          );

          const shown = await runCli(args("show", runId.slice(0, 8)), { timeoutMs: RUN_MS });
          assert.equal(shown.code, 0, shown.stderr);
          assert.match(shown.stdout, new RegExp(`run ${runId}`));
          assert.match(shown.stdout, /outcome\s+unfinished/);
          assert.match(shown.stdout, /"action":"server-restart","stage":"pre"/);
          assert.match(shown.stdout, /hooks\s+10-sleep\.sh, 20-quick\.sh/);
          const shownJson = await runCli([...args("show", runId), "--json"], { timeoutMs: RUN_MS });
          const record = JSON.parse(shownJson.stdout);
          assert.equal(record.state, "unfinished");
          assert.equal(record.record, "start");

          // Replay runs the recorded event again with the current hooks.
          await Deno.writeTextFile(join(dir, "10-sleep.sh"), "#!/bin/sh\nexit 0\n");
          const replay = await runCli(
            [...args("replay", runId), "--dir", dir, "--json"],
            { timeoutMs: RUN_MS },
          );
          assert.equal(replay.code, 0, replay.stderr);
          const again = JSON.parse(replay.stdout);
          assert.equal(again.replay_of, runId);
          assert.deepEqual(again.event, record.event);
        } finally {
          // The hook outlived its SIGKILLed runner: this test looks at the journal only.
          if (runId) killRun(runId);
        }
      });
    });
  },
});
