/**
 * lib/journal/: appending under a lock from many processes, rotation, torn
 * lines, reading newest first backwards in chunks, run lookup and durations.
 * The writer processes run tests/fixtures/append_records.ts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseDuration } from "../lib/duration.ts";
import { appendRecord } from "../lib/journal/write.ts";
import { findRun, type JournalEntry, readNewest } from "../lib/journal/read.ts";
import { JournalError } from "../lib/errors.ts";
import type { RunReport } from "../lib/report.ts";
import { fakeReport } from "./fixtures/fake_report.ts";
import { timed, track, withTempDir } from "./helpers.ts";

const BIG = { maxBytes: 1 << 30, keep: 3 };
const WRITER = new URL("./fixtures/append_records.ts", import.meta.url).pathname;

/** Every record `readNewest` yields, and the warnings it gives. */
async function readAll(
  path: string,
  keep?: number,
): Promise<{ records: JournalEntry[]; warnings: string[] }> {
  const records: JournalEntry[] = [];
  const warnings: string[] = [];
  for await (const record of readNewest({ path, keep, onWarning: (m) => warnings.push(m) })) {
    records.push(record);
  }
  return { records, warnings };
}

async function ids(path: string, keep?: number): Promise<string[]> {
  const { records, warnings } = await readAll(path, keep);
  assert.deepEqual(warnings, []);
  return records.map((record) => record.run_id);
}

/** The bytes one record takes in the journal, newline included. */
function lineBytes(report: RunReport): number {
  return new TextEncoder().encode(`${JSON.stringify(report)}\n`).byteLength;
}

/** Names in `dir` other than the lock file, sorted. */
function journalFiles(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((entry) => entry.name).filter((name) =>
    !name.endsWith(".lock")
  ).sort();
}

/** Write records straight into a file, oldest first, as the journal would hold them. */
async function writeRecords(path: string, runIds: string[]): Promise<void> {
  await Deno.writeTextFile(
    path,
    runIds.map((id) => `${JSON.stringify(fakeReport(id))}\n`).join(""),
  );
}

/** Run `writers` processes of the writer fixture at once; each appends `count` records. */
async function runWriters(
  path: string,
  writers: number,
  count: number,
  maxBytes: number,
  keep: number,
): Promise<void> {
  const results = await Promise.all(
    Array.from({ length: writers }, (_, w) => {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", WRITER, path, `w${w}`, String(count), String(maxBytes), String(keep)],
        stdout: "null",
        stderr: "piped",
      }).spawn();
      track(child.pid);
      return child.output();
    }),
  );
  for (const result of results) {
    assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
  }
}

Deno.test("appendRecord() and readNewest() round-trip a whole report, creating directory and file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "log", "solus-hooks", "journal.jsonl");
    const report = fakeReport("round-trip", {
      ok: false,
      replay_of: "earlier-run",
      hooks: [{
        name: "20-ünïcødé.sh",
        status: "failed",
        exit_code: 3,
        signal: null,
        duration_ms: 7,
        stdout: 'line one\nline two\r\n\u0000 tab\t "quoted" 🚀\n',
        stderr: "\u2028\u2029 separators",
        stdout_bytes: 40,
        stderr_bytes: 20,
        error: "notes",
      }],
      skipped: [{ name: ".hidden", reason: "hidden file", kind: "hidden", refused: false }],
    });
    await appendRecord({ path, ...BIG }, report);
    const { records, warnings } = await readAll(path);
    assert.deepEqual(warnings, []);
    assert.deepEqual(records, [report]);
    const text = await Deno.readTextFile(path);
    assert.equal(text.split("\n").length, 2, "one line and its newline");
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o640);
    assert.equal((await Deno.stat(join(dir, "log"))).mode! & 0o777, 0o755);
    assert.equal((await Deno.stat(join(dir, "log", "solus-hooks"))).mode! & 0o777, 0o755);
    assert.ok((await Deno.stat(`${path}.lock`)).isFile, "the lock file sits beside the journal");
  });
});

Deno.test("readNewest() yields newest first across journal.jsonl, then .1, .2, ...", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "journal.jsonl");
    await writeRecords(`${path}.2`, ["a", "b"]);
    await writeRecords(`${path}.1`, ["c", "d", "e"]);
    await writeRecords(path, ["f", "g"]);
    // A gap ends the rotated files: `.4` is not read without `.3`.
    await writeRecords(`${path}.4`, ["stale"]);
    assert.deepEqual(await ids(path), ["g", "f", "e", "d", "c", "b", "a"]);
    assert.deepEqual(await ids(path, 1), ["g", "f", "e", "d", "c"], "keep 1: journal and .1");
    assert.deepEqual(await ids(path, 0), ["g", "f"], "keep 0: the journal alone");
    // A missing journal (mid-rotation) still leads on to .1.
    await Deno.remove(path);
    assert.deepEqual(await ids(path), ["e", "d", "c", "b", "a"]);
    // Contract §5: a journal that does not exist is an error, not an empty history.
    await assert.rejects(() => ids(join(dir, "nothing-here.jsonl")), JournalError);
  });
});

Deno.test("appendRecord() rotates when the file would pass maxBytes", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "journal.jsonl");
    const size = lineBytes(fakeReport("r0"));
    const options = { path, maxBytes: size * 3, keep: 5 };
    for (const id of ["r0", "r1", "r2"]) await appendRecord(options, fakeReport(id));
    assert.deepEqual(journalFiles(dir), ["journal.jsonl"], "exactly maxBytes does not rotate");
    assert.equal((await Deno.stat(path)).size, size * 3);
    await appendRecord(options, fakeReport("r3"));
    assert.deepEqual(journalFiles(dir), ["journal.jsonl", "journal.jsonl.1"]);
    assert.deepEqual(await ids(path, 0), ["r3"], "the new record starts a fresh file");
    assert.deepEqual(await ids(path), ["r3", "r2", "r1", "r0"]);
    // A record bigger than maxBytes still gets written, in a file of its own.
    const huge = fakeReport("huge", {
      hooks: [{ ...fakeReport("x").hooks[0], stdout: "y".repeat(size * 5) }],
    });
    await appendRecord(options, huge);
    await appendRecord(options, fakeReport("r4"));
    assert.deepEqual(await ids(path), ["r4", "huge", "r3", "r2", "r1", "r0"]);
    assert.deepEqual(await ids(`${path}.1`, 0), ["huge"]);
  });
});

Deno.test("appendRecord() keeps at most `keep` rotated files and loses nothing newer", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "journal.jsonl");
    const name = (i: number) => `r${String(i).padStart(3, "0")}`;
    const size = lineBytes(fakeReport(name(0)));
    for (let i = 0; i < 20; i++) {
      await appendRecord({ path, maxBytes: size * 2, keep: 3 }, fakeReport(name(i)));
    }
    assert.deepEqual(journalFiles(dir), [
      "journal.jsonl",
      "journal.jsonl.1",
      "journal.jsonl.2",
      "journal.jsonl.3",
    ]);
    // Two records a file, four files: the newest eight, in order.
    const expected = Array.from({ length: 8 }, (_, i) => name(19 - i));
    assert.deepEqual(await ids(path), expected);
    // keep lowered: the next rotation drops the files past it.
    for (let i = 20; i < 22; i++) {
      await appendRecord({ path, maxBytes: size * 2, keep: 1 }, fakeReport(name(i)));
    }
    assert.deepEqual(journalFiles(dir), ["journal.jsonl", "journal.jsonl.1"]);
    assert.deepEqual(await ids(path), [name(21), name(20), name(19), name(18)]);
  });
});

Deno.test("appendRecord() with keep 0 starts the journal over instead of rotating", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "journal.jsonl");
    const size = lineBytes(fakeReport("r0"));
    for (const id of ["r0", "r1", "r2", "r3", "r4"]) {
      await appendRecord({ path, maxBytes: size * 2, keep: 0 }, fakeReport(id));
    }
    assert.deepEqual(journalFiles(dir), ["journal.jsonl"]);
    assert.deepEqual(await ids(path), ["r4"]);
  });
});

timed.test("appendRecord() from 16 processes at once loses no record and tears no line", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "journal.jsonl");
    await runWriters(path, 16, 50, 1 << 30, 3);
    const text = await Deno.readTextFile(path);
    assert.ok(text.endsWith("\n"));
    const lines = text.slice(0, -1).split("\n");
    assert.equal(lines.length, 800, "one line per record, no blank or merged lines");
    const seen = new Set(lines.map((line) => (JSON.parse(line) as RunReport).run_id));
    assert.equal(seen.size, 800);
    for (let w = 0; w < 16; w++) {
      for (let i = 0; i < 50; i++) assert.ok(seen.has(`w${w}-${i}`), `w${w}-${i} is there`);
    }
  });
});

timed.test("appendRecord() from 16 processes rotating at once keeps every record in order", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "journal.jsonl");
    const maxBytes = lineBytes(fakeReport("w15-49")) * 20;
    // 800 records, 20 a file at most: 40 files or more, all within keep.
    await runWriters(path, 16, 50, maxBytes, 200);
    const files = journalFiles(dir);
    assert.ok(files.length >= 40, `rotated into ${files.length} files`);
    for (const file of files) {
      const info = await Deno.stat(join(dir, file));
      assert.ok(info.size <= maxBytes, `${file} has ${info.size} bytes, over ${maxBytes}`);
      const text = await Deno.readTextFile(join(dir, file));
      assert.ok(text.endsWith("\n"), `${file} ends with a newline`);
      for (const line of text.slice(0, -1).split("\n")) JSON.parse(line);
    }
    const { records, warnings } = await readAll(path);
    assert.deepEqual(warnings, []);
    assert.equal(records.length, 800);
    assert.equal(new Set(records.map((record) => record.run_id)).size, 800);
    // Each writer appends in sequence, so newest first its records count down: rotation kept order.
    const next = new Map<string, number>();
    for (const { run_id } of records) {
      const [writer, index] = run_id.split("-");
      assert.equal(Number(index), next.get(writer) ?? 49, `${run_id} out of order`);
      next.set(writer, Number(index) - 1);
    }
  });
});

Deno.test("appendRecord() called many times at once in one process serializes on the lock", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "journal.jsonl");
    const maxBytes = lineBytes(fakeReport("p-99")) * 10;
    await Promise.all(
      Array.from(
        { length: 100 },
        (_, i) => appendRecord({ path, maxBytes, keep: 20 }, fakeReport(`p-${i}`)),
      ),
    );
    const found = await ids(path);
    assert.equal(found.length, 100);
    assert.equal(new Set(found).size, 100);
    assert.deepEqual(journalFiles(dir).length, 10);
  });
});

Deno.test("readNewest() skips a torn last line with a warning, and a later append reads cleanly", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "journal.jsonl");
    await appendRecord({ path, ...BIG }, fakeReport("before"));
    // A runner killed mid-write: part of a record, no newline.
    await Deno.writeTextFile(path, JSON.stringify(fakeReport("torn")).slice(0, 90), {
      append: true,
    });
    let { records, warnings } = await readAll(path);
    assert.deepEqual(records.map((r) => r.run_id), ["before"]);
    assert.equal(warnings.length, 1);
    assert.ok(warnings[0].startsWith(`${path}: `), warnings[0]);
    assert.match(warnings[0], /not a whole record \(the last line;/);

    await appendRecord({ path, ...BIG }, fakeReport("after"));
    ({ records, warnings } = await readAll(path));
    assert.deepEqual(records.map((r) => r.run_id), ["after", "before"]);
    assert.equal(warnings.length, 1, "only the torn line is skipped");
    assert.match(warnings[0], /line 2 from the end/);
    const lines = (await Deno.readTextFile(path)).split("\n");
    assert.deepEqual(lines.map((line) => line.slice(0, 14)), [
      '{"run_id":"bef',
      '{"run_id":"tor',
      '{"run_id":"aft',
      "",
    ]);
  });
});

Deno.test("readNewest() names the rotated file a bad line is in, and passes blank lines over", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "journal.jsonl");
    await Deno.writeTextFile(path, `\n${JSON.stringify(fakeReport("b"))}\r\n\n   \n`);
    await Deno.writeTextFile(
      `${path}.1`,
      `${JSON.stringify(fakeReport("a"))}\n[1, 2]\n{"run_id":`,
    );
    const { records, warnings } = await readAll(path);
    assert.deepEqual(records.map((r) => r.run_id), ["b", "a"]);
    assert.deepEqual(warnings, [
      `${path}.1: skipped a line that is not a whole record (the last line; a runner may have been killed while writing it)`,
      `${path}.1: skipped a line that is not a run record (line 2 from the end)`,
    ]);
  });
});

Deno.test("readNewest() reads lines longer than its chunk and characters split across chunks", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "journal.jsonl");
    // Multi-byte characters at every offset mod 4, in records of 1 byte to 300 KiB.
    const reports = [1, 3, 65_535, 65_536, 65_537, 100_000, 300_000, 7].map((length, i) =>
      fakeReport(`long-${i}`, {
        hooks: [{
          ...fakeReport("x").hooks[0],
          stdout: [..."é🚀€a".repeat(length)].slice(0, length).join(""),
        }],
      })
    );
    // Whole records: the journal's 64 KiB cap on hook output would cut them.
    for (const report of reports) {
      await appendRecord({ path, ...BIG, maxOutputBytes: 1 << 20 }, report);
    }
    const { records, warnings } = await readAll(path);
    assert.deepEqual(warnings, []);
    assert.deepEqual(records, reports.toReversed());
  });
});

Deno.test("readNewest() does not read a file twice when it is rotated while being read", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "journal.jsonl");
    const size = lineBytes(fakeReport("a"));
    await writeRecords(`${path}.1`, ["x"]);
    await writeRecords(path, ["a", "b", "c"]);
    const reader = readNewest({ path });
    const first = await reader.next();
    assert.equal(first.value?.run_id, "c");
    // Another runner rotates: the journal being read becomes .1, the old .1 becomes .2.
    await appendRecord({ path, maxBytes: size * 3, keep: 5 }, fakeReport("d"));
    const rest: string[] = [];
    for await (const record of reader) rest.push(record.run_id);
    assert.deepEqual(rest, ["b", "a", "x"]);
  });
});

Deno.test("readNewest() gives the 20 newest of a 100,000-record journal without reading it all", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "journal.jsonl");
    const line = (i: number) => JSON.stringify(fakeReport(`r${i}`));
    // Every record but the newest 100 is garbage: reading it would raise warnings.
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) lines.push(i < 99_900 ? `{"torn": ${i}` : line(i));
    await Deno.writeTextFile(path, lines.join("\n") + "\n");
    await writeRecords(`${path}.1`, ["older"]);
    const fileSize = (await Deno.stat(path)).size;

    let bytesRead = 0;
    const read = Deno.FsFile.prototype.read;
    Deno.FsFile.prototype.read = async function (this: Deno.FsFile, buffer: Uint8Array) {
      const n = await read.call(this, buffer);
      bytesRead += n ?? 0;
      return n;
    };
    const warnings: string[] = [];
    const newest: string[] = [];
    const start = performance.now();
    try {
      for await (const record of readNewest({ path, onWarning: (m) => warnings.push(m) })) {
        newest.push(record.run_id);
        if (newest.length === 20) break;
      }
    } finally {
      Deno.FsFile.prototype.read = read;
    }
    const ms = performance.now() - start;
    assert.deepEqual(newest, Array.from({ length: 20 }, (_, i) => `r${99_999 - i}`));
    assert.deepEqual(warnings, [], "no older line was parsed");
    assert.ok(bytesRead <= 64 * 1024, `read ${bytesRead} of ${fileSize} bytes`);
    assert.ok(ms < 500, `took ${ms.toFixed(1)} ms`);
  });
});

Deno.test("findRun() finds a run by its id or a unique prefix, in any journal file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "journal.jsonl");
    await writeRecords(`${path}.1`, ["cccccccc-0000-old", "dddddddd-1111"]);
    await writeRecords(path, ["aaaaaaaa-1111", "aaaaaaaa-2222", "bbbbbbbb-3333", "aaaaaaaa"]);
    assert.equal((await findRun({ path }, "bbbbbbbb-3333"))?.run_id, "bbbbbbbb-3333");
    assert.equal((await findRun({ path }, "bbbbbbbb"))?.run_id, "bbbbbbbb-3333");
    assert.equal((await findRun({ path }, "cccccccc-0"))?.run_id, "cccccccc-0000-old");
    assert.equal((await findRun({ path }, "dddddddd-1111"))?.run_id, "dddddddd-1111");
    assert.equal(await findRun({ path }, "eeeeeeee"), undefined, "unknown id");
    assert.equal(await findRun({ path }, "bbbbbbb"), undefined, "7 characters are not a prefix");
    assert.equal(await findRun({ path, keep: 0 }, "dddddddd"), undefined, "keep 0: journal only");
    // An exact id wins even where it is also a prefix of other runs.
    assert.equal((await findRun({ path }, "aaaaaaaa"))?.run_id, "aaaaaaaa");
    await assert.rejects(
      () => findRun({ path }, "aaaaaaaa-"),
      (error: Error) =>
        error instanceof RangeError && /aaaaaaaa- is ambiguous/.test(error.message) &&
        error.message.includes("aaaaaaaa-2222") && error.message.includes("aaaaaaaa-1111"),
    );
    await assert.rejects(() => findRun({ path }, ""), RangeError);
  });
});

Deno.test("appendRecord() throws an error naming the path when the journal cannot be written", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "a-file");
    await Deno.writeTextFile(file, "");
    // A parent that is a regular file stops root as well as anyone.
    await assert.rejects(
      () => appendRecord({ path: join(file, "journal.jsonl"), ...BIG }, fakeReport("x")),
      (error: Error) =>
        error.message.startsWith(`cannot write journal ${file}/journal.jsonl: `) &&
        error.message.includes(`${file} is not a directory`),
    );
    await assert.rejects(
      () => appendRecord({ path: join(file, "deeper", "journal.jsonl"), ...BIG }, fakeReport("x")),
      /^JournalError: cannot write journal .*a-file\/deeper\/journal\.jsonl: a parent of it is not a directory/,
    );
    // The journal path is a directory.
    const taken = join(dir, "journal.jsonl");
    await Deno.mkdir(taken);
    await assert.rejects(
      () => appendRecord({ path: taken, ...BIG }, fakeReport("x")),
      new RegExp(`cannot write journal ${taken}: .*\\(while opening it\\)`),
    );
    await assert.rejects(
      () => appendRecord({ path: join(dir, "j.jsonl"), maxBytes: 100, keep: -1 }, fakeReport("x")),
      /keep must be a whole number/,
    );
    await assert.rejects(
      () => appendRecord({ path: join(dir, "j.jsonl"), maxBytes: 0, keep: 1 }, fakeReport("x")),
      /maxBytes must be above 0/,
    );
  });
});

Deno.test("parseDuration() reads s, m, h, d, w and combinations, and rejects anything else", () => {
  const cases: [string, number][] = [
    ["90s", 90_000],
    ["15m", 900_000],
    ["2h", 7_200_000],
    ["7d", 604_800_000],
    ["1w", 604_800_000],
    ["1h30m", 5_400_000],
    ["1d2h3m4s", 93_784_000],
    ["0s", 0],
    [" 2h ", 7_200_000],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
  for (
    const bad of [
      "",
      " ",
      "2",
      "h",
      "2x",
      "1h 30m",
      "-1h",
      "1.5h",
      "30m1h",
      "1h1h",
      "2H",
      "yesterday",
    ]
  ) {
    assert.throws(
      () => parseDuration(bad),
      (error: Error) =>
        error instanceof RangeError && error.message.startsWith(`"${bad}" is not a duration`),
      bad,
    );
  }
  assert.throws(() => parseDuration(`${"9".repeat(20)}d`), /too long a duration/);
});
