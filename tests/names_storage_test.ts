/**
 * Names and what is stored (issue 17 §2): `history` shows names escaped in a
 * pipe as on a terminal; `history --json` with no journal yet is `[]`;
 * `--timeout` takes a time with its unit as directives do.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli, timed, withHooks, withTempDir, writeConfig } from "./helpers.ts";
import { EVENT, RUN_MS, runArgs } from "./journal_helpers.ts";

timed.test({
  name: "history escapes a newline in a hook's name in a pipe: one record, one line",
  timeoutMs: 3 * RUN_MS,
  fn: async () => {
    await withHooks({ "50-new\nline.sh": "#!/bin/sh\nexit 3\n" }, async (dir) => {
      await withTempDir(async (tmp) => {
        const journal = join(tmp, "journal.jsonl");
        const config = await writeConfig(tmp);
        const run = await runCli(runArgs(dir, journal, config), { timeoutMs: RUN_MS });
        assert.equal(run.code, 1, run.stderr);
        const history = await runCli(["history", "--journal", journal, "--config", config], {
          timeoutMs: RUN_MS,
        });
        assert.equal(history.code, 0, history.stderr);
        const lines = history.stdout.split("\n").filter(Boolean);
        assert.equal(lines.length, 1, JSON.stringify(history.stdout));
        assert.match(lines[0], /FAILED .*50-new\\nline\.sh$/);
      });
    });
  },
});

timed.test("history --json with no journal yet prints [] and exits 0; the human form says so, exit 2", async () => {
  await withTempDir(async (tmp) => {
    const config = await writeConfig(tmp);
    const journal = join(tmp, "none", "journal.jsonl");
    const json = await runCli(["history", "--json", "--journal", journal, "--config", config]);
    assert.deepEqual([json.code, json.stdout.trim(), json.stderr], [0, "[]", ""]);
    const human = await runCli(["history", "--journal", journal, "--config", config]);
    assert.equal(human.code, 2);
    assert.match(human.stderr, /no journal at .*: nothing has been recorded there yet/);
  });
});

timed.test("--timeout takes 1.5s as a directive would, whole milliseconds, and says what 1.5 is not", async () => {
  await withHooks({ "10-slow.sh": "#!/bin/sh\nexec sleep 30\n" }, async (dir) => {
    const config = await writeConfig(dir);
    const common = ["--dir", dir, "--config", config, "--no-journal", "--event", EVENT];
    const bad = await runCli(["run", "--timeout", "1.5", ...common]);
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr.trim(),
      'solus-hooks: --timeout: "1.5" is not whole milliseconds (5000) or a time with its unit (500ms, 1.5s, 2m)',
    );
    for (const value of ["1.5s", "1500"]) {
      const run = await runCli(["run", "--json", "--timeout", value, ...common], {
        timeoutMs: RUN_MS,
      });
      const report = JSON.parse(run.stdout);
      assert.equal(report.hooks[0].status, "timed_out", value);
      assert.ok(run.ms >= 1500 && run.ms < 15_000, `${value}: ${run.ms} ms`);
      const took = report.hooks[0].duration_ms;
      assert.ok(took >= 1400 && took < 10_000, `${value}: the hook was killed after ${took} ms`);
    }
  });
});

timed.test({
  name: "the journal's output cap holds for what it stores: NUL-heavy output stays within it",
  timeoutMs: 2 * RUN_MS,
  fn: async () => {
    await withHooks({
      "10-nuls.sh":
        "#!/bin/sh\ncat >/dev/null\nhead -c 20000 /dev/zero\nhead -c 20000 /dev/zero >&2\n",
    }, async (dir) => {
      await withTempDir(async (tmp) => {
        const journal = join(tmp, "journal.jsonl");
        const config = await writeConfig(tmp, { journal: { maxOutputBytes: 4096 } });
        const run = await runCli(runArgs(dir, journal, config), { timeoutMs: RUN_MS });
        assert.equal(run.code, 0, run.stderr);
        const text = await Deno.readTextFile(journal);
        const report = text.split("\n").filter(Boolean).map((line) => JSON.parse(line))
          .find((record) => Array.isArray(record.hooks) && typeof record.hooks[0] === "object");
        const hook = report.hooks[0];
        for (const name of ["stdout", "stderr"]) {
          const stored = new TextEncoder().encode(JSON.stringify(hook[name])).length - 2;
          assert.ok(stored <= 4096, `${name}: ${stored} bytes stored`);
          assert.ok(stored >= 3000, `${name}: as much as fits is kept (${stored})`);
          assert.equal(hook[`${name}_bytes`], 20000);
        }
        assert.ok(
          text.length < 3 * 4096 + 4096,
          `the journal holds ${text.length} bytes for 2 x 4096 of output`,
        );
      });
    });
  },
});

timed.test({
  name:
    "the journal stores a run's event once (its start record); history, show and replay still have it",
  timeoutMs: 5 * RUN_MS,
  fn: async () => {
    // Long enough for the start record to be written before the stage ends (a stage that ends
    // first gives its start record up, and its report keeps the event).
    await withHooks({ "10-ok.sh": "#!/bin/sh\ncat >/dev/null\nsleep 1\n" }, async (dir) => {
      await withTempDir(async (tmp) => {
        const journal = join(tmp, "journal.jsonl");
        const config = await writeConfig(tmp);
        const run = await runCli(runArgs(dir, journal, config, "--json"), { timeoutMs: RUN_MS });
        assert.equal(run.code, 0, run.stderr);
        const runId = JSON.parse(run.stdout).run_id;
        const text = await Deno.readTextFile(journal);
        assert.equal(text.split('"virtualization_type":"kvm"').length - 1, 1, text);
        const [start, report] = text.split("\n").filter(Boolean).map((line) => JSON.parse(line));
        assert.equal(start.record, "start");
        assert.deepEqual([report.event, report.event_in], [undefined, "start"]);
        const read = ["--journal", journal, "--config", config];
        const shown = await runCli(["show", runId, "--json", ...read], { timeoutMs: RUN_MS });
        assert.deepEqual(JSON.parse(shown.stdout).event, JSON.parse(EVENT));
        const history = await runCli(["history", "--json", ...read], { timeoutMs: RUN_MS });
        const [listed] = JSON.parse(history.stdout);
        assert.deepEqual([listed.run_id, listed.action, listed.state], [
          runId,
          "server-restart",
          "finished",
        ]);
        const again = await runCli(["replay", runId, "--json", "--dir", dir, ...read], {
          timeoutMs: RUN_MS,
        });
        assert.deepEqual(JSON.parse(again.stdout).event, JSON.parse(EVENT));
      });
    });
  },
});

timed.test("a name that is not valid UTF-8 is shown by its bytes as \\xNN, by check, --dry-run and run", async () => {
  await withHooks({ "10-ok.sh": "#!/bin/sh\ncat >/dev/null\n" }, async (dir) => {
    const made = await new Deno.Command("python3", {
      args: [
        "-c",
        "import os,sys; p=os.fsencode(sys.argv[1])+b'/50-\\xff\\xfe.sh'; open(p,'w').close(); os.chmod(p,0o755)",
        dir,
      ],
    }).output();
    assert.ok(made.success);
    const config = await writeConfig(await Deno.makeTempDir(), {});
    const common = ["--dir", dir, "--config", config, "--no-journal"];
    const shown = "50-\\xff\\xfe.sh";
    const check = await runCli(["check", "--json", ...common]);
    const finding = JSON.parse(check.stdout).findings.find((f: { name: string }) =>
      f.name === shown
    );
    assert.match(finding?.problem ?? check.stdout, /not valid UTF-8/);
    const human = await runCli(["check", ...common]);
    assert.ok(human.stderr.includes(shown) && !human.stderr.includes("\uFFFD"), human.stderr);
    for (const args of [["run", "--dry-run", "--json"], ["run", "--json"]]) {
      const result = await runCli([...args, ...common, "--event", EVENT]);
      const names = JSON.parse(result.stdout).skipped.map((skip: { name: string }) => skip.name);
      assert.deepEqual(names, [shown], args.join(" "));
    }
  });
});
