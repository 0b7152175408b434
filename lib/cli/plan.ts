/**
 * `--dry-run`: which hooks would run for an event, at each stage, in which
 * order and for what, and which would be skipped or refused and why, without
 * running anything. The verdicts are a run's own: the same discovery, the same
 * directory check, the same selection by directives.
 *
 * @module
 */
import type { Settings } from "../config/settings.ts";
import {
  describeRules,
  hasRules,
  rulesOfSummary,
  type RulesSummary,
  summarizeRules,
} from "../hooks/directives.ts";
import { discoverHooks, rulesOf, selectFor } from "../hooks/discovery.ts";
import type { HookEvent } from "../event/registry.ts";
import type { SkippedHook } from "../report.ts";
import type { CommandContext } from "./command.ts";
import { hooksPath } from "../hooks/hook_env.ts";

/** One stage of a plan: what would run, and what its directives leave out. */
export interface PlannedStage {
  /** The action. */
  action: string;
  /** `pre` or `post`. */
  stage: string;
  /** Hooks that would run at this stage, in start order. */
  hooks: string[];
  /** Hooks whose directives say they are not for this action and stage. */
  not_for: string[];
}

/** What a dry run prints with `--json`. */
export interface Plan {
  /** Always true: nothing ran. */
  dry_run: true;
  /** The hooks directory. */
  dir: string;
  /** `parallel` or `serial`, and the cap. */
  mode: string;
  /** The stages that would run, in order, each with its hooks. */
  stages: PlannedStage[];
  /** The command `around` would run between the stages, if any. */
  command?: string[];
  /** Hooks that would run at one stage or more, in start order. */
  hooks: string[];
  /** What each hook is for (its directive, or the config's `hooks` entry). */
  rules: RulesSummary[];
  /** Files that would not run at any stage, and why. */
  skipped: SkippedHook[];
  /** Why no hook would run at all: the directory failed the safety rule. */
  refused?: string;
}

/**
 * Work out and print the plan; the exit status is 1 when the directory or a
 * hook would be refused, else 0.
 *
 * @example
 * ```ts ignore
 * return await printPlan(context, [event], ["pre"]);
 * ```
 */
export async function printPlan(
  context: CommandContext,
  events: HookEvent[],
  stages: ("pre" | "post")[],
  command?: string[],
): Promise<number> {
  const settings: Settings = await context.settings();
  const registry = await context.registry();
  const discovery = await discoverHooks(settings.hooksDir, {
    allowInsecure: settings.allowInsecure,
    rules: settings.hooks,
    actions: registry.actions().map((spec) => spec.name),
    hookPath: hooksPath(settings.env.set),
  });
  const mode = settings.maxParallel === 1
    ? "serial"
    : settings.maxParallel > 0
    ? `parallel, at most ${settings.maxParallel} at once`
    : "parallel";
  const planned: PlannedStage[] = stages.flatMap((stage) =>
    events.map((event) => {
      const picked = selectFor(discovery, event.action, stage);
      return {
        action: event.action,
        stage,
        hooks: picked.hooks.map((hook) => hook.name),
        not_for: picked.skipped.filter((s) => s.kind === "not_for").map((s) => s.name),
      };
    })
  );
  const running = new Set(planned.flatMap((stage) => stage.hooks));
  const plan: Plan = {
    dry_run: true,
    dir: discovery.dir,
    mode,
    stages: planned,
    ...(command ? { command } : {}),
    hooks: discovery.hooks.filter((hook) => running.has(hook.name)).map((hook) => hook.name),
    rules: discovery.hooks.map((hook) => summarizeRules(hook.name, rulesOf(hook))),
    skipped: discovery.skipped,
    ...(discovery.refused ? { refused: discovery.refused } : {}),
  };
  if (context.global.json) {
    context.out.json(plan);
  } else {
    printHuman(context, plan, discovery.exists, settings.timeoutMs, command);
  }
  return plan.refused || plan.skipped.some((skip) => skip.refused) ? 1 : 0;
}

function printHuman(
  context: CommandContext,
  plan: Plan,
  exists: boolean,
  timeoutMs: number,
  command?: string[],
): void {
  const { colors, line } = context.out;
  line(`dry run: nothing is run. Hooks directory ${plan.dir}${exists ? "" : " (does not exist)"}`);
  if (command) {
    const pre = plan.stages.filter((s) => s.stage === "pre").map((s) => `${s.action} pre`);
    const post = plan.stages.filter((s) => s.stage === "post").map((s) => `${s.action} post`);
    line(
      `order: ${
        [...pre, `\`${command.join(" ")}\``, ...post.map((p) => `${p} (if it exits 0)`)].join(
          " -> ",
        )
      }`,
    );
  } else {
    line(`stage: ${plan.stages.map((s) => `${s.action} ${s.stage}`).join(", ")}`);
  }
  if (plan.refused) {
    line(`${colors.red("refused")}: ${plan.refused}`);
    return;
  }
  const rules = new Map(plan.rules.map((rule) => [rule.name, rule]));
  const forWhat = (name: string) => {
    const rule = rules.get(name);
    const said = rule ? rulesOfSummary(rule) : {};
    return hasRules(said) ? `  ${colors.dim(`(${describeRules(said)})`)}` : "";
  };
  // One list when every stage runs the same hooks, else one per stage.
  const same = plan.stages.every((s) => s.hooks.join("\0") === plan.stages[0].hooks.join("\0"));
  const lists = same ? [plan.stages[0]] : plan.stages;
  for (const stage of lists) {
    const at = same ? "" : ` at ${stage.action} ${stage.stage}`;
    line(`would run${at} (${plan.mode}, deadline ${timeoutMs} ms per stage):`);
    if (stage.hooks.length === 0) line("  (no hooks)");
    stage.hooks.forEach((name, index) => line(`  ${index + 1}. ${name}${forWhat(name)}`));
    if (!same) {
      for (const name of stage.not_for) {
        line(`  ${colors.dim("skipped")} ${name}: not for ${stage.action} ${stage.stage}`);
      }
    }
  }
  if (same) {
    for (const name of plan.stages[0]?.not_for ?? []) {
      const where = plan.stages.map((s) => `${s.action} ${s.stage}`).join(", ");
      line(`  ${colors.dim("skipped")} ${name}: not for ${where}${forWhat(name)}`);
    }
  }
  if (!same && plan.skipped.length > 0) line("at every stage:");
  for (const skip of plan.skipped) {
    line(
      `  ${
        skip.refused ? colors.red("refused") : colors.dim("skipped")
      } ${skip.name}: ${skip.reason}${skip.fix ? colors.dim(` (fix: ${skip.fix})`) : ""}`,
    );
  }
}
