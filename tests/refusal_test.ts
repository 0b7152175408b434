/**
 * Nothing refused is silent (contract §7), through the real CLI against a
 * real log socket and textfile: a refused event, a config that cannot be
 * read and a hooks directory failing the safety rule each write a journal
 * record that `history` and `show` list, a system-log line at priority `err`,
 * and a count in `solus_hooks_refused_total{reason}`; a failure to write any
 * of them never changes the exit status.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { RESTART_PRE, runCli, timed, withHooks, withTempDir } from "./helpers.ts";
import { bindLogSocket, DAEMON_ERR, parseSyslogLine } from "./log_socket.ts";

const EVENT = JSON.stringify(RESTART_PRE);

/** The journal's records, oldest first. */
async function records(journal: string): Promise<Record<string, unknown>[]> {
  const text = await Deno.readTextFile(journal);
  return text.trim().split("\n").map((line) => JSON.parse(line));
}

for (
  const [name, text, why] of [
    ["a syntax error", '{ "timeoutMs": 5000,, }', /line 1, column \d+/],
    [
      "an unknown key",
      '{ "timeoutMS": 5000 }',
      /unknown key "timeoutMS" \(did you mean timeoutMs\?\)/,
    ],
  ] as const
) {
  timed.test(`a config with ${name} is refused and recorded: journal, syslog at err, metric`, async () => {
    await withHooks({ "10-ok": "#!/bin/sh\ntouch ran\n" }, async (dir) => {
      await withTempDir(async (state) => {
        const socketPath = join(state, "log.sock");
        const socket = await bindLogSocket(socketPath);
        const textfile = join(state, "solus_hooks.prom");
        const config = join(state, "config.jsonc");
        // The broken config still says where the syslog and metrics go; they are used.
        await Deno.writeTextFile(
          config,
          text.replace(
            "{",
            `{ "syslog": ${JSON.stringify(socketPath)}, "metrics": { "textfile": ${
              JSON.stringify(textfile)
            } },`,
          ),
        );
        const journal = join(state, "journal.jsonl");
        const result = await runCli(
          ["run", "--dir", dir, "--config", config, "--journal", journal],
          { stdin: EVENT },
        );
        const datagrams = await socket.stop();
        assert.equal(result.code, 2, result.stderr);
        assert.match(result.stderr, why);
        await assert.rejects(() => Deno.stat(join(dir, "ran")), Deno.errors.NotFound);
        const [record] = await records(journal);
        assert.equal(record.refusal, "config");
        assert.match(String(record.refused), why);
        const history = await runCli(["history", "--journal", journal, "--json"]);
        assert.equal(JSON.parse(history.stdout)[0].refusal, "config");
        const shown = await runCli(["show", String(record.run_id), "--journal", journal]);
        assert.match(shown.stdout, /refused +.*config\.jsonc/);
        assert.match(shown.stdout, /outcome +refused \(config\): 0 hooks/);
        assert.equal(datagrams.length, 1, JSON.stringify(datagrams));
        const line = parseSyslogLine(datagrams[0]);
        assert.equal(line.priority, DAEMON_ERR);
        assert.equal(line.fields.get("refusal"), "config");
        assert.match(line.fields.get("reason") ?? "", /config\.jsonc: line 1/);
        assert.match(
          await Deno.readTextFile(textfile),
          /^solus_hooks_refused_total\{reason="config"\} 1$/m,
        );
      });
    });
  });
}

timed.test("a config refusal with nothing to salvage is journaled where the flags and environment say", async () => {
  await withTempDir(async (state) => {
    const config = join(state, "config.jsonc");
    await Deno.writeTextFile(config, "{ not json");
    const journal = join(state, "from-env.jsonl");
    const result = await runCli(
      ["run", "--dir", join(state, "hooks"), "--config", config],
      { stdin: EVENT, env: { SOLUS_HOOKS_JOURNAL: journal } },
    );
    assert.equal(result.code, 2, result.stderr);
    const [record] = await records(journal);
    assert.equal(record.refusal, "config");
  });
});

timed.test("a refused event is recorded with what arrived; an unwritable journal is a warning, still exit 2", async () => {
  await withTempDir(async (state) => {
    const journal = join(state, "journal.jsonl");
    let result = await runCli(["run", "--dir", join(state, "hooks"), "--journal", journal], {
      stdin: '{"action": "server-restart", "stage": "later", "data": {}}',
    });
    assert.equal(result.code, 2, result.stderr);
    const [record] = await records(journal);
    assert.equal(record.refusal, "event");
    assert.equal((record.event as { action: string }).action, "server-restart");
    assert.match(String(record.refused), /"stage" must be "pre" or "post"/);

    result = await runCli(["run", "--dir", join(state, "hooks"), "--journal", journal], {
      stdin: "not json at all",
    });
    assert.equal(result.code, 2, result.stderr);
    assert.equal((await records(journal))[1].event_text, "not json at all");

    // A journal that cannot be written (a file where its folder should be): the
    // refusal's exit status is unchanged.
    await Deno.writeTextFile(join(state, "file"), "");
    result = await runCli(["run", "--journal", join(state, "file", "journal.jsonl")], {
      stdin: "[]",
    });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /must be a JSON object/);
    assert.match(result.stderr, /warning: the journal was not written/);
  });
});

timed.test("a hooks directory failing the safety rule is a syslog line at err and a refusal metric", async () => {
  await withHooks({ "10-ok": "#!/bin/sh\nexit 0\n" }, async (dir) => {
    await withTempDir(async (state) => {
      await Deno.chmod(dir, 0o777); // writable by anyone: no hook may run
      const socketPath = join(state, "log.sock");
      const socket = await bindLogSocket(socketPath);
      const textfile = join(state, "solus_hooks.prom");
      const config = join(state, "config.jsonc");
      await Deno.writeTextFile(
        config,
        JSON.stringify({ syslog: socketPath, metrics: { textfile } }),
      );
      const journal = join(state, "journal.jsonl");
      const result = await runCli(
        ["run", "--dir", dir, "--config", config, "--journal", journal],
        { stdin: EVENT },
      );
      const datagrams = await socket.stop();
      await Deno.chmod(dir, 0o755);
      assert.equal(result.code, 1, result.stderr);
      const [record] = await records(journal);
      assert.equal(record.refusal, "directory");
      const line = parseSyslogLine(datagrams[0]);
      assert.equal(line.priority, DAEMON_ERR);
      assert.equal(line.fields.get("status"), "refused");
      const metrics = await Deno.readTextFile(textfile);
      assert.match(metrics, /^solus_hooks_refused_total\{reason="directory"\} 1$/m);
      assert.match(metrics, /^solus_hooks_refused_total\{reason="config"\} 0$/m);
    });
  });
});

timed.test("a run started from inside a hook of the same stage is refused and recorded as recursion", async () => {
  await withHooks({ "10-ok": "#!/bin/sh\ntouch ran\n" }, async (dir) => {
    await withTempDir(async (state) => {
      const textfile = join(state, "solus_hooks.prom");
      const config = join(state, "config.jsonc");
      await Deno.writeTextFile(config, JSON.stringify({ syslog: false, metrics: { textfile } }));
      const journal = join(state, "journal.jsonl");
      // What a hook of another run of server-restart pre has in its environment.
      const env = {
        SOLUS_HOOK_RUN_ID: "0b6f3c2a-5d1e-4f7a-9c1b-2e3d4f5a6b7c",
        SOLUS_HOOK_ACTION: "server-restart",
        SOLUS_HOOK_STAGE: "pre",
        SOLUS_HOOK_NAME: "10-loop",
      };
      const result = await runCli(
        ["run", "--dir", dir, "--config", config, "--journal", journal],
        { stdin: EVENT, env },
      );
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /from inside hook 10-loop/);
      await assert.rejects(() => Deno.stat(join(dir, "ran")), Deno.errors.NotFound);
      const [record] = await records(journal);
      assert.equal(record.refusal, "recursion");
      assert.equal((record.event as { action: string }).action, "server-restart");
      assert.match(
        await Deno.readTextFile(textfile),
        /^solus_hooks_refused_total\{reason="recursion"\} 1$/m,
      );
    });
  });
});
