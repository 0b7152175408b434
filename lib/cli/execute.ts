/**
 * One stage as the CLI runs it: settings applied, progress on a terminal, the
 * record journaled (a failure to journal is a warning, never a reason to skip
 * hooks), the outcome rendered. Shared by `run`, `around` and `replay`.
 *
 * @module
 */
import type { Settings } from "../config.ts";
import { ExitCode } from "../errors.ts";
import { appendRecord } from "../journal.ts";
import { updateMetrics } from "../metrics.ts";
import type { HookEvent } from "../registry.ts";
import type { RunReport } from "../report.ts";
import { runStage } from "../stage.ts";
import { logStage } from "../syslog.ts";
import type { CommandContext } from "./command.ts";
import { startProgress } from "./progress.ts";
import { renderReport } from "./render.ts";

/** Per-stage choices beyond the settings. */
export interface ExecuteOptions {
  /** The platform event's id, shared across stages and actions. */
  eventId?: string;
  /** The run this one replays. */
  replayOf?: string;
  /** Print the report as JSON on stdout (default: the `--json` flag). */
  json?: boolean;
}

/**
 * The stage options that come from settings, so every command runs hooks alike.
 *
 * @example
 * ```ts
 * import { DEFAULT_SETTINGS } from "../config.ts";
 * import { stageOptionsFrom } from "./execute.ts";
 * console.log(stageOptionsFrom(DEFAULT_SETTINGS).timeoutMs); // 60000
 * ```
 */
export function stageOptionsFrom(settings: Settings) {
  return {
    dir: settings.hooksDir,
    timeoutMs: settings.timeoutMs,
    killGraceMs: settings.killGraceMs,
    mode: settings.mode,
    maxParallel: settings.maxParallel,
    maxOutputBytes: settings.maxOutputBytes,
    allowInsecure: settings.allowInsecure,
    env: settings.env,
  };
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
  const registry = await context.registry();
  const progress = startProgress(context.out, `${event.action} ${event.stage}`);
  let report: RunReport;
  try {
    report = await runStage(event, {
      ...stageOptionsFrom(settings),
      registry,
      eventId: options.eventId,
      replayOf: options.replayOf,
      signal: context.interrupts.signal,
      onProgress: (running) => progress.update(running),
    });
  } finally {
    progress.stop();
  }
  if (settings.journal.enabled) {
    try {
      await appendRecord(settings.journal, report);
    } catch (error) {
      context.out.line(
        context.out.colors.yellow(
          `solus-hooks: warning: the journal was not written: ${
            error instanceof Error ? error.message : error
          }`,
        ),
      );
    }
  }
  // The fleet's view (contract §7): both bounded, neither fails the stage.
  const fleetWarnings = await Promise.all([
    logStage(report, settings.syslog),
    updateMetrics(report, settings.metrics.textfile, { signal: context.interrupts.signal }),
  ]);
  for (const warning of fleetWarnings) {
    if (warning) context.out.line(context.out.colors.yellow(`solus-hooks: warning: ${warning}`));
  }
  for (const line of renderReport(report, context.out.colors, context.out.quiet)) {
    context.out.line(line);
  }
  if (options.json ?? context.global.json) context.out.json(report);
  return report;
}

/**
 * The exit status a stage's report stands for.
 *
 * @example
 * ```ts ignore
 * return exitStatusOf(report, context);
 * ```
 */
export function exitStatusOf(report: RunReport, context: CommandContext): number {
  const signal = context.interrupts.received();
  if (signal === "SIGINT") return ExitCode.Interrupted;
  if (signal === "SIGTERM") return ExitCode.Terminated;
  return report.ok ? ExitCode.Ok : ExitCode.HookFailed;
}
