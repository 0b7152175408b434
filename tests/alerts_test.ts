/**
 * Alerts that fire on a hook's first failure: the README's rules are the
 * project's `tests/fixtures/alerts.yml`, which `promtool test rules` checks
 * against `tests/fixtures/alerts_test.yml` (a new hook's first failure fires);
 * and the metrics' `hook` label is the name as `SOLUS_FAILED_HOOK` holds it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseMetrics } from "../lib/fleet/metrics.ts";
import { syslogMessage } from "../lib/fleet/syslog.ts";
import { canRun, ROOT, runCli, timed, withHooks, withTempDir, writeConfig } from "./helpers.ts";
import { RESTART } from "./verdict_helpers.ts";

const RULES = join(ROOT, "tests/fixtures/alerts.yml");
const HAVE_PROMTOOL = canRun("promtool", ["--version"]);

Deno.test("the README's alert rules are the tested tests/fixtures/alerts.yml, word for word", async () => {
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  const at = readme.indexOf("An alert rule for hooks that fail");
  const start = readme.indexOf("```yaml\n", at) + "```yaml\n".length;
  const block = readme.slice(start, readme.indexOf("```\n", start));
  assert.equal(block, await Deno.readTextFile(RULES));
});

timed.test({
  name: HAVE_PROMTOOL
    ? "promtool test rules: a hook's first failure fires SolusHookFailing, a new series born at 1 included"
    : "promtool test rules (skipped: promtool is not installed; Debian's prometheus package has it)",
  ignore: !HAVE_PROMTOOL,
  fn: async () => {
    const result = await new Deno.Command("promtool", {
      args: ["test", "rules", "alerts_test.yml"],
      cwd: join(ROOT, "tests/fixtures"),
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(20_000),
    }).output();
    const said = new TextDecoder().decode(result.stdout) + new TextDecoder().decode(result.stderr);
    assert.equal(result.code, 0, said);
    assert.match(said, /SUCCESS/);
  },
});

timed.test("the metrics' hook label and SOLUS_FAILED_HOOK hold one form of an unusual name", async () => {
  const name = "50-new\nline\\x.sh";
  await withHooks({ [name]: "#!/bin/sh\nexit 3\n" }, async (dir) => {
    await withTempDir(async (tmp) => {
      const textfile = join(tmp, "solus_hooks.prom");
      const config = await writeConfig(tmp, { metrics: { textfile }, syslog: false });
      const run = await runCli([
        "run",
        "--json",
        "--no-journal",
        "--dir",
        dir,
        "--config",
        config,
        "--event",
        RESTART,
      ]);
      assert.equal(run.code, 1, run.stderr);
      const fields = syslogMessage(JSON.parse(run.stdout)).fields;
      const failed = /^SOLUS_FAILED_HOOK=(.*)$/m.exec(fields)![1];
      assert.equal(failed, "50-new\\nline\\\\x.sh");
      const state = parseMetrics(await Deno.readTextFile(textfile));
      const labels = [...state.samples.get("solus_hooks_hook_runs_total")!.keys()]
        .map((key) => key.split("\0")[0]);
      assert.deepEqual([...new Set(labels)], [failed]);
    });
  });
});
