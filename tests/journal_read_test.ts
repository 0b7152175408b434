/**
 * Reading the journal never crashes (contract §5): lines that are JSON but no
 * report are skipped with a warning naming file and line, and a journal that
 * is missing, a directory, a FIFO, unreadable or outside the build's scope is
 * one clear line and exit 2 from `history` and `show`, never an internal error.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readNewest } from "../lib/journal/read.ts";
import { fakeReport } from "./fixtures/fake_report.ts";
import { ROOT, runCli, timed, withHooks, withTempDir, writeConfig } from "./helpers.ts";
import { RUN_MS, runArgs } from "./journal_helpers.ts";

/** Assert a command failed as a person should see it: exit 2, one line on stderr, no internal error. */
function assertOneLine(result: { code: number; stderr: string }, pattern: RegExp): void {
  assert.equal(result.code, 2, result.stderr);
  assert.doesNotMatch(result.stderr, /internal error|please report|at .*\.ts:\d+/);
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0], pattern);
}

timed.test({
  name:
    "history and show skip a line that is JSON but no report, with a warning naming file and line",
  timeoutMs: 5 * RUN_MS,
  fn: async () => {
    await withTempDir(async (tmp) => {
      const journal = join(tmp, "journal.jsonl");
      const config = await writeConfig(tmp);
      await withHooks({ "10-ok.sh": "#!/bin/sh\necho fine\n" }, async (dir) => {
        const run = await runCli(
          runArgs(dir, journal, config, "--json"),
          { timeoutMs: RUN_MS },
        );
        assert.equal(run.code, 0, run.stderr);
        const runId = JSON.parse(run.stdout).run_id;
        await Deno.writeTextFile(
          journal,
          '{"run_id":"abcdefgh-1234"}\n{"run_id":"abcdefgh-5678","event_id":"e","hooks":5}\n',
          { append: true },
        );
        const history = await runCli(
          ["history", "--journal", journal, "--config", config, "--json"],
          { timeoutMs: RUN_MS },
        );
        assert.equal(history.code, 0, history.stderr);
        assert.deepEqual(JSON.parse(history.stdout).map((r: { run_id: string }) => r.run_id), [
          runId,
        ]);
        assert.match(
          history.stderr,
          new RegExp(
            `${journal}: skipped a line that is not a run record \\(the last line\\): hooks must be an array, not number 5`,
          ),
        );
        assert.match(
          history.stderr,
          new RegExp(
            `${journal}: skipped a line that is not a run record \\(line 2 from the end\\): event_id is missing`,
          ),
        );
        const human = await runCli(
          ["history", "--journal", journal, "--config", config],
          { timeoutMs: RUN_MS },
        );
        assert.equal(human.code, 0, human.stderr);
        assert.match(human.stdout, /server-restart pre\s+ok/);

        const missing = await runCli(
          ["show", "abcdefgh", "--journal", journal, "--config", config],
          { timeoutMs: RUN_MS },
        );
        assert.equal(missing.code, 2, missing.stderr);
        assert.match(missing.stderr, /no run abcdefgh in the journal/);
        assert.doesNotMatch(missing.stderr, /internal error/);
        const shown = await runCli(
          ["show", runId.slice(0, 8), "--journal", journal, "--config", config],
          { timeoutMs: RUN_MS },
        );
        assert.equal(shown.code, 0, shown.stderr);
        assert.match(shown.stdout, /10-ok\.sh: ok, exit 0/);
      });
    });
  },
});

Deno.test("readNewest() names what is wrong with a record that is not a report", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "journal.jsonl");
    const good = fakeReport("good");
    const bad = [
      { ...fakeReport("a"), hooks: "none" },
      { ...fakeReport("b"), started_at: "yesterday" },
      { ...fakeReport("c"), hooks: [{ ...good.hooks[0], stdout: 5 }] },
      { record: "start", run_id: "d" },
    ];
    await Deno.writeTextFile(
      path,
      [good, ...bad].map((record) => JSON.stringify(record)).join("\n") + "\n",
    );
    const warnings: string[] = [];
    const ids: string[] = [];
    for await (const run of readNewest({ path, onWarning: (m) => warnings.push(m) })) {
      ids.push(run.run_id);
    }
    assert.deepEqual(ids, ["good"]);
    assert.deepEqual(warnings.map((w) => w.replace(/^.*\((.*)\): /, "$1: ")), [
      "the last line: event_id is missing",
      "line 2 from the end: hooks[0].stdout must be a string, not number 5",
      'line 3 from the end: started_at must be an ISO 8601 timestamp, not string "yesterday"',
      'line 4 from the end: hooks must be an array, not string "none"',
    ]);
  });
});

timed.test({
  name:
    "history and show say a journal does not exist, or is a directory or a FIFO: one line, exit 2",
  timeoutMs: 9 * RUN_MS,
  fn: async () => {
    await withTempDir(async (tmp) => {
      const config = await writeConfig(tmp);
      const fifo = join(tmp, "fifo.jsonl");
      assert.ok((await new Deno.Command("mkfifo", { args: [fifo] }).output()).success);
      const cases: [string, RegExp][] = [
        [
          join(tmp, "nothing.jsonl"),
          /no journal at .*nothing\.jsonl: nothing has been recorded there yet/,
        ],
        [tmp, /cannot read journal .*: it is a directory, not a regular file$/],
        [
          fifo,
          /cannot read journal .*fifo\.jsonl: it is a FIFO \(named pipe\), not a regular file$/,
        ],
      ];
      for (const [journal, pattern] of cases) {
        for (const args of [["history"], ["show", "0b6f3c2a"], ["replay", "0b6f3c2a"]]) {
          const result = await runCli(
            [...args, "--journal", journal, "--config", config, "--dir", tmp],
            { timeoutMs: RUN_MS },
          );
          assertOneLine(result, pattern);
        }
      }
    });
  },
});

timed.test({
  name: "a journal outside the build's permission scope is said to be, not 'permission denied'",
  timeoutMs: 2 * RUN_MS,
  fn: async () => {
    await withTempDir(async (tmp) => {
      const config = await writeConfig(tmp);
      const journal = join(tmp, "elsewhere", "journal.jsonl");
      // A build whose --allow-read covers the code and the config, not the journal.
      const command = [
        Deno.execPath(),
        "run",
        `--allow-read=${ROOT},${config}`,
        "--allow-env",
        "--no-prompt",
        join(ROOT, "main.ts"),
      ];
      for (const args of [["history"], ["show", "0b6f3c2a"]]) {
        const result = await runCli([...args, "--journal", journal, "--config", config], {
          timeoutMs: RUN_MS,
          command,
        });
        // The CLI words the refusal with what to grant or rebuild.
        assertOneLine(
          result,
          /journal .*: reading .* is outside the permissions solus-hooks was started with; add .* to --allow-read/,
        );
        assert.doesNotMatch(result.stderr, /permission denied/i);
      }
    });
  },
});

timed.test({
  name: "an unreadable journal is one line and exit 2 (needs a user other than root)",
  ignore: Deno.uid() === 0,
  fn: async () => {
    await withTempDir(async (tmp) => {
      const config = await writeConfig(tmp);
      const journal = join(tmp, "journal.jsonl");
      await Deno.writeTextFile(journal, `${JSON.stringify(fakeReport("r"))}\n`);
      await Deno.chmod(journal, 0o000);
      const result = await runCli(
        ["history", "--journal", journal, "--config", config],
        { timeoutMs: RUN_MS },
      );
      assertOneLine(result, /cannot read journal .*: permission denied/);
    });
  },
});

timed.test({
  name: "history --action suggests the nearest action; show says a prefix needs 8 characters",
  timeoutMs: 2 * RUN_MS,
  fn: async () => {
    await withTempDir(async (tmp) => {
      const config = await writeConfig(tmp);
      const journal = join(tmp, "journal.jsonl");
      await Deno.writeTextFile(journal, `${JSON.stringify(fakeReport("0b6f3c2a-0000"))}\n`);
      const action = await runCli(
        ["history", "--action", "server-restat", "--journal", journal, "--config", config],
        { timeoutMs: RUN_MS },
      );
      assertOneLine(
        action,
        /--action: unknown action "server-restat" \(did you mean server-restart\?\)/,
      );
      const short = await runCli(
        ["show", "0b6f", "--journal", journal, "--config", config],
        { timeoutMs: RUN_MS },
      );
      assertOneLine(
        short,
        /no run 0b6f in the journal .*: a prefix of a run id needs at least 8 characters/,
      );
    });
  },
});
