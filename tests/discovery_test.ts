/** Which files are hooks, which are skipped, and why. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { discoverHooks } from "../mod.ts";
import { compareNames, leftoverReason } from "../lib/discovery.ts";
import { withHooks } from "./helpers.ts";

const OK = "#!/bin/sh\nexit 0\n";

Deno.test("compareNames() orders names by their UTF-8 bytes, as run-parts does", () => {
  assert.deepEqual(["b", "B", "a", "10-x", "9-x", "é", "Z1", "_u", "~t"].sort(compareNames), [
    "10-x",
    "9-x",
    "B",
    "Z1",
    "_u",
    "a",
    "b",
    "~t",
    "é",
  ]);
});

Deno.test("leftoverReason() knows dotfiles and editor and package-manager leftovers", () => {
  for (
    const name of [
      "x~",
      "x.bak",
      "x.orig",
      "x.swp",
      "x.dpkg-old",
      "x.dpkg-dist",
      "x.rpmnew",
      "x.rpmsave",
    ]
  ) {
    assert.match(leftoverReason(name) ?? "", /leftover/, name);
  }
  assert.match(leftoverReason(".x") ?? "", /hidden/);
  for (const name of ["10-firewall.sh", "notify.py", "hook"]) {
    assert.equal(leftoverReason(name), null, name);
  }
});

Deno.test("discoverHooks() sorts hooks from what is skipped, with a kind and reason for each", async () => {
  await withHooks({
    "20-b.sh": OK,
    "10-a.sh": OK,
    ".hidden": OK,
    "old.sh.bak": OK,
    "readme.txt": "not a hook\n",
    "target.sh": OK,
  }, async (dir) => {
    await Deno.mkdir(join(dir, "subdir"));
    await Deno.symlink(join(dir, "target.sh"), join(dir, "30-link.sh"));
    await Deno.symlink(join(dir, "subdir"), join(dir, "40-dirlink"));
    await Deno.symlink("/nonexistent/x", join(dir, "50-broken"));
    const found = await discoverHooks(dir);
    assert.equal(found.exists, true);
    assert.deepEqual(found.hooks.map((h) => h.name), [
      "10-a.sh",
      "20-b.sh",
      "30-link.sh",
      "target.sh",
    ]);
    assert.equal(found.hooks[2].target, join(await Deno.realPath(dir), "target.sh"));
    assert.deepEqual(
      found.skipped.map((s) => [s.name, s.kind, s.refused]),
      [
        [".hidden", "hidden", false],
        ["40-dirlink", "directory", false],
        ["50-broken", "broken_link", false],
        ["old.sh.bak", "leftover", false],
        ["readme.txt", "not_executable", false],
        ["subdir", "directory", false],
      ],
    );
    assert.equal(
      found.skipped.find((s) => s.name === "readme.txt")?.reason,
      "not executable (mode 0644): chmod +x to enable it",
    );
    assert.equal(
      found.skipped.find((s) => s.name === "50-broken")?.reason,
      "broken symlink to /nonexistent/x",
    );
  }, { "readme.txt": 0o644 });
});

Deno.test("discoverHooks() refuses hooks writable by group or others, and links to such targets, unless allowInsecure", async () => {
  await withHooks({ "a.sh": OK, "b.sh": OK, "target.sh": OK }, async (dir) => {
    await Deno.chmod(join(dir, "target.sh"), 0o775);
    await Deno.symlink(join(dir, "target.sh"), join(dir, "c-link.sh"));
    const strict = await discoverHooks(dir);
    assert.deepEqual(strict.hooks.map((h) => h.name), ["a.sh"]);
    const refused = strict.skipped.filter((s) => s.refused).map((s) => [s.name, s.reason]);
    assert.deepEqual(refused.map(([name]) => name), ["b.sh", "c-link.sh", "target.sh"]);
    assert.match(refused[0][1], /^refused: writable by group or others \(mode 0757\): chmod go-w$/);
    assert.match(
      refused[1][1],
      /^refused: link target .*target\.sh writable by group or others \(mode 0775\)/,
    );
    const lax = await discoverHooks(dir, { allowInsecure: true });
    assert.deepEqual(lax.hooks.map((h) => h.name), ["a.sh", "b.sh", "c-link.sh", "target.sh"]);
  }, { "b.sh": 0o757 });
});

Deno.test({
  name:
    "discoverHooks() refuses a hook owned by another user but trusts root's and the runner's (needs root)",
  ignore: Deno.uid() !== 0,
  fn: async () => {
    await withHooks({ "mine.sh": OK, "theirs.sh": OK }, async (dir) => {
      await Deno.chown(join(dir, "theirs.sh"), 65534, 65534);
      const found = await discoverHooks(dir);
      assert.deepEqual(found.hooks.map((h) => h.name), ["mine.sh"]);
      assert.match(found.skipped[0].reason, /owned by uid 65534, not root or the runner \(uid 0\)/);
      // A runner with uid 65534 trusts that user's files, and root's.
      const asNobody = await discoverHooks(dir, { uid: 65534 });
      assert.deepEqual(asNobody.hooks.map((h) => h.name), ["mine.sh", "theirs.sh"]);
    });
  },
});

Deno.test("discoverHooks() treats a missing directory as zero hooks and a file as an error", async () => {
  const missing = await discoverHooks("/nonexistent/solus-hooks");
  assert.deepEqual([missing.exists, missing.hooks, missing.skipped], [false, [], []]);
  const file = await Deno.makeTempFile();
  try {
    await assert.rejects(() => discoverHooks(file), /is not a directory/);
  } finally {
    await Deno.remove(file);
  }
});
