/**
 * The entry (contract §0): the one executable in SolusVM's own hooks folder,
 * which runs one stage of solus-hooks over `hooks.d`. What it says, how long it
 * may take within SolusVM's one-minute wait, and the rule that the runner never
 * runs itself: neither the entry nor the command found among the hooks, nor a
 * `run` started from inside a hook of the same stage.
 *
 * @module
 */
import { DEFAULT_PATH, PLATFORM } from "../config/constants.ts";
import { basename } from "../paths.ts";
import type { EnvReader } from "../config/runner_env.ts";

/** A line in the entry script by which the runner knows it, wherever it is copied. */
export const ENTRY_MARKER = "@solus-hooks entry";
/** A line in the command's own wrapper script by which the runner knows it. */
export const RUNNER_MARKER = "@solus-hooks runner";

/** The entry's only option: what `run` does differently for the platform. */
export const ENTRY_FLAG = "--entry";

function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The entry script that runs `command` (the installed `solus-hooks`): a missing
 * command is one line on stderr and exit 127, never a silent no-op.
 *
 * @example
 * ```ts
 * import { entryCommand, entryScript } from "./entry.ts";
 * import assert from "node:assert/strict";
 * const script = entryScript("/usr/local/bin/solus-hooks");
 * assert.match(script, /^#!\/bin\/sh\n/);
 * assert.match(script, /exec "\$command" run --entry\n$/);
 * assert.equal(entryCommand(script), "/usr/local/bin/solus-hooks");
 * ```
 */
export function entryScript(command: string): string {
  return `#!/bin/sh
# ${ENTRY_MARKER}: the one executable SolusVM runs from ${PLATFORM.hooksDir}/.
# It runs one stage of the event SolusVM gives it on stdin over the hooks in
# the hooks directory (default ${PLATFORM.hooksDir}.d/), and returns within SolusVM's
# one-minute wait. Written by deno task install, removed by deno task uninstall.
# Put hooks in the hooks directory, never beside this file: SolusVM would run them
# itself, outside every deadline, directive and record of solus-hooks.
# Started without a PATH, the command, deno and the hooks still find their programs.
PATH=\${PATH:-${DEFAULT_PATH}}
export PATH
command=${quote(command)}
if [ ! -x "$command" ]; then
  echo "solus-hooks entry: $command is missing or not executable, so no hook ran: reinstall solus-hooks (deno task install)" >&2
  exit 127
fi
exec "$command" run ${ENTRY_FLAG}
`;
}

/**
 * The command an entry script runs, or null when `text` is no entry script.
 *
 * @example
 * ```ts
 * import { entryCommand } from "./entry.ts";
 * import assert from "node:assert/strict";
 * assert.equal(entryCommand("#!/bin/sh\necho hi\n"), null);
 * ```
 */
export function entryCommand(text: string): string | null {
  if (!text.includes(ENTRY_MARKER)) return null;
  const line = /^command='((?:[^']|'\\'')*)'$/m.exec(text);
  return line ? line[1].replaceAll(`'\\''`, "'") : null;
}

/**
 * The deadline the entry gives a stage when neither `--timeout` nor the
 * config's `timeoutMs` sets one: what the budget leaves after the kill grace
 * and the runner's own reserve (54000 ms with the default 2000 ms grace).
 *
 * @example
 * ```ts
 * import { entryTimeoutMs } from "./entry.ts";
 * import assert from "node:assert/strict";
 * assert.equal(entryTimeoutMs(2_000), 54_000);
 * assert.equal(entryTimeoutMs(5_000), 51_000);
 * assert.equal(entryTimeoutMs(600_000), 1_000); // the grace alone breaks the budget: check says so
 * ```
 */
export function entryTimeoutMs(killGraceMs: number): number {
  return Math.max(PLATFORM.minTimeoutMs, PLATFORM.budgetMs - PLATFORM.reserveMs - killGraceMs);
}

/**
 * The deadline the entry gives a stage whose event arrived `elapsedMs` after
 * the runner started, when the deadline is the entry's default: a platform slow
 * to write the event takes its lateness off the stage, so the entry still
 * returns within the budget. Null when the deadline came from `--timeout` or
 * the config (the operator's choice, which `check` judges).
 *
 * @example
 * ```ts
 * import { entryDeadline } from "./entry.ts";
 * import assert from "node:assert/strict";
 * assert.equal(entryDeadline({ timeoutMs: 54_000, killGraceMs: 2_000 }, 300), 54_000);
 * assert.equal(entryDeadline({ timeoutMs: 54_000, killGraceMs: 2_000 }, 9_000), 46_000);
 * assert.equal(entryDeadline({ timeoutMs: 30_000, killGraceMs: 2_000 }, 9_000), null);
 * ```
 */
export function entryDeadline(
  settings: { timeoutMs: number; killGraceMs: number },
  elapsedMs: number,
): number | null {
  if (settings.timeoutMs !== entryTimeoutMs(settings.killGraceMs)) return null;
  const late = Math.max(0, Math.round(elapsedMs) - PLATFORM.startAllowanceMs);
  return Math.max(PLATFORM.minTimeoutMs, settings.timeoutMs - late);
}

/**
 * Why a stage deadline and kill grace would keep SolusVM waiting past the
 * entry's budget, with the fix; null when they fit.
 *
 * @example
 * ```ts
 * import { budgetProblem } from "./entry.ts";
 * import assert from "node:assert/strict";
 * assert.equal(budgetProblem(54_000, 2_000), null);
 * assert.match(budgetProblem(60_000, 2_000)!, /^timeoutMs 60000 \+ killGraceMs 2000 \+ 2000 ms/);
 * ```
 */
export function budgetProblem(timeoutMs: number, killGraceMs: number): string | null {
  const total = timeoutMs + killGraceMs + PLATFORM.reserveMs;
  if (total <= PLATFORM.budgetMs) return null;
  return `timeoutMs ${timeoutMs} + killGraceMs ${killGraceMs} + ${PLATFORM.reserveMs} ms for the runner itself ` +
    `is ${total} ms, past the entry's ${PLATFORM.budgetMs} ms budget under SolusVM's ` +
    `${PLATFORM.waitMs / 1000} s wait: SolusVM may go on with the event while hooks still run, ` +
    `and the stage's record and report come after it stopped waiting`;
}

/**
 * The fix for a {@linkcode budgetProblem}: the largest `timeoutMs` that fits.
 *
 * @example
 * ```ts
 * import { budgetFix } from "./entry.ts";
 * import assert from "node:assert/strict";
 * assert.match(budgetFix(2_000, "/etc/solus-hooks/config.jsonc"), /"timeoutMs": 54000/);
 * ```
 */
export function budgetFix(killGraceMs: number, configPath: string | null): string {
  const most = PLATFORM.budgetMs - PLATFORM.reserveMs - killGraceMs;
  const where = configPath ?? "the config";
  return most >= PLATFORM.minTimeoutMs
    ? `set "timeoutMs": ${most} or less in ${where} (or remove it: the entry then uses ${
      entryTimeoutMs(killGraceMs)
    })`
    : `lower killGraceMs in ${where} (at most ${
      PLATFORM.budgetMs - PLATFORM.reserveMs - PLATFORM.minTimeoutMs
    }), then timeoutMs`;
}

/** The files this very process runs from: its bundle or script, and a compiled binary. */
function ownFiles(): Set<string> {
  const own = new Set<string>();
  const add = (path: string) => {
    own.add(path);
    try {
      own.add(Deno.realPathSync(path));
    } catch {
      // Outside the build's read scope, or gone: the path itself is compared.
    }
  };
  if (Deno.mainModule.startsWith("file://")) {
    const main = decodeURIComponent(new URL(Deno.mainModule).pathname);
    // A compiled binary's main module lives in a virtual folder; the binary is execPath.
    if (main.includes("/deno-compile-")) add(Deno.execPath());
    else add(main);
  }
  return own;
}

let cachedOwn: Set<string> | undefined;

/** Bytes of a file's head searched for a marker line: both markers sit in the first lines. */
const MARKER_HEAD_BYTES = 1024;
/** Only files this small are looked at for a marker: the entry and the wrapper are scripts of a few lines. */
const MARKER_MAX_FILE_BYTES = 64 * 1024;
const markerDecoder = new TextDecoder();

/**
 * Why a file in the hooks directory is solus-hooks itself, which the runner
 * never runs (it would run every hook again); null when it is not. `path` is
 * the file in the hooks directory, `target` its link's real path (or null),
 * `size` the size of what it points at and `head` its first bytes (discovery
 * reads them once for this and for the directives; null if unreadable).
 *
 * @example
 * ```ts
 * import { entryScript, selfReason } from "./entry.ts";
 * import { readHead } from "./directives.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const entry = `${dir}/solus-hooks`;
 * await Deno.writeTextFile(entry, entryScript("/usr/local/bin/solus-hooks"));
 * assert.match(selfReason(entry, null, 600, readHead(entry))!, /^the solus-hooks entry/);
 * assert.equal(selfReason("/bin/sh", null, 100_000, readHead("/bin/sh")), null);
 * ```
 */
export function selfReason(
  path: string,
  target: string | null,
  size: number,
  head: Uint8Array | null,
): string | null {
  cachedOwn ??= ownFiles();
  if (cachedOwn.has(target ?? path)) {
    return "solus-hooks itself: the runner never runs itself (it would run every hook again)";
  }
  if (size > MARKER_MAX_FILE_BYTES || head === null) return null;
  const text = markerDecoder.decode(head.subarray(0, MARKER_HEAD_BYTES));
  if (text.includes(ENTRY_MARKER)) {
    return `the solus-hooks entry: the runner never runs itself (it would run every hook again); ` +
      `the entry belongs in ${PLATFORM.hooksDir}/ alone`;
  }
  if (text.includes(RUNNER_MARKER)) {
    return `the solus-hooks command${
      target ? ` (${basename(target)})` : ""
    }: the runner never runs itself (it would run every hook again)`;
  }
  return null;
}

/**
 * Why a `run` of `action` at `stage` must refuse, when it was started from
 * inside a hook that another run of the same stage is running (that run gave
 * its hooks `SOLUS_HOOK_RUN_ID`, `SOLUS_HOOK_ACTION` and `SOLUS_HOOK_STAGE`);
 * null otherwise. A hook may still fire other events' stages.
 *
 * @example
 * ```ts
 * import { nestedRunProblem } from "./entry.ts";
 * import assert from "node:assert/strict";
 * const env = new Map([
 *   ["SOLUS_HOOK_RUN_ID", "0b6f"], ["SOLUS_HOOK_ACTION", "server-stop"],
 *   ["SOLUS_HOOK_STAGE", "pre"], ["SOLUS_HOOK_NAME", "10-loop"],
 * ]);
 * assert.match(nestedRunProblem("server-stop", "pre", env)!, /inside hook 10-loop of run 0b6f/);
 * assert.equal(nestedRunProblem("server-start", "pre", env), null);
 * assert.equal(nestedRunProblem("server-stop", "pre", new Map()), null);
 * ```
 */
export function nestedRunProblem(action: string, stage: string, env: EnvReader): string | null {
  const runId = env.get("SOLUS_HOOK_RUN_ID");
  if (!runId) return null;
  if (env.get("SOLUS_HOOK_ACTION") !== action || env.get("SOLUS_HOOK_STAGE") !== stage) {
    return null;
  }
  const name = env.get("SOLUS_HOOK_NAME");
  return `refusing to run ${action} ${stage} from inside hook ${
    name ?? "(unknown)"
  } of run ${runId}, which is running that same stage: it would run every hook again, ` +
    `without end; a hook must not call solus-hooks run (nor the entry) for the event it was given`;
}
