/**
 * Where journald listens, `journalctl -t solus-hooks` shows the runner's pid
 * (`solus-hooks[PID]`), not `logger`'s, and the entry keeps its fields. Run
 * against a real systemd-journald of the test's own in a private mount
 * namespace: needs root, `unshare` and systemd-journald, else skipped.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { canRun, cliCommand, ROOT, timed, withHooks, writeConfig } from "./helpers.ts";
import { RESTART } from "./verdict_helpers.ts";

const JOURNALD = "/lib/systemd/systemd-journald";
const READY = Deno.uid() === 0 && canRun("unshare", ["-m", "true"]) &&
  (await Deno.stat(JOURNALD).catch(() => null)) !== null;

timed.test({
  name: READY
    ? "journalctl -t solus-hooks shows the runner's pid, with the entry's fields"
    : "journalctl shows the runner's pid (skipped: needs root, unshare -m and systemd-journald)",
  ignore: !READY,
  timeoutMs: 60_000,
  fn: async () => {
    // Long enough for the run's start record, which names the runner's pid, to be written.
    await withHooks({ "10-bad.sh": "#!/bin/sh\nsleep 0.5\nexit 3\n" }, async (dir) => {
      const config = await writeConfig(await Deno.makeTempDir(), { syslog: true });
      const journal = join(dir, ".journal.jsonl");
      const result = await new Deno.Command("unshare", {
        args: [
          "-m",
          join(ROOT, "tests/fixtures/private_journald.sh"),
          "solus-hooks",
          ...cliCommand(),
          "run",
          "--dir",
          dir,
          "--config",
          config,
          "--journal",
          journal,
          "--event",
          RESTART,
        ],
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(50_000),
      }).output();
      const out = new TextDecoder().decode(result.stdout);
      assert.equal(result.code, 1, new TextDecoder().decode(result.stderr) + out);
      const entries = out.split("\n").filter(Boolean).map((line) => JSON.parse(line));
      assert.equal(entries.length, 1, out);
      const [entry] = entries;
      // The runner's pid, as its own journal recorded it in the run's start record.
      const start = (await Deno.readTextFile(journal)).split("\n").filter(Boolean)
        .map((line) => JSON.parse(line)).find((record) => record.record === "start");
      assert.equal(entry._PID, String(start.pid), "journald's _PID is the runner's");
      assert.equal(entry.SYSLOG_PID, String(start.pid));
      assert.equal(entry.SOLUS_FAILED_HOOK, "10-bad.sh");
      assert.equal(entry.SOLUS_STATUS, "failed");
      assert.equal(entry.PRIORITY, "4");
      assert.match(entry.MESSAGE, /^action=server-restart stage=pre status=failed /);
      assert.equal(Object.keys(entry).filter((key) => key.includes(" ")).length, 0);
    });
  },
});
