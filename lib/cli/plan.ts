/**
 * `--dry-run`: which hooks would run for an event, in which order, and which
 * would be skipped and why, without running anything.
 *
 * @module
 */
import type { Settings } from "../config.ts";
import { discoverHooks } from "../discovery.ts";
import type { HookEvent } from "../registry.ts";
import type { SkippedHook } from "../report.ts";
import type { CommandContext } from "./command.ts";

/** What a dry run prints with `--json`. */
export interface Plan {
  /** Always true: nothing ran. */
  dry_run: true;
  /** The hooks directory. */
  dir: string;
  /** `parallel` or `serial`, and the cap. */
  mode: string;
  /** The stages that would run, in order. */
  stages: { action: string; stage: string }[];
  /** The command `around` would run between the stages, if any. */
  command?: string[];
  /** Hooks that would run at each stage, in start order. */
  hooks: string[];
  /** Files that would not run, and why. */
  skipped: SkippedHook[];
}

/**
 * Work out and print the plan; the exit status is 1 when a hook would be
 * refused by the safety rule, else 0.
 *
 * @example
 * ```ts ignore
 * return await printPlan(context, [event], undefined);
 * ```
 */
export async function printPlan(
  context: CommandContext,
  events: HookEvent[],
  stages: ("pre" | "post")[],
  command?: string[],
): Promise<number> {
  const settings: Settings = await context.settings();
  const discovery = await discoverHooks(settings.hooksDir, {
    allowInsecure: settings.allowInsecure,
  });
  const mode = settings.mode === "serial"
    ? "serial"
    : settings.maxParallel > 0
    ? `parallel, at most ${settings.maxParallel} at once`
    : "parallel";
  const plan: Plan = {
    dry_run: true,
    dir: discovery.dir,
    mode,
    stages: stages.flatMap((stage) => events.map((event) => ({ action: event.action, stage }))),
    ...(command ? { command } : {}),
    hooks: discovery.hooks.map((hook) => hook.name),
    skipped: discovery.skipped,
  };
  if (context.global.json) {
    context.out.json(plan);
  } else {
    const { colors, line } = context.out;
    line(
      `dry run: nothing is run. Hooks directory ${plan.dir}${
        discovery.exists ? "" : " (does not exist)"
      }`,
    );
    const steps = plan.stages.map((s) => `${s.action} ${s.stage}`);
    if (command) {
      const pre = plan.stages.filter((s) => s.stage === "pre").map((s) => `${s.action} pre`);
      const post = plan.stages.filter((s) => s.stage === "post").map((s) => `${s.action} post`);
      line(
        `order: ${
          [
            ...pre,
            `\`${command.join(" ")}\``,
            ...post.map((p) => `${p} (if it exits 0)`),
          ].join(" -> ")
        }`,
      );
    } else {
      line(`stage: ${steps.join(", ")}`);
    }
    line(`would run (${mode}, deadline ${settings.timeoutMs} ms per stage):`);
    if (plan.hooks.length === 0) line("  (no hooks)");
    plan.hooks.forEach((name, index) => line(`  ${index + 1}. ${name}`));
    for (const skip of plan.skipped) {
      line(
        `  ${
          skip.refused ? colors.red("refused") : colors.dim("skipped")
        } ${skip.name}: ${skip.reason}`,
      );
    }
  }
  return plan.skipped.some((skip) => skip.refused) ? 1 : 0;
}
