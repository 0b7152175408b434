/**
 * The entry's rules that hold anywhere (contract §0): the runner never runs
 * itself (the entry or the command found among the hooks, a `run` from inside
 * a hook of the same stage), the entry's deadline keeps within SolusVM's
 * minute, and `check` says when a config would break that. Real processes;
 * the node's own layout is proven in `solusvm_node_test.ts`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { entryScript } from "../lib/hooks/entry.ts";
import { DEFAULT_PATH } from "../lib/config/constants.ts";
import { wrapperScript } from "../tools/bundle.ts";
import {
  cliCommand,
  makeHooksDir,
  RESTART_PRE,
  runCli,
  sleep,
  spawnCli,
  timed,
  writeConfig,
} from "./helpers.ts";

const EVENT = JSON.stringify(RESTART_PRE);

timed.test("the entry or the command found in the hooks directory is skipped as solus-hooks itself, by run, --dry-run, check and test alike", async () => {
  const dir = await makeHooksDir({
    "10-ok.sh": "#!/bin/sh\necho ran\n",
    // A copy of the entry, as an operator might make: it would start the whole stage again.
    "solus-hooks": entryScript("/usr/local/bin/solus-hooks"),
    // The command's own wrapper (what /usr/local/bin/solus-hooks links to).
    "solus-hooks-deno": wrapperScript(["--allow-run"], "/usr/bin/deno", "test"),
  });
  try {
    await Deno.symlink(join(dir, "solus-hooks-deno"), join(dir, "20-link"));
    const run = await runCli(["run", "--dir", dir, "--no-journal", "--json", "--event", EVENT]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.deepEqual(report.hooks.map((hook: { name: string }) => hook.name), ["10-ok.sh"]);
    const skipped = Object.fromEntries(
      report.skipped.map((skip: { name: string; kind: string; reason: string }) => [
        skip.name,
        [skip.kind, skip.reason],
      ]),
    );
    assert.equal(skipped["solus-hooks"][0], "self");
    assert.match(skipped["solus-hooks"][1], /^the solus-hooks entry: the runner never runs itself/);
    assert.equal(skipped["20-link"][0], "self");
    assert.match(skipped["20-link"][1], /^the solus-hooks command \(solus-hooks-deno\)/);
    assert.equal(skipped["solus-hooks-deno"][0], "self");

    const plan = await runCli(["run", "--dir", dir, "--dry-run", "--event", EVENT]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(
      plan.stderr,
      /skipped solus-hooks: the solus-hooks entry: the runner never runs itself/,
    );

    const check = await runCli(["check", "--dir", dir, "--json"]);
    assert.equal(check.code, 0, check.stderr);
    const audit = JSON.parse(check.stdout);
    assert.deepEqual(audit.hooks, ["10-ok.sh"]);
    const finding = audit.findings.find((f: { name: string }) => f.name === "solus-hooks");
    assert.equal(finding.severity, "warning");
    assert.match(finding.problem, /will be skipped: the solus-hooks entry/);
    assert.match(finding.fix, /remove it from the hooks directory/);

    const test = await runCli(["test", join(dir, "solus-hooks"), "--action", "server-stop"]);
    assert.notEqual(test.code, 0, test.stderr);
    assert.match(test.stderr, /the solus-hooks entry: the runner never runs itself/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

timed.test("a run started from inside a hook of the same stage refuses with exit 2; another event's stage runs", async () => {
  const cli = cliCommand().map((word) => `'${word}'`).join(" ");
  const dir = await makeHooksDir({
    // The loop a careless hook makes: it fires the event it was given at the same hooks.
    "10-loop.sh": `#!/bin/sh
# solus-hooks: actions=server-restart
event=$(cat)
${cli} run --dir "$PWD" --no-journal --event "$event" 2>"$PWD/.nested.err"
echo "same=$?"
${cli} run --dir "$PWD" --no-journal --event '{"action":"server-start","stage":"pre","data":{"uuid":"c7ee19aa-2722-4139-9223-60ed4baf09e2","virtualization_type":"kvm"}}' >/dev/null 2>&1
echo "other=$?"
`,
    // Runs in the nested server-start stage only; the refused one never gets here.
    "20-count.sh": '#!/bin/sh\necho "$SOLUS_HOOK_ACTION" >> "$PWD/.count"\n',
  });
  try {
    const run = await runCli(["run", "--dir", dir, "--no-journal", "--json", "--event", EVENT], {
      timeoutMs: 25_000,
    });
    assert.equal(run.code, 0, run.stderr);
    const loop = JSON.parse(run.stdout).hooks.find((h: { name: string }) =>
      h.name === "10-loop.sh"
    );
    assert.match(loop.stdout, /^same=2\nother=0\n$/, loop.stderr);
    const nested = await Deno.readTextFile(join(dir, ".nested.err"));
    assert.equal(nested.trim().split("\n").length, 1, nested);
    assert.match(
      nested,
      /^solus-hooks: refusing to run server-restart pre from inside hook 10-loop\.sh of run [0-9a-f-]{36}, which is running that same stage/,
    );
    // The outer stage ran 20-count once, the nested server-start stage once; the refused one never.
    const count = (await Deno.readTextFile(join(dir, ".count"))).trim().split("\n").sort();
    assert.deepEqual(count, ["server-restart", "server-start"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The deadline a hook is given, in ms from the moment it started. */
const DEADLINE_HOOK = "#!/bin/sh\nnow=$(date +%s%3N)\necho $(( SOLUS_HOOK_DEADLINE - now ))\n";

async function deadlineGiven(dir: string, args: string[], config: object): Promise<number> {
  const path = await writeConfig(dir, config);
  const run = await runCli(
    ["run", "--dir", dir, "--no-journal", "--json", "--config", path, "--event", EVENT, ...args],
  );
  assert.equal(run.code, 0, run.stderr);
  return Number(JSON.parse(run.stdout).hooks[0].stdout.trim());
}

timed.test("run --entry gives hooks a deadline that ends, with the kill grace, within SolusVM's minute; the config's own timeoutMs and --timeout still win", async () => {
  const dir = await makeHooksDir({ "10-deadline.sh": DEADLINE_HOOK });
  try {
    const near = (got: number, want: number) =>
      assert.ok(got <= want && got > want - 3_000, `deadline ${got} ms, expected about ${want}`);
    // 58000 budget - 2000 reserve - 2000 grace.
    near(await deadlineGiven(dir, ["--entry"], {}), 54_000);
    near(await deadlineGiven(dir, ["--entry"], { killGraceMs: 5_000 }), 51_000);
    near(await deadlineGiven(dir, ["--entry"], { timeoutMs: 3_000 }), 3_000);
    near(await deadlineGiven(dir, ["--entry", "--timeout", "4000"], {}), 4_000);
    // By hand, run keeps the contract's 60000.
    near(await deadlineGiven(dir, [], {}), 60_000);

    // An event that arrives late: the entry's budget counts from its start, not the event's arrival.
    const path = await writeConfig(dir, {});
    const child = spawnCli(
      ["run", "--entry", "--dir", dir, "--no-journal", "--json", "--config", path],
      { stdin: "piped" },
    );
    await sleep(3_000);
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(EVENT));
    await writer.close();
    const output = await child.output();
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    const given = Number(JSON.parse(new TextDecoder().decode(output.stdout)).hooks[0].stdout);
    // 54000 less what passed beyond the first second: about 2000 ms, more on a loaded machine.
    assert.ok(given <= 52_100 && given > 45_000, `deadline ${given} ms after a 3 s late event`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

timed.test("check warns when the config's timeoutMs + killGraceMs would keep SolusVM waiting past the entry's 58 s", async () => {
  const dir = await makeHooksDir({ "10-a.sh": "#!/bin/sh\n" });
  try {
    const check = async (config: object) => {
      const path = await writeConfig(dir, config);
      const result = await runCli(["check", "--dir", dir, "--config", path]);
      assert.equal(result.code, 0, result.stderr);
      return result.stderr;
    };
    const broken = await check({ timeoutMs: 60_000 });
    assert.match(
      broken,
      /warning .*config\.jsonc: timeoutMs 60000 \+ killGraceMs 2000 \+ 2000 ms for the runner itself is 64000 ms, past the entry's 58000 ms budget/,
    );
    assert.match(broken, /fix: set "timeoutMs": 54000 or less in .*config\.jsonc/);
    assert.match(await check({ killGraceMs: 57_500 }), /fix: lower killGraceMs/);
    for (const fine of [{}, { timeoutMs: 50_000, killGraceMs: 6_000 }, { killGraceMs: 10_000 }]) {
      assert.doesNotMatch(await check(fine), /budget/, JSON.stringify(fine));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

timed.test("the entry runs the command with run --entry and the event on stdin, gives it a PATH when started without one, and says plainly when the command is gone", async () => {
  const dir = await makeHooksDir({
    "command": '#!/bin/sh\necho "PATH=$PATH args=$*"\ncat\n',
  });
  try {
    const entry = join(dir, "entry");
    await Deno.writeTextFile(entry, entryScript(join(dir, "command")), { mode: 0o755 });
    const run = (script: string) =>
      new Deno.Command("env", {
        args: ["-i", script],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      })
        .spawn();
    const child = run(entry);
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(EVENT));
    await writer.close();
    const out = await child.output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.equal(
      new TextDecoder().decode(out.stdout),
      `PATH=${DEFAULT_PATH} args=run --entry\n${EVENT}`,
    );

    await Deno.remove(join(dir, "command"));
    const gone = await run(entry).output();
    assert.equal(gone.code, 127);
    assert.equal(
      new TextDecoder().decode(gone.stderr),
      `solus-hooks entry: ${
        join(dir, "command")
      } is missing or not executable, so no hook ran: reinstall solus-hooks (deno task install)\n`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
