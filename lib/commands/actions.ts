/**
 * `solus-hooks actions`: the registry as a table, or as JSON.
 *
 * @module
 */
import type { Command } from "../cli/command.ts";
import { displayWidth, padColumns } from "../cli/escape.ts";
import { FIELD_TYPES } from "../registry.ts";

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
 * console.log(actionsCommand.summary);
 * ```
 */
export const actionsCommand: Command = {
  name: "actions",
  summary: "list the actions and their data keys",
  help: `Usage: solus-hooks actions [--json]

Lists on stdout every action hooks can receive, what it means, the keys of its
data (with their type where it is not the key's own name: the field types
follow the table), and which actions one platform event fires. Actions added
by the config file are marked [config]. --json prints the same as one JSON
array.

Examples:
  solus-hooks actions
  solus-hooks actions --config /etc/solus-hooks/config.jsonc    # with the config's actions
  solus-hooks actions --json | jq -r '.[].action'`,
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
    return 0;
  },
};
