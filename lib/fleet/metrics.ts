/**
 * Prometheus metrics for node_exporter's textfile collector (contract §7): what
 * the textfile says, in the exposition format, and how a stage or a refusal is
 * counted into it. After each stage the textfile is read, the stage added, and
 * the file rewritten whole, under a lock so that counters from many runners at
 * once add up (metrics_textfile.ts).
 *
 * The file is the state: its own samples are read back (unknown lines are
 * dropped), so deleting it starts every counter at zero, which Prometheus'
 * `rate()` and `increase()` treat as a counter reset.
 *
 * @module
 */
import { HOOK_DURATION_BUCKETS } from "../config/constants.ts";
import type { RunReport } from "../report.ts";
import { summarizeStage } from "./summary.ts";
import { escapeLogText } from "./syslog.ts";

const STAGE_RUNS = "solus_hooks_stage_runs_total";
const HOOK_RUNS = "solus_hooks_hook_runs_total";
const DURATION = "solus_hooks_hook_duration_seconds";
const LAST_STAGE = "solus_hooks_last_stage_timestamp_seconds";
const REFUSED = "solus_hooks_refused_total";
const EVENT_WARNINGS = "solus_hooks_event_warnings_total";

/** Every sample name of the file and its labels, in the order they are written. */
const SAMPLE_LABELS: Record<string, readonly string[]> = {
  [STAGE_RUNS]: ["action", "stage", "status"],
  [HOOK_RUNS]: ["hook", "status"],
  [`${DURATION}_bucket`]: ["hook", "le"],
  [`${DURATION}_sum`]: ["hook"],
  [`${DURATION}_count`]: ["hook"],
  [LAST_STAGE]: ["action", "stage"],
  [REFUSED]: ["reason"],
  [EVENT_WARNINGS]: ["action"],
};

/** The families in the order they are written, with their HELP and TYPE. */
const FAMILIES = [
  {
    name: STAGE_RUNS,
    type: "counter",
    help: "Stages run, by action, stage and outcome (ok, failed, timed_out, refused, interrupted).",
  },
  {
    name: HOOK_RUNS,
    type: "counter",
    help: "Hook runs, by hook file name and outcome (ok, failed, timed_out, spawn_error, refused).",
  },
  { name: DURATION, type: "histogram", help: "How long each hook ran, from start to exit." },
  {
    name: LAST_STAGE,
    type: "gauge",
    help: "When a stage of this action last ended, in seconds since the Unix epoch.",
  },
  {
    name: REFUSED,
    type: "counter",
    help: "Runs refused before any hook ran, by reason (event, config, directory, recursion).",
  },
  {
    name: EVENT_WARNINGS,
    type: "counter",
    help: "Differences from the registry in events whose hooks ran as sent, by action.",
  },
] as const;

const LE = [...HOOK_DURATION_BUCKETS.map(String), "+Inf"];

/**
 * Every outcome, written as 0 from a series' first stage on: `increase()` sees
 * no rise in a series that appears already at 1, so a hook's first failure
 * would never fire an alert.
 */
const STAGE_STATUSES = ["ok", "failed", "timed_out", "refused", "interrupted"] as const;
const HOOK_STATUSES = ["ok", "failed", "timed_out", "spawn_error", "refused"] as const;
const REFUSAL_REASONS = ["event", "config", "directory", "recursion"] as const;

/** One hook's duration histogram: cumulative bucket counts (the last is `+Inf`), sum and count. */
interface Histogram {
  buckets: number[];
  sum: number;
  count: number;
}

/**
 * What the textfile holds: counters and gauges keyed by their label values
 * joined with NUL (which no file name or action holds), histograms by hook.
 */
export interface MetricsState {
  /** Sample name → label values (NUL-joined) → value. */
  samples: Map<string, Map<string, number>>;
  /** Hook name → its duration histogram. */
  durations: Map<string, Histogram>;
}

/**
 * An empty state: what a missing textfile reads as.
 *
 * @example
 * ```ts
 * import { emptyMetrics, renderMetrics } from "./metrics.ts";
 * import assert from "node:assert/strict";
 * assert.match(renderMetrics(emptyMetrics()), /^# TYPE solus_hooks_stage_runs_total counter$/m);
 * ```
 */
export function emptyMetrics(): MetricsState {
  return { samples: new Map(), durations: new Map() };
}

/** A label value as the exposition format writes it: `\`, `"` and line feed escaped. */
function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function formatNumber(value: number): string {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  if (Number.isNaN(value)) return "NaN";
  return String(Number.isInteger(value) ? value : Number(value.toFixed(6)));
}

function parseNumber(text: string): number {
  if (text === "+Inf" || text === "Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  return text.trim() === "" ? NaN : Number(text);
}

function sample(name: string, labels: readonly string[], values: readonly string[], v: number) {
  const pairs = labels.map((label, i) => `${label}="${escapeLabel(values[i])}"`);
  return `${name}{${pairs.join(",")}} ${formatNumber(v)}`;
}

/** A sample line: name, the labels' text between the braces, the value (and a timestamp). */
const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+-?\d+)?[ \t]*$/;
/** One `name="value"` pair, from where the last one ended (sticky). */
const LABEL_PAIR = /[ \t]*([a-zA-Z_][a-zA-Z0-9_]*)[ \t]*=[ \t]*"([^"\\]*(?:\\.[^"\\]*)*)"[ \t]*,?/y;
/** A bucket's `le` as written, to its index. */
const LE_INDEX = new Map(LE.map((le, i) => [le, i]));

function unescapeLabel(value: string): string {
  if (!value.includes("\\")) return value;
  return value.replace(/\\(.)/g, (_, char: string) => char === "n" ? "\n" : char);
}

/**
 * The values of `labels` in a sample's label text, which must hold exactly
 * those labels (in any order), else null.
 */
function labelValues(text: string, labels: readonly string[]): string[] | null {
  const values: string[] = new Array(labels.length);
  let found = 0;
  LABEL_PAIR.lastIndex = 0;
  while (LABEL_PAIR.lastIndex < text.length) {
    const at = LABEL_PAIR.lastIndex;
    const pair = LABEL_PAIR.exec(text); // a miss resets lastIndex to 0
    if (!pair) {
      if (text.slice(at).trim() === "") break;
      return null;
    }
    const index = labels.indexOf(pair[1]);
    if (index < 0 || values[index] !== undefined) return null;
    values[index] = unescapeLabel(pair[2]);
    found++;
  }
  return found === labels.length ? values : null;
}

/**
 * Read back a textfile written by {@linkcode renderMetrics}. Lines that are not
 * samples of solus-hooks' own metrics, with the labels it writes, are dropped.
 * Regular expressions and no allocation beyond the values: a node's file of a
 * thousand lines is read on every stage, by a runner whose code is still cold.
 *
 * @example
 * ```ts
 * import { parseMetrics } from "./metrics.ts";
 * import assert from "node:assert/strict";
 * const state = parseMetrics('solus_hooks_hook_runs_total{hook="a\\"b",status="ok"} 3\n');
 * assert.equal(state.samples.get("solus_hooks_hook_runs_total")?.get('a"b\0ok'), 3);
 * ```
 */
export function parseMetrics(text: string): MetricsState {
  const state = emptyMetrics();
  for (const line of text.split("\n")) {
    if (line === "" || line[0] === "#") continue;
    const sample = SAMPLE_LINE.exec(line);
    if (!sample) continue;
    const name = sample[1];
    const labels = SAMPLE_LABELS[name];
    const value = parseNumber(sample[3]);
    if (!labels || Number.isNaN(value)) continue;
    const values = labelValues(sample[2] ?? "", labels);
    if (!values) continue;
    if (name.startsWith(DURATION)) {
      const histogram = histogramOf(state, values[0]);
      if (name.endsWith("_bucket")) {
        const index = LE_INDEX.get(values[1]) ?? LE.indexOf(formatNumber(parseNumber(values[1])));
        if (index >= 0) histogram.buckets[index] = value;
      } else if (name.endsWith("_sum")) {
        histogram.sum = value;
      } else {
        histogram.count = value;
      }
      continue;
    }
    let series = state.samples.get(name);
    if (!series) state.samples.set(name, series = new Map());
    series.set(values.join("\0"), value);
  }
  return state;
}

function histogramOf(state: MetricsState, hook: string): Histogram {
  let histogram = state.durations.get(hook);
  if (!histogram) {
    histogram = { buckets: LE.map(() => 0), sum: 0, count: 0 };
    state.durations.set(hook, histogram);
  }
  return histogram;
}

function add(state: MetricsState, name: string, values: string[], by: number, set = false) {
  let series = state.samples.get(name);
  if (!series) state.samples.set(name, series = new Map());
  const key = values.join("\0");
  series.set(key, set ? by : (series.get(key) ?? 0) + by);
}

/**
 * Count one stage into `state`: its outcome, each hook's outcome and duration
 * (a hook file refused by the safety rule counts as `refused`), the event's
 * warnings, a refusal by its reason, and when the stage ended. A run refused
 * before its stage (the event, the config) counts as a refusal alone.
 *
 * @example
 * ```ts
 * import { addStage, emptyMetrics, renderMetrics } from "./metrics.ts";
 * import assert from "node:assert/strict";
 * const state = emptyMetrics();
 * addStage(state, {
 *   run_id: "r", event_id: "e", dir: "/hooks", started_at: "2026-01-01T00:00:00.000Z",
 *   duration_ms: 1500, ok: true, interrupted: false, skipped: [],
 *   event: { action: "server-start", stage: "pre", data: {} },
 *   hooks: [{ name: "a", status: "ok", exit_code: 0, signal: null, duration_ms: 1200,
 *     stdout: "", stderr: "", stdout_bytes: 0, stderr_bytes: 0 }],
 * });
 * const text = renderMetrics(state);
 * assert.match(text, /^solus_hooks_stage_runs_total\{action="server-start",stage="pre",status="ok"\} 1$/m);
 * assert.match(text, /^solus_hooks_hook_duration_seconds_bucket\{hook="a",le="2.5"\} 1$/m);
 * assert.match(text, /^solus_hooks_hook_duration_seconds_bucket\{hook="a",le="1"\} 0$/m);
 * assert.match(text, /^solus_hooks_last_stage_timestamp_seconds\{action="server-start",stage="pre"\} 1767225601.5$/m);
 * ```
 */
export function addStage(state: MetricsState, report: RunReport): void {
  const summary = summarizeStage(report);
  for (const reason of REFUSAL_REASONS) add(state, REFUSED, [reason], 0);
  if (summary.refusal) add(state, REFUSED, [summary.refusal], 1);
  // Refused before its stage began (the event, the config): there is no stage to count.
  if (summary.refusal && summary.refusal !== "directory") return;
  add(state, EVENT_WARNINGS, [summary.action], summary.warnings?.length ?? 0);
  for (const status of STAGE_STATUSES) {
    add(state, STAGE_RUNS, [summary.action, summary.stage, status], 0);
  }
  add(state, STAGE_RUNS, [summary.action, summary.stage, summary.status], 1);
  // The hook label holds the name in the system log's form (SOLUS_FAILED_HOOK's): one
  // lookup from an alert to `journalctl SOLUS_FAILED_HOOK=...`, whatever the name holds.
  const hookNames = [...report.hooks, ...report.skipped.filter((skip) => skip.refused)];
  for (const { name } of hookNames) {
    for (const status of HOOK_STATUSES) add(state, HOOK_RUNS, [escapeLogText(name), status], 0);
  }
  for (const hook of report.hooks) {
    add(state, HOOK_RUNS, [escapeLogText(hook.name), hook.status], 1);
    const seconds = hook.duration_ms / 1000;
    const histogram = histogramOf(state, escapeLogText(hook.name));
    LE.forEach((le, i) => {
      if (seconds <= parseNumber(le)) histogram.buckets[i]++;
    });
    histogram.sum += seconds;
    histogram.count++;
  }
  for (const skip of report.skipped) {
    if (skip.refused) add(state, HOOK_RUNS, [escapeLogText(skip.name), "refused"], 1);
  }
  const ended = (Date.parse(report.started_at) + report.duration_ms) / 1000;
  if (Number.isFinite(ended)) add(state, LAST_STAGE, [summary.action, summary.stage], ended, true);
}

/** Byte-wise order of label values, so the file is the same whoever wrote it. */
function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The state in the Prometheus text exposition format (version 0.0.4): HELP and
 * TYPE for every family, samples in a stable order.
 *
 * @example
 * ```ts
 * import { parseMetrics, renderMetrics } from "./metrics.ts";
 * import assert from "node:assert/strict";
 * const text = 'solus_hooks_hook_runs_total{hook="x\\ny",status="failed"} 2\n';
 * assert.match(renderMetrics(parseMetrics(text)), /hook="x\\ny",status="failed"\} 2$/m);
 * ```
 */
export function renderMetrics(state: MetricsState): string {
  const lines: string[] = [];
  for (const family of FAMILIES) {
    lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`);
    if (family.type === "histogram") {
      for (const hook of [...state.durations.keys()].sort(byKey)) {
        const histogram = state.durations.get(hook)!;
        LE.forEach((le, i) => {
          lines.push(
            sample(`${DURATION}_bucket`, ["hook", "le"], [hook, le], histogram.buckets[i]),
          );
        });
        lines.push(sample(`${DURATION}_sum`, ["hook"], [hook], histogram.sum));
        lines.push(sample(`${DURATION}_count`, ["hook"], [hook], histogram.count));
      }
      continue;
    }
    const series = state.samples.get(family.name) ?? new Map<string, number>();
    for (const key of [...series.keys()].sort(byKey)) {
      lines.push(
        sample(family.name, SAMPLE_LABELS[family.name], key.split("\0"), series.get(key)!),
      );
    }
  }
  return `${lines.join("\n")}\n`;
}
