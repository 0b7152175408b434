/**
 * The CLI: pick the command, parse its flags, give it a context, and turn any
 * error into one line and an exit status.
 *
 * @module
 */
import denoJson from "../../deno.json" with { type: "json" };
import { resolveSettings, type Settings } from "../config.ts";
import { ExitCode, SolusHooksError, UsageError } from "../errors.ts";
import { watchInterrupts } from "../interrupt.ts";
import { suggest } from "../issues.ts";
import { killAllHookGroups } from "../process.ts";
import { createRegistry, type Registry } from "../registry.ts";
import { actionsCommand } from "../commands/actions.ts";
import { aroundCommand } from "../commands/around.ts";
import { checkCommand } from "../commands/check.ts";
import { testCommand } from "../commands/test.ts";
import { historyCommand } from "../commands/history.ts";
import { replayCommand } from "../commands/replay.ts";
import { showCommand } from "../commands/show.ts";
import { runCommand } from "../commands/run.ts";
import { sampleCommand } from "../commands/sample.ts";
import { schemaCommand } from "../commands/schema.ts";
import { findCommand, parseCommandLine } from "./args.ts";
import { type Command, type CommandContext, GLOBAL_HELP } from "./command.ts";
import { captureStream } from "../capture.ts";
import { createOutput } from "./output.ts";
import { type BuildScope, declareBuild, findDenial, OUTSIDE_SCOPE, scopeError } from "./scope.ts";

/** The version printed by `--version`. */
export const VERSION: string = denoJson.version;

/** Every command, in the order the help lists them. */
export const COMMANDS: readonly Command[] = [
  runCommand,
  aroundCommand,
  sampleCommand,
  actionsCommand,
  schemaCommand,
  testCommand,
  checkCommand,
  historyCommand,
  showCommand,
  replayCommand,
];

/** The largest event accepted on stdin; anything bigger is a mistake, not an event. */
const MAX_STDIN_BYTES = 64 * 1024 * 1024;

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return `solus-hooks ${VERSION}: run SolusVM 2 server event hooks, bounded and safe

Usage: solus-hooks COMMAND [options]

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join("\n")}

Run \`solus-hooks COMMAND --help\` for a command's options and examples.

${GLOBAL_HELP}`;
}

async function readAllStdin(): Promise<string> {
  const { text, bytes } = await captureStream(Deno.stdin.readable, MAX_STDIN_BYTES).done;
  if (bytes > MAX_STDIN_BYTES) throw new UsageError("the event on stdin is larger than 64 MiB");
  return text;
}

/**
 * Run the CLI with `argv` and return the exit status. Never throws; never exits.
 * `build.scope` is the permission scope a compiled binary was built with, for
 * telling a user what it may touch when Deno refuses something.
 *
 * @example
 * ```ts
 * import { main } from "./main.ts";
 * const status = await main(["sample", "server-restart"]);
 * console.log(status); // 0
 * ```
 */
export async function main(
  argv: readonly string[],
  build: { scope?: BuildScope } = {},
): Promise<number> {
  if (build.scope) declareBuild({ kind: "binary", scope: build.scope });
  const quietGuess = argv.includes("--quiet") || argv.includes("-q");
  const out = createOutput({ quiet: quietGuess });
  const interrupts = watchInterrupts();
  let settings: Promise<Settings> | undefined;
  try {
    const name = findCommand(argv);
    if (name === undefined) {
      const parsed = parseCommandLine(argv);
      if (parsed.global.version) {
        out.stdout(`solus-hooks ${VERSION}`);
        return ExitCode.Ok;
      }
      if (parsed.global.help) {
        out.stdout(topHelp());
        return ExitCode.Ok;
      }
      out.line(topHelp());
      return ExitCode.Usage;
    }
    const command = COMMANDS.find((candidate) => candidate.name === name);
    if (!command) {
      throw new UsageError(
        `unknown command "${name}"${
          suggest(name, COMMANDS.map((c) => c.name))
        }; \`solus-hooks --help\` lists them`,
      );
    }
    const parsed = parseCommandLine(argv, command.options, command.name);
    if (parsed.global.help) {
      out.stdout(`${command.help}\n\n${GLOBAL_HELP}`);
      return ExitCode.Ok;
    }
    if (parsed.global.version) {
      out.stdout(`solus-hooks ${VERSION}`);
      return ExitCode.Ok;
    }
    if (parsed.rest !== undefined && command.name !== "around") {
      throw new UsageError(`${command.name} takes nothing after --`);
    }
    let registry: Promise<Registry> | undefined;
    const context: CommandContext = {
      global: parsed.global,
      values: parsed.values,
      positionals: parsed.positionals,
      rest: parsed.rest,
      out,
      interrupts,
      settings: () =>
        settings ??= resolveSettings({
          dir: parsed.global.dir,
          config: parsed.global.config,
          timeoutMs: parsed.global.timeoutMs,
          journal: parsed.global.journal,
          noJournal: parsed.global.noJournal,
          serial: parsed.global.serial,
        }),
      registry: () => registry ??= context.settings().then((s) => createRegistry(s.actions)),
      readStdin: readAllStdin,
    };
    return await command.run(context);
  } catch (caught) {
    // Deno's refusal, wrapped or not, is this build's scope, not a file mode.
    const denial = findDenial(caught);
    const error = denial && !(caught instanceof Error && caught.message.includes(OUTSIDE_SCOPE))
      ? scopeError(denial, undefined, {
        journal: await settings?.then((s) => s.journal.path, () => undefined),
      })
      : caught;
    if (error instanceof SolusHooksError) {
      out.line(`solus-hooks: ${error.message}`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    out.line(`solus-hooks: internal error: ${message} (please report this)`);
    return ExitCode.HookFailed;
  } finally {
    interrupts.dispose();
    // Normally none is left; after an unexpected error, no hook may outlive us.
    killAllHookGroups("SIGKILL");
  }
}
