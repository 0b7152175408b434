/**
 * What the journal keeps of hook output (contract §5): at most
 * `journal.maxOutputBytes` of each stream, text cut at a character boundary,
 * base64 cut as bytes, byte counts exact, and a journal line that stays small
 * whatever a hook prints.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cutStream, trimReport } from "../lib/journal/trim.ts";
import type { RunReport } from "../lib/report.ts";
import { fakeReport } from "./fixtures/fake_report.ts";
import { runCli, timed, withHooks, withTempDir, writeConfig } from "./helpers.ts";
import { runArgs } from "./journal_helpers.ts";

const MIB = 1024 * 1024;
const KEPT = 65_536;

/** Run one hook through the CLI with a journal; return the report line's bytes and parsed record. */
async function journalOf(
  hook: string,
): Promise<{ line: string; record: RunReport; json: RunReport }> {
  return await withTempDir(async (tmp) => {
    const journal = join(tmp, "journal.jsonl");
    const config = await writeConfig(tmp);
    return await withHooks({ "10-loud.sh": hook }, async (dir) => {
      const result = await runCli(
        runArgs(dir, journal, config, "--json"),
        { timeoutMs: 30_000 },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stderr, /warning/);
      const lines = (await Deno.readTextFile(journal)).split("\n").filter(Boolean);
      const line = lines.find((text) => !text.startsWith('{"record":"start"'));
      assert.ok(line, "the report is in the journal");
      return { line, record: JSON.parse(line), json: JSON.parse(result.stdout) };
    });
  });
}

timed.test("the journal stores at most 64 KiB of a hook's 1 MiB of NUL bytes: base64 within the cap, exact count", async () => {
  const { line, record, json } = await journalOf("#!/bin/sh\nhead -c 1048576 /dev/zero\n");
  const hook = record.hooks[0];
  assert.equal(hook.stdout_bytes, MIB, "the count stays exact");
  // As JSON text each NUL takes 6 bytes (\u0000): base64 keeps more within the cap.
  assert.equal(hook.stdout_encoding, "base64");
  assert.ok(hook.stdout.length <= KEPT, `${hook.stdout.length} bytes stored`);
  assert.deepEqual(Uint8Array.fromBase64(hook.stdout), new Uint8Array((KEPT / 4) * 3));
  const bytes = new TextEncoder().encode(line).byteLength;
  assert.ok(bytes < KEPT + 4096, `the journal line is ${bytes} bytes`);
  assert.equal(json.hooks[0].stdout_bytes, MIB);
  assert.ok(json.hooks[0].stdout.length > KEPT, "the --json report keeps maxOutputBytes (1 MiB)");
});

timed.test("the journal stores at most 64 KiB of a hook's 1 MiB of 0xff bytes, as base64", async () => {
  const { line, record, json } = await journalOf(
    "#!/bin/sh\nhead -c 1048576 /dev/zero | tr '\\0' '\\377'\n",
  );
  const hook = record.hooks[0];
  assert.equal(hook.stdout_bytes, MIB, "the count stays exact");
  const bytes = new TextEncoder().encode(line).byteLength;
  assert.ok(bytes < KEPT + 4096, `the journal line is ${bytes} bytes`);
  assert.equal(hook.stdout_encoding, json.hooks[0].stdout_encoding);
  assert.equal(hook.stdout_encoding, "base64");
  assert.ok(hook.stdout.length <= KEPT);
  const kept = Uint8Array.fromBase64(hook.stdout);
  assert.equal(kept.byteLength, (KEPT / 4) * 3);
  assert.ok(kept.every((byte) => byte === 0xff));
});

Deno.test("cutStream() cuts text at a character boundary, never past the cap", () => {
  const text = [..."aé€🚀".repeat(50)].join("");
  const full = new TextEncoder().encode(text);
  for (let max = 0; max <= full.byteLength + 2; max++) {
    const cut = cutStream({ text }, max);
    assert.equal(cut.encoding, undefined);
    const bytes = new TextEncoder().encode(cut.text);
    assert.ok(bytes.byteLength <= max, `max ${max}: ${bytes.byteLength} bytes`);
    assert.ok(text.startsWith(cut.text), `max ${max}: a prefix`);
    assert.ok(max - bytes.byteLength < 4, `max ${max}: at most one character dropped`);
    assert.ok(!cut.text.includes("\ufffd"), `max ${max}: no broken character`);
  }
  const short = { text: "fits" };
  assert.equal(cutStream(short, 4), short, "what fits is returned as it is");
});

Deno.test("cutStream() cuts base64 as bytes, and carries what is left as text when it is UTF-8", () => {
  const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) & 0xff);
  const stream = { text: bytes.toBase64(), encoding: "base64" as const };
  for (const max of [0, 1, 2, 3, 4, 5, 99, 100, 101, 999]) {
    const cut = cutStream(stream, max);
    const kept = cut.encoding === "base64"
      ? Uint8Array.fromBase64(cut.text)
      : new TextEncoder().encode(cut.text);
    assert.deepEqual(kept, bytes.subarray(0, kept.byteLength), `max ${max}: a prefix`);
    assert.ok(kept.byteLength <= max, `max ${max}`);
    if (max > 20) assert.equal(cut.encoding, "base64", `max ${max}: not UTF-8, still base64`);
  }
  assert.equal(cutStream(stream, 1000), stream);
  // Bytes that are not UTF-8 only past the cap: the kept part is text (a cut é dropped).
  const mixed = new Uint8Array([...new TextEncoder().encode("héllo wörld"), 0xff, 0xfe]);
  assert.deepEqual(cutStream({ text: mixed.toBase64(), encoding: "base64" }, 2), { text: "h" });
  assert.deepEqual(cutStream({ text: mixed.toBase64(), encoding: "base64" }, 13), {
    text: "héllo wörld",
  });
});

Deno.test("trimReport() cuts every hook's streams, keeps byte counts, and leaves the report alone", () => {
  const report = fakeReport("loud", {
    hooks: [
      { ...fakeReport("x").hooks[0], stdout: "o".repeat(5000), stdout_bytes: 9_000_000 },
      {
        ...fakeReport("x").hooks[0],
        name: "20-binary",
        stderr: new Uint8Array(3000).fill(0xff).toBase64(),
        stderr_encoding: "base64",
        stderr_bytes: 3000,
      },
    ],
  });
  const before = structuredClone(report);
  const kept = trimReport(report, 1000);
  assert.deepEqual(report, before, "the report given is not changed");
  assert.equal(kept.hooks[0].stdout, "o".repeat(1000));
  assert.equal(kept.hooks[0].stdout_bytes, 9_000_000);
  assert.equal(kept.hooks[1].stderr_encoding, "base64");
  // Stored as base64 within the 1000-byte cap: 750 bytes of it.
  assert.ok(kept.hooks[1].stderr.length <= 1000);
  assert.equal(Uint8Array.fromBase64(kept.hooks[1].stderr).byteLength, 750);
  assert.equal(kept.hooks[1].stderr_bytes, 3000);
});
