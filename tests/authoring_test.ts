/** The hook authors' kit: check, test, --dry-run, the SDK and the examples. */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  cliEnv,
  RESTART_DATA,
  ROOT,
  runCli,
  timed,
  track,
  withHooks,
  withTempDir,
  writeConfig,
} from "./helpers.ts";

const IS_ROOT = Deno.uid() === 0;

interface Finding {
  name: string;
  severity: "error" | "warning";
  problem: string;
  fix: string;
}

/** A fixed PATH, so `#!/usr/bin/env` lookups do not depend on the caller's. */
const FIXED_PATH = "/usr/local/bin:/usr/bin:/bin";

/**
 * The fixed PATH with the Deno that runs these tests first: Deno hooks start
 * with `#!/usr/bin/env -S deno ...`, and a fresh machine (the README's
 * `npx -y deno@... task test`) has no `deno` in /usr/bin.
 */
const PATH_WITH_DENO = `${dirname(Deno.execPath())}:${FIXED_PATH}`;

async function check(
  dir: string,
  path = FIXED_PATH,
  config?: string,
): Promise<{ code: number; findings: Finding[]; hooks: string[] }> {
  const result = await runCli([
    "check",
    "--dir",
    dir,
    "--json",
    ...(config ? ["--config", config] : []),
  ], { env: { PATH: path } });
  const audit = JSON.parse(result.stdout);
  return { code: result.code, findings: audit.findings, hooks: audit.hooks };
}

function findingFor(findings: Finding[], name: string): Finding {
  const found = findings.find((f) => f.name === name);
  assert.ok(found, `a finding for ${name} in ${JSON.stringify(findings)}`);
  return found;
}

timed.test("check passes a clean directory and exits 0", async () => {
  await withHooks({ "10-ok.sh": "#!/bin/sh\nexit 0\n" }, async (dir) => {
    // A node without a log socket is a warning of its own (see check_fleet_test.ts): off here.
    await withTempDir(async (tmp) => {
      const config = await writeConfig(tmp, { syslog: false });
      const { code, findings, hooks } = await check(dir, FIXED_PATH, config);
      assert.equal(code, 0);
      assert.deepEqual(findings, []);
      assert.deepEqual(hooks, ["10-ok.sh"]);
      const human = await runCli(["check", "--dir", dir, "--config", config]);
      assert.match(human.stderr, /ok: 1 hook will run \(10-ok\.sh\); 0 errors, 0 warnings/);
    });
  });
});

timed.test("check reports interpreter, CRLF and writable hooks as errors and exits 1", async () => {
  await withHooks({
    "a-missing.py": "#!/usr/bin/python-nowhere\n",
    "b-env.sh": "#!/usr/bin/env no-such-program-xyz\n",
    "c-crlf.sh": "#!/bin/sh\r\necho hi\r\n",
    "d-writable.sh": "#!/bin/sh\n",
    "e-relative.sh": "#!sh\n",
  }, async (dir) => {
    const { code, findings, hooks } = await check(dir);
    assert.equal(code, 1);
    assert.deepEqual(hooks, [], "a hook that cannot start is not one that will run");
    const missing = findingFor(findings, "a-missing.py");
    assert.deepEqual(
      [missing.severity, missing.problem],
      [
        "error",
        "cannot start: the interpreter named in the #! line is missing: /usr/bin/python-nowhere",
      ],
    );
    assert.match(
      findingFor(findings, "b-env.sh").problem,
      /cannot find "no-such-program-xyz" on the hooks' PATH/,
    );
    const crlf = findingFor(findings, "c-crlf.sh");
    assert.match(crlf.problem, /CRLF/);
    assert.match(crlf.fix, /dos2unix/);
    const writable = findingFor(findings, "d-writable.sh");
    assert.equal(writable.severity, "error");
    assert.match(writable.problem, /writable by group or others \(mode 0777\): it will be refused/);
    assert.match(writable.fix, /chmod go-w \S*\/d-writable\.sh/);
    assert.match(findingFor(findings, "e-relative.sh").problem, /absolute path/);
  }, { "d-writable.sh": 0o777 });
});

timed.test("check warns about names that will be skipped and things that are not hooks, and exits 0", async () => {
  await withHooks({
    ".hidden.sh": "#!/bin/sh\n",
    "hook.sh~": "#!/bin/sh\n",
    "hook.sh.dpkg-old": "#!/bin/sh\n",
    "hook.sh.rpmsave": "#!/bin/sh\n",
    "notes.txt": "not a hook\n",
    "plain-script": "echo no shebang\n",
  }, async (dir) => {
    await Deno.mkdir(join(dir, "subdir"));
    await Deno.symlink("/nonexistent/target", join(dir, "dangling"));
    const { code, findings } = await check(dir);
    assert.equal(code, 0, JSON.stringify(findings));
    const problem = (name: string) => findingFor(findings, name).problem;
    assert.match(problem(".hidden.sh"), /will be skipped: hidden file/);
    assert.match(problem("hook.sh~"), /leftover/);
    assert.match(problem("hook.sh.dpkg-old"), /leftover/);
    assert.match(problem("hook.sh.rpmsave"), /leftover/);
    assert.match(problem("notes.txt"), /will be skipped: not executable/);
    assert.match(findingFor(findings, "notes.txt").fix, /nothing but hooks belongs here/);
    assert.match(problem("subdir"), /not a hook: directory/);
    assert.match(problem("dangling"), /broken symlink/);
    assert.match(problem("plain-script"), /no #! line: it will run under \/bin\/sh/);
    assert.ok(findings.every((f) => f.severity === "warning"));
  }, { "notes.txt": 0o644 });
});

timed.test("check applies the safety rule to the directory, its parents and a link's target", async () => {
  const parent = await Deno.makeTempDir({ prefix: "solus-check-parent-" });
  try {
    const hooks = join(parent, "hooks");
    await Deno.mkdir(hooks);
    await Deno.writeTextFile(join(parent, "target.sh"), "#!/bin/sh\n");
    await Deno.chmod(join(parent, "target.sh"), 0o757);
    await Deno.symlink(join(parent, "target.sh"), join(hooks, "linked.sh"));
    await Deno.chmod(hooks, 0o775);
    await Deno.chmod(parent, 0o777); // writable by all and not sticky: anyone could swap the hooks directory
    const { code, findings } = await check(hooks);
    assert.equal(code, 1);
    const dir = findingFor(findings, hooks);
    assert.match(dir.problem, /the hooks directory is writable by group or others \(mode 0775\)/);
    assert.match(findingFor(findings, parent).problem, /writable by group or others \(mode 0777\)/);
    assert.match(
      findingFor(findings, "linked.sh").problem,
      /link target .*target\.sh writable by group or others/,
    );
    // /tmp itself (root-owned, sticky) is fine: no finding names it.
    assert.ok(!findings.some((f) => f.name === "/tmp"));
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

timed.test({
  name: "check refuses a hook owned by another user (needs root to chown)",
  ignore: !IS_ROOT,
  fn: async () => {
    await withHooks({ "theirs.sh": "#!/bin/sh\n" }, async (dir) => {
      await Deno.chown(join(dir, "theirs.sh"), 65534, 65534);
      const { code, findings } = await check(dir);
      assert.equal(code, 1);
      assert.match(
        findingFor(findings, "theirs.sh").problem,
        /owned by uid 65534, not root or the runner/,
      );
      const run = await runCli([
        "run",
        "--dir",
        dir,
        "--no-journal",
        "--json",
        "--event",
        JSON.stringify({ action: "server-restart", stage: "pre", data: RESTART_DATA }),
      ]);
      assert.equal(run.code, 1, "a refused hook fails the run");
      assert.equal(JSON.parse(run.stdout).skipped[0].refused, true);
    });
  },
});

timed.test("check warns, and exits 0, when the hooks directory does not exist", async () => {
  const { code, findings } = await check("/nonexistent/solus-hooks-dir");
  assert.equal(code, 0);
  assert.match(findings[0].problem, /does not exist: no hooks will run/);
});

timed.test("test runs a hook against every action and stage and exits 0 when all pass", async () => {
  await withHooks({
    "hook.sh": '#!/bin/sh\ncat > /dev/null\necho "$SOLUS_HOOK_ACTION $SOLUS_HOOK_STAGE"\n',
  }, async (dir) => {
    const result = await runCli(["test", join(dir, "hook.sh"), "--json", "--no-journal"]);
    assert.equal(result.code, 0, result.stderr);
    const { ok, results } = JSON.parse(result.stdout);
    assert.equal(ok, true);
    assert.equal(results.length, 20);
    for (const cell of results) assert.equal(cell.stdout, `${cell.action} ${cell.stage}\n`);
    const human = await runCli(["test", join(dir, "hook.sh"), "--action", "server-stop"]);
    assert.match(human.stderr, /server-stop\s+ok 0 .*ok 0/);
    assert.match(human.stderr, /all 2 runs passed/);
  });
});

timed.test("test shows which action and stage failed, with the first line of stderr, and exits 1", async () => {
  const hook =
    '#!/bin/sh\nif [ "$SOLUS_HOOK_ACTION:$SOLUS_HOOK_STAGE" = server-delete:post ]; then echo "cannot drop rules" >&2; exit 4; fi\n';
  await withHooks({ "hook.sh": hook }, async (dir) => {
    const result = await runCli([
      "test",
      join(dir, "hook.sh"),
      "--action",
      "server-delete",
      "--action",
      "server-start",
    ]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /server-delete\s+ok 0 \S+ ms\s+FAILED 4/);
    assert.match(result.stderr, /server-delete post: exit 4: cannot drop rules/);
    assert.match(result.stderr, /1 of 4 runs failed/);
    const post = await runCli(["test", join(dir, "hook.sh"), "--stage", "pre", "--json"]);
    assert.equal(post.code, 0);
    assert.equal(JSON.parse(post.stdout).results.length, 10);
  });
});

timed.test("test exits 2 with the reason when the hook cannot run at all", async () => {
  await withHooks({
    "noexec.sh": "#!/bin/sh\n",
    "missing.py": "#!/usr/bin/python-nowhere\n",
    "crlf.sh": "#!/bin/sh\r\n",
  }, async (dir) => {
    const cases: [string[], RegExp][] = [
      [[join(dir, "absent.sh")], /no such file/],
      [[join(dir, "noexec.sh")], /not executable \(mode 0644\): a run skips it/],
      [
        [join(dir, "missing.py")],
        /interpreter named in the #! line is missing: \/usr\/bin\/python-nowhere/,
      ],
      [[join(dir, "crlf.sh")], /CRLF/],
      [[dir], /: directory: a run skips it/],
      [[join(dir, "crlf.sh"), "--stage", "during"], /CRLF|--stage must be pre or post/],
    ];
    for (const [args, pattern] of cases) {
      const result = await runCli(["test", ...args]);
      assert.equal(result.code, 2, `${args}: ${result.stderr}`);
      assert.match(result.stderr, pattern);
    }
  }, { "noexec.sh": 0o644 });
  await withHooks({ "ok.sh": "#!/bin/sh\n" }, async (dir) => {
    const unknown = await runCli(["test", join(dir, "ok.sh"), "--action", "server-reboot"]);
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /unknown action "server-reboot" \(did you mean server-restart\?\)/,
    );
  });
});

timed.test("run --dry-run and around --dry-run show the plan and run nothing", async () => {
  await withHooks({
    "20-b.sh": "#!/bin/sh\ntouch ran-b\n",
    "10-a.sh": "#!/bin/sh\ntouch ran-a\n",
    "old.sh.bak": "#!/bin/sh\n",
  }, async (dir) => {
    const event = JSON.stringify({ action: "server-stop", stage: "pre", data: RESTART_DATA });
    const run = await runCli(["run", "--dir", dir, "--dry-run", "--json", "--event", event]);
    assert.equal(run.code, 0, run.stderr);
    const plan = JSON.parse(run.stdout);
    assert.deepEqual(plan.hooks, ["10-a.sh", "20-b.sh"]);
    assert.deepEqual(plan.skipped.map((s: { name: string }) => s.name), ["old.sh.bak"]);
    const human = await runCli(["run", "--dir", dir, "--dry-run", "--event", event]);
    assert.match(
      human.stderr,
      /1\. 10-a\.sh\n {2}2\. 20-b\.sh\n {2}skipped old\.sh\.bak: editor or package-manager leftover/,
    );
    const around = await runCli([
      "around",
      "--dir",
      dir,
      "--dry-run",
      "--event",
      JSON.stringify({ action: "server-stop", data: RESTART_DATA }),
      "--",
      "touch",
      join(dir, "ran-command"),
    ]);
    assert.equal(around.code, 0, around.stderr);
    assert.match(
      around.stderr,
      /order: server-stop pre -> `touch .*ran-command` -> server-stop post \(if it exits 0\)/,
    );
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.startsWith("ran-"));
    assert.deepEqual(left, [], "nothing ran");
  });
});

timed.test("the SDK dispatches to typed handlers per action and stage, with exit codes", async () => {
  const mod = pathToFileURL(join(ROOT, "lib", "sdk.ts")).href;
  // Outside the repository the SDK's npm imports need the project's import map.
  const hook = `#!/usr/bin/env -S deno run --quiet --no-prompt --config ${join(ROOT, "deno.json")}
import { handleEvent } from "${mod}";
await handleEvent({
  "server-restart": { pre: (data) => console.log("pre", data.uuid, data.virtualization_type) },
  "server-create": (data, event) => console.log(event.stage, data.hostname, data.ip_addresses.length),
  "server-stop": { post: () => { throw new Error("boom"); } },
});
`;
  await withHooks({ "sdk.ts": hook }, async (dir) => {
    const path = join(dir, "sdk.ts");
    const result = await runCli([
      "test",
      path,
      "--json",
      "--action",
      "server-restart",
      "--action",
      "server-create",
      "--action",
      "server-start",
    ], {
      cwd: ROOT,
      env: { PATH: PATH_WITH_DENO },
    });
    const { results } = JSON.parse(result.stdout);
    const by = (action: string, stage: string) =>
      results.find((r: { action: string; stage: string }) =>
        r.action === action && r.stage === stage
      );
    assert.ok(
      results.every((r: { status: string }) => r.status === "ok"),
      JSON.stringify(results[0]),
    );
    assert.match(by("server-restart", "pre").stdout, /^pre [0-9a-f-]{36} kvm\n$/);
    assert.equal(by("server-restart", "post").stdout, "", "no post handler: nothing runs, exit 0");
    assert.equal(by("server-restart", "post").status, "ok");
    assert.equal(by("server-create", "post").stdout, "post vs-1.example.com 2\n");
    assert.equal(by("server-start", "pre").status, "ok");

    const fails = await runCli(["test", path, "--action", "server-stop", "--stage", "post"], {
      env: { PATH: PATH_WITH_DENO },
    });
    assert.equal(fails.code, 1);
    assert.match(fails.stderr, /server-stop post handler failed: boom/);

    /** The hook as the platform would run it, outside any runner, with `event` on stdin. */
    const direct = async (event: string) => {
      const child = new Deno.Command(path, {
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
        cwd: ROOT,
        // A hook's environment is not the caller's; its #! line needs deno on PATH.
        clearEnv: true,
        env: cliEnv({ PATH: PATH_WITH_DENO }),
      }).spawn();
      track(child.pid);
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(event));
      await writer.close();
      const output = await child.output();
      const decoder = new TextDecoder();
      return {
        code: output.code,
        stdout: decoder.decode(output.stdout),
        stderr: decoder.decode(output.stderr),
      };
    };
    // Only a broken envelope is refused, as at run time.
    const bad = await direct('{"action":"server-restart","stage":"middle","data":{"uuid":"x"}}');
    assert.equal(bad.code, 2, "an event whose envelope is broken exits 2");
    assert.match(bad.stderr, /bad event: .*"stage" must be "pre" or "post"/);
    // A difference from the registry is the platform's word: the handler runs with the data as sent.
    const sent = await direct('{"action":"server-restart","stage":"pre","data":{"uuid":"x"}}');
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal(sent.stdout, "pre x undefined\n");
  });
});

timed.test({
  name: "every bundled example hook passes solus-hooks test",
  // 20 runs of a Deno hook, each a Deno start-up, on a loaded machine.
  timeoutMs: 120_000,
  fn: async () => {
    const dir = join(ROOT, "examples", "hooks");
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, ["10-log.sh", "20-dispatch.py", "30-audit.ts"]);
    for (const name of names) {
      const result = await runCli(["test", join(dir, name)], { env: { PATH: PATH_WITH_DENO } });
      assert.equal(result.code, 0, `${name}: ${result.stderr}`);
      // 20-dispatch.py's directive runs it for its two actions only.
      assert.match(result.stderr, /all (20 runs passed$|4 runs passed; 16 not for it)/m);
    }
    const audit = await check(dir, PATH_WITH_DENO);
    assert.equal(audit.code, 0, JSON.stringify(audit.findings));
  },
});
