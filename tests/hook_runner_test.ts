/**
 * runHook: one hook file anywhere, judged by the verdict discovery gives the
 * files of a hooks directory, then run by the stage runner.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createRegistry, runHook, UsageError } from "../mod.ts";
import { discoverHooks } from "../lib/hooks/discovery.ts";
import { RESTART_PRE, timed, withHooks } from "./helpers.ts";

const registry = createRegistry();

timed.test("runHook() runs one file with the event on stdin and its directive's rules", async () => {
  await withHooks({
    "pre-only.sh": '#!/bin/sh\n# solus-hooks: stages=pre\ncat; echo " $SOLUS_HOOK_NAME"\n',
  }, async (dir) => {
    const path = join(dir, "pre-only.sh");
    const pre = await runHook(path, RESTART_PRE, { timeoutMs: 10_000 });
    assert.equal(pre.ok, true);
    assert.equal(pre.dir, dir);
    assert.equal(pre.hooks.length, 1);
    assert.equal(pre.hooks[0].name, "pre-only.sh");
    assert.deepEqual(JSON.parse(pre.hooks[0].stdout.split(" ")[0]), RESTART_PRE);
    assert.match(pre.hooks[0].stdout, / pre-only\.sh\n$/);

    const post = await runHook(path, { ...RESTART_PRE, stage: "post" });
    assert.equal(post.ok, true, "not for it is no failure");
    assert.deepEqual(post.hooks, []);
    assert.deepEqual(post.skipped.map((skip) => [skip.name, skip.kind]), [
      ["pre-only.sh", "not_for"],
    ]);
  });
});

timed.test("runHook() skips and refuses a file exactly as discovery does in a hooks directory", async () => {
  const files = {
    "noexec.sh": "#!/bin/sh\nexit 0\n",
    "open.sh": "#!/bin/sh\nexit 0\n",
    "bad.sh": "#!/bin/sh\n# solus-hooks: stages=later\nexit 0\n",
    "old.sh~": "#!/bin/sh\nexit 0\n",
  };
  await withHooks(files, async (dir) => {
    await Deno.chmod(join(dir, "open.sh"), 0o777); // umask-proof: group- and world-writable
    const found = await discoverHooks(dir, { actions: registry.actions().map((s) => s.name) });
    assert.deepEqual(found.hooks, [], "every file here is skipped by a run");
    for (const skip of found.skipped) {
      const report = await runHook(join(dir, skip.name), RESTART_PRE);
      assert.deepEqual(report.hooks, [], `${skip.name} does not run`);
      assert.deepEqual(report.skipped, [skip], `${skip.name}: the same verdict as discovery's`);
      assert.equal(report.ok, !skip.refused, `${skip.name}: a refusal fails it`);
    }
    assert.deepEqual(
      found.skipped.map((skip) => skip.kind).sort(),
      ["bad_directive", "insecure", "leftover", "not_executable"],
    );
  }, { "noexec.sh": 0o644 });
});

timed.test("runHook() refuses a missing file and an invalid event before running anything", async () => {
  await withHooks({ "a.sh": "#!/bin/sh\ntouch ran\n" }, async (dir) => {
    await assert.rejects(
      () => runHook(join(dir, "absent.sh"), RESTART_PRE),
      (error) =>
        error instanceof UsageError &&
        error.message === `cannot run ${join(dir, "absent.sh")} as a hook: no such file`,
    );
    await assert.rejects(
      () => runHook(join(dir, "a.sh"), { ...RESTART_PRE, data: {} }),
      { name: "EventError" },
    );
    assert.deepEqual([...Deno.readDirSync(dir)].map((entry) => entry.name), ["a.sh"]);
  });
});
