/** Reading the event: a size cap without reading it whole, a byte-order mark, and no wait that a signal cannot end. */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  catchesSignals,
  RESTART_PRE,
  runCli,
  spawnCli,
  timed,
  waitFor,
  withTempDir,
} from "./helpers.ts";

const EVENT = JSON.stringify(RESTART_PRE);

timed.test("run refuses an event over maxEventBytes with exit 2, from stdin, a file or --event", async () => {
  await withTempDir(async (dir) => {
    const config = join(dir, "config.jsonc");
    await Deno.writeTextFile(config, '{ "maxEventBytes": 1024 }');
    const big = JSON.stringify({ ...RESTART_PRE, pad: "x".repeat(2000) });
    const file = join(dir, "event.json");
    await Deno.writeTextFile(file, big);
    for (
      const [args, stdin, what] of [
        [[], big, "event on stdin"],
        [["--event-file", file], undefined, `event file ${file}`],
        [["--event", big], undefined, "--event"],
      ] as const
    ) {
      const result = await runCli(
        ["run", ...args, "--config", config, "--dir", dir, "--no-journal"],
        { stdin },
      );
      assert.equal(result.code, 2, result.stderr);
      assert.equal(
        result.stderr.trim(),
        `solus-hooks: ${what} is larger than maxEventBytes (1024 bytes): refused without reading it whole`,
      );
    }
  });
});

timed.test("run stops reading stdin at the cap: 100 MB of event costs no memory", async () => {
  const child = spawnCli(["run", "--dir", "/nonexistent/hooks", "--no-journal"], {
    stdin: "piped",
  });
  const writer = child.stdin.getWriter();
  const chunk = new Uint8Array(1024 * 1024).fill(0x20);
  let written = 0;
  const writing = (async () => {
    try {
      for (; written < 100; written++) await writer.write(chunk);
      await writer.close();
    } catch {
      // the runner stopped reading: what we want
    }
  })();
  const result = await child.output();
  await writing;
  assert.equal(result.code, 2);
  assert.match(new TextDecoder().decode(result.stderr), /larger than maxEventBytes/);
  assert.ok(written < 100, `the runner read on to the end (${written} MiB written)`);
});

timed.test("run accepts an event file that starts with a UTF-8 byte-order mark", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "event.json");
    await Deno.writeTextFile(file, `\uFEFF${EVENT}`);
    const result = await runCli(["run", "--event-file", file, "--dir", dir, "--no-journal"]);
    assert.equal(result.code, 0, result.stderr);
  });
});

for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
  timed.test(`run waiting for an event on stdin exits ${code} at once on ${signal}`, async () => {
    // stdin is piped, held open and never written: the runner waits on it.
    const child = spawnCli(["run", "--dir", "/nonexistent/hooks", "--no-journal"], {
      stdin: "piped",
    });
    // Its listeners are in place once it catches both signals: it is then at
    // or before the wait on stdin, where a default death would also say `code`.
    await waitFor(
      "the runner's signal listeners",
      () => catchesSignals(child.pid, "SIGINT", "SIGTERM"),
    );
    const sent = performance.now();
    child.kill(signal);
    const status = await child.status;
    await child.stdin.close().catch(() => {});
    await child.stdout.cancel();
    await child.stderr.cancel();
    // Exited with the code, not killed by the signal (Deno reports both as `code`).
    assert.equal(status.signal, null, `died of ${status.signal} instead of exiting`);
    assert.equal(status.code, code);
    assert.ok(performance.now() - sent < 2000, `took ${Math.round(performance.now() - sent)} ms`);
  });
}
