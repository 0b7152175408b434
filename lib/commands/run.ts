/**
 * `solus-hooks run`: fire one stage of an event into the hooks directory.
 *
 * @module
 */
import type { Command, CommandContext } from "../cli/command.ts";
import { prewarmWatchdog } from "../process/watchdog.ts";
import { executeStage, exitStatusOf } from "../cli/execute.ts";
import { printPlan } from "../cli/plan.ts";
import { noteRefusal, runSettings } from "../cli/refuse.ts";
import { EventError, UsageError } from "../errors.ts";
import { checkEvent, parseJson } from "../event/parse.ts";
import {
  type EventSource,
  IncompleteEventError,
  readEventText,
  withoutBom,
} from "../event/read_input.ts";
import type { RefusalOptions } from "../fleet/refusal.ts";
import { entryDeadline, nestedRunProblem } from "../hooks/entry.ts";
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

Every hook reads the event exactly as it was sent. At run time only a broken
envelope refuses it (not JSON, not one object, "action" not a string, "stage"
not pre or post, "data" not an object, over maxEventBytes, not complete within
eventReadTimeoutMs): exit 2, recorded in the journal, the system log and the
metrics. An unknown action or data key, a missing key or a value of another
type runs the hooks with the event as sent and is a warning in the report;
--strict (or "strictEvents": true) refuses such an event instead.

--dry-run shows which hooks would run, in which order, and which would be
skipped and why, without running anything.

--entry is what SolusVM's entry (/usr/local/solus/hooks/solus-hooks) passes:
when neither --timeout nor the config's timeoutMs sets the deadline, it is
58000 - 2000 - killGraceMs ms (54000 by default), less the time an event took
to arrive past the runner's first second, so that the deadline, the kill grace
and the runner's own start and report end within SolusVM's one-minute wait.
A run started from inside a hook of the same action and
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
    strict: { type: "boolean" },
  },
  async run(context) {
    if (context.positionals.length > 0) {
      throw new UsageError(
        `run takes no arguments (got ${
          context.positionals.join(" ")
        }); pass the event with --event`,
      );
    }
    const settings = await runSettings(context);
    const dryRun = context.values["dry-run"] === true;
    if (!dryRun) prewarmWatchdog(); // while the event is read: see its doc
    const strict = context.values.strict === true || settings.strictEvents;
    // What is known of the event when it is refused, for its record.
    let known: RefusalOptions = {};
    let text: string, what: string;
    let event, warnings;
    try {
      ({ text, what } = await readEventText(eventSource(context), {
        maxBytes: settings.maxEventBytes,
        // A person typing the event on a terminal is not a platform that hung.
        timeoutMs: Deno.stdin.isTerminal() ? undefined : settings.eventReadTimeoutMs,
        signal: context.interrupts.signal,
      }));
      known = { eventText: text };
      const value = parseJson(text, what);
      known = { event: value };
      // The envelope always refuses; a difference from the registry only when strict.
      ({ event, warnings } = checkEvent(value, await context.registry(), {
        what,
        mode: strict ? "strict" : "lenient",
      }));
    } catch (error) {
      if (error instanceof IncompleteEventError) known = { eventText: error.text };
      // A dry run runs nothing, so refuses nothing a run would have to record.
      if (error instanceof EventError && !dryRun) {
        await noteRefusal(context, settings, "event", error.message, known);
      }
      throw error;
    }
    const nested = nestedRunProblem(event.action, event.stage, { get: (name) => readEnv(name) });
    if (nested) {
      if (!dryRun) await noteRefusal(context, settings, "recursion", nested, { event });
      throw new UsageError(nested);
    }
    if (dryRun) return await printPlan(context, [event], [event.stage]);
    // The entry's default deadline counts from the runner's start, not the event's arrival.
    const entry = context.values.entry === true && context.global.timeoutMs === undefined
      ? entryDeadline(settings, performance.now())
      : null;
    const report = await executeStage(context, event, {
      ...(entry === null ? {} : { timeoutMs: entry }),
      eventText: withoutBom(text),
      strict,
      warnings,
    });
    return exitStatusOf(report, context);
  },
};
