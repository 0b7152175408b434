/**
 * The artifact on a node (contract §8): `deno task install` under `--root`, the
 * command called through its symlink, a bundle built with a custom scope, and
 * what a build says outside its scope. Real builds, real installs, real stages.
 */
import assert from "node:assert/strict";
import denoJson from "../deno.json" with { type: "json" };
import { DEFAULT_FOLDERS, DEFAULTS, PLATFORM } from "../lib/config/constants.ts";
import { CONFIG_SCHEMA, parseConfigText } from "../lib/config/file.ts";
import { configTemplate } from "../tools/config_template.ts";
import {
  BUILD_DEADLINE_MS,
  buildBundle,
  checkoutCopy,
  exec,
  setVersion,
  snapshot,
} from "./artifact.ts";
import { RESTART_PRE, withTempDir } from "./helpers.ts";

const EVENT = JSON.stringify(RESTART_PRE);

async function writeHook(path: string, text: string): Promise<void> {
  await Deno.writeTextFile(path, text);
  await Deno.chmod(path, 0o755);
}

function install(root: string, env: Record<string, string>) {
  return exec(Deno.execPath(), [
    "task",
    "--quiet",
    "install",
    "--root",
    root,
    "--dist",
    `${root}/build`,
  ], {
    env,
    timeoutMs: BUILD_DEADLINE_MS,
  });
}

Deno.test("deno task install lays out the artifact under --root, the command works through its symlink, and a second install changes nothing", async () => {
  await withTempDir(async (root) => {
    // The command's scope is the installed tree's, so the stage below stays inside the temporary root.
    const hooks = `${root}${DEFAULTS.hooksDir}`;
    const config = `${root}${DEFAULTS.configPath}`;
    const journal = `${root}${DEFAULTS.journal.path}`;
    const scope = {
      SOLUS_HOOKS_READ: `${hooks},${root}${DEFAULT_FOLDERS.config}`,
      SOLUS_HOOKS_WRITE: `${root}${DEFAULT_FOLDERS.journal}`,
    };
    const first = await install(root, scope);
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stderr,
      /install: created +.*\/usr\/local\/bin\/solus-hooks +\(-> \.\.\/lib\/solus-hooks\/solus-hooks-deno\)/,
    );

    const command = `${root}/usr/local/bin/solus-hooks`;
    assert.equal(await Deno.readLink(command), "../lib/solus-hooks/solus-hooks-deno");
    for (
      const name of [
        "solus-hooks.js",
        "solus-hooks-deno",
        "solus-hooks-sdk.js",
        "solus-hooks-sdk.d.ts",
      ]
    ) {
      assert.ok((await Deno.stat(`${root}/usr/local/lib/solus-hooks/${name}`)).isFile, name);
    }
    const hooksInfo = await Deno.stat(hooks);
    assert.ok(hooksInfo.isDirectory);
    assert.equal(hooksInfo.mode! & 0o7777, 0o755);
    if (Deno.uid() === 0) assert.equal(hooksInfo.uid, 0);
    assert.equal((await Deno.stat(`${root}${DEFAULT_FOLDERS.journal}`)).mode! & 0o7777, 0o750);
    assert.equal((await Deno.stat(`${root}/var/log`)).mode! & 0o7777, 0o755, "parents are 0755");
    assert.deepEqual(parseConfigText(await Deno.readTextFile(config), config), {});

    // The usual install: a link on PATH to the link in PREFIX/bin, called from elsewhere.
    await Deno.mkdir(`${root}/path`);
    await Deno.symlink(command, `${root}/path/solus-hooks`);
    const version = await exec(`${root}/path/solus-hooks`, ["--version"], { cwd: "/" });
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), `solus-hooks ${denoJson.version}`, "deno.json's version");

    await writeHook(`${hooks}/10-hello`, '#!/bin/sh\necho "hello $SOLUS_HOOK_ACTION"\n');
    const env = {
      SOLUS_HOOKS_CONFIG: config,
      SOLUS_HOOKS_DIR: hooks,
      SOLUS_HOOKS_JOURNAL: journal,
    };
    const run = await exec(`${root}/path/solus-hooks`, ["run", "--json"], {
      env,
      stdin: EVENT,
      cwd: "/",
    });
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /warning/, "the installed config and journal are in scope");
    const report = JSON.parse(run.stdout);
    assert.equal(report.hooks[0].stdout, "hello server-restart\n");

    const history = await exec(`${root}/path/solus-hooks`, ["history", "--json"], {
      env,
      cwd: "/",
    });
    assert.equal(history.code, 0, history.stderr);
    assert.equal(JSON.parse(history.stdout)[0].run_id, report.run_id);
    const show = await exec(`${root}/path/solus-hooks`, ["show", report.run_id], { env, cwd: "/" });
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /10-hello: ok/);

    // An operator's config is never overwritten; nothing else changes either.
    await Deno.writeTextFile(config, '{ "timeoutMs": 5000 } // mine\n');
    const before = await snapshot(root);
    const again = await install(root, scope);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /install: kept +.*config\.jsonc/);
    assert.match(again.stderr, /install: nothing to change/);
    const plain = await install(root, {}); // without the build settings: what dist holds
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stderr, /install: nothing to change/);
    assert.deepEqual(await snapshot(root), before);
  });
});

Deno.test("install makes a hooks directory that breaks the safety rule pass it, and leaves the rest alone", async () => {
  await withTempDir(async (root) => {
    await buildBundle(`${root}/build`);
    await Deno.mkdir(`${root}${DEFAULTS.hooksDir}`, { recursive: true });
    await Deno.chmod(`${root}${DEFAULTS.hooksDir}`, 0o777);
    await Deno.mkdir(`${root}${DEFAULT_FOLDERS.journal}`, { recursive: true });
    await Deno.chmod(`${root}${DEFAULT_FOLDERS.journal}`, 0o755);
    const result = await install(root, {});
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /updated +.*\/usr\/local\/solus\/hooks\.d +\(mode 0777 -> 0755/);
    assert.equal((await Deno.stat(`${root}${DEFAULTS.hooksDir}`)).mode! & 0o7777, 0o755);
    assert.equal((await Deno.stat(`${root}${DEFAULT_FOLDERS.journal}`)).mode! & 0o7777, 0o755);
  });
});

Deno.test("the config template parses with the runner's own parser, as shipped and with every key uncommented", () => {
  const text = configTemplate();
  assert.deepEqual(parseConfigText(text, "config.jsonc"), {});
  const uncommented = text.replace(/^(\s*)\/\/ (")/gm, "$1$2");
  const all = parseConfigText(uncommented, "config.jsonc") as Record<string, unknown>;
  const keys = Object.keys(CONFIG_SCHEMA.properties ?? {}).sort();
  assert.deepEqual(Object.keys(all).sort(), keys, "the template documents every key");
  for (
    const key of [
      "hooksDir",
      "timeoutMs",
      "killGraceMs",
      "maxParallel",
      "maxOutputBytes",
      "maxEventBytes",
      "allowInsecure",
      "syslog",
    ] as const
  ) {
    assert.deepEqual(all[key], DEFAULTS[key], `${key} shows its default`);
  }
  assert.equal(all.mode, "parallel", "mode shows its default");
  const { enabled: _, ...journal } = DEFAULTS.journal;
  assert.deepEqual(all.journal, journal);
});

Deno.test("a bundle built with a custom scope runs a stage, history and show inside it, and outside it says so and how to rebuild", async () => {
  await withTempDir(async (dir) => {
    const hooks = `${dir}/hooks`;
    await Deno.mkdir(hooks, { mode: 0o755 });
    await Deno.chmod(hooks, 0o755);
    await Deno.mkdir(`${dir}/etc`);
    await Deno.mkdir(`${dir}/log`);
    await writeHook(`${hooks}/10-env`, '#!/bin/sh\necho "proxy=$http_proxy no=$no_proxy"\n');
    const config = `${dir}/etc/config.jsonc`;
    await Deno.writeTextFile(config, '{ "env": { "passthrough": ["http_proxy", "no_proxy"] } }');
    await buildBundle(`${dir}/dist`, {
      SOLUS_HOOKS_READ: `${hooks},${dir}/etc`,
      SOLUS_HOOKS_WRITE: `${dir}/log`,
      SOLUS_HOOKS_ENV: "http_proxy",
    });
    const command = `${dir}/dist/solus-hooks-deno`;
    const env = {
      SOLUS_HOOKS_CONFIG: config,
      SOLUS_HOOKS_DIR: hooks,
      SOLUS_HOOKS_JOURNAL: `${dir}/log/journal.jsonl`,
      http_proxy: "http://proxy:3128",
      no_proxy: "localhost",
    };
    const cli = (args: string[], extra: Record<string, string> = {}) =>
      exec(command, args, { env: { ...env, ...extra }, cwd: "/" });

    const run = await cli(["run", "--json", "--event", EVENT]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.hooks[0].stdout, "proxy=http://proxy:3128 no=\n");
    // no_proxy is not in the build's env scope: said, with the command that fixes it, not dropped silently.
    assert.match(
      run.stderr,
      /warning: the config's env\.passthrough names no_proxy, which this build may not read/,
    );
    assert.match(
      run.stderr,
      /build one that may: .*SOLUS_HOOKS_ENV=http_proxy,no_proxy deno task bundle/,
    );
    assert.doesNotMatch(run.stderr, /was not written/);

    const history = await cli(["history", "--json"]);
    assert.equal(history.code, 0, history.stderr);
    assert.equal(JSON.parse(history.stdout)[0].run_id, report.run_id);
    const show = await cli(["show", report.run_id.slice(0, 8)]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /10-env: ok/);

    const check = await cli(["check"]);
    assert.equal(check.code, 1, check.stderr);
    assert.match(
      check.stderr,
      /error +.*config\.jsonc: the config's env\.passthrough names no_proxy/,
    );

    // Outside the scope: the record is lost with a warning that says why; reading is exit 2, one line.
    const elsewhere = `${dir}/elsewhere/journal.jsonl`;
    const outside = await cli(["run", "--journal", elsewhere, "--event", EVENT]);
    assert.equal(outside.code, 0, outside.stderr);
    const warning = outside.stderr.split("\n").find((line) => line.includes("was not written"));
    assert.ok(warning, outside.stderr);
    assert.match(warning, /writing .*\/elsewhere is outside this build's scope \(read /);
    const recipe = /build one that includes it: (.*) deno task bundle$/.exec(warning)?.[1];
    assert.ok(recipe, warning);
    const shown = await cli(["show", report.run_id, "--journal", elsewhere]);
    assert.equal(shown.code, 2, shown.stderr);
    assert.equal(shown.stderr.trim().split("\n").length, 1, shown.stderr);
    assert.match(shown.stderr, /outside this build's scope/);
    for (const text of [outside.stderr, shown.stderr]) {
      assert.doesNotMatch(text, /permission denied|internal error|NotCapable/i);
    }

    // The command the message gives builds one that writes and reads there.
    const settings = Object.fromEntries(recipe.split(" ").map((word) => word.split("=", 2)));
    await buildBundle(`${dir}/dist2`, settings);
    const rebuilt = (args: string[]) =>
      exec(`${dir}/dist2/solus-hooks-deno`, args, { env, cwd: "/" });
    const inside = await rebuilt(["run", "--journal", elsewhere, "--json", "--event", EVENT]);
    assert.equal(inside.code, 0, inside.stderr);
    assert.doesNotMatch(inside.stderr, /was not written/);
    const id = JSON.parse(inside.stdout).run_id;
    const found = await rebuilt(["show", id, "--journal", elsewhere]);
    assert.equal(found.code, 0, found.stderr);
  });
});

Deno.test("a build given a scope that cannot work stops and says why", async () => {
  await withTempDir(async (dir) => {
    const result = await exec(Deno.execPath(), [
      "task",
      "--quiet",
      "bundle",
      "--out",
      `${dir}/dist`,
    ], {
      env: { SOLUS_HOOKS_READ: "srv/hooks" },
    });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /bundle: SOLUS_HOOKS_READ: "srv\/hooks" is not an absolute path/);
    assert.equal(await Deno.stat(`${dir}/dist`).catch(() => null), null, "nothing was built");
  });
});

/** `deno task NAME ARGS` as a user runs it, with the build in `root/build` unless `--dist` is given. */
function task(name: "install" | "uninstall", args: string[], cwd?: string) {
  return exec(Deno.execPath(), ["task", "--quiet", name, ...args], {
    timeoutMs: BUILD_DEADLINE_MS,
    ...(cwd === undefined ? {} : { cwd }),
  });
}

Deno.test("install moves the hooks SolusVM ran directly into hooks.d, naming each, and lays out the entry; --dry-run changes nothing; a name in both stops it, changing nothing", async () => {
  await withTempDir(async (root) => {
    await buildBundle(`${root}/build`);
    const platform = `${root}${PLATFORM.hooksDir}`;
    const hooksD = `${root}${DEFAULTS.hooksDir}`;
    await Deno.mkdir(platform, { recursive: true });
    await writeHook(`${platform}/10-firewall`, "#!/bin/sh\necho firewall\n");
    await writeHook(`${platform}/20-notify.py`, "#!/usr/bin/env python3\nprint('hi')\n");
    const dist = ["--root", root, "--dist", `${root}/build`];

    const before = await snapshot(root);
    const dry = await task("install", [...dist, "--dry-run"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(
      dry.stderr,
      /install: would move +.*\/solus\/hooks\/10-firewall +\(-> .*\/usr\/local\/solus\/hooks\.d\/10-firewall\)/,
    );
    assert.match(
      dry.stderr,
      /install: would create +.*\/usr\/local\/solus\/hooks\/solus-hooks +\(0755\)/,
    );
    assert.match(dry.stderr, /install: dry run: \d+ changes planned, nothing done/);
    assert.deepEqual(await snapshot(root), before, "--dry-run changed nothing");

    const first = await task("install", dist);
    assert.equal(first.code, 0, first.stderr);
    for (const name of ["10-firewall", "20-notify.py"]) {
      assert.match(
        first.stderr,
        new RegExp(`install: moved +${platform}/${name.replace(".", "\\.")} +\\(-> ${hooksD}/`),
      );
      assert.ok((await Deno.stat(`${hooksD}/${name}`)).isFile, name);
    }
    assert.match(
      first.stderr,
      /install: moved 2 hooks from .* into .*hooks\.d\/: the entry runs them now/,
    );
    // The platform's folder holds the entry alone, root's and 0755; it runs the installed command.
    assert.deepEqual(await names(platform), ["solus-hooks"]);
    const entry = await Deno.stat(PLATFORM.entry.replace(/^/, root));
    assert.equal(entry.mode! & 0o7777, 0o755);
    if (Deno.uid() === 0) assert.equal(entry.uid, 0);
    assert.match(
      await Deno.readTextFile(`${root}${PLATFORM.entry}`),
      /^command='\/usr\/local\/bin\/solus-hooks'$/m,
    );
    assert.equal((await Deno.stat(hooksD)).mode! & 0o7777, 0o755);

    // A hook put back into the platform's folder that hooks.d has too: the install stops, nothing changes.
    await writeHook(`${platform}/10-firewall`, "#!/bin/sh\necho another\n");
    await writeHook(`${platform}/30-new`, "#!/bin/sh\n");
    const held = await snapshot(root);
    const clash = await task("install", dist);
    assert.equal(clash.code, 1, clash.stderr);
    assert.equal(clash.stderr.trim().split("\n").length, 1, clash.stderr);
    assert.match(
      clash.stderr,
      /^install: 10-firewall is both in .*\/solus\/hooks\/ and in .*\/solus\/hooks\.d\/: .*Nothing was changed\.$/m,
    );
    assert.deepEqual(await snapshot(root), held, "a clash changed nothing");
  });
});

async function names(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) found.push(entry.name);
  return found.sort();
}

Deno.test("install and uninstall: --help prints the usage; an unknown flag, a missing value or a relative --root is one line and exit 2", async () => {
  for (const name of ["install", "uninstall"] as const) {
    const help = await task(name, ["--help"]);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, new RegExp(`^Usage: deno task ${name} `));
    assert.match(help.stdout, /--root DIR/);
    const cases: [string[], RegExp][] = [
      [["--prefx", "/opt"], /unknown option --prefx \(did you mean --prefix\?\)/],
      [["--prefix"], /--prefix needs a value/],
      [["--root", "tmp/r"], /--root must be an absolute path, not "tmp\/r"/],
      [["--prefix", "opt"], /--prefix must be an absolute path, not "opt"/],
    ];
    for (const [args, message] of cases) {
      const result = await task(name, args);
      assert.equal(result.code, 2, `${name} ${args.join(" ")}: ${result.stderr}`);
      assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`^${name}: ${message.source}`));
      assert.doesNotMatch(result.stderr, /TypeError|at .*\.ts:\d+/);
    }
  }
});

Deno.test("uninstall moves the hooks back where SolusVM runs them, removes the entry and the command, keeps the config and the journal unless --purge", async () => {
  await withTempDir(async (root) => {
    await buildBundle(`${root}/build`);
    const platform = `${root}${PLATFORM.hooksDir}`;
    const hooksD = `${root}${DEFAULTS.hooksDir}`;
    const first = await task("install", ["--root", root, "--dist", `${root}/build`]);
    assert.equal(first.code, 0, first.stderr);
    await writeHook(`${hooksD}/10-firewall`, "#!/bin/sh\n");
    await writeHook(`${hooksD}/40-old.disabled`, "#!/bin/sh\n");
    await Deno.writeTextFile(`${root}${DEFAULTS.journal.path}`, "");

    // A namesake in SolusVM's folder: moving the hook back would lose one, so nothing changes.
    await writeHook(`${platform}/10-firewall`, "#!/bin/sh\necho another\n");
    const held = await snapshot(root);
    const clash = await task("uninstall", ["--root", root]);
    assert.equal(clash.code, 1, clash.stderr);
    assert.match(
      clash.stderr,
      /^uninstall: 10-firewall is both in .*hooks\.d\/ and in .*\/solus\/hooks\/: .*Nothing was changed\.$/m,
    );
    assert.deepEqual(await snapshot(root), held, "a clash changed nothing");
    await Deno.remove(`${platform}/10-firewall`);

    const before = await snapshot(root);
    const dry = await task("uninstall", ["--root", root, "--dry-run"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(
      dry.stderr,
      /uninstall: would move +.*hooks\.d\/10-firewall +\(-> .*\/solus\/hooks\/10-firewall\)/,
    );
    assert.deepEqual(await snapshot(root), before, "--dry-run changed nothing");

    const result = await task("uninstall", ["--root", root]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /uninstall: removed +.*\/solus\/hooks\/solus-hooks +\(the entry\)/);
    assert.match(
      result.stderr,
      /uninstall: moved 1 hook back into .*\/solus\/hooks\/: SolusVM runs it directly again/,
    );
    // The hook is back; the switched-off one stays where SolusVM does not look.
    assert.deepEqual(await names(platform), ["10-firewall"]);
    assert.deepEqual(await names(hooksD), ["40-old.disabled"]);
    assert.match(result.stderr, /kept +.*40-old\.disabled +\(switched off/);
    for (const gone of ["/usr/local/bin/solus-hooks", "/usr/local/lib/solus-hooks"]) {
      assert.equal(await Deno.lstat(`${root}${gone}`).catch(() => null), null, gone);
    }
    assert.ok((await Deno.stat(`${root}${DEFAULTS.configPath}`)).isFile, "the config stays");
    assert.ok((await Deno.stat(`${root}${DEFAULTS.journal.path}`)).isFile, "the journal stays");

    const purge = await task("uninstall", ["--root", root, "--purge"]);
    assert.equal(purge.code, 0, purge.stderr);
    assert.equal(await Deno.lstat(`${root}${DEFAULT_FOLDERS.config}`).catch(() => null), null);
    assert.equal(await Deno.lstat(`${root}${DEFAULT_FOLDERS.journal}`).catch(() => null), null);
  });
});

Deno.test("a newer checkout replaces the installed build and says old -> new; the same build changes nothing", async () => {
  await withTempDir(async (dir) => {
    const copy = await checkoutCopy(dir);
    const root = `${dir}/root`;
    const version = JSON.parse(await Deno.readTextFile(`${copy}/deno.json`)).version;
    const first = await task("install", ["--root", root], copy);
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stderr,
      new RegExp(`install: installed solus-hooks ${version.replaceAll(".", "\\.")}`),
    );

    // As the issue tells it: bump the version in the checkout, install again.
    await setVersion(copy, "99.0.0");
    const upgrade = await task("install", ["--root", root], copy);
    assert.equal(upgrade.code, 0, upgrade.stderr);
    assert.match(
      upgrade.stderr,
      /install: building the bundle in .*\(deno\.json is newer than the bundle\)/,
    );
    assert.match(
      upgrade.stderr,
      /install: updated +.*\/usr\/local\/lib\/solus-hooks\/solus-hooks\.js/,
    );
    assert.match(
      upgrade.stderr,
      new RegExp(`install: replaced solus-hooks ${version.replaceAll(".", "\\.")} -> 99\\.0\\.0`),
    );
    const shown = await exec(`${root}/usr/local/bin/solus-hooks`, ["--version"], { cwd: "/" });
    assert.equal(shown.stdout.trim(), "solus-hooks 99.0.0", shown.stderr);

    const before = await snapshot(root);
    const again = await task("install", ["--root", root], copy);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /building|replaced/);
    assert.match(again.stderr, /install: nothing to change/);
    assert.deepEqual(await snapshot(root), before);
  });
});

Deno.test("install says so when the config's hooksDir is not hooks.d: the hooks it moved would not run", async () => {
  await withTempDir(async (root) => {
    await buildBundle(`${root}/build`);
    await Deno.mkdir(`${root}${DEFAULT_FOLDERS.config}`, { recursive: true });
    await Deno.writeTextFile(`${root}${DEFAULTS.configPath}`, '{ "hooksDir": "/srv/hooks" }\n');
    await Deno.mkdir(`${root}${PLATFORM.hooksDir}`, { recursive: true });
    await writeHook(`${root}${PLATFORM.hooksDir}/10-a`, "#!/bin/sh\n");
    const result = await task("install", ["--root", root, "--dist", `${root}/build`]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /install: note: the config's hooksDir is \/srv\/hooks, so the entry runs the hooks there, not those in \/usr\/local\/solus\/hooks\.d: move the hooks just moved there/,
    );
    assert.doesNotMatch(result.stderr, /the entry runs it now/);
  });
});
