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
 * console.log(schemaCommand.summary);
 * ```
 */
export const schemaCommand: Command = {
  name: "schema",
  summary: "print the JSON Schema (2020-12) of an event",
  help: `Usage: solus-hooks schema

Prints a JSON Schema (draft 2020-12) of the event every hook reads on stdin,
generated from the same registry that validates events, including actions the
config file adds. Indented, on stdout.`,
  options: {},
  async run(context) {
    const registry = await context.registry();
    context.out.stdout(JSON.stringify(registry.jsonSchema(), null, 2));
    return 0;
  },
};
