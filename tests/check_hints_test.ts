/**
 * What a run ignores in silence, `check` says: a config `hooks` entry that names
 * no file (with the nearest name), and a line that looks like a directive but
 * is not one (`# SOLUS-HOOKS:`, `## solus-hooks:`, a directive after line 20).
 */
import assert from "node:assert/strict";
import { runCli, timed, withHooks, writeConfig } from "./helpers.ts";
import { RESTART } from "./verdict_helpers.ts";

interface Finding {
  name: string;
  severity: string;
  problem: string;
  fix: string;
}

async function check(dir: string, config: object): Promise<{ code: number; findings: Finding[] }> {
  const path = await writeConfig(dir, config);
  const result = await runCli(["check", "--json", "--dir", dir, "--config", path]);
  return { code: result.code, findings: JSON.parse(result.stdout).findings };
}

timed.test("check warns about a config hooks entry that names no file, with the nearest name", async () => {
  await withHooks({
    "20-firewall.sh": "#!/bin/sh\ncat >/dev/null\n",
    "30-notify.py": "#!/usr/bin/env python3\nimport sys\nsys.stdin.read()\n",
  }, async (dir) => {
    const { code, findings } = await check(dir, {
      hooks: {
        "20-firewall": { actions: ["server-create"] },
        "30-notfy.py": { enabled: false },
        "99-nothing-like-it": { stages: ["post"] },
        "20-firewall.sh": { stages: ["post"] },
      },
    });
    assert.equal(code, 0, JSON.stringify(findings));
    const byName = Object.fromEntries(findings.map((finding) => [finding.name, finding]));
    assert.equal(byName["20-firewall"]?.severity, "warning");
    assert.match(
      byName["20-firewall"].problem,
      /names no file in .*\(did you mean 20-firewall\.sh\?\)/,
    );
    assert.match(byName["30-notfy.py"].problem, /did you mean 30-notify\.py\?/);
    assert.match(byName["99-nothing-like-it"].problem, /names no file in \S+, so its rules/);
    assert.equal(byName["20-firewall.sh"], undefined, "an entry that names a file is fine");
  });
});

timed.test("check warns about lines that look like directives but that a run ignores", async () => {
  const late = "#!/bin/sh\ncat >/dev/null\n" + "true\n".repeat(20) +
    "# solus-hooks: actions=server-create\n";
  await withHooks({
    "10-upper.sh": "#!/bin/sh\n# SOLUS-HOOKS: actions=server-create\ncat >/dev/null\n",
    "20-double.sh": "#!/bin/sh\n## solus-hooks: stages=post\ncat >/dev/null\n",
    "30-late.sh": late,
    "40-fine.sh": "#!/bin/sh\n# solus-hooks: actions=server-create\n# runs under solus-hooks\n",
  }, async (dir) => {
    const { code, findings } = await check(dir, {});
    assert.equal(code, 0, JSON.stringify(findings));
    const byName = Object.fromEntries(findings.map((finding) => [finding.name, finding]));
    assert.match(
      byName["10-upper.sh"].problem,
      /^line 2: "# SOLUS-HOOKS: .*" looks like a directive but is not one/,
    );
    assert.match(
      byName["20-double.sh"].problem,
      /^line 2: "## solus-hooks: stages=post" looks like/,
    );
    assert.match(
      byName["30-late.sh"].problem,
      /^line 23: .* is after line 20, so a run ignores it/,
    );
    assert.equal(byName["40-fine.sh"], undefined);
    // What a run does with them: each runs for server-restart although it names another event.
    const config = await writeConfig(dir, {});
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
    const ran = JSON.parse(run.stdout).hooks.map((hook: { name: string }) => hook.name);
    assert.deepEqual(ran, ["10-upper.sh", "20-double.sh", "30-late.sh"]);
  });
});
