/**
 * `journal.maxAgeDays`: records older than the limit leave the journal, a file
 * at a time, on the next append; off by default.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli, timed, withHooks, withTempDir, writeConfig } from "./helpers.ts";
import { RUN_MS, runArgs } from "./journal_helpers.ts";

const DAY_MS = 86_400_000;

/** A report line that started `daysAgo` days ago. */
function oldRecord(runId: string, daysAgo: number): string {
  const started = new Date(Date.now() - daysAgo * DAY_MS).toISOString();
  return JSON.stringify({
    run_id: runId,
    event_id: "e",
    event: { action: "server-stop", stage: "post", data: {} },
    dir: "/hooks",
    started_at: started,
    duration_ms: 5,
    ok: true,
    interrupted: false,
    hooks: [],
    skipped: [],
  }) + "\n";
}

/** Lay out a journal: the live file's first record 10 days old, `.1` written 2 days ago, `.2` 30. */
async function oldJournal(journal: string): Promise<void> {
  await Deno.writeTextFile(journal, oldRecord("live-10-days", 10) + oldRecord("live-1-day", 1));
  await Deno.writeTextFile(`${journal}.1`, oldRecord("one-2-days", 2));
  await Deno.writeTextFile(`${journal}.2`, oldRecord("two-30-days", 30));
  const ago = (days: number) => new Date(Date.now() - days * DAY_MS);
  await Deno.utime(`${journal}.1`, ago(2), ago(2));
  await Deno.utime(`${journal}.2`, ago(30), ago(30));
}

async function runIds(file: string): Promise<string[]> {
  const text = await Deno.readTextFile(file).catch(() => "");
  return text.split("\n").filter(Boolean).map((line) => JSON.parse(line).run_id);
}

timed.test({
  name: "journal.maxAgeDays drops files of records older than the limit on the next append",
  timeoutMs: 3 * RUN_MS,
  fn: async () => {
    await withHooks({ "10-ok.sh": "#!/bin/sh\nexit 0\n" }, async (dir) => {
      await withTempDir(async (tmp) => {
        const journal = join(tmp, "journal.jsonl");
        await oldJournal(journal);
        const config = await writeConfig(tmp, { journal: { maxAgeDays: 7, keep: 5 } });
        const run = await runCli(runArgs(dir, journal, config), { timeoutMs: RUN_MS });
        assert.equal(run.code, 0, run.stderr);
        // .2 (30 days) is gone; the live file, whose first record is 10 days old, rotated.
        assert.deepEqual(await runIds(`${journal}.1`), ["live-10-days", "live-1-day"]);
        assert.deepEqual(await runIds(`${journal}.2`), ["one-2-days"]);
        await assert.rejects(Deno.stat(`${journal}.3`), Deno.errors.NotFound);
        const live = await runIds(journal);
        assert.ok(live.length >= 1 && !live.some((id) => id.startsWith("live-")), live.join());
      });
    });
  },
});

timed.test({
  name: "without journal.maxAgeDays nothing is dropped by age",
  timeoutMs: 3 * RUN_MS,
  fn: async () => {
    await withHooks({ "10-ok.sh": "#!/bin/sh\nexit 0\n" }, async (dir) => {
      await withTempDir(async (tmp) => {
        const journal = join(tmp, "journal.jsonl");
        await oldJournal(journal);
        const config = await writeConfig(tmp, {});
        const run = await runCli(runArgs(dir, journal, config), { timeoutMs: RUN_MS });
        assert.equal(run.code, 0, run.stderr);
        assert.deepEqual(await runIds(`${journal}.2`), ["two-30-days"]);
        assert.deepEqual((await runIds(journal)).slice(0, 2), ["live-10-days", "live-1-day"]);
      });
    });
  },
});
