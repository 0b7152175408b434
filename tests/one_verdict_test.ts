/**
 * One verdict everywhere: `check`, `run --dry-run`, `test` and `run` give the
 * same answer about the same odd files (a CRLF `#!` line, a missing
 * interpreter, a hooks directory anyone may write, a link into a folder another
 * user controls), in `deno run -A main.ts` (or the build under test,
 * `SOLUS_HOOKS_CMD`) and in a build whose scope is a node's: it may read the
 * hooks directory and the config, nothing else, so every interpreter and
 * parent lies outside it, as in the installed bundle.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cliCommand, runCli, scopedCommand, timed, writeConfig } from "./helpers.ts";
import { IS_ROOT, NOBODY, put, RESTART } from "./verdict_helpers.ts";

/** What one command says of each file: `runs`, or the reason it does not. */
type Verdicts = Record<string, string>;

/** The two builds: the development one and a node-scoped one over `dir` and `config`. */
async function builds(
  entryDir: string,
  read: string[],
): Promise<{ name: string; command: string[] }[]> {
  return [
    { name: "deno run", command: cliCommand() },
    {
      name: "scoped build",
      command: await scopedCommand(entryDir, {
        read,
        write: [entryDir],
        env: ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "NO_COLOR", "TERM", "SOLUS_HOOKS_CONFIG"],
      }),
    },
  ];
}

/** The reason after `cannot start: `, so run's spawn error and the others' refusal compare. */
function startReason(text: string): string {
  return text.replace(/^cannot start: /, "");
}

/** A refusal of the whole directory, in the words every command shares: what is wrong with it. */
function normal(verdict: string): string {
  const directory = /hooks directory (?:\S+ )?is (writable by group or others|owned by uid \d+)/
    .exec(verdict);
  return directory ? `the hooks directory is ${directory[1]}` : verdict;
}

/** Each command's verdicts on the files of `dir` (and on `files` by `test`), and its exit status. */
async function verdicts(
  command: string[],
  dir: string,
  config: string,
  files: string[],
): Promise<Record<string, { code: number; verdicts: Verdicts }>> {
  const common = ["--dir", dir, "--config", config, "--no-journal"];
  const opts = { command, timeoutMs: 30_000 };
  const out: Record<string, { code: number; verdicts: Verdicts }> = {};

  const check = await runCli(["check", "--json", ...common], opts);
  const audit = JSON.parse(check.stdout);
  const fromCheck: Verdicts = {};
  for (const name of audit.hooks) fromCheck[name] = "runs";
  for (const finding of audit.findings) {
    if (finding.severity !== "error") continue;
    fromCheck[files.includes(finding.name) ? finding.name : "(directory)"] = startReason(
      finding.problem.replace(/: it will be refused$/, ""),
    );
  }
  out.check = { code: check.code, verdicts: fromCheck };

  const dry = await runCli(["run", "--dry-run", "--json", "--event", RESTART, ...common], opts);
  const plan = JSON.parse(dry.stdout);
  const fromDry: Verdicts = {};
  for (const name of plan.hooks) fromDry[name] = "runs";
  for (const skip of plan.skipped) if (skip.refused) fromDry[skip.name] = startReason(skip.reason);
  if (plan.refused) fromDry["(directory)"] = plan.refused;
  out["--dry-run"] = { code: dry.code, verdicts: fromDry };

  const run = await runCli(["run", "--json", "--event", RESTART, ...common], opts);
  const report = JSON.parse(run.stdout);
  const fromRun: Verdicts = {};
  for (const hook of report.hooks) {
    fromRun[hook.name] = hook.status === "ok" ? "runs" : startReason(hook.error ?? hook.status);
  }
  for (const skip of report.skipped) {
    if (skip.refused) fromRun[skip.name] = startReason(skip.reason);
  }
  if (report.refused) fromRun["(directory)"] = report.refused;
  out.run = { code: run.code, verdicts: fromRun };

  const fromTest: Verdicts = {};
  let testCode = 0;
  for (const name of files) {
    const tested = await runCli(
      ["test", join(dir, name), "--action", "server-restart", "--stage", "pre", ...common],
      opts,
    );
    testCode = Math.max(testCode, tested.code);
    const said = /cannot run \S+ as a hook: (.*): a run (?:refuses|skips) it/.exec(tested.stderr);
    fromTest[name] = tested.code === 0 ? "runs" : said ? startReason(said[1]) : tested.stderr;
  }
  out.test = { code: testCode, verdicts: fromTest };
  // A refused directory is every file's verdict.
  for (const said of Object.values(out)) {
    for (const name of files) {
      said.verdicts[name] = normal(said.verdicts[name] ?? said.verdicts["(directory)"] ?? "");
    }
    delete said.verdicts["(directory)"];
  }
  return out;
}

/** Assert that every command of every build said `expected` of each file. */
async function agree(
  dir: string,
  files: string[],
  read: string[],
  expected: (verdicts: Verdicts) => void,
  codes: Record<string, number>,
): Promise<void> {
  const work = await Deno.makeTempDir({ prefix: "solus-hooks-one-verdict-" });
  try {
    const config = await writeConfig(work, {});
    for (const build of await builds(work, [...read, work])) {
      const said = await verdicts(build.command, dir, config, files);
      for (const [command, { code, verdicts }] of Object.entries(said)) {
        const where = `${build.name}: ${command}: ${JSON.stringify(verdicts)}`;
        assert.equal(code, codes[command], where);
        expected(verdicts);
      }
      // One answer: every command's verdict on every file is the same words.
      const byFile = (name: string) =>
        Object.entries(said).map(([command, { verdicts }]) => [command, verdicts[name]]);
      for (const name of files) {
        const answers = new Set(byFile(name).map(([, verdict]) => verdict));
        assert.equal(answers.size, 1, `${build.name}: ${name}: ${JSON.stringify(byFile(name))}`);
      }
    }
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

const CODES = { check: 1, "--dry-run": 1, run: 1, test: 2 };

timed.test({
  name:
    "a CRLF #! line and a missing interpreter: one verdict from all four commands, in both builds",
  timeoutMs: 180_000,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "solus-hooks-one-verdict-" });
    try {
      await Deno.chmod(dir, 0o755);
      await put(dir, "10-crlf.sh", "#!/bin/sh\r\necho hi\r\n");
      await put(dir, "20-python9", "#!/usr/bin/python9\nprint(1)\n");
      await put(dir, "30-ok.sh", "#!/bin/sh\ncat >/dev/null\n");
      await agree(dir, ["10-crlf.sh", "20-python9", "30-ok.sh"], [dir], (verdicts) => {
        assert.match(verdicts["10-crlf.sh"], /^the #! line ends in CRLF/);
        assert.equal(
          verdicts["20-python9"],
          "the interpreter named in the #! line is missing: /usr/bin/python9",
        );
        assert.equal(verdicts["30-ok.sh"], "runs");
      }, CODES);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

timed.test({
  name: "a hooks directory anyone may write: no hook runs, by all four commands, in both builds",
  timeoutMs: 180_000,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "solus-hooks-one-verdict-" });
    try {
      await put(dir, "10-ok.sh", "#!/bin/sh\ncat >/dev/null\n");
      await Deno.chmod(dir, 0o777);
      await agree(dir, ["10-ok.sh"], [dir], (verdicts) => {
        assert.equal(verdicts["10-ok.sh"], "the hooks directory is writable by group or others");
      }, CODES);
    } finally {
      await Deno.chmod(dir, 0o700);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

timed.test({
  name: IS_ROOT
    ? "a link into a folder another user owns is refused by all four commands, in both builds; one into root's folder runs"
    : "a link into a folder another user owns (skipped: needs root to give a folder to nobody)",
  ignore: !IS_ROOT,
  timeoutMs: 180_000,
  fn: async () => {
    // The attack: nobody owns the folder, root owns the file; nobody swaps the file.
    const theirs = await Deno.makeTempDir({ prefix: "solus-hooks-nobodydir-" });
    const ours = await Deno.makeTempDir({ prefix: "solus-hooks-rootdir-" });
    const dir = await Deno.makeTempDir({ prefix: "solus-hooks-one-verdict-" });
    const marker = join(ours, "ran");
    try {
      await Deno.chmod(theirs, 0o755);
      await Deno.chown(theirs, NOBODY, NOBODY);
      await Deno.chmod(dir, 0o755);
      const hook = `#!/bin/sh\ncat >/dev/null\necho "$SOLUS_HOOK_NAME" >> ${marker}\n`;
      await put(theirs, "x.sh", hook);
      await put(ours, "y.sh", hook);
      await Deno.symlink(join(theirs, "x.sh"), join(dir, "30-vendor"));
      await Deno.symlink(join(ours, "y.sh"), join(dir, "40-own"));
      // A root-owned file straight in the sticky /tmp: no one else may replace it there.
      const sticky = await Deno.makeTempFile({ dir: "/tmp", prefix: "solus-hooks-sticky-" });
      await Deno.writeTextFile(sticky, hook);
      await Deno.chmod(sticky, 0o755);
      await Deno.symlink(sticky, join(dir, "50-in-tmp"));
      try {
        await agree(
          dir,
          ["30-vendor", "40-own", "50-in-tmp"],
          [dir],
          (verdicts) => {
            assert.equal(
              verdicts["30-vendor"],
              `link target ${theirs}/x.sh is in ${theirs}, which is owned by uid ${NOBODY}, not root or the runner (uid 0), so others could replace it`,
            );
            assert.equal(verdicts["40-own"], "runs");
            assert.equal(verdicts["50-in-tmp"], "runs");
          },
          CODES,
        );
      } finally {
        await Deno.remove(sticky);
      }
      const ran = (await Deno.readTextFile(marker)).split("\n").filter(Boolean);
      assert.ok(!ran.includes("30-vendor"), "the link into nobody's folder never ran");
      assert.ok(ran.includes("40-own") && ran.includes("50-in-tmp"), ran.join(","));
    } finally {
      for (const path of [theirs, ours, dir]) await Deno.remove(path, { recursive: true });
    }
  },
});
