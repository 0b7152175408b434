/** lib/paths.ts against node:path, the reference it stands in for. */
import assert from "node:assert/strict";
import * as node from "node:path";
import { basename, dirname, isAbsolute, join, resolve } from "../lib/paths.ts";

const SAMPLES = [
  "/",
  "",
  ".",
  "..",
  "a",
  "/a/b/",
  "/a//b/../c/./d",
  "a/../../b",
  "../x/y",
  "/usr/local/solus/hooks",
  "hooks/10-log.sh",
  "/a/b/c/",
  "//double",
  "//",
  "///a//",
  "a/b",
];

Deno.test("join(), resolve(), dirname(), basename() and isAbsolute() agree with node:path on POSIX", () => {
  for (const a of SAMPLES) {
    assert.equal(dirname(a || "."), node.dirname(a || "."), `dirname(${a})`);
    assert.equal(basename(a), node.basename(a), `basename(${a})`);
    assert.equal(isAbsolute(a), node.isAbsolute(a), `isAbsolute(${a})`);
    assert.equal(resolve(a), node.resolve(a), `resolve(${a})`);
    for (const b of SAMPLES) {
      if (a === "" && b === "") continue;
      assert.equal(join(a, b), node.join(a, b), `join(${a}, ${b})`);
      assert.equal(resolve(a, b), node.resolve(a, b), `resolve(${a}, ${b})`);
    }
  }
});
