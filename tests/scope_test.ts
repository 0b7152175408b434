/** Scoped permissions: what a build may touch, and what it says when asked for more. */
import assert from "node:assert/strict";
import {
  buildScope,
  DEFAULT_SCOPE,
  permissionFlags,
  scopeNotes,
  ScopeSettingError,
} from "../tools/scope.ts";
import {
  type BuildInfo,
  journalWarning,
  outsideScope,
  rebuildRecipe,
  scopeError,
  ungrantedEnv,
} from "../lib/scope.ts";
import { RESTART_PRE, runCli, scopedCommand, timed, withHooks, writeConfig } from "./helpers.ts";

Deno.test("buildScope() reads SOLUS_HOOKS_READ, SOLUS_HOOKS_WRITE and SOLUS_HOOKS_ENV at build time", () => {
  assert.deepEqual(buildScope({ get: () => undefined }), DEFAULT_SCOPE);
  const env: Record<string, string> = {
    SOLUS_HOOKS_READ: "/opt/hooks, /etc/solus-hooks",
    SOLUS_HOOKS_WRITE: "/srv/log",
    SOLUS_HOOKS_ENV: "http_proxy",
  };
  const scope = buildScope({ get: (name) => env[name] });
  assert.deepEqual(scope.read, ["/opt/hooks", "/etc/solus-hooks", "/srv/log"], "read covers write");
  assert.deepEqual(scope.write, ["/srv/log"]);
  assert.ok(scope.env.includes("http_proxy") && scope.env.includes("SOLUS_HOOKS_DIR"));
  const flags = permissionFlags(scope);
  assert.ok(flags.includes("--allow-run") && flags.includes("--no-prompt"));
  assert.ok(flags.includes("--allow-read=/opt/hooks,/etc/solus-hooks,/srv/log"));
  assert.ok(
    !flags.some((flag) => flag === "--allow-read" || flag === "-A"),
    "read is never unrestricted",
  );
});

timed.test("a build with a baked scope runs hooks inside it and refuses a path outside it with exit 2", async () => {
  await withHooks({ "ok.sh": "#!/bin/sh\necho inside\n" }, async (dir) => {
    const scope = { read: [dir], write: [dir], env: ["PATH", "NO_COLOR"] };
    const command = await scopedCommand(dir, scope);
    const config = await writeConfig(dir);
    const event = JSON.stringify(RESTART_PRE);
    const run = (hooksDir: string, ...more: string[]) =>
      runCli([
        "run",
        "--dir",
        hooksDir,
        "--config",
        config,
        "--no-journal",
        ...more,
        "--event",
        event,
      ], {
        command,
      });
    const inside = await run(dir, "--json");
    assert.equal(inside.code, 0, inside.stderr);
    assert.equal(JSON.parse(inside.stdout).hooks[0].stdout, "inside\n");

    const outside = await run("/opt/elsewhere");
    const { stderr } = outside;
    assert.equal(outside.code, 2, stderr);
    assert.match(stderr, /reading \/opt\/elsewhere is outside this build's scope \(read /);
    assert.match(
      stderr,
      /build one that includes it: SOLUS_HOOKS_READ=\S*,\/opt\/elsewhere .*deno task compile$/m,
    );
    assert.equal(stderr.trim().split("\n").length, 1, "one line, no stack trace");
  });
});

Deno.test("buildScope() lets a build read what it may write: the README recipe keeps the journal readable", () => {
  const env = new Map([["SOLUS_HOOKS_READ", "/srv/hooks,/etc/solus-hooks"]]);
  const scope = buildScope(env);
  assert.deepEqual(scope.read, ["/srv/hooks", "/etc/solus-hooks", "/var/log/solus-hooks"]);
  assert.deepEqual(scope.write, ["/var/log/solus-hooks"]);
  // A write entry inside a read entry needs no second mention.
  const nested = buildScope(
    new Map([["SOLUS_HOOKS_READ", "/srv"], ["SOLUS_HOOKS_WRITE", "/srv/log/"]]),
  );
  assert.deepEqual(nested.read, ["/srv"]);
  assert.deepEqual(nested.write, ["/srv/log"]);
  assert.deepEqual(scopeNotes(scope), [
    "the scope may not read /usr/local/solus/hooks.d (the hooks directory): set hooksDir in the config, SOLUS_HOOKS_DIR or --dir to a directory inside the scope",
    "the scope may not read /usr/local/solus/hooks (the platform's hooks folder, where check looks for the entry): check cannot see the entry nor the hooks SolusVM runs directly, and says so in a note",
  ]);
});

Deno.test("buildScope() stops a build whose scope cannot work, and says why", () => {
  const cases: [string, string, RegExp][] = [
    ["SOLUS_HOOKS_READ", "srv/hooks", /SOLUS_HOOKS_READ: "srv\/hooks" is not an absolute path/],
    ["SOLUS_HOOKS_WRITE", "/var/log/solus-hooks,,/tmp", /SOLUS_HOOKS_WRITE: .* has an empty entry/],
    ["SOLUS_HOOKS_ENV", "http-proxy", /SOLUS_HOOKS_ENV: "http-proxy" is not a variable name/],
  ];
  for (const [name, value, message] of cases) {
    assert.throws(() => buildScope(new Map([[name, value]])), (error: Error) => {
      assert.ok(error instanceof ScopeSettingError);
      assert.match(error.message, message);
      return true;
    });
  }
});

const BUNDLE: BuildInfo = { kind: "bundle", scope: { ...DEFAULT_SCOPE } };
const denied = (access: string, target: string) =>
  new Deno.errors.NotCapable(
    `Requires ${access} access to "${target}", run again with the --allow-${access} flag`,
  );

Deno.test("rebuildRecipe() keeps every list of the build and adds only what is missing", () => {
  assert.equal(
    rebuildRecipe(BUNDLE, { read: ["/opt/hooks"] }),
    "SOLUS_HOOKS_READ=/usr/local/solus/hooks.d,/usr/local/solus/hooks,/etc/solus-hooks,/var/log/solus-hooks,/opt/hooks deno task bundle",
  );
  assert.equal(
    rebuildRecipe(BUNDLE, { read: ["/var/log/solus-hooks/journal.jsonl"] }),
    "deno task bundle",
  );
  const custom: BuildInfo = {
    kind: "binary",
    scope: buildScope(
      new Map([["SOLUS_HOOKS_WRITE", "/srv/log"], ["SOLUS_HOOKS_ENV", "http_proxy"]]),
    ),
  };
  assert.equal(
    rebuildRecipe(custom, { env: ["no_proxy"] }),
    "SOLUS_HOOKS_WRITE=/srv/log SOLUS_HOOKS_ENV=http_proxy,no_proxy deno task compile",
  );
  // What the recipe says builds exactly the scope asked for.
  const recipe = rebuildRecipe(custom, { write: ["/tmp/j"] });
  const settings = new Map(
    recipe.split(" ").filter((word) => word.includes("=")).map((word) =>
      word.split("=") as [string, string]
    ),
  );
  const rebuilt = buildScope(settings);
  assert.ok(rebuilt.write.includes("/tmp/j") && rebuilt.read.includes("/tmp/j"));
  assert.ok(rebuilt.write.includes("/srv/log") && rebuilt.env.includes("http_proxy"));
});

Deno.test("outsideScope() says a refused path is outside the build's scope, never permission denied", () => {
  const write = outsideScope(denied("write", "/tmp"), { build: BUNDLE });
  assert.equal(
    write,
    "writing /tmp is outside this build's scope (read /usr/local/solus/hooks.d, /usr/local/solus/hooks, /etc/solus-hooks, /var/log/solus-hooks; " +
      "write /var/log/solus-hooks); build one that includes it: SOLUS_HOOKS_WRITE=/var/log/solus-hooks,/tmp deno task bundle",
  );
  const env = outsideScope(denied("env", "http_proxy"), { build: BUNDLE });
  assert.match(
    env,
    /reading the variable http_proxy is outside this build's scope .*SOLUS_HOOKS_ENV=http_proxy deno task bundle$/,
  );
  const unbuilt = outsideScope(denied("read", "/opt/x"), {});
  assert.match(
    unbuilt,
    /outside the permissions solus-hooks was started with; add \/opt\/x to --allow-read/,
  );

  // A journal needs its folder, for writing: the lock file and rotated files live there.
  const cause = denied("read", "/tmp/x/journal.jsonl");
  const shown = scopeError(new Error("cannot read journal", { cause }), BUNDLE, {
    journal: "/tmp/x/journal.jsonl",
  });
  assert.equal(shown.exitCode, 2);
  assert.match(
    shown.message,
    /^the journal \/tmp\/x\/journal.jsonl: reading \/tmp\/x\/journal.jsonl is outside/,
  );
  assert.match(
    shown.message,
    /SOLUS_HOOKS_WRITE=\/var\/log\/solus-hooks,\/tmp\/x deno task bundle$/,
  );
  for (const message of [write, env, unbuilt, shown.message]) {
    assert.doesNotMatch(message, /permission denied|run again with/i);
  }
  // The CLI's journal warning finds the refusal behind journal.ts's own error.
  const warning = journalWarning(
    new Error(
      "cannot write journal /tmp/x.jsonl: permission denied (while creating the directory /tmp)",
      {
        cause: denied("write", "/tmp"),
      },
    ),
    "/tmp/x.jsonl",
  );
  assert.match(
    warning,
    /^solus-hooks: warning: the journal was not written: cannot write journal \/tmp\/x.jsonl: writing \/tmp is outside/,
  );
  assert.doesNotMatch(warning, /permission denied/);
});

Deno.test("ungrantedEnv() names the passthrough variables the build may not read", () => {
  assert.deepEqual(ungrantedEnv(["http_proxy", "PATH", "http_proxy"], (name) => name === "PATH"), [
    "http_proxy",
  ]);
  assert.deepEqual(ungrantedEnv([]), []);
});

timed.test("a build whose read scope leaves out the default config folder runs as if there were no config, and check says so", async () => {
  await withHooks({ "ok.sh": "#!/bin/sh\necho inside\n" }, async (dir) => {
    const scope = { read: [dir], write: [dir], env: ["PATH", "NO_COLOR", "SOLUS_HOOKS_CONFIG"] };
    const command = await scopedCommand(dir, scope);
    // No --config and no SOLUS_HOOKS_CONFIG: the default /etc/solus-hooks/config.jsonc.
    const env = { SOLUS_HOOKS_CONFIG: undefined };
    const run = await runCli(
      ["run", "--dir", dir, "--no-journal", "--json", "--event", JSON.stringify(RESTART_PRE)],
      { command, env },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).hooks[0].stdout, "inside\n");
    const sample = await runCli(["sample", "server-stop"], { command, env });
    assert.equal(sample.code, 0, sample.stderr);
    const check = await runCli(["check", "--dir", dir], { command, env });
    assert.match(
      check.stderr,
      /warning \/etc\/solus-hooks\/config\.jsonc: \/etc\/solus-hooks\/config\.jsonc is outside this build's read scope, so every command runs as if no config file existed/,
    );
    // A config named on the command line must still be read: outside the scope, that is an error.
    const named = await runCli(["sample", "server-stop", "--config", "/etc/solus-hooks/x.jsonc"], {
      command,
      env,
    });
    assert.equal(named.code, 2, named.stderr);
    assert.match(named.stderr, /outside this build's scope/);
  });
});
