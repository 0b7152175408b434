/**
 * What the CLI says, through the real CLI with real hooks: the line that
 * explains a failure, `--verbose`, `show`'s cut, words and plurals, help
 * examples, and which stream each command's output goes to.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { renderReport } from "../lib/cli/render.ts";
import type { RunReport } from "../lib/report.ts";
import { RESTART_PRE, runCli, withHooks } from "./helpers.ts";

const EVENT = JSON.stringify(RESTART_PRE);
const ESC = "\x1b";

/** Run the CLI once and record the run in `journal`; its run id. */
async function recordRun(dir: string, journal: string): Promise<string> {
  const result = await runCli([
    "run",
    "--dir",
    dir,
    "--journal",
    journal,
    "--json",
    "--event",
    EVENT,
  ]);
  return JSON.parse(result.stdout).run_id;
}

Deno.test("run and test explain a failed Deno hook with the same line: the error, not a stack frame", async () => {
  const hook = `#!/usr/bin/env -S ${Deno.execPath()} run --quiet --no-prompt
function apply(chain: string): never {
  throw new Error(\`iptables: no chain \${chain}\`);
}
apply("SOLUS-VM");
`;
  await withHooks({ "30-firewall.ts": hook }, async (dir) => {
    const run = await runCli(["run", "--dir", dir, "--no-journal", "--event", EVENT]);
    assert.equal(run.code, 1, run.stderr);
    const runLine = run.stderr.split("\n").find((line) => line.includes("FAILED"));
    assert.ok(runLine, run.stderr);
    const explained = runLine.slice(runLine.indexOf("exit 1: ") + "exit 1: ".length);
    assert.match(explained, /Error: iptables: no chain SOLUS-VM$/);
    assert.ok(!explained.includes("at ") && !explained.includes(ESC), explained);

    const tested = await runCli([
      "test",
      join(dir, "30-firewall.ts"),
      "--action",
      "server-restart",
      "--stage",
      "pre",
    ]);
    assert.equal(tested.code, 1, tested.stderr);
    const testLine = tested.stderr.split("\n").find((line) => line.includes("server-restart pre:"));
    assert.ok(testLine, tested.stderr);
    assert.equal(testLine.slice(testLine.indexOf("exit 1: ") + "exit 1: ".length), explained);
  });
});

Deno.test("run explains a Python hook by its exception, not its traceback", async () => {
  const hook = "#!/usr/bin/env python3\ndef main():\n    raise ValueError('bad uuid')\nmain()\n";
  await withHooks({ "20-dispatch.py": hook }, async (dir) => {
    const run = await runCli(["run", "--dir", dir, "--no-journal", "--event", EVENT]);
    assert.match(run.stderr, /FAILED +20-dispatch\.py .*exit 1: ValueError: bad uuid\n/);
  });
});

Deno.test("run --verbose shows the last 20 lines of each hook's stdout and stderr; without it, none", async () => {
  const hook = '#!/bin/sh\ni=1\nwhile [ $i -le 30 ]; do echo "out line $i"; i=$((i+1)); done\n' +
    "echo 'warn: disk 91% full' >&2\n";
  await withHooks({ "10-chatty.sh": hook, "20-quiet.sh": "#!/bin/sh\nexit 0\n" }, async (dir) => {
    const args = ["run", "--dir", dir, "--no-journal", "--event", EVENT];
    const plain = await runCli(args);
    assert.ok(!plain.stderr.includes("out line"), plain.stderr);
    assert.ok(!plain.stderr.includes("disk 91%"), plain.stderr);
    for (const flag of ["--verbose", "-v"]) {
      const verbose = await runCli([...args, flag]);
      assert.equal(verbose.code, 0, verbose.stderr);
      assert.equal(verbose.stdout, "", "the human report is on stderr");
      assert.match(verbose.stderr, /stdout \(the last 20 of 30 lines; .*\):/);
      assert.ok(!/out line 10\n/.test(verbose.stderr), "line 10 is not among the last 20");
      for (let i = 11; i <= 30; i++) {
        assert.ok(verbose.stderr.includes(`out line ${i}\n`), `line ${i}`);
      }
      assert.match(verbose.stderr, /stderr:\n +warn: disk 91% full\n/);
      // Output is shown under its own hook.
      assert.ok(verbose.stderr.indexOf("out line 30") < verbose.stderr.indexOf("20-quiet.sh"));
    }
  });
});

Deno.test("renderReport() hides hooks skipped by a directive unless verbose", () => {
  const plain = { red: String, green: String, yellow: String, dim: String, bold: String };
  const report = {
    run_id: "r",
    event_id: "e",
    dir: "/hooks",
    started_at: "",
    duration_ms: 3,
    ok: true,
    interrupted: false,
    event: { action: "server-stop", stage: "pre", data: {} },
    hooks: [],
    skipped: [
      { name: "20-fw", reason: "not for server-stop pre", kind: "not_for", refused: false },
      { name: "notes.txt", reason: "not executable", kind: "not_executable", refused: false },
    ],
  } as unknown as RunReport;
  const quietly = renderReport(report, plain).join("\n");
  assert.ok(!quietly.includes("20-fw"), quietly);
  assert.match(quietly, /notes\.txt/);
  assert.match(quietly, /1 skipped/);
  const verbose = renderReport(report, plain, { verbose: true }).join("\n");
  assert.match(verbose, /skipped +20-fw +not for server-stop pre/);
});

Deno.test("show prints the last 20 lines of each stream with what it left out, all with --full", async () => {
  const hook = '#!/bin/sh\ni=1\nwhile [ $i -le 100 ]; do echo "line $i"; i=$((i+1)); done\n';
  await withHooks({ "10-long.sh": hook }, async (dir) => {
    const journal = join(dir, ".journal.jsonl");
    const runId = await recordRun(dir, journal);
    const shown = await runCli(["show", runId.slice(0, 8), "--journal", journal]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(shown.stderr, "", "show's product is on stdout");
    assert.match(shown.stdout, /stdout \(the last 20 of 100 lines; --full shows all\):/);
    assert.ok(!/ line 80\n/.test(shown.stdout) && shown.stdout.includes(" line 81\n"));
    assert.ok(shown.stdout.includes(" line 100\n"));
    const full = await runCli(["show", runId, "--journal", journal, "--full"]);
    for (let i = 1; i <= 100; i++) assert.ok(full.stdout.includes(` line ${i}\n`), `line ${i}`);
    assert.ok(!full.stdout.includes("the last 20"), full.stdout);
  });
});

Deno.test("show and run --verbose show output that is not UTF-8 as escaped bytes, never raw", async () => {
  await withTempJournal(async (dir, journal) => {
    // A record as the journal keeps non-UTF-8 output: base64, with the encoding named.
    const bytes = Uint8Array.of(0x6f, 0x6b, 0xff, 0x1b, 0x5b, 0x32, 0x4a, 0x0a);
    const record = {
      run_id: "5e1f0b3a-0000-4000-8000-000000000001",
      event_id: "e",
      event: RESTART_PRE,
      dir,
      started_at: new Date().toISOString(),
      duration_ms: 12,
      ok: true,
      interrupted: false,
      hooks: [{
        name: "10-binary.sh",
        status: "ok",
        exit_code: 0,
        signal: null,
        duration_ms: 10,
        started_ms: 1,
        stdout: btoa(String.fromCharCode(...bytes)),
        stdout_encoding: "base64",
        stderr: "",
        stdout_bytes: bytes.length,
        stderr_bytes: 0,
      }],
      skipped: [],
    };
    await Deno.writeTextFile(journal, `${JSON.stringify(record)}\n`);
    const shown = await runCli(["show", "5e1f0b3a", "--journal", journal]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /stdout \(8 bytes, not UTF-8: other bytes shown as \\xNN\):/);
    assert.ok(shown.stdout.includes("      ok\\xff\\x1b[2J\n"), shown.stdout);
    assert.ok(!shown.stdout.includes(ESC) && !shown.stdout.includes("\ufffd"), shown.stdout);
  });
});

async function withTempJournal(fn: (dir: string, journal: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "solus-hooks-test-" });
  try {
    await fn(dir, join(dir, "journal.jsonl"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a timeout has one word in run and test: TIMED OUT", async () => {
  await withHooks({ "slow.sh": "#!/bin/sh\nexec sleep 5\n" }, async (dir) => {
    const run = await runCli([
      "run",
      "--dir",
      dir,
      "--no-journal",
      "--timeout",
      "300",
      "--event",
      EVENT,
    ]);
    assert.match(run.stderr, /TIMED OUT +slow\.sh/);
    const tested = await runCli([
      "test",
      join(dir, "slow.sh"),
      "--action",
      "server-restart",
      "--stage",
      "pre",
      "--timeout",
      "300",
    ]);
    assert.match(tested.stderr, /TIMED OUT /);
    assert.ok(!tested.stderr.includes("TIMED_OUT"), tested.stderr);
  });
});

Deno.test("one of a thing is singular: 1 hook, 1 run passed", async () => {
  await withHooks({ "ok.sh": "#!/bin/sh\nexit 0\n" }, async (dir) => {
    const journal = join(dir, ".journal.jsonl");
    const run = await runCli(["run", "--dir", dir, "--journal", journal, "--event", EVENT]);
    assert.match(run.stderr, /server-restart pre: ok, 1 hook in /);
    const history = await runCli(["history", "--journal", journal]);
    assert.match(history.stdout, / 1 hook /);
    assert.ok(!history.stdout.includes("1 hooks"), history.stdout);
    const tested = await runCli([
      "test",
      join(dir, "ok.sh"),
      "--action",
      "server-start",
      "--stage",
      "post",
    ]);
    assert.match(tested.stderr, /^1 run passed$/m);
  });
});

Deno.test("sample refuses --stage with --event instead of ignoring it", async () => {
  const refused = await runCli(["sample", "server-create", "--event", "--stage", "post"]);
  assert.equal(refused.code, 2);
  assert.equal(refused.stdout, "");
  assert.match(refused.stderr, /^solus-hooks: --stage does not go with --event: .*no stage/);
  const events = JSON.parse((await runCli(["sample", "server-create", "--event"])).stdout);
  assert.deepEqual(events.map((e: { action: string }) => e.action), [
    "server-create",
    "server-network-create",
  ]);
  assert.ok(events.every((e: object) => !("stage" in e)));
});

Deno.test("every command's --help has examples", async () => {
  const commands = [
    "run",
    "around",
    "sample",
    "actions",
    "schema",
    "test",
    "check",
    "history",
    "show",
    "replay",
  ];
  for (const command of commands) {
    const help = await runCli([command, "--help"]);
    assert.equal(help.code, 0);
    assert.match(
      help.stdout,
      /\nExamples?:\n {2}solus-hooks /,
      `${command} --help has no examples`,
    );
  }
  const global = await runCli(["run", "--help"]);
  assert.match(global.stdout, /-v, --verbose/);
});

Deno.test("what goes where: data on stdout, reports on stderr, --json one document on stdout", async () => {
  await withHooks({ "10-ok.sh": "#!/bin/sh\necho from-hook\n" }, async (dir) => {
    const journal = join(dir, ".journal.jsonl");
    const runId = await recordRun(dir, journal);
    const hook = join(dir, "10-ok.sh");
    const around = JSON.stringify({ action: "server-start", data: RESTART_PRE.data });
    const common = ["--dir", dir, "--journal", journal];
    const data = [
      ["sample", "server-start"],
      ["schema"],
      ["actions"],
      ["history", ...common],
      ["show", runId, ...common],
    ];
    const judged = [
      ["run", ...common, "--event", EVENT],
      ["around", ...common, "--event", around, "--", "sh", "-c", "echo from-command >&2"],
      ["replay", runId, ...common],
      ["test", hook, "--action", "server-start"],
      ["check", ...common],
      ["run", ...common, "--dry-run", "--event", EVENT],
    ];
    for (const args of data) {
      const result = await runCli(args);
      assert.equal(result.code, 0, `${args[0]}: ${result.stderr}`);
      assert.notEqual(result.stdout, "", `${args[0]} prints its product on stdout`);
      assert.equal(result.stderr, "", `${args[0]} prints nothing on stderr`);
    }
    for (const args of judged) {
      const result = await runCli(args);
      assert.equal(result.stdout, "", `${args[0]} prints its report on stderr, not stdout`);
      assert.notEqual(result.stderr, "", `${args[0]} says something on stderr`);
    }
    const aroundEcho = ["around", ...common, "--event", around, "--", "sh", "-c", "echo X"];
    for (const args of [...data, ...judged.slice(0, -1), aroundEcho]) {
      if (args[0] === "sample" || args[0] === "schema") continue; // JSON already, no --json
      const result = await runCli([args[0], "--json", ...args.slice(1)]);
      assert.doesNotThrow(() => JSON.parse(result.stdout), `${args[0]} --json: ${result.stdout}`);
      assert.equal(result.stdout.trim().split("\n").length, 1, `${args[0]}: one line`);
    }
  });
});
