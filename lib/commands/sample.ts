/**
 * `solus-hooks sample ACTION`: a valid event for an action, ready to pipe into a hook.
 *
 * @module
 */
import type { Command } from "../cli/command.ts";
import { EventError, UsageError } from "../errors.ts";
import { quote } from "../event/schema_issues.ts";
import { type Stage, STAGES } from "../event/registry.ts";

/**
 * The `sample` command.
 *
 * @example
 * ```ts
 * import { sampleCommand } from "./sample.ts";
 * import assert from "node:assert/strict";
 * assert.match(sampleCommand.help, /Examples?:/);
 * ```
 */
export const sampleCommand: Command = {
  name: "sample",
  summary: "print a valid event for an action",
  help: `Usage: solus-hooks sample ACTION [--stage pre|post] [--pretty] [--event]

Prints a valid event for ACTION with a fresh UUID on stdout: compact JSON on
one line, or indented with --pretty. --stage picks the stage (default pre).

With --event, prints the actions that one platform event fires (creating a
server fires server-create then server-network-create) as a JSON array of
{"action", "data"} objects, ready for \`around --event\`. They carry no stage
(around runs pre, then the command, then post), so --stage is refused with it.

Examples:
  solus-hooks sample server-restart | /usr/local/solus/hooks/hook.sh
  solus-hooks sample server-create --stage post --pretty
  solus-hooks sample server-restart | solus-hooks run --dir ./hooks --verbose
  solus-hooks sample server-create --event
  solus-hooks sample server-create --event | jq -c '.[0]'`,
  options: {
    stage: { type: "string" },
    pretty: { type: "boolean" },
    event: { type: "boolean" },
  },
  async run(context) {
    const [action, ...extra] = context.positionals;
    if (!action) throw new UsageError("sample needs an ACTION; `solus-hooks actions` lists them");
    if (extra.length > 0) {
      throw new UsageError(`sample takes one ACTION, not also ${extra.join(" ")}`);
    }
    const stage = (context.values.stage ?? "pre") as Stage;
    if (!STAGES.includes(stage)) {
      throw new UsageError(`--stage must be pre or post, not ${quote(stage)}`);
    }
    if (context.values.event === true && context.values.stage !== undefined) {
      // Silently printing stage-less objects for `--stage post` would mislead.
      throw new UsageError(
        "--stage does not go with --event: its {action, data} objects have no stage, " +
          "because `around` runs the pre stage, then the command, then post",
      );
    }
    const registry = await context.registry();
    if (!registry.get(action)) {
      throw new EventError(
        `unknown action "${action}" (did you mean ${registry.nearest(action)}?)`,
      );
    }
    let value: unknown;
    if (context.values.event === true) {
      // One platform event: every action it fires shares one server.
      const uuid = crypto.randomUUID();
      value = registry.platformEvent(action).map((name) => {
        const { data } = registry.sample(name, stage);
        if ("uuid" in data) data.uuid = uuid;
        return { action: name, data };
      });
    } else {
      value = registry.sample(action, stage);
    }
    context.out.json(value, { pretty: context.values.pretty === true });
    return 0;
  },
};
