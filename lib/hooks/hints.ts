/**
 * What `check` warns about because a run would silently ignore it: a config
 * `hooks` entry that names no file in the directory, and a comment line that
 * looks like a directive but is not one (`# SOLUS-HOOKS:`, `## solus-hooks:`,
 * or a real one after line 20). Either way the hook runs for every event, or
 * the entry's rules for none, and nothing else says so.
 *
 * @module
 */
import { DIRECTIVE_LINE } from "./directives.ts";
import { DIRECTIVE_MAX_LINES } from "../config/constants.ts";
import { suggest } from "../event/schema_issues.ts";

/** One line of a hook that a run ignores although it reads like a directive. */
export interface Lookalike {
  /** Its line number, from 1. */
  line: number;
  /** What is wrong with it, in words. */
  problem: string;
  /** How to fix it. */
  fix: string;
}

/** A comment line that names solus-hooks with a colon, however it is spelt or marked. */
const LOOKS_LIKE = /^\s*(?:#|\/\/|--|;).*?\bsolus[-_ ]?hooks\s*:/i;

/** The longest line quoted back. */
const QUOTE_MAX = 60;

/**
 * The lines of `text` (a hook's first bytes) that look like a directive but
 * that a run ignores: a comment line naming `solus-hooks:` in another case, with
 * another marker or spacing, or a true directive line after line 20.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lookalikeDirectives } from "./hints.ts";
 * const text = "#!/bin/sh\n## solus-hooks: stages=post\n# SOLUS-HOOKS: timeout=5s\n# solus-hooks: stages=pre\n";
 * assert.deepEqual(lookalikeDirectives(text).map((found) => found.line), [2, 3]);
 * const late = "#!/bin/sh\n" + "echo\n".repeat(20) + "# solus-hooks: stages=pre\n";
 * assert.match(lookalikeDirectives(late)[0].problem, /^line 22: .* after line 20/);
 * ```
 */
export function lookalikeDirectives(text: string): Lookalike[] {
  if (!/solus[-_ ]?hooks/i.test(text)) return [];
  const found: Lookalike[] = [];
  const lines = text.split("\n");
  for (const [index, raw] of lines.entries()) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (index === 0 && line.startsWith("#!")) continue;
    if (!LOOKS_LIKE.test(line)) continue;
    const quoted = JSON.stringify(
      line.trim().length > QUOTE_MAX ? `${line.trim().slice(0, QUOTE_MAX)}…` : line.trim(),
    );
    const at = `line ${index + 1}`;
    if (DIRECTIVE_LINE.test(line)) {
      if (index < DIRECTIVE_MAX_LINES) continue; // a directive: parsed and judged as one
      found.push({
        line: index + 1,
        problem:
          `${at}: ${quoted} is after line ${DIRECTIVE_MAX_LINES}, so a run ignores it: the hook runs for every event with the stage's deadline`,
        fix: `move it into the first ${DIRECTIVE_MAX_LINES} lines`,
      });
    } else {
      found.push({
        line: index + 1,
        problem:
          `${at}: ${quoted} looks like a directive but is not one, so a run ignores it: the hook runs for every event with the stage's deadline`,
        fix:
          "write it as one comment marker, then solus-hooks: in lower case: # solus-hooks: actions=... stages=... timeout=...",
      });
    }
  }
  return found;
}

/**
 * For a config `hooks` entry that names no file in the directory: the names
 * it most likely meant, by the file it names with an extension added
 * (`20-firewall` for `20-firewall.sh`), else the closest by spelling; empty
 * when nothing is close.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nearestNames } from "./hints.ts";
 * assert.deepEqual(nearestNames("20-firewall", ["10-log.sh", "20-firewall.py", "20-firewall.sh"]), [
 *   "20-firewall.py",
 *   "20-firewall.sh",
 * ]);
 * assert.deepEqual(nearestNames("10-lgo.sh", ["10-log.sh"]), ["10-log.sh"]);
 * assert.deepEqual(nearestNames("zzz", ["10-log.sh"]), []);
 * ```
 */
export function nearestNames(entry: string, names: readonly string[]): string[] {
  const extended = names.filter((name) => name.startsWith(`${entry}.`));
  if (extended.length > 0) return extended;
  const hint = /^ \(did you mean (.*)\?\)$/s.exec(suggest(entry, names));
  return hint ? [hint[1]] : [];
}
