/** What check says about the node itself, beyond the hooks directory. */
import assert from "node:assert/strict";
import { cliCommand, runCli, timed, withHooks } from "./helpers.ts";

timed.test({
  name:
    "check warns when no coreutils timeout exists, so a deadline would not outlive the runner (needs root for a private mount namespace)",
  ignore: Deno.uid() !== 0,
  fn: async () => {
    await withHooks({ "10-ok.sh": "#!/bin/sh\nexit 0\n" }, async (dir) => {
      const run = (hide: boolean) => {
        // In a namespace of its own, /usr/bin/timeout (and /bin/timeout, the same on a merged
        // /usr) becomes an empty file: it is there, but is no program.
        const script = hide
          ? 'for t in /usr/bin/timeout /bin/timeout; do [ -e "$t" ] && mount --bind /dev/null "$t"; done; exec "$@"'
          : 'exec "$@"';
        const unshare = ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh"];
        return runCli(["check", "--dir", dir, "--json"], {
          command: [...unshare, ...cliCommand()],
        });
      };
      const plain = JSON.parse((await run(false)).stdout);
      assert.ok(!plain.findings.some((f: { name: string }) => f.name === "coreutils timeout"));
      const hidden = await run(true);
      const audit = JSON.parse(hidden.stdout);
      const finding = audit.findings.find((f: { name: string }) => f.name === "coreutils timeout");
      assert.equal(finding?.severity, "warning", hidden.stderr);
      assert.match(finding.problem, /deadline no longer holds if the runner itself is killed/);
      assert.equal(hidden.code, 0, "a warning alone is exit 0");
    });
  },
});
