/** The journal file: concurrent appends, torn lines, rotation, reading newest first. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { appendRecord, findRun, parseDuration, readNewest } from "../lib/journal.ts";
import type { RunReport } from "../lib/report.ts";
import { fakeReport } from "./fixtures/fake_report.ts";
import { withTempDir } from "./helpers.ts";

async function collect(path: string, onWarning?: (m: string) => void): Promise<RunReport[]> {
  const all: RunReport[] = [];
  for await (const record of readNewest({ path, onWarning })) all.push(record);
  return all;
}

const BIG = { maxBytes: 1 << 30, keep: 3 };

Deno.test("appendRecord() and readNewest() round-trip records, newest first", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "sub", "journal.jsonl");
    for (const id of ["a", "b", "c"]) await appendRecord({ path, ...BIG }, fakeReport(id));
    assert.deepEqual((await collect(path)).map((r) => r.run_id), ["c", "b", "a"]);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o640);
  });
});

Deno.test("appendRecord() from 16 runner processes at once loses no record and tears no line", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "journal.jsonl");
    const fixture = new URL("./fixtures/append_records.ts", import.meta.url).pathname;
    const writers = Array.from({ length: 16 }, (_, w) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", fixture, path, `w${w}`, "40", String(1 << 30), "3"],
        stdout: "null",
        stderr: "piped",
      }).output());
    const results = await Promise.all(writers);
    for (const result of results) {
      assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
    }
    const lines = (await Deno.readTextFile(path)).split("\n");
    assert.equal(lines.pop(), "", "the file ends with a newline");
    assert.equal(lines.length, 16 * 40);
    const ids = new Set(lines.map((line) => JSON.parse(line).run_id));
    assert.equal(ids.size, 16 * 40, "every record is whole and present");
  });
});

Deno.test("appendRecord() rotates concurrently without losing records up to what it keeps", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "journal.jsonl");
    const fixture = new URL("./fixtures/append_records.ts", import.meta.url).pathname;
    const size = new TextEncoder().encode(JSON.stringify(fakeReport("w0-0")) + "\n").byteLength;
    // Room for about 50 records per file and 10 files: 8 writers x 30 records all fit.
    const maxBytes = size * 50;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, w) =>
        new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", fixture, path, `w${w}`, "30", String(maxBytes), "10"],
          stdout: "null",
          stderr: "piped",
        }).output()),
    );
    for (const result of results) {
      assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
    }
    const warnings: string[] = [];
    const records = await collect(path, (m) => warnings.push(m));
    assert.deepEqual(warnings, []);
    assert.equal(new Set(records.map((r) => r.run_id)).size, 8 * 30);
    for (const file of [path, `${path}.1`]) {
      assert.ok((await Deno.stat(file)).size <= maxBytes, `${file} stays within maxBytes`);
    }
  });
});

Deno.test("appendRecord() keeps at most `keep` rotated files, .1 the newest", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "journal.jsonl");
    const size = new TextEncoder().encode(JSON.stringify(fakeReport("r00")) + "\n").byteLength;
    for (let i = 0; i < 10; i++) {
      await appendRecord(
        { path, maxBytes: size * 2, keep: 2 },
        fakeReport(`r${String(i).padStart(2, "0")}`),
      );
    }
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => !n.endsWith(".lock"))
      .sort();
    assert.deepEqual(names, ["journal.jsonl", "journal.jsonl.1", "journal.jsonl.2"]);
    assert.deepEqual((await collect(path)).map((r) => r.run_id), [
      "r09",
      "r08",
      "r07",
      "r06",
      "r05",
      "r04",
    ]);
  });
});

Deno.test("readNewest() skips a torn last line with a warning, and a later append still reads cleanly", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "journal.jsonl");
    await appendRecord({ path, ...BIG }, fakeReport("before"));
    // A runner killed mid-write: half a record, no newline.
    const half = JSON.stringify(fakeReport("torn")).slice(0, 80);
    await Deno.writeTextFile(path, half, { append: true });
    const warnings: string[] = [];
    assert.deepEqual((await collect(path, (m) => warnings.push(m))).map((r) => r.run_id), [
      "before",
    ]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /journal\.jsonl: skipped a line that is not a whole record/);
    await appendRecord({ path, ...BIG }, fakeReport("after"));
    warnings.length = 0;
    assert.deepEqual((await collect(path, (m) => warnings.push(m))).map((r) => r.run_id), [
      "after",
      "before",
    ]);
    assert.equal(warnings.length, 1, "only the torn line is skipped");
  });
});

Deno.test("appendRecord() names the path when the journal cannot be written", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "a-file");
    await Deno.writeTextFile(file, "");
    await assert.rejects(
      () => appendRecord({ path: join(file, "journal.jsonl"), ...BIG }, fakeReport("x")),
      /cannot write journal .*a-file\/journal\.jsonl/,
    );
  });
});

Deno.test("readNewest() gives the newest records of a 100,000-record journal without reading it all", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "journal.jsonl");
    // The oldest half is garbage: reading it would raise warnings.
    const garbage = "not json\n".repeat(50_000);
    const records = Array.from({ length: 50_000 }, (_, i) =>
      JSON.stringify(fakeReport(`r${i}`))).join("\n") + "\n";
    await Deno.writeTextFile(path, garbage + records);
    const warnings: string[] = [];
    const start = performance.now();
    const newest: string[] = [];
    for await (
      const record of readNewest({
        path,
        onWarning: (m) =>
          warnings.push(m),
      })
    ) {
      newest.push(record.run_id);
      if (newest.length === 20) break;
    }
    const ms = performance.now() - start;
    assert.deepEqual(newest, Array.from({ length: 20 }, (_, i) => `r${49_999 - i}`));
    assert.deepEqual(warnings, [], "the older lines were never read");
    assert.ok(ms < 1000, `took ${ms} ms`);
  });
});

Deno.test("findRun() finds a run by its id or a unique prefix", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "journal.jsonl");
    for (const id of ["aaaaaaaa-1111", "aaaaaaaa-2222", "bbbbbbbb-3333"]) {
      await appendRecord({ path, ...BIG }, fakeReport(id));
    }
    assert.equal((await findRun({ path }, "aaaaaaaa-1111"))?.run_id, "aaaaaaaa-1111");
    assert.equal((await findRun({ path }, "bbbbbbbb"))?.run_id, "bbbbbbbb-3333");
    assert.equal(await findRun({ path }, "cccccccc"), undefined);
    assert.equal(await findRun({ path }, "bbb"), undefined, "a short prefix is not enough");
    await assert.rejects(() => findRun({ path }, "aaaaaaaa"), /ambiguous/);
  });
});

Deno.test("parseDuration() reads s, m, h, d, w and combinations", () => {
  assert.equal(parseDuration("90s"), 90_000);
  assert.equal(parseDuration("15m"), 900_000);
  assert.equal(parseDuration("2h"), 7_200_000);
  assert.equal(parseDuration("1h30m"), 5_400_000);
  assert.equal(parseDuration("7d"), 604_800_000);
  for (const bad of ["", "2", "h", "2x", "1h 30m", "-1h"]) {
    assert.throws(() => parseDuration(bad), /not a duration/);
  }
});
