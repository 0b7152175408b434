/**
 * One stage as the CLI runs it: settings applied, progress on a terminal, the
 * record journaled (a failure to journal is a warning, never a reason to skip
 * hooks), the outcome rendered. Shared by `run`, `around` and `replay`.
 *
 * @module
 */
import { stageOptionsFrom } from "../config/resolve.ts";
import { exitStatus } from "../exit_status.ts";
import { updateMetrics } from "../fleet/metrics_textfile.ts";
import type { HookEvent } from "../event/registry.ts";
import type { RunReport } from "../report.ts";
import { runStage } from "../stage.ts";
import { logStage } from "../fleet/syslog.ts";
import type { CommandContext } from "./command.ts";
import { startProgress } from "./progress.ts";
import { recordStage } from "./record.ts";
import { warnUngrantedEnv } from "./env_warning.ts";
import { renderReport } from "./render.ts";

/** Per-stage choices beyond the settings. */
export interface ExecuteOptions {
  /** The platform event's id, shared across stages and actions. */
  eventId?: string;
  /** The run this one replays. */
  replayOf?: string;
  /** Print the report as JSON on stdout (default: the `--json` flag). */
  json?: boolean;
  /** The event's text as the platform sent it: what hooks read on stdin. */
  eventText?: string;
  /** Refuse an event that differs from the registry (default: `strictEvents`). */
  strict?: boolean;
  /** Differences from the registry found in the event's text (see `StageOptions.warnings`). */
  warnings?: readonly string[];
  /** The stage's deadline, when not the settings' (`run --entry` after a late event). */
  timeoutMs?: number;
}

/**
 * Run one stage for the CLI and return its report.
 *
 * @example
 * ```ts ignore
 * const report = await executeStage(context, event, { eventId });
 * ```
 */
export async function executeStage(
  context: CommandContext,
  event: HookEvent,
  options: ExecuteOptions = {},
): Promise<RunReport> {
  const settings = await context.settings();
  warnUngrantedEnv(context.out, settings.env.passthrough);
  const registry = await context.registry();
  const progress = startProgress(context.out, `${event.action} ${event.stage}`);
  const recorder = recordStage(settings.journal, context);
  let report: RunReport;
  try {
    report = await runStage(event, {
      ...stageOptionsFrom(settings),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      registry,
      eventId: options.eventId,
      replayOf: options.replayOf,
      eventText: options.eventText,
      warnings: options.warnings,
      strictEvents: options.strict ?? settings.strictEvents,
      signal: context.interrupts.signal,
      onProgress: (running) => progress.update(running),
      onStart: recorder.onStart,
    });
  } finally {
    progress.stop();
  }
  await recorder.finish(report);
  // The fleet's view (contract §7): both bounded, neither fails the stage.
  const fleetWarnings = await Promise.all([
    logStage(report, settings.syslog),
    updateMetrics(report, settings.metrics.textfile, { signal: context.interrupts.signal }),
  ]);
  for (const warning of fleetWarnings) {
    if (warning) context.out.line(context.out.colors.yellow(`solus-hooks: warning: ${warning}`));
  }
  for (
    const line of renderReport(report, context.out.colors, {
      quiet: context.out.quiet,
      verbose: context.global.verbose,
    })
  ) {
    context.out.line(line);
  }
  if (options.json ?? context.global.json) context.out.json(report);
  return report;
}

/**
 * The exit status of a stage the CLI ran: the report's, or 130/143 when the
 * runner was interrupted.
 *
 * @example
 * ```ts ignore
 * return exitStatusOf(report, context);
 * ```
 */
export function exitStatusOf(report: RunReport, context: CommandContext): number {
  return exitStatus({ ok: report.ok, interruptedBy: context.interrupts.received() });
}
