/**
 * `solus-hooks actions`: the registry as a table, or as JSON.
 *
 * @module
 */
import type { Command, CommandContext } from "../cli/command.ts";
import { describeRules } from "../directives.ts";
import { discoverHooks, type Discovery, rulesOf, selectFor } from "../discovery.ts";
import { ConfigError, SolusHooksError } from "../errors.ts";
import { FIELD_TYPES, STAGES } from "../registry.ts";

/**
 * The `actions` command.
 *
 * @example
 * ```ts
 * import { actionsCommand } from "./actions.ts";
 * console.log(actionsCommand.summary);
 * ```
 */
export const actionsCommand: Command = {
  name: "actions",
  summary: "list the actions and their data keys",
  help: `Usage: solus-hooks actions [--json]

Lists every action hooks can receive, the keys of its data, and which actions
one platform event fires. Actions added by the config file are marked. Then
the hooks of the hooks directory (--dir) and what each is for (its
"# solus-hooks:" directive or the config's hooks entry). --json prints the same
as one JSON array on stdout, each action with the hooks it runs at each stage.

Examples:
  solus-hooks actions
  solus-hooks actions --dir ./hooks --json`,
  options: {},
  async run(context) {
    const registry = await context.registry();
    const actions = registry.actions();
    const hooks = await hooksFor(context, actions.map((spec) => spec.name));
    if (context.global.json) {
      context.out.json(actions.map((spec) => ({
        action: spec.name,
        description: spec.description,
        builtin: spec.builtin,
        data: spec.data,
        fires: registry.platformEvent(spec.name),
        ...(hooks
          ? {
            hooks: Object.fromEntries(
              STAGES.map((stage) => [
                stage,
                selectFor(hooks, spec.name, stage).hooks.map((h) => h.name),
              ]),
            ),
          }
          : {}),
      })));
      return 0;
    }
    const width = Math.max(...actions.map((spec) => spec.name.length));
    for (const spec of actions) {
      const keys = Object.entries(spec.data).map(([key, type]) => `${key}:${type}`).join(" ");
      const fires = registry.platformEvent(spec.name);
      const also = fires.length > 1 ? `  (one platform event fires ${fires.join(" then ")})` : "";
      const mark = spec.builtin ? "" : "  [config]";
      context.out.stdout(`${spec.name.padEnd(width)}  ${keys}${also}${mark}`);
    }
    context.out.stdout("");
    context.out.stdout("Field types:");
    for (const [name, kind] of Object.entries(FIELD_TYPES)) {
      context.out.stdout(`  ${name.padEnd(20)} ${kind.description}`);
    }
    if (hooks && hooks.hooks.length > 0) {
      context.out.stdout("");
      context.out.stdout(`Hooks in ${hooks.dir}, and what each is for:`);
      const nameWidth = Math.min(40, Math.max(...hooks.hooks.map((hook) => hook.name.length)));
      for (const hook of hooks.hooks) {
        context.out.stdout(`  ${hook.name.padEnd(nameWidth)}  ${describeRules(rulesOf(hook))}`);
      }
    }
    return 0;
  },
};

/**
 * The hooks directory as a run would find it, for showing which hooks each
 * action runs; undefined (with a note on stderr) when it cannot be looked at or
 * is refused: the list of actions is worth having anyway.
 */
async function hooksFor(
  context: CommandContext,
  actions: readonly string[],
): Promise<Discovery | undefined> {
  try {
    const settings = await context.settings();
    const found = await discoverHooks(settings.hooksDir, {
      allowInsecure: settings.allowInsecure,
      rules: settings.hooks,
      actions,
    });
    if (found.refused) {
      context.out.line(context.out.colors.yellow(`solus-hooks: warning: ${found.refused}`));
      return undefined;
    }
    return found;
  } catch (error) {
    if (error instanceof SolusHooksError && !(error instanceof ConfigError)) throw error;
    context.out.line(
      context.out.colors.dim(
        `note: the hooks directory was not looked at: ${(error as Error).message}`,
      ),
    );
    return undefined;
  }
}
