/** A whole event as a library call (runEvent), and the CLI's around on top of it. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runEvent } from "../mod.ts";
import { RESTART_DATA, runCli, timed, withHooks } from "./helpers.ts";

const LOGGER = (log: string) =>
  `#!/bin/sh\ncat >/dev/null\necho "$SOLUS_HOOK_ACTION $SOLUS_HOOK_STAGE $SOLUS_HOOK_EVENT_ID" >> ${log}\n`;
const RESTART = JSON.stringify({ action: "server-restart", data: RESTART_DATA });
const ACTIONS = [
  { action: "server-create", data: { ...RESTART_DATA, hostname: "vs-1", ip_addresses: [] } },
  {
    action: "server-network-create",
    data: { ...RESTART_DATA, mac_address: "52:54:00:12:34:56", ip_addresses: ["192.0.2.1"] },
  },
];

/** `around` the restart event with the hooks in `dir`, no journal: `flags`, then `--` and `command`. */
function around(dir: string, flags: string[], command: string[]) {
  const args = ["--dir", dir, "--no-journal", ...flags, "--event", RESTART];
  return runCli(["around", ...args, "--", ...command]);
}

timed.test("runEvent() runs pre for each action, the command, then post, with one event id", async () => {
  await withHooks({}, async (dir) => {
    const log = join(dir, "log.txt");
    await Deno.writeTextFile(join(dir, "10-log.sh"), LOGGER(log), { mode: 0o755 });
    await Deno.chmod(join(dir, "10-log.sh"), 0o755);
    const report = await runEvent(ACTIONS, {
      hooksDir: dir,
      command: ["sh", "-c", `echo command >> ${log}`],
    });
    assert.equal(report.exit_code, 0);
    assert.equal(report.command_exit_code, 0);
    const lines = (await Deno.readTextFile(log)).trim().split("\n");
    assert.deepEqual(lines.map((line) => line.split(" ").slice(0, 2).join(" ")), [
      "server-create pre",
      "server-network-create pre",
      "command",
      "server-create post",
      "server-network-create post",
    ]);
    const ids = new Set(lines.filter((l) => l !== "command").map((line) => line.split(" ")[2]));
    assert.deepEqual([...ids], [report.event_id]);
    assert.deepEqual(report.stages.map((stage) => stage.event_id), Array(4).fill(report.event_id));
  });
});

timed.test("runEvent() skips post when the command fails, and vetoes on a failed pre hook", async () => {
  await withHooks({ "10-fail.sh": "#!/bin/sh\nexit 4\n" }, async (dir) => {
    const failed = await runEvent(ACTIONS.slice(0, 1), {
      hooksDir: dir,
      command: ["sh", "-c", "exit 7"],
    });
    assert.equal(failed.exit_code, 7);
    assert.deepEqual(failed.stages.map((stage) => stage.event.stage), ["pre"]);
    const vetoed = await runEvent(ACTIONS.slice(0, 1), {
      hooksDir: dir,
      command: ["true"],
      veto: true,
    });
    assert.equal(vetoed.exit_code, 3);
    assert.equal(vetoed.vetoed, true);
    assert.equal(vetoed.command_exit_code, null, "the command did not run");
    const missing = await runEvent(ACTIONS.slice(0, 1), {
      hooksDir: dir,
      command: ["/nonexistent/cmd"],
    });
    assert.equal(missing.exit_code, 127);
    assert.equal(missing.command_error, "cannot run /nonexistent/cmd: no such file");
  });
});

timed.test("around --json prints exactly one JSON document on stdout; the command's stdout goes to stderr", async () => {
  await withHooks({ "10-ok.sh": "#!/bin/sh\necho hook-says-hi\n" }, async (dir) => {
    const result = await around(dir, ["--json"], ["sh", "-c", "echo X"]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.command_exit_code, 0);
    assert.equal(report.stages.length, 2);
    assert.equal(result.stdout.trim().split("\n").length, 1, "one line, one document");
    assert.match(result.stderr, /^X$/m, "the command's output is not lost");
  });
});

timed.test("around -- grep -q does not make the runner quiet: the command's flags are its own", async () => {
  await withHooks({ "10-ok.sh": "#!/bin/sh\nexit 0\n" }, async (dir) => {
    const result = await around(dir, [], ["grep", "-q", "x", "/dev/null"]);
    assert.equal(result.code, 1, "grep found nothing: the command's status");
    assert.match(result.stderr, /ok\s+10-ok\.sh/, "not quiet: successful hooks are listed");
    assert.match(result.stderr, /server-restart pre: ok/);
  });
});

timed.test("around --veto says a timed-out pre hook timed out, not that it failed", async () => {
  await withHooks({ "10-slow.sh": "#!/bin/sh\nexec sleep 5\n" }, async (dir) => {
    const result = await around(dir, ["--veto", "--timeout", "300"], ["true"]);
    assert.equal(result.code, 3, result.stderr);
    assert.match(
      result.stderr,
      /vetoed: pre hook 10-slow\.sh timed out, so true and the post hooks did not run/,
    );
  });
});
