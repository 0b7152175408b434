/**
 * Journal retention by age (`journal.maxAgeDays`), beside rotation by size:
 * applied under the journal's lock on each append, a file at a time, so it costs
 * nothing when off (the default) and a few `stat` calls when on. A rotated file
 * whose last write is older than the limit is deleted, with every older one; a
 * live file whose first record is older is rotated, so its records go once the
 * newest of them has aged too. A record is thus kept at least `maxAgeDays` and
 * at most about twice that.
 *
 * @module
 */
import { MAX_ROTATED } from "./files.ts";

/** One day in milliseconds. */
const DAY_MS = 86_400_000;

/** How much of the live file is read to find its first record's start. */
const FIRST_LINE_BYTES = 4096;

/** `"started_at":"..."` in a record's text. */
const STARTED_AT = /"started_at":"([^"]+)"/;

/**
 * Delete the rotated files (`PATH.1` ... `PATH.keep`) last written more than
 * `maxAgeDays` days before `now`, and say whether the live file, open as
 * `file`, should be rotated: its first record started before then. Nothing
 * when `maxAgeDays` is 0 (off).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { applyMaxAge } from "./retention.ts";
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/journal.jsonl`;
 * await Deno.writeTextFile(`${path}.1`, "{}\n");
 * await Deno.utime(`${path}.1`, new Date("2020-01-01"), new Date("2020-01-01"));
 * await Deno.writeTextFile(path, '{"started_at":"2020-01-01T00:00:00.000Z"}\n');
 * using file = await Deno.open(path, { read: true, append: true });
 * assert.equal(await applyMaxAge(path, 5, 7, file), true);
 * await assert.rejects(Deno.stat(`${path}.1`), Deno.errors.NotFound);
 * ```
 */
export async function applyMaxAge(
  path: string,
  keep: number,
  maxAgeDays: number,
  file: Deno.FsFile,
  now = Date.now(),
): Promise<boolean> {
  if (!(maxAgeDays > 0)) return false;
  const cutoff = now - maxAgeDays * DAY_MS;
  // Rotated files are older the higher their number: from the first one too old, all go.
  let expired = false;
  for (let n = 1; n <= Math.max(keep, MAX_ROTATED); n++) {
    const name = `${path}.${n}`;
    if (!expired) {
      const info = await Deno.stat(name).catch(() => null);
      if (info === null) break;
      expired = info.mtime !== null && info.mtime.getTime() < cutoff;
      if (!expired) continue;
    }
    try {
      await Deno.remove(name);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) break;
      throw error;
    }
  }
  const buffer = new Uint8Array(FIRST_LINE_BYTES);
  await file.seek(0, Deno.SeekMode.Start);
  const n = await file.read(buffer);
  if (!n) return false;
  const first = new TextDecoder().decode(buffer.subarray(0, n)).split("\n", 1)[0];
  const started = Date.parse(STARTED_AT.exec(first)?.[1] ?? "");
  return Number.isFinite(started) && started < cutoff;
}
