/** What check says about the node itself, beyond the hooks directory. */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  cliCommand,
  RESTART_PRE,
  runCli,
  timed,
  withHooks,
  withTempDir,
  writeConfig,
} from "./helpers.ts";

timed.test({
  name:
    "check says the containment a node gets: cgroup where a cgroup v2 group can be made, else process group (needs root for a private mount namespace)",
  ignore: Deno.uid() !== 0,
  fn: async () => {
    await withHooks({ "10-ok.sh": "#!/bin/sh\nexit 0\n" }, async (dir) => {
      const run = (hide: boolean) => {
        // In a namespace of its own, an empty tmpfs over each place the unified
        // hierarchy may be mounted: no cgroup v2 anywhere.
        const script = hide
          ? 'for m in /sys/fs/cgroup/unified /sys/fs/cgroup; do [ -e "$m/cgroup.controllers" ] && mount -t tmpfs none "$m"; done; exec "$@"'
          : 'exec "$@"';
        const unshare = ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh"];
        return Promise.all([
          runCli(["check", "--dir", dir, "--json"], { command: [...unshare, ...cliCommand()] }),
          runCli(["check", "--dir", dir], { command: [...unshare, ...cliCommand()] }),
        ]);
      };
      const [plainJson, plain] = await run(false);
      assert.equal(JSON.parse(plainJson.stdout).containment, "cgroup", plainJson.stderr);
      assert.match(plain.stderr, /^containment: cgroup \(/m);
      const [hiddenJson, hidden] = await run(true);
      assert.equal(JSON.parse(hiddenJson.stdout).containment, "process group", hiddenJson.stderr);
      assert.match(hidden.stderr, /^containment: process group \+ \/proc scan/m);
      assert.equal(hidden.code, 0);
    });
  },
});

timed.test("run, check and test look a hook's interpreter up on the PATH hooks get, the config's env.set.PATH included", async () => {
  await withTempDir(async (tools) => {
    // An interpreter only on a PATH the config gives hooks.
    const bin = join(tools, "bin");
    await Deno.mkdir(bin);
    await Deno.writeTextFile(join(bin, "my-interp"), '#!/bin/sh\necho "interpreted $1"\n');
    await Deno.chmod(join(bin, "my-interp"), 0o755);
    await Deno.chmod(tools, 0o755);
    await withHooks({ "10-env.hook": "#!/usr/bin/env my-interp\n" }, async (dir) => {
      const withPath = await writeConfig(tools, { env: { set: { PATH: `${bin}:/usr/bin:/bin` } } });
      const hook = join(dir, "10-env.hook");
      const event = JSON.stringify(RESTART_PRE);
      const run = await runCli([
        "run",
        "--dir",
        dir,
        "--config",
        withPath,
        "--no-journal",
        "--event",
        event,
      ]);
      assert.equal(run.code, 0, run.stderr);
      const check = await runCli(["check", "--dir", dir, "--config", withPath]);
      assert.equal(check.code, 0, check.stderr);
      const test = await runCli(["test", hook, "--action", "server-restart", "--config", withPath]);
      assert.equal(test.code, 0, test.stderr);
      // Without it, all three agree that the interpreter cannot be found (on a PATH
      // a scoped build may look through, so that it can judge).
      const env = { PATH: "/usr/bin:/bin" };
      const check2 = await runCli(["check", "--dir", dir], { env });
      assert.equal(check2.code, 1, check2.stderr);
      assert.match(check2.stderr, /cannot find "my-interp" on the hooks' PATH/);
      const test2 = await runCli(["test", hook, "--action", "server-restart"], { env });
      assert.equal(test2.code, 2, test2.stderr);
      assert.match(test2.stderr, /cannot find "my-interp" on the hooks' PATH/);
      const run2 = await runCli(["run", "--dir", dir, "--no-journal", "--event", event], { env });
      assert.equal(run2.code, 1, run2.stderr);
    });
  });
});
