/**
 * `solus-hooks actions`: the registry as a table, or as JSON.
 *
 * @module
 */
import type { Command, CommandContext } from "../cli/command.ts";
import { displayWidth, padColumns } from "../cli/escape.ts";
import { describeRules } from "../hooks/directives.ts";
import { discoverHooks, type Discovery, rulesOf, selectFor } from "../hooks/discovery.ts";
import { ConfigError, SolusHooksError } from "../errors.ts";
import { STAGES } from "../event/registry.ts";
import { FIELD_TYPES } from "../event/field_types.ts";

/**
 * Words joined by spaces into lines of at most `width` columns (a word longer
 * than that has a line of its own).
 *
 * @example
 * ```ts
 * import { wrapWords } from "./actions.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(wrapWords(["uuid", "virtualization_type", "hostname"], 25), [
 *   "uuid virtualization_type",
 *   "hostname",
 * ]);
 * ```
 */
export function wrapWords(words: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    if (line !== "" && displayWidth(`${line} ${word}`) > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}

/**
 * The `actions` command.
 *
 * @example
 * ```ts
 * import { actionsCommand } from "./actions.ts";
 * import assert from "node:assert/strict";
 * assert.match(actionsCommand.help, /Examples?:/);
 * ```
 */
export const actionsCommand: Command = {
  name: "actions",
  summary: "list the actions and their data keys",
  help: `Usage: solus-hooks actions [--json]

Lists on stdout every action hooks can receive, what it means, the keys of its
data (with their type where it is not the key's own name: the field types
follow the table), and which actions one platform event fires. Actions added
by the config file are marked [config]. Then the hooks of the hooks directory
(--dir) and what each is for (its "# solus-hooks:" directive or the config's
hooks entry). --json prints the same as one JSON array, each action with the
hooks it runs at each stage.

Examples:
  solus-hooks actions
  solus-hooks actions --dir ./hooks --json | jq -r '.[].action'
  solus-hooks actions --config /etc/solus-hooks/config.jsonc    # with the config's actions`,
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
    const { out } = context;
    const names = actions.map((spec) => `${spec.name}${spec.builtin ? "" : " [config]"}`);
    const width = Math.max(6, ...names.map(displayWidth));
    const keysWidth = Math.max(30, out.columns("stdout") - 1 - width - 2);
    const under = " ".repeat(width + 2);
    actions.forEach((spec, index) => {
      out.stdout(`${padColumns(names[index], width)}  ${spec.description || ""}`.trimEnd());
      // `uuid:uuid` says nothing twice: a key's type is named only when it differs.
      const keys = Object.entries(spec.data).map(([key, type]) =>
        key === type ? key : `${key}:${type}`
      );
      wrapWords(["data:", ...keys], keysWidth - 6).forEach((line, at) =>
        out.stdout(`${under}${at ? "      " : ""}${out.stdoutColors.dim(line)}`)
      );
      const fires = registry.platformEvent(spec.name);
      if (fires.length > 1) out.stdout(`${under}one platform event fires ${fires.join(" then ")}`);
    });
    out.stdout("");
    out.stdout("Field types:");
    for (const [name, kind] of Object.entries(FIELD_TYPES)) {
      out.stdout(`  ${name.padEnd(20)} ${kind.description}`);
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
