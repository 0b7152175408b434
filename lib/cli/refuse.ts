/**
 * Refusals at run time, for the commands that run hooks (`run`, `around`,
 * `replay`): the settings, with a config that cannot be read recorded as a
 * refusal, and an event refusal recorded before its error is reported. What
 * is recorded and where: lib/fleet/refusal.ts.
 *
 * @module
 */
import type { Settings } from "../config/settings.ts";
import { ConfigError } from "../errors.ts";
import { recordRefusal, type RefusalOptions } from "../fleet/refusal.ts";
import type { RefusalReason } from "../report.ts";
import type { CommandContext } from "./command.ts";

/**
 * Record a refusal and print, as warnings, what could not be written. The
 * caller then reports the refusal itself (its error) as it would anyway.
 *
 * @example
 * ```ts ignore
 * await noteRefusal(context, settings, "event", error.message, { eventText: text });
 * throw error;
 * ```
 */
export async function noteRefusal(
  context: Pick<CommandContext, "out" | "interrupts">,
  settings: Readonly<Settings>,
  reason: RefusalReason,
  detail: string,
  known: RefusalOptions = {},
): Promise<void> {
  const warnings = await recordRefusal(reason, detail, settings, {
    ...known,
    signal: context.interrupts.signal,
  });
  for (const warning of warnings) {
    context.out.line(context.out.colors.yellow(`solus-hooks: warning: ${warning}`));
  }
}

/**
 * The settings of a command that runs hooks. A config that cannot be read (a
 * syntax error, an unknown key, a missing named file) is recorded as a
 * refusal, with the settings the flags, environment and defaults give, then
 * rethrown: exit 2 as before, but never silent.
 *
 * @example
 * ```ts ignore
 * const settings = await runSettings(context);
 * ```
 */
export async function runSettings(context: CommandContext): Promise<Settings> {
  try {
    return await context.settings();
  } catch (error) {
    // A dry run runs nothing, so refuses nothing a run would have to record.
    const dryRun = context.values["dry-run"] === true;
    if (error instanceof ConfigError && context.settingsWithoutConfig && !dryRun) {
      await noteRefusal(context, await context.settingsWithoutConfig(), "config", error.message);
    }
    throw error;
  }
}
