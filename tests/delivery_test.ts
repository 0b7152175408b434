/**
 * Faithful delivery (contract §1) and the event read deadline (§3), through
 * the real CLI: hooks read the bytes the platform sent; at run time only the
 * envelope refuses, every other difference from the registry runs the hooks
 * and is a warning in the report, the journal, the system log and a metric;
 * `--strict` and `strictEvents` refuse instead; an event is taken as soon as
 * it is whole, and stdin that never completes one is refused at
 * `eventReadTimeoutMs`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ROOT,
  runCli,
  spawnCli,
  timed,
  waitForFile,
  withHooks,
  withTempDir,
  writeConfig,
} from "./helpers.ts";
import { bindLogSocket, DAEMON_ERR, DAEMON_INFO, parseSyslogLine } from "./log_socket.ts";

const CAT = '#!/bin/sh\ncat > "$SOLUS_HOOK_NAME.got"\nenv > "$SOLUS_HOOK_NAME.env"\n';

/** The example: an integer past 2^53 that JSON.parse rounds. */
const MIGRATE =
  '{"action":"server-migrate","stage":"pre","data":{"uuid":"c7ee19aa-2722-4139-9223-60ed4baf09e2","virtualization_type":"kvm","source_compute_resource_id":9007199254740993,"destination_compute_resource_id":2}}';

/** A valid server-stop with one key the registry does not know. */
const STOP_NEW_FIELD =
  '{"action":"server-stop","stage":"pre","data":{"uuid":"c7ee19aa-2722-4139-9223-60ed4baf09e2","virtualization_type":"kvm","new_field":"x"}}\n';

async function got(dir: string, hook = "10-cat"): Promise<string> {
  return await Deno.readTextFile(join(dir, `${hook}.got`));
}

timed.test("run hands hooks the exact bytes sent: an integer past 2^53, key order, spacing", async () => {
  await withHooks({ "10-cat": CAT }, async (dir) => {
    const run = (stdin: string, ...args: string[]) =>
      runCli(["run", "--dir", dir, "--no-journal", ...args], { stdin });

    // The example, from stdin as `echo` sends it (with its newline).
    let result = await run(`${MIGRATE}\n`);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await got(dir), `${MIGRATE}\n`);
    const env = await Deno.readTextFile(join(dir, "10-cat.env"));
    assert.match(env, /^SOLUS_HOOK_DATA_SOURCE_COMPUTE_RESOURCE_ID=9007199254740993$/m);

    // Odd spacing, key order and a float written as sent; a byte-order mark is dropped.
    const odd =
      '  {\n\t"data" : { "virtualization_type":"vz" ,"uuid": "c7ee19aa-2722-4139-9223-60ed4baf09e2" },' +
      '"stage":"post",   "action" :"server-start"}\r\n';
    result = await run(`\uFEFF${odd}`);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await got(dir), odd);

    // From --event and --event-file alike.
    result = await run("", "--event", MIGRATE, "--json");
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await got(dir), MIGRATE);
    // The report still holds the parsed event.
    assert.equal(JSON.parse(result.stdout).event.action, "server-migrate");
    const file = join(dir, ".event.json");
    await Deno.writeTextFile(file, MIGRATE);
    result = await run("", "--event-file", file);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await got(dir), MIGRATE);
  });
});

timed.test("around hands hooks the action's and data's text as given, the stage between them", async () => {
  await withHooks({ "10-cat": CAT }, async (dir) => {
    const event =
      '{"action":"server-migrate", "data":{ "destination_compute_resource_id":9007199254740993,' +
      '"uuid":"c7ee19aa-2722-4139-9223-60ed4baf09e2","virtualization_type":"kvm","source_compute_resource_id":1}}';
    const result = await runCli([
      "around",
      "--dir",
      dir,
      "--no-journal",
      "--event",
      event,
      "--",
      "true",
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      await got(dir),
      '{"action":"server-migrate","stage":"post","data":{ "destination_compute_resource_id":9007199254740993,' +
        '"uuid":"c7ee19aa-2722-4139-9223-60ed4baf09e2","virtualization_type":"kvm","source_compute_resource_id":1}}',
    );
  });
});

timed.test({
  name:
    "an unknown data key runs the hooks as sent: a warning in the report, journal, syslog line and metric",
  timeoutMs: 60_000,
  fn: async () => {
    await withHooks({ "10-cat": CAT }, async (dir) => {
      await withTempDir(async (state) => {
        const socketPath = join(state, "log.sock");
        const socket = await bindLogSocket(socketPath);
        const textfile = join(state, "solus_hooks.prom");
        const journal = join(state, "journal.jsonl");
        const config = await writeConfig(state, { syslog: socketPath, metrics: { textfile } });
        const result = await runCli(
          ["run", "--dir", dir, "--config", config, "--journal", journal, "--json"],
          { stdin: STOP_NEW_FIELD },
        );
        const datagrams = await socket.stop();
        assert.equal(result.code, 0, result.stderr);
        const warning = "server-stop has unexpected key data.new_field";
        // The report, and the human output on stderr.
        assert.deepEqual(JSON.parse(result.stdout).warnings, [warning]);
        assert.match(result.stderr, /warning +server-stop has unexpected key data\.new_field/);
        // The hook got the event as sent, and the unknown key in its environment.
        assert.equal(await got(dir), STOP_NEW_FIELD);
        assert.match(
          await Deno.readTextFile(join(dir, "10-cat.env")),
          /^SOLUS_HOOK_DATA_NEW_FIELD=x$/m,
        );
        // The journal, as history and show read it.
        const record = JSON.parse((await Deno.readTextFile(journal)).trim().split("\n").at(-1)!);
        assert.deepEqual(record.warnings, [warning]);
        const shown = await runCli(["show", record.run_id, "--journal", journal]);
        assert.equal(shown.code, 0, shown.stderr);
        assert.match(shown.stdout + shown.stderr, /warning +server-stop has unexpected key/);
        // The system log: the hooks were ok, so info, with the warning in the line.
        assert.equal(datagrams.length, 1, JSON.stringify(datagrams));
        const line = parseSyslogLine(datagrams[0]);
        assert.equal(line.priority, DAEMON_INFO);
        assert.equal(line.fields.get("warnings"), warning);
        // The metric, by action.
        const metrics = await Deno.readTextFile(textfile);
        assert.match(metrics, /^solus_hooks_event_warnings_total\{action="server-stop"\} 1$/m);
        assert.match(metrics, /^solus_hooks_refused_total\{reason="event"\} 0$/m);
      });
    });
  },
});

timed.test("at run time an unknown action, a missing key and a wrong type run the hooks with warnings", async () => {
  await withHooks({ "10-cat": CAT }, async (dir) => {
    const cases: [string, RegExp][] = [
      [
        '{"action":"backup-create","stage":"post","data":{"uuid":"c7ee19aa-2722-4139-9223-60ed4baf09e2"}}',
        /unknown action "backup-create" \(did you mean/,
      ],
      [
        '{"action":"server-restart","stage":"pre","data":{"uuid":"c7ee19aa-2722-4139-9223-60ed4baf09e2"}}',
        /missing data\.virtualization_type/,
      ],
      [
        '{"action":"server-restart","stage":"pre","data":{"uuid":"c7ee19aa-2722-4139-9223-60ed4baf09e2","virtualization_type":5}}',
        /data\.virtualization_type must be one of "kvm", "vz", not number 5/,
      ],
      [
        '{"action":"server-restart","stage":"pre","data":{"uuid":"c7ee19aa-2722-4139-9223-60ed4baf09e2","virtualization_type":"kvm"},"extra":1}',
        /unknown top-level key "extra"/,
      ],
    ];
    for (const [event, warning] of cases) {
      await Deno.remove(join(dir, "10-cat.got")).catch(() => {});
      const result = await runCli(["run", "--dir", dir, "--no-journal", "--json"], {
        stdin: event,
      });
      assert.equal(result.code, 0, `${event}: ${result.stderr}`);
      const report = JSON.parse(result.stdout);
      assert.equal(report.warnings.length, 1, JSON.stringify(report.warnings));
      assert.match(report.warnings[0], warning);
      assert.equal(await got(dir), event);
    }
  });
});

timed.test("--strict and strictEvents refuse an event that differs from the registry: exit 2, recorded", async () => {
  await withHooks({ "10-cat": CAT }, async (dir) => {
    await withTempDir(async (state) => {
      const journal = join(state, "journal.jsonl");
      const textfile = join(state, "solus_hooks.prom");
      const plain = await writeConfig(state, { syslog: false, metrics: { textfile } });
      let result = await runCli(
        ["run", "--strict", "--dir", dir, "--config", plain, "--journal", journal],
        { stdin: STOP_NEW_FIELD },
      );
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /unexpected key data\.new_field/);
      const strictConfig = join(state, "strict.jsonc");
      await Deno.writeTextFile(
        strictConfig,
        JSON.stringify({ strictEvents: true, syslog: false, metrics: { textfile } }),
      );
      result = await runCli(
        ["run", "--dir", dir, "--config", strictConfig, "--journal", journal],
        { stdin: STOP_NEW_FIELD },
      );
      assert.equal(result.code, 2, result.stderr);
      await assert.rejects(() => got(dir), Deno.errors.NotFound, "no hook ran");
      const records = (await Deno.readTextFile(journal)).trim().split("\n").map((l) =>
        JSON.parse(l)
      );
      assert.equal(records.length, 2);
      for (const record of records) {
        assert.equal(record.refusal, "event");
        assert.equal(record.event.action, "server-stop");
        assert.match(record.refused, /unexpected key data\.new_field/);
      }
      assert.match(
        await Deno.readTextFile(textfile),
        /^solus_hooks_refused_total\{reason="event"\} 2$/m,
      );
      // test and sample stay strict whatever the config says.
      const sample = await runCli(["sample", "server-stp"]);
      assert.equal(sample.code, 2);
    });
  });
});

timed.test("run takes the event as soon as it is whole, while the platform keeps stdin open", async () => {
  await withHooks({ "10-cat": CAT }, async (dir) => {
    const child = spawnCli(["run", "--dir", dir, "--no-journal"], { stdin: "piped" });
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(`${MIGRATE}\n`));
    // stdin stays open: the hooks run, and the runner exits, all the same.
    await waitForFile(join(dir, "10-cat.got"));
    const status = await child.status;
    await writer.close().catch(() => {});
    await child.stdout.cancel();
    await child.stderr.cancel();
    assert.equal(status.code, 0);
    assert.equal(await got(dir), `${MIGRATE}\n`);
  });
});

timed.test("stdin that stays open without a whole event is refused at eventReadTimeoutMs: exit 2, recorded", async () => {
  await withHooks({ "10-cat": CAT }, async (dir) => {
    await withTempDir(async (state) => {
      const socketPath = join(state, "log.sock");
      const socket = await bindLogSocket(socketPath);
      const journal = join(state, "journal.jsonl");
      const textfile = join(state, "solus_hooks.prom");
      const config = await writeConfig(state, {
        eventReadTimeoutMs: 1000,
        syslog: socketPath,
        metrics: { textfile },
      });
      const started = performance.now();
      const child = spawnCli(
        ["run", "--dir", dir, "--config", config, "--journal", journal],
        { stdin: "piped" },
      );
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode('{"action":"server-restart",'));
      const output = await child.output();
      const elapsed = performance.now() - started;
      await writer.close().catch(() => {});
      const datagrams = await socket.stop();
      const stderr = new TextDecoder().decode(output.stderr);
      assert.equal(output.code, 2, stderr);
      assert.match(stderr, /did not complete within eventReadTimeoutMs \(1000 ms\)/);
      assert.ok(elapsed >= 900 && elapsed < 8000, `refused after ${elapsed} ms`);
      await assert.rejects(() => got(dir), Deno.errors.NotFound, "no hook ran");
      const record = JSON.parse((await Deno.readTextFile(journal)).trim());
      assert.equal(record.refusal, "event");
      assert.equal(record.event_text, '{"action":"server-restart",');
      const history = await runCli(["history", "--journal", journal]);
      assert.match(history.stdout, /REFUSED/);
      assert.equal(datagrams.length, 1, JSON.stringify(datagrams));
      const line = parseSyslogLine(datagrams[0]);
      assert.equal(line.priority, DAEMON_ERR);
      assert.equal(line.fields.get("status"), "refused");
      assert.equal(line.fields.get("refusal"), "event");
      assert.match(
        await Deno.readTextFile(textfile),
        /^solus_hooks_refused_total\{reason="event"\} 1$/m,
      );
    });
  });
});

timed.test("anything but whitespace after the event's value is a bad event", async () => {
  await withHooks({ "10-cat": CAT }, async (dir) => {
    const result = await runCli(["run", "--dir", dir, "--no-journal"], {
      stdin: `${MIGRATE} x`,
    });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /not valid JSON/);
    await assert.rejects(() => got(dir), Deno.errors.NotFound, "no hook ran");
  });
});

timed.test({
  name:
    "an SDK hook's handler runs for a config action and for an event with an unknown key, its data as sent",
  timeoutMs: 90_000,
  fn: async () => {
    const sdk = new URL("../lib/sdk.ts", import.meta.url).href;
    const hook = `#!/usr/bin/env -S deno run --quiet --no-prompt -A --config ${ROOT}deno.json
import { handleEvent } from "${sdk}";
const note = (what: unknown) => Deno.writeTextFileSync("handled.json", JSON.stringify(what));
await handleEvent({
  "server-stop": { pre: (data, event) => note([event.action, data.uuid, data.new_field]) },
  "backup-create": (data, event) => note([event.action, event.stage, data.note]),
});
`;
    await withHooks({ "20-sdk.ts": hook }, async (dir) => {
      await withTempDir(async (state) => {
        const handled = join(dir, "handled.json");
        const config = await writeConfig(state, {
          syslog: false,
          actions: { "backup-create": { data: { uuid: "uuid", note: "string" } } },
        });
        const backup =
          '{"action":"backup-create","stage":"post","data":{"uuid":"c7ee19aa-2722-4139-9223-60ed4baf09e2","note":"nightly"}}';
        let result = await runCli(["run", "--dir", dir, "--config", config, "--no-journal"], {
          stdin: backup,
        });
        assert.equal(result.code, 0, result.stderr);
        assert.deepEqual(JSON.parse(await Deno.readTextFile(handled)), [
          "backup-create",
          "post",
          "nightly",
        ]);
        await Deno.remove(handled);
        result = await runCli(["run", "--dir", dir, "--no-journal"], { stdin: STOP_NEW_FIELD });
        assert.equal(result.code, 0, result.stderr);
        assert.deepEqual(JSON.parse(await Deno.readTextFile(handled)), [
          "server-stop",
          "c7ee19aa-2722-4139-9223-60ed4baf09e2",
          "x",
        ]);
      });
    });
  },
});

timed.test("around runs an event that differs from the registry with warnings, and records a broken envelope", async () => {
  await withHooks({ "10-cat": CAT }, async (dir) => {
    await withTempDir(async (state) => {
      const journal = join(state, "journal.jsonl");
      const event =
        '{"action":"server-stop","data":{"uuid":"c7ee19aa-2722-4139-9223-60ed4baf09e2","virtualization_type":"kvm","new_field":"x"}}';
      const around = (given: string, ...more: string[]) =>
        runCli([
          "around",
          "--dir",
          dir,
          "--journal",
          journal,
          ...more,
          "--event",
          given,
          "--",
          "true",
        ]);
      let result = await around(event, "--json");
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout);
      assert.deepEqual(
        report.stages.map((stage: { warnings: string[] }) => stage.warnings),
        [["server-stop has unexpected key data.new_field"], [
          "server-stop has unexpected key data.new_field",
        ]],
      );
      result = await around(event, "--strict");
      assert.equal(result.code, 2, result.stderr);
      result = await around('{"action":5,"data":{}}');
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /"action" must be a string/);
      const refusals = (await Deno.readTextFile(journal)).trim().split("\n")
        .map((line) => JSON.parse(line)).filter((record) => record.refusal === "event");
      assert.equal(refusals.length, 2);
    });
  });
});
