/**
 * Per-hook directives: which events a hook is for and its own time limit, from a
 * comment line in the hook's first lines,
 *
 * ```
 * # solus-hooks: actions=server-create,server-network-* stages=post timeout=10s
 * ```
 *
 * or from the config's `hooks` key (for compiled hooks, which have no comment
 * lines); the config wins over the file, key by key. An unknown key or a bad
 * value is an error: discovery refuses the hook with it, and `check` reports it.
 *
 * @module
 */
import type { HookRules } from "../config/settings.ts";
import { DIRECTIVE_HEAD_BYTES, DIRECTIVE_MAX_LINES, MAX_TIMEOUT_MS } from "../config/constants.ts";
import { quote, suggest } from "../event/schema_issues.ts";
import { type Stage, STAGES } from "../event/registry.ts";
import { passScopeDenial } from "../errors.ts";
import { parseTimeout } from "../duration.ts";

/** What a hook is for, and its own time limit. An absent key means "all" (or the stage's deadline). */
export interface Directives {
  /** Action patterns it is for (`*` matches any run of characters). */
  actions?: string[];
  /** Stages it is for. */
  stages?: Stage[];
  /** Its own time limit, in milliseconds, within the stage's deadline. */
  timeoutMs?: number;
}

/** The outcome of reading directives: the rules, or what is wrong with them. */
export type DirectiveResult =
  | { ok: true; directives: Directives }
  | { ok: false; error: string };

/** A directive line: a comment marker, `solus-hooks:`, then the pairs. */
export const DIRECTIVE_LINE = /^\s*(?:#|\/\/|--|;)\s*solus-hooks:(.*)$/;
/** An action name or pattern: what the config accepts in `hooks.*.actions`. */
const ACTION_PATTERN = /^[a-z*][a-z0-9*-]*$/;
const KEYS = ["actions", "stages", "timeout"] as const;

/**
 * Whether an action name matches a pattern whose `*` matches any run of
 * characters (none included).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matchesAction } from "./directives.ts";
 * assert.equal(matchesAction("server-network-*", "server-network-create"), true);
 * assert.equal(matchesAction("server-*", "backup-create"), false);
 * assert.equal(matchesAction("server-create", "server-create"), true);
 * ```
 */
export function matchesAction(pattern: string, action: string): boolean {
  if (!pattern.includes("*")) return pattern === action;
  const parts = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join(".*")}$`).test(action);
}

/**
 * Whether a hook with these rules runs for `action` at `stage`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { appliesTo } from "./directives.ts";
 * const rules = { actions: ["server-create", "server-network-*"], stages: ["post" as const] };
 * assert.equal(appliesTo(rules, "server-network-update", "post"), true);
 * assert.equal(appliesTo(rules, "server-create", "pre"), false);
 * assert.equal(appliesTo({}, "server-stop", "pre"), true);
 * ```
 */
export function appliesTo(rules: Directives, action: string, stage: Stage): boolean {
  return (rules.stages === undefined || rules.stages.includes(stage)) &&
    (rules.actions === undefined ||
      rules.actions.some((pattern) => matchesAction(pattern, action)));
}

/**
 * Milliseconds in the directive's syntax, the largest whole unit: `10s`, `2m`, `1500ms`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatTimeout } from "./directives.ts";
 * assert.equal(formatTimeout(10_000), "10s");
 * assert.equal(formatTimeout(1500), "1500ms");
 * ```
 */
export function formatTimeout(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * What is wrong with a list of action patterns, or null. `known` (the
 * registry's action names), when given, catches a pattern that matches no
 * action: a misspelt name would otherwise switch the hook off in silence.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { actionsProblem } from "./directives.ts";
 * assert.equal(actionsProblem(["server-*"], ["server-stop"]), null);
 * assert.equal(
 *   actionsProblem(["server-stpo"], ["server-stop"]),
 *   '"server-stpo" matches no action (did you mean server-stop?)',
 * );
 * ```
 */
export function actionsProblem(
  patterns: readonly string[],
  known?: readonly string[],
): string | null {
  for (const pattern of patterns) {
    if (!ACTION_PATTERN.test(pattern)) {
      return `${
        quote(pattern)
      } is not an action name or pattern (lower-case letters, digits, - and *)`;
    }
    if (known && known.length > 0 && !known.some((action) => matchesAction(pattern, action))) {
      return `${quote(pattern)} matches no action${suggest(pattern, known)}`;
    }
  }
  return null;
}

/** Parse the value of one key into `into`; the problem in words, or null. */
function parseValue(
  key: (typeof KEYS)[number],
  value: string,
  into: Directives,
  known?: readonly string[],
): string | null {
  if (value === "") return `${key} has no value`;
  if (key === "timeout") {
    const ms = parseTimeout(value);
    if (ms === null) return `timeout ${quote(value)} is not a time limit such as 500ms, 10s or 2m`;
    if (ms < 1 || ms > MAX_TIMEOUT_MS) {
      return `timeout ${quote(value)} must be between 1ms and ${formatTimeout(MAX_TIMEOUT_MS)}`;
    }
    into.timeoutMs = ms;
    return null;
  }
  const items = value.split(",");
  if (items.some((item) => item === "")) return `${key} ${quote(value)} has an empty item`;
  if (key === "stages") {
    const bad = items.find((item) => !(STAGES as readonly string[]).includes(item));
    if (bad !== undefined) return `stages: ${quote(bad)} is not pre or post`;
    into.stages = [...new Set(items as Stage[])];
    return null;
  }
  const problem = actionsProblem(items, known);
  if (problem) return `actions: ${problem}`;
  into.actions = [...new Set(items)];
  return null;
}

/**
 * Find and parse the directive lines in the first {@linkcode DIRECTIVE_MAX_LINES}
 * lines of `text`. A line is `^\s*(#|//|--|;)\s*solus-hooks:` and then
 * space-separated `key=value` pairs: `actions` (comma list of patterns),
 * `stages` (`pre`, `post`), `timeout` (`500ms`, `10s`, `2m`). Several lines add
 * up; a key given twice, an unknown key or a bad value is an error naming the
 * line. `known` (action names) lets a pattern that matches no action be an error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDirectives } from "./directives.ts";
 * const text = "#!/bin/sh\n# solus-hooks: actions=server-create stages=post timeout=10s\n";
 * assert.deepEqual(parseDirectives(text), {
 *   ok: true,
 *   directives: { actions: ["server-create"], stages: ["post"], timeoutMs: 10_000 },
 * });
 * assert.deepEqual(parseDirectives("// solus-hooks: timout=1s"), {
 *   ok: false,
 *   error: 'line 1: unknown key "timout" (did you mean timeout?)',
 * });
 * ```
 */
export function parseDirectives(text: string, known?: readonly string[]): DirectiveResult {
  if (!text.includes("solus-hooks:")) return { ok: true, directives: {} };
  const directives: Directives = {};
  const seen = new Set<string>();
  let start = 0;
  for (let index = 0; index < DIRECTIVE_MAX_LINES && start <= text.length; index++) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    // Most lines of most hooks say nothing of solus-hooks: no regular expression for them.
    if (!line.includes("solus-hooks:")) continue;
    const match = DIRECTIVE_LINE.exec(line.endsWith("\r") ? line.slice(0, -1) : line);
    if (!match) continue;
    const at = `line ${index + 1}`;
    for (const pair of match[1].trim().split(/\s+/).filter(Boolean)) {
      const equals = pair.indexOf("=");
      if (equals <= 0) {
        return { ok: false, error: `${at}: ${quote(pair)} is not key=value` };
      }
      const key = pair.slice(0, equals);
      if (!(KEYS as readonly string[]).includes(key)) {
        const hint = suggest(key, KEYS) || " (the keys are actions, stages and timeout)";
        return { ok: false, error: `${at}: unknown key ${quote(key)}${hint}` };
      }
      if (seen.has(key)) return { ok: false, error: `${at}: ${key} is given twice` };
      seen.add(key);
      const problem = parseValue(
        key as (typeof KEYS)[number],
        pair.slice(equals + 1),
        directives,
        known,
      );
      if (problem) return { ok: false, error: `${at}: ${problem}` };
    }
  }
  return { ok: true, directives };
}

/** Reused by every read: discovery reads heads one at a time, synchronously. */
let headBuffer: Uint8Array | undefined;
const decoder = new TextDecoder();

/**
 * The first {@linkcode DIRECTIVE_HEAD_BYTES} bytes of the file at `path`, read
 * synchronously (discovery runs before any hook starts, and a synchronous read
 * is several times cheaper than an awaited one); null when it cannot be read.
 * Discovery reads each file's head once and asks it both whether the file is
 * solus-hooks itself and what its directives are. The bytes live in a buffer
 * the next call reuses: use them before reading another head.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readHead } from "./directives.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "#!/bin/sh\n");
 * assert.equal(new TextDecoder().decode(readHead(path)!), "#!/bin/sh\n");
 * assert.equal(readHead(`${path}.absent`), null);
 * ```
 */
export function readHead(path: string): Uint8Array | null {
  const buffer = headBuffer ??= new Uint8Array(DIRECTIVE_HEAD_BYTES);
  let length = 0;
  let file: Deno.FsFile | undefined;
  try {
    file = Deno.openSync(path, { read: true });
    while (length < buffer.length) {
      const wanted = buffer.length - length;
      const n = file.readSync(buffer.subarray(length));
      if (n === null || n === 0) break;
      length += n;
      if (n < wanted) break; // a short read of a regular file is its end: no second call to learn it
    }
  } catch (error) {
    passScopeDenial(error); // the CLI words it as the build's scope
    return null;
  } finally {
    file?.close();
  }
  return buffer.subarray(0, length);
}

/**
 * The directives in a file's head as {@linkcode readHead} gives it. A compiled
 * program (ELF) or a file that cannot be read (null) has none. The last line
 * is dropped when the head fills the bound, so half a directive is never judged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { directivesInHead } from "./directives.ts";
 * const head = new TextEncoder().encode("#!/bin/sh\n# solus-hooks: stages=pre\n");
 * assert.deepEqual(directivesInHead(head), { ok: true, directives: { stages: ["pre"] } });
 * assert.deepEqual(directivesInHead(null), { ok: true, directives: {} });
 * ```
 */
export function directivesInHead(
  head: Uint8Array | null,
  known?: readonly string[],
): DirectiveResult {
  if (head === null) return { ok: true, directives: {} }; // unreadable: only a compiled program, which has none
  if (head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46) {
    return { ok: true, directives: {} };
  }
  let text = decoder.decode(head);
  if (head.length === DIRECTIVE_HEAD_BYTES) text = text.slice(0, text.lastIndexOf("\n") + 1);
  return parseDirectives(text, known);
}

/**
 * The directives in the first lines of the file at `path`:
 * {@linkcode directivesInHead} of its {@linkcode readHead}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readDirectives } from "./directives.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "#!/bin/sh\n# solus-hooks: stages=pre\n");
 * assert.deepEqual(readDirectives(path), { ok: true, directives: { stages: ["pre"] } });
 * assert.deepEqual(readDirectives("/bin/sh"), { ok: true, directives: {} });
 * ```
 */
export function readDirectives(path: string, known?: readonly string[]): DirectiveResult {
  return directivesInHead(readHead(path), known);
}

/**
 * The rules a hook runs by: its file's directives, with the config's `hooks`
 * entry for its name winning key by key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mergeRules } from "./directives.ts";
 * assert.deepEqual(
 *   mergeRules({ actions: ["server-create"], timeoutMs: 10_000 }, { timeoutMs: 5000 }),
 *   { actions: ["server-create"], timeoutMs: 5000 },
 * );
 * ```
 */
export function mergeRules(file: Directives, config?: HookRules): Directives {
  const merged: Directives = { ...file };
  if (config?.actions !== undefined) merged.actions = [...config.actions];
  if (config?.stages !== undefined) merged.stages = [...config.stages];
  if (config?.timeoutMs !== undefined) merged.timeoutMs = config.timeoutMs;
  return merged;
}

/**
 * What a hook is for, in words, for `check`, `test`, `--dry-run` and `actions`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeRules } from "./directives.ts";
 * assert.equal(describeRules({}), "every action and stage");
 * assert.equal(
 *   describeRules({ actions: ["server-create", "server-network-*"], stages: ["post"], timeoutMs: 10_000 }),
 *   "actions server-create,server-network-*; stages post; timeout 10s",
 * );
 * ```
 */
export function describeRules(rules: Directives): string {
  const parts: string[] = [];
  if (rules.actions !== undefined) parts.push(`actions ${rules.actions.join(",")}`);
  if (rules.stages !== undefined) parts.push(`stages ${rules.stages.join(",")}`);
  if (parts.length === 0) parts.push("every action and stage");
  if (rules.timeoutMs !== undefined) parts.push(`timeout ${formatTimeout(rules.timeoutMs)}`);
  return parts.join("; ");
}

/** What one hook is for, as the JSON of `check`, `--dry-run` and `actions` prints it. */
export interface RulesSummary {
  /** The hook's file name. */
  name: string;
  /** Action patterns it is for; null for every action. */
  actions: string[] | null;
  /** Stages it is for; null for both. */
  stages: Stage[] | null;
  /** Its own time limit in milliseconds; null for the stage's deadline. */
  timeout_ms: number | null;
}

/**
 * A hook's rules as JSON output carries them: every key present, null for "all".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summarizeRules } from "./directives.ts";
 * assert.deepEqual(summarizeRules("10-a", { stages: ["post"] }), {
 *   name: "10-a", actions: null, stages: ["post"], timeout_ms: null,
 * });
 * ```
 */
export function summarizeRules(name: string, rules: Directives): RulesSummary {
  return {
    name,
    actions: rules.actions ?? null,
    stages: rules.stages ?? null,
    timeout_ms: rules.timeoutMs ?? null,
  };
}

/**
 * The rules back from their summary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rulesOfSummary } from "./directives.ts";
 * assert.deepEqual(
 *   rulesOfSummary({ name: "a", actions: null, stages: null, timeout_ms: 500 }),
 *   { timeoutMs: 500 },
 * );
 * ```
 */
export function rulesOfSummary(summary: RulesSummary): Directives {
  return {
    ...(summary.actions ? { actions: summary.actions } : {}),
    ...(summary.stages ? { stages: summary.stages } : {}),
    ...(summary.timeout_ms !== null ? { timeoutMs: summary.timeout_ms } : {}),
  };
}

/**
 * Whether the rules say anything: a directive or a config entry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hasRules } from "./directives.ts";
 * assert.equal(hasRules({}), false);
 * assert.equal(hasRules({ timeoutMs: 1000 }), true);
 * ```
 */
export function hasRules(rules: Directives): boolean {
  return rules.actions !== undefined || rules.stages !== undefined ||
    rules.timeoutMs !== undefined;
}
