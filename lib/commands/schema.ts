/**
 * `solus-hooks schema`: the JSON Schema of an event, from the same registry.
 *
 * @module
 */
import type { Command } from "../cli/command.ts";

/**
 * The `schema` command.
 *
 * @example
 * ```ts
 * import { schemaCommand } from "./schema.ts";
 * import assert from "node:assert/strict";
 * assert.match(schemaCommand.help, /Examples?:/);
 * ```
 */
export const schemaCommand: Command = {
  name: "schema",
  summary: "print the JSON Schema (2020-12) of an event",
  help: `Usage: solus-hooks schema

Prints a JSON Schema (draft 2020-12) of the event every hook reads on stdin,
generated from the same definition that validates events, including actions
the config file adds. Indented, on stdout.

Examples:
  solus-hooks schema > event.schema.json
  solus-hooks schema --config /etc/solus-hooks/config.jsonc | jq '.oneOf | length'
  solus-hooks schema | jq -r '.oneOf[].properties.action.const'`,
  options: {},
  async run(context) {
    const registry = await context.registry();
    context.out.json(registry.jsonSchema(), { pretty: true });
    return 0;
  },
};
