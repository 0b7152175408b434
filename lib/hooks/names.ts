/**
 * Hook names: their order (byte-wise, as run-parts) and the names skipped
 * whatever the file is (dotfiles, editor and package-manager leftovers).
 *
 * @module
 */

/** A string's Unicode scalar value at `i`; a lone surrogate counts as U+FFFD, as UTF-8 encodes it. */
function scalarAt(text: string, i: number): number {
  const code = text.codePointAt(i)!;
  return code >= 0xd800 && code <= 0xdfff ? 0xfffd : code;
}

/**
 * Compare two names by the bytes of their UTF-8 encoding, the order `ls` gives
 * under `LC_ALL=C` and run-parts uses: `10` before `9`, `B` before `a`, and any
 * non-ASCII letter after every ASCII one. Not `localeCompare`: the order must not
 * depend on the machine's locale.
 *
 * UTF-8 byte order is the order of Unicode scalar values, so this compares
 * those without encoding either string.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareNames } from "./names.ts";
 * assert.deepEqual(["b", "a", "B", "10", "9", "é"].sort(compareNames), ["10", "9", "B", "a", "b", "é"]);
 * ```
 */
export function compareNames(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = scalarAt(a, i);
    const y = scalarAt(b, j);
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return (i < a.length ? 1 : 0) - (j < b.length ? 1 : 0);
}

/** Editor and package-manager leftovers, by the end of their names (and `.dpkg-*` anywhere). */
const LEFTOVER_SUFFIXES = [
  "~",
  ".bak",
  ".orig",
  ".swp",
  ".swo",
  ".swx",
  ".rej",
  ".rpmnew",
  ".rpmsave",
  ".rpmorig",
  ".ucf-old",
  ".ucf-new",
  ".ucf-dist",
  ".pacnew",
  ".pacsave",
  ".pacorig",
];

/** The leftover suffixes as one expression: one match per name instead of one call per suffix. */
const LEFTOVER_END = new RegExp(
  `(?:${LEFTOVER_SUFFIXES.map((suffix) => suffix.replace(/[.~]/g, "\\$&")).join("|")})$`,
);

/** The suffix that switches a hook off without `chmod -x`. */
export const DISABLED_SUFFIX = ".disabled";

/**
 * Why a name is skipped whatever the file is: a dotfile, or a leftover of an
 * editor or package manager (`~`, `#name#`, `.bak`, `.orig`, `.swp`, `.swo`,
 * `.swx`, `.rej`, `.rpmnew`, `.rpmsave`, `.rpmorig`, `.ucf-old`, `.ucf-new`,
 * `.ucf-dist`, `.pacnew`, `.pacsave`, `.pacorig`, `.dpkg-*`). Null when the
 * name is fine. (A name ending in `.disabled` is skipped too, as `disabled`.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leftoverReason } from "./names.ts";
 * assert.equal(leftoverReason("hook.sh.bak"), "editor or package-manager leftover (.bak)");
 * assert.equal(leftoverReason("hook.sh.dpkg-old"), "editor or package-manager leftover (.dpkg-old)");
 * assert.equal(leftoverReason("#hook.sh#"), "editor or package-manager leftover (#...#)");
 * assert.equal(leftoverReason(".hook.sh"), "hidden file (name starts with a dot)");
 * assert.equal(leftoverReason("hook.sh"), null);
 * ```
 */
export function leftoverReason(name: string): string | null {
  return nameSkip(name)?.reason ?? null;
}

/** Why a name is skipped whatever the file is, by kind; null when it is fine. */
export function nameSkip(name: string): { kind: "hidden" | "leftover"; reason: string } | null {
  if (name.startsWith(".")) {
    return { kind: "hidden", reason: "hidden file (name starts with a dot)" };
  }
  const dpkg = name.indexOf(".dpkg-");
  const suffix = dpkg !== -1
    ? name.slice(dpkg)
    : name.length > 1 && name.startsWith("#") && name.endsWith("#")
    ? "#...#"
    : LEFTOVER_END.exec(name)?.[0];
  return suffix
    ? { kind: "leftover", reason: `editor or package-manager leftover (${suffix})` }
    : null;
}
