/**
 * The safety rule at run time: the hooks directory and its parents are judged
 * before any hook starts, a link is judged by its own owner too, and a scoped
 * build judges the parents it may not read through /usr/bin/stat.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { breachOf, directoryProblems, linkBreachOf, refusalOf } from "../lib/hooks/safety.ts";
import { type CliResult, emptyConfigPath, runCli, scopedCommand } from "./helpers.ts";
import {
  chownLink,
  cli,
  configFile,
  IS_ROOT,
  NOBODY,
  put,
  RESTART,
  withDir,
} from "./verdict_helpers.ts";

const MARK = "#!/bin/sh\ncat >/dev/null\ntouch ran-$SOLUS_HOOK_ACTION\n";

// ---------------------------------------------------------------------------
// The rule as data

Deno.test("breachOf() and linkBreachOf() name the problem and the command that fixes it", () => {
  assert.equal(breachOf({ uid: 0, mode: 0o100755 }, 1000), null);
  assert.equal(breachOf({ uid: 1000, mode: 0o100700 }, 1000), null);
  assert.deepEqual(breachOf({ uid: 7, mode: 0o100777 }, 0), {
    kind: "owner",
    problem: "owned by uid 7, not root or the runner (uid 0)",
    command: "chown root",
  });
  assert.deepEqual(breachOf({ uid: 0, mode: 0o100775 }, 0)?.command, "chmod go-w");
  // A link's mode is always 0777 and says nothing; its owner does.
  assert.equal(linkBreachOf({ uid: 0, mode: 0o120777 }, 1000), null);
  assert.equal(linkBreachOf({ uid: 1000, mode: 0o120777 }, 1000), null);
  assert.deepEqual(linkBreachOf({ uid: NOBODY, mode: 0o120777 }, 0), {
    kind: "owner",
    problem: `the link itself is owned by uid ${NOBODY}, not root or the runner (uid 0)`,
    command: "chown -h root",
  });
});

/** `top/name/hooks`: a hooks directory of mode 0755 in a folder of mode `mode`. */
async function hooksIn(top: string, name: string, mode: number) {
  const parent = join(top, name);
  const hooks = join(parent, "hooks");
  await Deno.mkdir(hooks, { recursive: true });
  await Deno.chmod(hooks, 0o755);
  await Deno.chmod(parent, mode);
  return { parent, hooks };
}

Deno.test("directoryProblems() refuses a group- or world-writable hooks directory, sticky or not", async () => {
  for (const mode of [0o777, 0o775, 0o1777]) {
    await withDir(mode, async (dir) => {
      const problems = await directoryProblems(dir, Deno.uid()!);
      assert.deepEqual(problems, [{
        path: dir,
        role: "hooks directory",
        kind: "writable",
        problem: `writable by group or others (mode 0${mode.toString(8)})`,
        fix: `chmod go-w ${dir}`,
      }], mode.toString(8));
    });
  }
  await withDir(0o755, async (dir) => {
    assert.deepEqual(await directoryProblems(dir, Deno.uid()!), [], "/tmp is sticky: fine");
  });
});

Deno.test("directoryProblems() refuses a writable parent unless it is root-owned and sticky", async () => {
  await withDir(0o755, async (top) => {
    const { parent, hooks } = await hooksIn(top, "parent", 0o777);
    const [problem, ...more] = await directoryProblems(hooks, Deno.uid()!);
    assert.deepEqual(more, []);
    assert.deepEqual(problem, {
      path: parent,
      role: "parent",
      kind: "writable",
      problem: "writable by group or others (mode 0777)",
      fix: `chmod go-w ${parent}`,
    });
    assert.match(refusalOf(problem), /^the parent .* could replace the hooks directory: no hook/);
    await Deno.chmod(parent, 0o1777);
    const sticky = await directoryProblems(hooks, Deno.uid()!);
    assert.deepEqual(sticky, Deno.uid() === 0 ? [] : sticky, "root-owned and sticky: fine");
    if (Deno.uid() === 0) {
      await Deno.chown(parent, NOBODY, NOBODY);
      assert.equal(
        (await directoryProblems(hooks, 0))[0]?.problem,
        `owned by uid ${NOBODY}, not root or the runner (uid 0)`,
        "sticky but not root's: nobody may swap the hooks directory",
      );
    }
  });
});

Deno.test("directoryProblems() judges the real directory's parents when a link leads to it", async () => {
  await withDir(0o755, async (top) => {
    const { parent: open, hooks: real } = await hooksIn(top, "open", 0o777);
    await Deno.symlink(real, join(top, "hooks"));
    const problems = await directoryProblems(join(top, "hooks"), Deno.uid()!);
    assert.deepEqual(problems.map((p) => [p.path, p.role]), [[open, "parent"]]);
  });
});

// ---------------------------------------------------------------------------
// Through the CLI

Deno.test("run refuses the whole stage in a world-writable hooks directory: no hook runs, exit 1, refused in --json", async () => {
  await withDir(0o777, async (dir) => {
    await put(dir, "10-ok", MARK);
    await Deno.symlink("/usr/bin/id", join(dir, "99-planted"));
    if (IS_ROOT) await chownLink(join(dir, "99-planted"), NOBODY);
    const run = await cli(["run", "--dir", dir, "--no-journal", "--json", "--event", RESTART]);
    assert.equal(run.code, 1, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.ok, false);
    assert.deepEqual(report.hooks, []);
    assert.equal(
      report.refused,
      `the hooks directory ${dir} is writable by group or others (mode 0777), so others could add a hook: no hook was run (fix: chmod go-w ${dir})`,
    );
    assert.ok(!(await exists(join(dir, "ran-server-restart"))), "10-ok did not run");

    const plan = await cli(["run", "--dir", dir, "--dry-run", "--json", "--event", RESTART]);
    assert.equal(plan.code, 1, plan.stderr);
    assert.equal(JSON.parse(plan.stdout).refused, report.refused);

    const check = await cli(["check", "--dir", dir, "--json"]);
    assert.equal(check.code, 1);
    const finding = JSON.parse(check.stdout).findings[0];
    assert.deepEqual([finding.name, finding.severity, finding.fix], [
      dir,
      "error",
      `chmod go-w ${dir}`,
    ]);

    // allowInsecure lifts all of it: the directory, and the planted link's owner.
    const lax = await cli(["run", "--dir", dir, "--no-journal", "--json", "--event", RESTART], {
      config: await configFile({ allowInsecure: true }),
    });
    assert.equal(lax.code, 0, lax.stderr);
    const laxReport = JSON.parse(lax.stdout);
    assert.equal(laxReport.refused, undefined);
    assert.deepEqual(laxReport.hooks.map((h: { name: string }) => h.name), ["10-ok", "99-planted"]);
  });
});

Deno.test("run does not mention refused when the directory passes", async () => {
  await withDir(0o755, async (dir) => {
    await put(dir, "10-ok", MARK);
    const run = await cli(["run", "--dir", dir, "--no-journal", "--json", "--event", RESTART]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.ok(!("refused" in report) || report.refused === null);
    assert.ok(await exists(join(dir, "ran-server-restart")));
  });
});

Deno.test("run refuses the stage when a parent of the hooks directory is writable by others and not sticky", async () => {
  await withDir(0o755, async (top) => {
    const { parent, hooks } = await hooksIn(top, "shared", 0o757);
    await put(hooks, "10-ok", MARK);
    const run = await cli(["run", "--dir", hooks, "--no-journal", "--json", "--event", RESTART]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      JSON.parse(run.stdout).refused,
      new RegExp(`^the parent ${parent} is writable by group or others \\(mode 0757\\)`),
    );
    assert.ok(!(await exists(join(hooks, "ran-server-restart"))));
  });
});

Deno.test({
  name: "run accepts a root-owned sticky parent such as /tmp (needs root to own it)",
  ignore: !IS_ROOT,
  fn: async () => {
    await withDir(0o1777, async (sticky) => {
      const hooks = join(sticky, "hooks");
      await Deno.mkdir(hooks);
      await Deno.chmod(hooks, 0o755);
      await put(hooks, "10-ok", MARK);
      const run = await cli(["run", "--dir", hooks, "--no-journal", "--json", "--event", RESTART]);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(await exists(join(hooks, "ran-server-restart")));
    });
  },
});

Deno.test({
  name:
    "run refuses a link owned by another user even when its target is safe (needs root to chown)",
  ignore: !IS_ROOT,
  fn: async () => {
    await withDir(0o755, async (dir) => {
      await put(dir, "10-ok", MARK);
      const planted = join(dir, "99-planted");
      // Made by nobody itself, as in the issue, in a directory nobody may write.
      await Deno.chmod(dir, 0o777);
      const made = await new Deno.Command("su", {
        args: ["nobody", "-s", "/bin/sh", "-c", `ln -s /usr/bin/id '${planted}'`],
        signal: AbortSignal.timeout(10_000),
      }).output();
      await Deno.chmod(dir, 0o755);
      if (made.code !== 0) await Deno.symlink("/usr/bin/id", planted);
      await chownLink(planted, NOBODY);
      assert.equal((await Deno.lstat(planted)).uid, NOBODY);
      const run = await cli(["run", "--dir", dir, "--no-journal", "--json", "--event", RESTART]);
      assert.equal(run.code, 1, run.stderr);
      const report = JSON.parse(run.stdout);
      assert.deepEqual(
        report.hooks.map((h: { name: string; status: string }) => [h.name, h.status]),
        [
          ["10-ok", "ok"],
        ],
      );
      assert.deepEqual(report.skipped, [{
        name: "99-planted",
        reason: `the link itself is owned by uid ${NOBODY}, not root or the runner (uid 0)`,
        kind: "insecure",
        refused: true,
        fix: `chown -h root ${planted}`,
      }]);
      assert.ok(!report.hooks.some((h: { stdout: string }) => h.stdout.includes("uid=")));
    });
  },
});

// ---------------------------------------------------------------------------
// A scoped build: the parents are outside its read scope

/** Run the CLI built with a scope that may read `read` (and write the first of them). */
async function scopedRun(read: string[], args: string[]): Promise<CliResult> {
  const scope = { read, write: [read[0]], env: ["PATH", "NO_COLOR"] };
  const entryDir = await Deno.makeTempDir({ prefix: "solus-hooks-entry-" });
  try {
    return await runCli(args, { command: await scopedCommand(entryDir, scope), timeoutMs: 30_000 });
  } finally {
    await Deno.remove(entryDir, { recursive: true });
  }
}

Deno.test("a scoped build judges the parents it may not read through /usr/bin/stat, and refuses a bad one", async () => {
  await withDir(0o755, async (top) => {
    const hooks = join(top, "hooks");
    await Deno.mkdir(hooks);
    await Deno.chmod(hooks, 0o755);
    await put(hooks, "10-ok", MARK);
    const config = emptyConfigPath();
    const args = ["run", "--dir", hooks, "--config", config, "--no-journal", "--json"];
    const read = [hooks, config];
    // /tmp and / are outside the scope: without the helper they could not be
    // judged and the stage would be refused.
    const good = await scopedRun(read, [...args, "--event", RESTART]);
    assert.equal(good.code, 0, good.stderr + good.stdout);
    assert.equal(JSON.parse(good.stdout).hooks[0].status, "ok");

    await Deno.chmod(top, 0o777);
    const bad = await scopedRun(read, [...args, "--event", RESTART]);
    assert.equal(bad.code, 1, bad.stderr);
    assert.match(
      JSON.parse(bad.stdout).refused,
      new RegExp(`^the parent ${top} is writable by group or others \\(mode 0777\\)`),
    );
  });
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
