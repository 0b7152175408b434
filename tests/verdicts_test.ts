/**
 * One verdict per file: `run`, `run --dry-run`, `check` and `test` agree on every
 * file of a directory full of odd ones (one table of files, four commands).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { chownLink, cli, IS_ROOT, NOBODY, put, RESTART, withDir } from "./verdict_helpers.ts";

/** What a file should come to: run (for this event or not), or a skip of a kind. */
type Expected =
  | { run: true; notFor?: boolean }
  | { kind: string; refused: boolean };

interface Row {
  name: string;
  make: (dir: string) => Promise<unknown>;
  expected: Expected;
}

const SH = "#!/bin/sh\ncat >/dev/null\n";
const RUN: Expected = { run: true };
const skip = (kind: string): Expected => ({ kind, refused: false });
const refuse = (kind: string): Expected => ({ kind, refused: true });
const file = (name: string, text = SH, mode = 0o755) => (dir: string) => put(dir, name, text, mode);

const TABLE: Row[] = [
  { name: "10-ok", make: file("10-ok"), expected: RUN },
  {
    name: "20-env-s",
    make: file(
      "20-env-s",
      "#!/usr/bin/env -S PYTHONUNBUFFERED=1 python3\nimport sys\nsys.stdin.read()\n",
    ),
    expected: RUN,
  },
  {
    name: "25-create-only",
    make: file("25-create-only", "#!/bin/sh\n# solus-hooks: actions=server-create\n"),
    expected: { run: true, notFor: true },
  },
  { name: "30-loose", make: file("30-loose", SH, 0o777), expected: refuse("insecure") },
  { name: "40-group", make: file("40-group", SH, 0o775), expected: refuse("insecure") },
  {
    name: "60-bad-directive",
    make: file("60-bad-directive", "#!/bin/sh\n; solus-hooks: stages=pre,during\n"),
    expected: refuse("bad_directive"),
  },
  { name: "foo~", make: file("foo~"), expected: skip("leftover") },
  { name: ".dot", make: file(".dot"), expected: skip("hidden") },
  { name: "#autosave#", make: file("#autosave#"), expected: skip("leftover") },
  { name: "a.swo", make: file("a.swo"), expected: skip("leftover") },
  { name: "b.rej", make: file("b.rej"), expected: skip("leftover") },
  { name: "c.pacnew", make: file("c.pacnew"), expected: skip("leftover") },
  { name: "d.ucf-dist", make: file("d.ucf-dist"), expected: skip("leftover") },
  { name: "e.rpmorig", make: file("e.rpmorig"), expected: skip("leftover") },
  { name: "off.disabled", make: file("off.disabled"), expected: skip("disabled") },
  { name: "notes.txt", make: file("notes.txt", "text\n", 0o644), expected: skip("not_executable") },
  {
    name: "sub",
    make: async (dir) => {
      await Deno.mkdir(join(dir, "sub"));
      await Deno.chmod(join(dir, "sub"), 0o755);
    },
    expected: skip("directory"),
  },
  {
    name: "dangling",
    make: (dir) => Deno.symlink("/nonexistent/solus-hooks/x", join(dir, "dangling")),
    expected: skip("broken_link"),
  },
  {
    name: "fifo",
    make: (dir) =>
      new Deno.Command("mkfifo", {
        args: ["-m", "0755", join(dir, "fifo")],
        signal: AbortSignal.timeout(10_000),
      }).output(),
    expected: skip("not_regular"),
  },
];

/** Rows that need root to give files to another owner. */
const ROOT_ROWS: Row[] = [
  {
    name: "70-theirs",
    make: async (dir) => Deno.chown(await put(dir, "70-theirs", SH), NOBODY, NOBODY),
    expected: refuse("insecure"),
  },
  {
    name: "80-their-link",
    make: async (dir) => {
      await Deno.symlink("/bin/true", join(dir, "80-their-link"));
      await chownLink(join(dir, "80-their-link"), NOBODY);
    },
    expected: refuse("insecure"),
  },
  {
    name: "85-my-link",
    make: (dir) => Deno.symlink("/bin/true", join(dir, "85-my-link")),
    expected: RUN,
  },
];

interface Skip {
  name: string;
  kind: string;
  refused: boolean;
  reason: string;
}

async function agree(rows: Row[]): Promise<void> {
  await withDir(0o755, async (dir) => {
    for (const row of rows) await row.make(dir);
    const byName = (list: { name: string }[]) => list.map((entry) => entry.name);
    const runs = rows.filter((r) => "run" in r.expected && !r.expected.notFor).map((r) => r.name);
    const hooks = rows.filter((r) => "run" in r.expected).map((r) => r.name);
    const notFor = rows.filter((r) => "run" in r.expected && r.expected.notFor).map((r) => r.name);
    const skips = rows.filter((r) => "kind" in r.expected);
    const sorted = (names: string[]) => [...names].sort();

    // run
    const run = await cli(["run", "--dir", dir, "--no-journal", "--json", "--event", RESTART]);
    assert.equal(run.code, 1, `something is refused: ${run.stderr}`);
    const report = JSON.parse(run.stdout);
    assert.deepEqual(sorted(byName(report.hooks)), sorted(runs), "run: hooks run");
    assert.ok(report.hooks.every((h: { status: string }) => h.status === "ok"), run.stdout);
    const reasons = new Map<string, string>();
    for (const entry of report.skipped as Skip[]) reasons.set(entry.name, entry.reason);
    const expectedSkips = [
      ...skips.map((r) => [r.name, (r.expected as Skip).kind, (r.expected as Skip).refused]),
      ...notFor.map((name) => [name, "not_for", false]),
    ].sort();
    assert.deepEqual(
      (report.skipped as Skip[]).map((s) => [s.name, s.kind, s.refused]).sort(),
      expectedSkips,
      "run: skipped",
    );

    // --dry-run: the same, without running anything
    const dry = await cli(["run", "--dir", dir, "--dry-run", "--json", "--event", RESTART]);
    assert.equal(dry.code, 1, dry.stderr);
    const plan = JSON.parse(dry.stdout);
    assert.deepEqual(sorted(plan.hooks), sorted(runs), "dry run: hooks");
    assert.deepEqual(sorted(plan.stages[0].not_for), sorted(notFor), "dry run: not for");
    assert.deepEqual(
      (plan.skipped as Skip[]).map((s) => [s.name, s.kind, s.refused, s.reason]).sort(),
      (report.skipped as Skip[]).filter((s) => s.kind !== "not_for")
        .map((s) => [s.name, s.kind, s.refused, s.reason]).sort(),
      "dry run: skipped, reasons and all",
    );

    // check: every refusal an error, every other skip a warning but `disabled`
    const check = await cli(["check", "--dir", dir, "--json"]);
    assert.equal(check.code, 1, check.stdout);
    const audit = JSON.parse(check.stdout);
    assert.deepEqual(sorted(audit.hooks), sorted(hooks), "check: hooks");
    const severity = new Map<string, string>();
    for (const finding of audit.findings) {
      if (finding.severity === "error" || !severity.has(finding.name)) {
        severity.set(finding.name, finding.severity);
      }
    }
    for (const row of rows) {
      const expected = "run" in row.expected
        ? undefined
        : row.expected.refused
        ? "error"
        : row.expected.kind === "disabled"
        ? undefined
        : "warning";
      assert.equal(severity.get(row.name), expected, `check: ${row.name}`);
    }
    assert.deepEqual(
      audit.disabled,
      rows.filter((r) => "kind" in r.expected && r.expected.kind === "disabled").map((r) => r.name),
    );

    // test FILE: what a run runs passes; what it skips or refuses stops with the same reason
    for (const row of rows) {
      const path = join(dir, row.name);
      const test = await cli([
        "test",
        path,
        "--action",
        "server-restart",
        "--stage",
        "pre",
        "--json",
      ]);
      if ("run" in row.expected) {
        assert.equal(test.code, 0, `test ${row.name}: ${test.stderr}`);
        const result = JSON.parse(test.stdout);
        assert.equal(result.results.length, row.expected.notFor ? 0 : 1, row.name);
        assert.equal(result.not_for.length, row.expected.notFor ? 1 : 0, row.name);
      } else {
        assert.equal(test.code, 2, `test ${row.name}: ${test.stderr}`);
        assert.equal(test.stdout, "");
        const reason = reasons.get(row.name)!;
        assert.ok(
          test.stderr.includes(
            `as a hook: ${reason}: a run ${row.expected.refused ? "refuses" : "skips"} it`,
          ),
          `test ${row.name} gives run's reason "${reason}": ${test.stderr}`,
        );
      }
    }
  });
}

Deno.test("run, --dry-run, check and test give every odd file the same verdict", async () => {
  await agree(TABLE);
});

Deno.test({
  name:
    "run, --dry-run, check and test agree on files and links of another owner (needs root to chown)",
  ignore: !IS_ROOT,
  fn: async () => {
    await agree([
      ...TABLE.filter((row) => row.name === "10-ok" || row.name === "30-loose"),
      ...ROOT_ROWS,
    ]);
  },
});

Deno.test("check says each reason once, from the skip's data, with the fixing command", async () => {
  await withDir(0o755, async (dir) => {
    await put(dir, ".dot", SH);
    await put(dir, "notes.txt", "text\n", 0o644);
    await put(dir, "old~", SH);
    const check = await cli(["check", "--dir", dir]);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stderr, /\.dot: will be skipped: hidden file \(name starts with a dot\)\n/);
    assert.match(check.stderr, /old~: will be skipped: editor or package-manager leftover \(~\)\n/);
    assert.match(check.stderr, /notes\.txt: will be skipped: not executable \(mode 0644\)\n/);
    assert.match(
      check.stderr,
      new RegExp(`fix: chmod \\+x ${join(dir, "notes.txt")} if it is a hook`),
    );
    assert.doesNotMatch(
      check.stderr,
      /\((hidden file|not executable) \(/,
      "no reason inside itself",
    );
  });
});
