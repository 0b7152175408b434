/**
 * `solus-hooks around`: a whole platform event. The pre stage of each action in
 * order, then the command that is the event, then the post stage of each action
 * only if the command succeeded (the seed: a failed event runs only pre hooks).
 *
 * @module
 */
import type { Command, CommandContext } from "../cli/command.ts";
import { executeStage } from "../cli/execute.ts";
import { printPlan } from "../cli/plan.ts";
import { ExitCode, UsageError } from "../errors.ts";
import { parseEvent } from "../event.ts";
import type { HookEvent, Stage } from "../registry.ts";
import type { RunReport } from "../report.ts";

/** The exit status a shell gives a command it cannot find or run. */
const COMMAND_NOT_FOUND = 127;
const COMMAND_NOT_RUNNABLE = 126;

/** What `around --json` prints: every stage's report and what the command did. */
export interface AroundReport {
  /** Shared by every stage and action of the event. */
  event_id: string;
  /** The command's words. */
  command: string[];
  /** Its exit status, or null when it did not run. */
  command_exit_code: number | null;
  /** True when `--veto` stopped the command. */
  vetoed: boolean;
  /** True when the runner was interrupted. */
  interrupted: boolean;
  /** Each stage run, in order. */
  stages: RunReport[];
  /** The exit status of `around` itself. */
  exit_code: number;
}

/** Run the wrapped command with inherited stdio, passing the runner's signals on to it. */
async function runWrapped(argv: string[], context: CommandContext): Promise<number> {
  const [program, ...args] = argv;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args,
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
  } catch (error) {
    const notFound = error instanceof Deno.errors.NotFound;
    context.out.line(
      `solus-hooks: cannot run ${program}: ${
        notFound ? "command not found" : (error as Error).message
      }`,
    );
    return notFound ? COMMAND_NOT_FOUND : COMMAND_NOT_RUNNABLE;
  }
  const forward = () => {
    try {
      child.kill(context.interrupts.received() ?? "SIGTERM");
    } catch {
      // it already exited
    }
  };
  context.interrupts.signal.addEventListener("abort", forward, { once: true });
  if (context.interrupts.signal.aborted) forward();
  try {
    return (await child.status).code;
  } finally {
    context.interrupts.signal.removeEventListener("abort", forward);
  }
}

/**
 * Parse the `--event` values of `around`: each `{"action", "data"}`, no stage.
 *
 * @example
 * ```ts ignore
 * const events = parseAroundEvents(['{"action":"server-start","data":{...}}'], registry);
 * ```
 */
export function parseAroundEvents(
  texts: string[],
  registry: Parameters<typeof parseEvent>[1],
): HookEvent[] {
  return texts.map((text, index) =>
    parseEvent(text, registry, {
      requireStage: false,
      what: texts.length > 1 ? `--event ${index + 1}` : "--event",
    })
  );
}

/**
 * The `around` command.
 *
 * @example
 * ```ts
 * import { aroundCommand } from "./around.ts";
 * console.log(aroundCommand.summary);
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
--dry-run: show the order and the hooks that would run, without running anything.

Examples:
  solus-hooks around --event "$(solus-hooks sample server-restart | jq -c 'del(.stage)')" -- virsh reboot vm1
  solus-hooks around --veto --event '{"action":"server-start","data":{"uuid":"c7ee19aa-2722-4139-9223-60ed4baf09e2","virtualization_type":"kvm"}}' -- virsh start vm1
  solus-hooks around $(solus-hooks sample server-create --event | jq -c '.[]' | sed 's/^/--event /') -- ./create-server.sh`,
  options: {
    event: { type: "string", multiple: true },
    veto: { type: "boolean" },
    "dry-run": { type: "boolean" },
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
    const events = parseAroundEvents(texts, await context.registry());
    if (context.values["dry-run"] === true) {
      return await printPlan(context, events, ["pre", "post"], argv);
    }
    const eventId = crypto.randomUUID();
    const result: AroundReport = {
      event_id: eventId,
      command: argv,
      command_exit_code: null,
      vetoed: false,
      interrupted: false,
      stages: [],
      exit_code: 0,
    };
    const finish = (code: number) => {
      result.exit_code = code;
      result.interrupted = context.interrupts.received() !== null;
      if (context.global.json) context.out.json(result);
      return code;
    };
    const runStageOf = async (stage: Stage) => {
      for (const event of events) {
        const report = await executeStage(context, { ...event, stage }, { eventId, json: false });
        result.stages.push(report);
        if (report.interrupted) return false;
      }
      return true;
    };

    if (!await runStageOf("pre")) return finish(interruptedStatus(context));
    if (context.values.veto === true && result.stages.some((report) => !report.ok)) {
      result.vetoed = true;
      context.out.line(
        `solus-hooks: vetoed: a pre hook failed, so ${argv[0]} and the post hooks did not run`,
      );
      return finish(ExitCode.Vetoed);
    }
    const code = await runWrapped(argv, context);
    result.command_exit_code = code;
    if (context.interrupts.received() !== null) return finish(code);
    if (code !== 0) {
      if (!context.out.quiet) {
        context.out.line(`solus-hooks: ${argv[0]} exited ${code}: post hooks not run`);
      }
      return finish(code);
    }
    await runStageOf("post");
    return finish(code);
  },
};

function interruptedStatus(context: CommandContext): number {
  return context.interrupts.received() === "SIGINT" ? ExitCode.Interrupted : ExitCode.Terminated;
}
