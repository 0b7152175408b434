/**
 * `solus-hooks around`: a whole platform event. The pre stage of each action in
 * order, then the command that is the event, then the post stage of each action
 * only if the command succeeded (the seed: a failed event runs only pre hooks).
 *
 * @module
 */
import type { Command } from "../cli/command.ts";
import { executeStage } from "../cli/execute.ts";
import { printPlan } from "../cli/plan.ts";
import { stageOptionsFrom } from "../config/resolve.ts";
import { noteRefusal, runSettings } from "../cli/refuse.ts";
import type { CommandContext } from "../cli/command.ts";
import { EventError, UsageError } from "../errors.ts";
import { memberTexts } from "../event/json_text.ts";
import { checkEvent, type EventMode, parseJson } from "../event/parse.ts";
import { runEvent } from "../event_runner.ts";
import type { HookEvent, Registry, Stage } from "../event/registry.ts";
import type { RefusalOptions } from "../fleet/refusal.ts";
import type { RunReport } from "../report.ts";

/** The `--event` values of `around`, checked, and how to write each stage's event for hooks. */
interface AroundEvents {
  events: HookEvent[];
  /** The event text hooks read at `stage`: the action and data exactly as given. */
  textOf(event: HookEvent, stage: Stage): string | undefined;
  /** How the event as given differs from the registry. */
  warningsOf(event: HookEvent): string[];
}

/**
 * Parse the `--event` values of `around`: each `{"action", "data"}`, no stage.
 * Each stage's event for hooks keeps the action's and data's text as given
 * (an integer past 2^53, key order, spacing), with the stage put between them.
 */
function parseAroundEvents(
  texts: string[],
  registry: Registry,
  maxBytes: number,
  mode: EventMode,
  onRefused: (known: RefusalOptions) => void,
): AroundEvents {
  // By the event's data object, which every stage's copy of the event shares.
  const raw = new WeakMap<object, { action?: string; data?: string; warnings: string[] }>();
  const events = texts.map((text, index) => {
    const what = texts.length > 1 ? `--event ${index + 1}` : "--event";
    onRefused({ eventText: text });
    if (new TextEncoder().encode(text).byteLength > maxBytes) {
      throw new EventError(`${what} is larger than maxEventBytes (${maxBytes} bytes)`);
    }
    const value = parseJson(text, what);
    onRefused({ event: value });
    const { event, warnings } = checkEvent(value, registry, { requireStage: false, what, mode });
    const members = memberTexts(text);
    raw.set(event.data, { action: members.get("action"), data: members.get("data"), warnings });
    return event;
  });
  return {
    events,
    textOf(event, stage) {
      const given = raw.get(event.data);
      if (given?.action === undefined || given.data === undefined) return undefined;
      return `{"action":${given.action},"stage":"${stage}","data":${given.data}}`;
    },
    warningsOf: (event) => raw.get(event.data)?.warnings ?? [],
  };
}

/** Parse the events, recording a refused one in the journal, the system log and the metrics. */
async function aroundEvents(
  context: CommandContext,
  texts: string[],
  strict: boolean,
  record: boolean,
): Promise<AroundEvents> {
  const settings = await context.settings(); // read (and any refusal recorded) by run() first
  let known: RefusalOptions = {};
  try {
    return parseAroundEvents(
      texts,
      await context.registry(),
      settings.maxEventBytes,
      strict ? "strict" : "lenient",
      (now) => known = now,
    );
  } catch (error) {
    if (error instanceof EventError && record) {
      await noteRefusal(context, settings, "event", error.message, known);
    }
    throw error;
  }
}

/** What stopped the event, in words: the first pre hook that did not succeed. */
function whyVetoed(stages: readonly RunReport[]): string {
  const WORDS = { failed: "failed", timed_out: "timed out", spawn_error: "could not start" };
  for (const stage of stages) {
    if (stage.refused) return `the hooks directory was refused (${stage.refused})`;
    const hook = stage.hooks.find((candidate) => candidate.status !== "ok");
    if (hook) return `pre hook ${hook.name} ${WORDS[hook.status as keyof typeof WORDS]}`;
    const skip = stage.skipped.find((candidate) => candidate.refused);
    if (skip) return `pre hook ${skip.name} was refused`;
  }
  return "a pre hook failed";
}

/**
 * The `around` command.
 *
 * @example
 * ```ts
 * import { aroundCommand } from "./around.ts";
 * import assert from "node:assert/strict";
 * assert.match(aroundCommand.help, /Examples?:/);
 * ```
 */
export const aroundCommand: Command = {
  name: "around",
  summary: "run pre hooks, a command, then post hooks if it succeeded",
  help:
    `Usage: solus-hooks around --event JSON [--event JSON]... [--veto] [--dry-run] -- COMMAND [ARG]...

Wraps COMMAND (the event itself) in its hooks. Each --event is {"action", "data"}
without a stage; one platform event may fire several actions, given in order.
  1. the pre stage of each action, in order;
  2. COMMAND, with stdin, stdout and stderr inherited;
  3. the post stage of each action, in order, only if COMMAND exited 0.
Every stage shares one SOLUS_HOOK_EVENT_ID. The exit status is COMMAND's. A SIGINT
or SIGTERM to the runner while COMMAND runs is passed on to COMMAND.

--veto: a failed or timed-out pre hook stops COMMAND and the post stage, exit 3.
--strict: refuse an event that differs from the registry (exit 2, recorded);
  without it the hooks run with the event as given and each difference is a
  warning in the report.
--dry-run: show the order and the hooks that would run, without running anything.
--verbose: each stage's report also shows every hook's output (its last 20 lines).
--json: one JSON document on stdout (COMMAND's own stdout then goes to stderr).

Examples:
  solus-hooks around --event "$(solus-hooks sample server-restart | jq -c 'del(.stage)')" -- virsh reboot vm1
  solus-hooks around --veto --event '{"action":"server-start","data":{"uuid":"c7ee19aa-2722-4139-9223-60ed4baf09e2","virtualization_type":"kvm"}}' -- virsh start vm1
  solus-hooks around $(solus-hooks sample server-create --event | jq -c '.[]' | sed 's/^/--event /') -- ./create-server.sh`,
  options: {
    event: { type: "string", multiple: true },
    veto: { type: "boolean" },
    "dry-run": { type: "boolean" },
    strict: { type: "boolean" },
  },
  async run(context) {
    const texts = (context.values.event ?? []) as string[];
    if (texts.length === 0) throw new UsageError("around needs at least one --event");
    if (context.positionals.length > 0) {
      throw new UsageError(
        `put the command after --: solus-hooks around --event ... -- ${
          context.positionals.join(" ")
        }`,
      );
    }
    const argv = context.rest ?? [];
    if (argv.length === 0) throw new UsageError("around needs a command after --");
    const settings = await runSettings(context);
    const dryRun = context.values["dry-run"] === true;
    const strict = context.values.strict === true || settings.strictEvents;
    const { events, textOf, warningsOf } = await aroundEvents(context, texts, strict, !dryRun);
    if (dryRun) {
      return await printPlan(context, events, ["pre", "post"], argv);
    }
    const json = context.global.json;
    const report = await runEvent(events, {
      ...stageOptionsFrom(settings),
      command: argv,
      veto: context.values.veto === true,
      signal: context.interrupts.signal,
      // --json: stdout holds the one report, so the command's stdout goes to stderr.
      commandStdout: json ? "stderr" : "inherit",
      // The CLI's stage: its settings, live status line, journal and report on stderr.
      runStage: (event, options) =>
        executeStage(context, event, {
          eventId: options.eventId,
          json: false,
          eventText: textOf(event, event.stage),
          warnings: warningsOf(event),
          strict,
        }),
    });
    const { out } = context;
    if (report.command_error) out.line(`solus-hooks: ${report.command_error}`);
    if (report.vetoed) {
      out.line(
        `solus-hooks: vetoed: ${whyVetoed(report.stages)}, so ${
          argv[0]
        } and the post hooks did not run`,
      );
    } else if (report.command_exit_code !== 0 && !report.interrupted && !out.quiet) {
      const ended = report.command_signal !== null
        ? `was killed by ${report.command_signal}`
        : report.command_exit_code !== null
        ? `exited ${report.command_exit_code}`
        : null;
      if (ended) out.line(`solus-hooks: ${argv[0]} ${ended}: post hooks not run`);
    }
    if (json) out.json(report);
    return report.exit_code;
  },
};
