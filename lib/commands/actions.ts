/**
 * `solus-hooks actions`: the registry as a table, or as JSON.
 *
 * @module
 */
import type { Command } from "../cli/command.ts";
import { FIELD_TYPES } from "../registry.ts";

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
one platform event fires. Actions added by the config file are marked.
--json prints the same as one JSON array on stdout.`,
  options: {},
  async run(context) {
    const registry = await context.registry();
    const actions = registry.actions();
    if (context.global.json) {
      context.out.json(actions.map((spec) => ({
        action: spec.name,
        description: spec.description,
        builtin: spec.builtin,
        data: spec.data,
        fires: registry.platformEvent(spec.name),
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
    return 0;
  },
};
