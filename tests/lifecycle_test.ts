/**
 * Whole events through the CLI: around (pre, command, post), composite events,
 * veto, and the journal commands history, show and replay.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { appendRecord } from "../lib/journal/write.ts";
import { fakeReport } from "./fixtures/fake_report.ts";
import {
  RESTART_DATA,
  runCli,
  spawnCli,
  timed,
  waitForFile,
  withHooks,
  withTempDir,
} from "./helpers.ts";

const RESTART = JSON.stringify({ action: "server-restart", data: RESTART_DATA });

/** A hook that logs "name action stage event_id" to `log`, then exits with `code`. */
function logger(log: string, code = 0): string {
  return `#!/bin/sh\necho "$(basename "$0") $SOLUS_HOOK_ACTION $SOLUS_HOOK_STAGE $SOLUS_HOOK_EVENT_ID" >> ${log}\nexit ${code}\n`;
}

/** `around` with the hooks in `dir` and `journal` (`--no-journal` if null), then `rest`. */
function aroundArgs(dir: string, journal: string | null, ...rest: string[]): string[] {
  const record = journal === null ? ["--no-journal"] : ["--journal", journal];
  return ["around", "--dir", dir, ...record, ...rest];
}

async function withLog(fn: (log: string, journal: string) => Promise<void>) {
  await withTempDir((dir) => fn(join(dir, "log"), join(dir, "journal.jsonl")));
}

async function readLog(log: string): Promise<string[][]> {
  const text = await Deno.readTextFile(log).catch(() => "");
  return text.trim().split("\n").filter(Boolean).map((line) => line.split(" "));
}

timed.test("around runs pre hooks, then the command, then post hooks", async () => {
  await withLog(async (log, journal) => {
    await withHooks({ "10-a.sh": logger(log), "20-b.sh": logger(log) }, async (dir) => {
      const result = await runCli(
        aroundArgs(dir, journal, "--event", RESTART, "--", "sh", "-c", `echo "COMMAND" >> ${log}`),
      );
      assert.equal(result.code, 0, result.stderr);
      const lines = await readLog(log);
      const labels = lines.map((l) => l.slice(0, 3).join(" "));
      // Hooks of one stage run in parallel, so only the order of the stages is fixed.
      const command = labels.indexOf("COMMAND");
      assert.deepEqual(labels.slice(0, command).sort(), [
        "10-a.sh server-restart pre",
        "20-b.sh server-restart pre",
      ]);
      assert.deepEqual(labels.slice(command + 1).sort(), [
        "10-a.sh server-restart post",
        "20-b.sh server-restart post",
      ]);
      const ids = new Set(lines.filter((l) => l.length === 4).map((l) => l[3]));
      assert.equal(ids.size, 1, "pre and post share one event id");
    });
  });
});

timed.test("around skips the post stage when the command fails and exits with its status", async () => {
  await withLog(async (log, journal) => {
    await withHooks({ "hook.sh": logger(log) }, async (dir) => {
      const result = await runCli(
        aroundArgs(dir, journal, "--event", RESTART, "--", "sh", "-c", "exit 7"),
      );
      assert.equal(result.code, 7);
      assert.deepEqual((await readLog(log)).map((l) => l[2]), ["pre"]);
      assert.match(result.stderr, /exited 7: post hooks not run/);
      const missing = await runCli(
        aroundArgs(dir, null, "--event", RESTART, "--", "/no/such/command"),
      );
      assert.equal(missing.code, 127);
      assert.match(missing.stderr, /cannot run \/no\/such\/command: no such file/);
    });
  });
});

timed.test("around fires every action of a composite event in order with one event id", async () => {
  await withLog(async (log, journal) => {
    await withHooks({ "hook.sh": logger(log) }, async (dir) => {
      const sample = await runCli(["sample", "server-create", "--event"]);
      const events = JSON.parse(sample.stdout) as unknown[];
      const args = events.flatMap((event) => ["--event", JSON.stringify(event)]);
      const result = await runCli(aroundArgs(dir, journal, ...args, "--json", "--", "true"));
      assert.equal(result.code, 0, result.stderr);
      const lines = await readLog(log);
      assert.deepEqual(lines.map((l) => `${l[1]} ${l[2]}`), [
        "server-create pre",
        "server-network-create pre",
        "server-create post",
        "server-network-create post",
      ]);
      assert.equal(new Set(lines.map((l) => l[3])).size, 1);
      const report = JSON.parse(result.stdout);
      assert.equal(report.stages.length, 4);
      assert.equal(report.command_exit_code, 0);
      assert.ok(report.stages.every((s: { event_id: string }) => s.event_id === lines[0][3]));
    });
  });
});

timed.test("around --veto stops the command and the post stage when a pre hook fails; without it the command runs", async () => {
  await withLog(async (log, journal) => {
    await withHooks({ "10-ok.sh": logger(log), "20-no.sh": logger(log, 1) }, async (dir) => {
      const marker = `${log}.command`;
      const vetoed = await runCli(
        aroundArgs(dir, journal, "--veto", "--event", RESTART, "--", "touch", marker),
      );
      assert.equal(vetoed.code, 3, vetoed.stderr);
      assert.match(vetoed.stderr, /vetoed/);
      await assert.rejects(() => Deno.stat(marker), Deno.errors.NotFound);
      assert.deepEqual((await readLog(log)).map((l) => l[2]), ["pre", "pre"]);

      const plain = await runCli(
        aroundArgs(dir, journal, "--event", RESTART, "--", "touch", marker),
      );
      assert.equal(plain.code, 0, "the command's status, not the hooks'");
      await Deno.stat(marker);
    });
  });
});

timed.test("around --veto also stops on a pre hook that times out", async () => {
  await withHooks({ "slow.sh": "#!/bin/sh\nsleep 30\n" }, async (dir) => {
    const result = await runCli(
      aroundArgs(dir, null, "--timeout", "300", "--veto", "--event", RESTART, "--", "true"),
    );
    assert.equal(result.code, 3, result.stderr);
  });
});

timed.test("around passes a SIGTERM to the runner on to the command, and skips post", async () => {
  await withLog(async (log) => {
    await withHooks({ "hook.sh": logger(log) }, async (dir) => {
      const started = `${log}.started`;
      const command =
        `trap 'echo got-term >> ${log}; exit 143' TERM; touch ${started}; while :; do sleep 0.1; done`;
      const child = spawnCli(aroundArgs(dir, null, "--event", RESTART, "--", "sh", "-c", command));
      await waitForFile(started);
      child.kill("SIGTERM");
      const output = await child.output();
      assert.equal(output.code, 143);
      const lines = (await Deno.readTextFile(log)).trim().split("\n");
      assert.ok(lines.includes("got-term"), "the command got the signal");
      assert.ok(!lines.some((l) => l.includes(" post ")), "no post stage");
    });
  });
});

timed.test("around refuses bad usage with exit 2", async () => {
  const cases: [string[], RegExp][] = [
    [["around", "--", "true"], /at least one --event/],
    [["around", "--event", RESTART], /needs a command after --/],
    [
      ["around", "--event", JSON.stringify({ ...JSON.parse(RESTART), stage: "pre" }), "--", "true"],
      /leave stage out/,
    ],
    [["around", "--event", RESTART, "true"], /put the command after --/],
  ];
  for (const [args, pattern] of cases) {
    const result = await runCli([...args, "--no-journal", "--dir", "/nonexistent"]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, pattern);
  }
});

timed.test("an unwritable journal is a warning: the hooks still run and the status is theirs", async () => {
  await withLog(async (log) => {
    await withHooks({ "hook.sh": logger(log) }, async (dir) => {
      const result = await runCli(
        [
          "run",
          "--dir",
          dir,
          "--journal",
          "/dev/null/journal.jsonl",
          "--event",
          JSON.stringify({ ...JSON.parse(RESTART), stage: "pre" }),
        ],
      );
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stderr,
        /warning: the journal was not written: cannot write journal \/dev\/null\/journal\.jsonl/,
      );
      assert.equal((await readLog(log)).length, 1);
    });
  });
});

timed.test("history lists runs newest first, with --limit, --failed, --action, --since and --json", async () => {
  await withLog(async (_log, journal) => {
    const old = new Date(Date.now() - 3 * 3600_000).toISOString();
    await appendRecord(
      { path: journal, maxBytes: 1 << 30, keep: 2 },
      fakeReport("old-run-0000", { started_at: old }),
    );
    await withHooks({ "ok.sh": "#!/bin/sh\nexit 0\n" }, async (dir) => {
      for (const action of ["server-start", "server-stop"]) {
        const event = JSON.stringify({ action, stage: "pre", data: RESTART_DATA });
        assert.equal(
          (await runCli(["run", "--dir", dir, "--journal", journal, "--event", event])).code,
          0,
        );
      }
    });
    await withHooks({ "no.sh": "#!/bin/sh\nexit 1\n" }, async (dir) => {
      const event = JSON.stringify({ action: "server-stop", stage: "post", data: RESTART_DATA });
      assert.equal(
        (await runCli(["run", "--dir", dir, "--journal", journal, "--event", event])).code,
        1,
      );
    });
    const list = async (...args: string[]) => {
      const result = await runCli(["history", "--journal", journal, "--json", ...args]);
      assert.equal(result.code, 0, result.stderr);
      return JSON.parse(result.stdout) as {
        run_id: string;
        action: string;
        stage: string;
        ok: boolean;
        failed: string[];
      }[];
    };
    const all = await list();
    assert.deepEqual(all.map((r) => `${r.action} ${r.stage}`), [
      "server-stop post",
      "server-stop pre",
      "server-start pre",
      "server-restart pre",
    ]);
    assert.equal((await list("--limit", "2")).length, 2);
    const failed = await list("--failed");
    assert.deepEqual(failed.map((r) => [r.action, r.failed]), [["server-stop", ["no.sh"]]]);
    assert.deepEqual((await list("--action", "server-stop")).map((r) => r.stage), ["post", "pre"]);
    assert.equal((await list("--since", "2h")).length, 3, "the 3-hour-old run is left out");
    const human = await runCli(["history", "--journal", journal]);
    assert.match(human.stdout, /server-stop post\s+FAILED/);
    const bad = await runCli(["history", "--journal", journal, "--since", "yesterday"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not a duration/);
  });
});

timed.test("show prints a whole record; replay runs it again as a new run that names it", async () => {
  await withLog(async (log, journal) => {
    await withHooks({
      "hook.sh": `${logger(log)}`.replace("exit 0", 'echo "said $SOLUS_HOOK_ACTION"\nexit 0'),
    }, async (dir) => {
      const event = JSON.stringify({ action: "server-start", stage: "post", data: RESTART_DATA });
      const first = await runCli([
        "run",
        "--dir",
        dir,
        "--journal",
        journal,
        "--event",
        event,
        "--json",
      ]);
      const original = JSON.parse(first.stdout);

      const shown = await runCli(["show", original.run_id.slice(0, 8), "--journal", journal]);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /hook\.sh: ok, exit 0/);
      assert.match(shown.stdout, /said server-start/);
      const shownJson = await runCli(["show", original.run_id, "--journal", journal, "--json"]);
      assert.deepEqual(JSON.parse(shownJson.stdout), original);

      const replay = await runCli([
        "replay",
        original.run_id,
        "--dir",
        dir,
        "--journal",
        journal,
        "--json",
      ]);
      assert.equal(replay.code, 0, replay.stderr);
      const again = JSON.parse(replay.stdout);
      assert.equal(again.replay_of, original.run_id);
      assert.notEqual(again.run_id, original.run_id);
      assert.deepEqual(again.event, original.event);
      assert.deepEqual((await readLog(log)).map((l) => `${l[1]} ${l[2]}`), [
        "server-start post",
        "server-start post",
      ]);
      const newest = JSON.parse(
        (await runCli(["history", "--journal", journal, "--json", "--limit", "1"])).stdout,
      );
      assert.equal(newest[0].replay_of, original.run_id, "the replay is journaled");

      for (const command of ["show", "replay"]) {
        const unknown = await runCli([command, "0000000000", "--journal", journal, "--dir", dir]);
        assert.equal(unknown.code, 2);
        assert.match(unknown.stderr, /no run 0000000000 in the journal/);
      }
    });
  });
});
