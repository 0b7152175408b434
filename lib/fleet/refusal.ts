/**
 * Nothing refused is silent (contract §7): a run refused before any hook ran (a
 * refused event, a config that cannot be read, a run started from inside a
 * hook) writes what a stage writes: a journal record that `history` and `show`
 * list, a system-log line at priority `err`, and a count in
 * `solus_hooks_refused_total{reason}`. Each write is bounded as a stage's is,
 * and a failure to write is a warning: it never changes the exit status.
 *
 * The record is a run's report with no hooks, `ok: false`, `refused` (the
 * reason in words) and `refusal` (in one word), so every reader of the journal
 * understands it as it is.
 *
 * @module
 */
import { JOURNAL_AFTER_INTERRUPT_MS } from "../config/constants.ts";
import type { Settings } from "../config/settings.ts";
import type { HookEvent } from "../event/registry.ts";
import { appendRecord } from "../journal/write.ts";
import type { RefusalReason, RunReport } from "../report.ts";
import { journalWarning } from "../scope.ts";
import { updateMetrics } from "./metrics_textfile.ts";
import { logStage } from "./syslog.ts";

/** The longest piece of a refused event's text kept in its record. */
export const REFUSED_TEXT_BYTES = 4096;

/** What is known of a refused run besides its reason. */
export interface RefusalOptions {
  /**
   * The event, as far as it was read: a parsed value (its action, stage and
   * data are kept where they have the right shape), or its text when it could
   * not be parsed (its first 4 KiB are kept as `event_text`).
   */
  event?: unknown;
  /** The event's text, kept (its first 4 KiB) when `event` is not an object. */
  eventText?: string;
  /** The platform event's id (default: a fresh UUID). */
  eventId?: string;
  /** The runner's SIGINT/SIGTERM: the writes are then given a short bound of their own. */
  signal?: AbortSignal;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The event of a refused run, as far as it is known: an action and a stage
 * that are not known read `?`, data that is not an object reads `{}`.
 */
function knownEvent(value: unknown): HookEvent {
  const event = isObject(value) ? value : {};
  return {
    action: typeof event.action === "string" ? event.action : "?",
    stage: (event.stage === "pre" || event.stage === "post" ? event.stage : "?") as HookEvent[
      "stage"
    ],
    data: isObject(event.data) ? event.data : {},
  };
}

/** At most `REFUSED_TEXT_BYTES` of `text`, cut at a character. */
function cutText(text: string): string {
  const bytes = new TextEncoder().encode(text);
  if (bytes.byteLength <= REFUSED_TEXT_BYTES) return text;
  return new TextDecoder().decode(bytes.subarray(0, REFUSED_TEXT_BYTES)).replace(/\uFFFD$/, "");
}

/**
 * The report of a run refused before any hook ran: no hooks, not ok, with
 * `refused` and `refusal` saying why.
 *
 * @example
 * ```ts
 * import { refusalReport } from "./refusal.ts";
 * import assert from "node:assert/strict";
 * const report = refusalReport("event", "event on stdin is not valid JSON", "/hooks", {
 *   eventText: '{"action":',
 * });
 * assert.equal(report.ok, false);
 * assert.equal(report.refusal, "event");
 * assert.equal(report.event.action, "?");
 * assert.equal(report.event_text, '{"action":');
 * ```
 */
export function refusalReport(
  reason: RefusalReason,
  detail: string,
  dir: string,
  options: RefusalOptions = {},
): RunReport & { event_text?: string; pid: number } {
  const parsed = isObject(options.event);
  return {
    run_id: crypto.randomUUID(),
    event_id: options.eventId ?? crypto.randomUUID(),
    event: knownEvent(options.event),
    dir,
    started_at: new Date().toISOString(),
    duration_ms: 0,
    ok: false,
    interrupted: false,
    hooks: [],
    skipped: [],
    refused: detail,
    refusal: reason,
    pid: Deno.pid,
    ...(!parsed && options.eventText !== undefined
      ? { event_text: cutText(options.eventText) }
      : {}),
  };
}

/**
 * Record a refusal where a stage's outcome goes: the journal (unless it is
 * off), the system log at priority `err`, and `solus_hooks_refused_total
 * {reason}` in the metrics textfile. Never throws: resolves to the warnings
 * of what could not be written, in words (an empty list when all was).
 *
 * `settings` says where to write; when the config itself is what failed, pass
 * the settings without it (the defaults, the flags and the environment).
 *
 * @example
 * ```ts
 * import { recordRefusal } from "./refusal.ts";
 * import { DEFAULTS } from "../config/constants.ts";
 * import { readNewest } from "../journal/read.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const settings = {
 *   ...DEFAULTS,
 *   configPath: null,
 *   syslog: false,
 *   journal: { ...DEFAULTS.journal, path: `${dir}/journal.jsonl` },
 *   metrics: { textfile: `${dir}/solus_hooks.prom` },
 * };
 * const warnings = await recordRefusal("recursion", "run started from inside a hook", settings);
 * assert.deepEqual(warnings, []);
 * for await (const run of readNewest({ path: settings.journal.path })) {
 *   assert.equal("refusal" in run && run.refusal, "recursion");
 * }
 * const metrics = await Deno.readTextFile(settings.metrics.textfile);
 * assert.match(metrics, /^solus_hooks_refused_total\{reason="recursion"\} 1$/m);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function recordRefusal(
  reason: RefusalReason,
  detail: string,
  settings: Readonly<Settings>,
  options: RefusalOptions = {},
): Promise<string[]> {
  const report = refusalReport(reason, detail, settings.hooksDir, options);
  const interrupted = options.signal?.aborted === true;
  const signal = interrupted ? AbortSignal.timeout(JOURNAL_AFTER_INTERRUPT_MS) : options.signal;
  const journal = settings.journal.enabled
    ? appendRecord(settings.journal, report, { signal }).then(
      () => undefined,
      (error) =>
        journalWarning(error, settings.journal.path).replace(/^solus-hooks: warning: /, ""),
    )
    : undefined;
  const written = await Promise.all([
    journal,
    logStage(report, settings.syslog).catch((error) => `the system log was not written: ${error}`),
    updateMetrics(report, settings.metrics.textfile, { signal: options.signal }),
  ]);
  return written.filter((warning): warning is string => typeof warning === "string");
}
