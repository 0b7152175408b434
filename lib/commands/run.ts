/**
 * `solus-hooks run`: fire one stage of an event into the hooks directory.
 *
 * @module
 */
import type { Command, CommandContext } from "../cli/command.ts";
import { executeStage, exitStatusOf } from "../cli/execute.ts";
import { printPlan } from "../cli/plan.ts";
import { UsageError } from "../errors.ts";
import { parseEvent } from "../event/parse.ts";
import { type EventSource, readEventText } from "../event/read_input.ts";
import { nestedRunProblem } from "../hooks/entry.ts";
import { readEnv } from "../config/runner_env.ts";

/** Where `run` takes its event from: `--event`, `--event-file` (`-` for stdin), or stdin. */
function eventSource(context: CommandContext): EventSource {
  const inline = context.values.event as string | undefined;
  const file = context.values["event-file"] as string | undefined;
  if (inline !== undefined && file !== undefined) {
    throw new UsageError("give the event with --event or --event-file, not both");
  }
  if (inline !== undefined) return { kind: "inline", text: inline };
  if (file !== undefined && file !== "-") return { kind: "file", path: file };
  if (Deno.stdin.isTerminal()) {
    context.out.line(context.out.colors.dim("reading the event from stdin (end with Ctrl-D)..."));
  }
  return { kind: "stdin" };
}

/**
 * The `run` command.
 *
 * @example
 * ```ts
 * import { runCommand } from "./run.ts";
 * import assert from "node:assert/strict";
 * assert.match(runCommand.help, /Examples?:/);
 * ```
 */
export const runCommand: Command = {
  name: "run",
  summary: "run one stage of an event through every hook",
  help:
    `Usage: solus-hooks run [--event JSON | --event-file PATH] [--dry-run] [--entry] [global options]

Runs every hook in the hooks directory once for one event stage. The event is
{"action", "stage", "data"}: from --event, from --event-file (- for stdin), or
from stdin when neither is given. Hooks start in name order and run in parallel
(--serial: one at a time); at the deadline (--timeout, default 60000 ms) each hook
still running gets SIGTERM on its process group and SIGKILL 2 s later.

The report goes to stderr: a line per hook, and for a failed one the line of its
stderr that explains it. --verbose adds each hook's stdout and stderr (the last
20 lines of each) and the hooks skipped by their directives. --json prints the
report as one JSON document on stdout.

--dry-run shows which hooks would run, in which order, and which would be
skipped and why, without running anything.

--entry is what SolusVM's entry (/usr/local/solus/hooks/solus-hooks) passes:
when neither --timeout nor the config's timeoutMs sets the deadline, it is
58000 - 2000 - killGraceMs ms (54000 by default), so that the deadline, the
kill grace and the runner's own start and report end within SolusVM's
one-minute wait. A run started from inside a hook of the same action and
stage refuses (exit 2): it would run every hook again, without end.

Exit status: 0 all hooks succeeded (or there were none), 1 a hook failed, timed
out, could not start or was refused, 2 bad usage, event or config, 130/143
interrupted.

Examples:
  solus-hooks sample server-restart | solus-hooks run
  solus-hooks sample server-restart | solus-hooks run --dir ./hooks --verbose
  solus-hooks run --event-file event.json --json
  solus-hooks run --dir ./hooks --timeout 5000 --event '{"action":"server-stop","stage":"pre","data":{"uuid":"c7ee19aa-2722-4139-9223-60ed4baf09e2","virtualization_type":"kvm"}}'`,
  options: {
    event: { type: "string" },
    "event-file": { type: "string" },
    "dry-run": { type: "boolean" },
    entry: { type: "boolean" },
  },
  async run(context) {
    if (context.positionals.length > 0) {
      throw new UsageError(
        `run takes no arguments (got ${
          context.positionals.join(" ")
        }); pass the event with --event`,
      );
    }
    const settings = await context.settings();
    const { text, what } = await readEventText(eventSource(context), {
      maxBytes: settings.maxEventBytes,
      signal: context.interrupts.signal,
    });
    const event = parseEvent(text, await context.registry(), { what });
    const nested = nestedRunProblem(event.action, event.stage, { get: (name) => readEnv(name) });
    if (nested) throw new UsageError(nested);
    if (context.values["dry-run"] === true) return await printPlan(context, [event], [event.stage]);
    const report = await executeStage(context, event);
    return exitStatusOf(report, context);
  },
};
