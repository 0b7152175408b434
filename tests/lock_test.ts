/** The shared writers' lock: bounded, interruptible, and never stuck on a FIFO. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { LockTimeoutError, withLock } from "../lib/journal/lock.ts";
import { timed, withLockHeld, withTempDir } from "./helpers.ts";

timed.test("withLock() gives up after its wait while another process holds the lock", async () => {
  await withTempDir(async (dir) => {
    const lock = join(dir, "x.lock");
    await Deno.writeTextFile(lock, "");
    await withLockHeld(lock, async () => {
      const start = performance.now();
      await assert.rejects(
        withLock(lock, { waitMs: 300 }, () => Promise.resolve()),
        LockTimeoutError,
      );
      const waited = performance.now() - start;
      assert.ok(waited >= 250 && waited < 2000, `waited ${Math.round(waited)} ms`);
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("interrupted")), 100);
      await assert.rejects(
        withLock(lock, { waitMs: 10_000, signal: controller.signal }, () => Promise.resolve()),
        { message: "interrupted" },
      );
    });
  });
});

timed.test("withLock() refuses a FIFO at the lock's path at once instead of waiting for a reader", async () => {
  await withTempDir(async (dir) => {
    const lock = join(dir, "fifo.lock");
    new Deno.Command("mkfifo", { args: [lock] }).outputSync();
    const start = performance.now();
    await assert.rejects(
      withLock(lock, { waitMs: 300 }, () => Promise.resolve()),
      /is not a regular file/,
    );
    assert.ok(performance.now() - start < 1000);
  });
});
