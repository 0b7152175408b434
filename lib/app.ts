/**
 * The CLI application: pick the command, parse its flags, give it a context,
 * and turn any error into one line and an exit status. It is the only module
 * that knows every command; `lib/cli/` is the machinery commands share and
 * never imports a command.
 *
 * @module
 */
import denoJson from "../deno.json" with { type: "json" };
import { findCommand, parseCommandLine, type ParsedArgs } from "./cli/args.ts";
import { type Command, type CommandContext, GLOBAL_HELP } from "./cli/command.ts";
import { createOutput, type Output } from "./cli/output.ts";
import { type BuildScope, declareBuild, findDenial, OUTSIDE_SCOPE, scopeError } from "./scope.ts";
import { actionsCommand } from "./commands/actions.ts";
import { aroundCommand } from "./commands/around.ts";
import { checkCommand } from "./commands/check.ts";
import { historyCommand } from "./commands/history.ts";
import { replayCommand } from "./commands/replay.ts";
import { runCommand } from "./commands/run.ts";
import { sampleCommand } from "./commands/sample.ts";
import { schemaCommand } from "./commands/schema.ts";
import { showCommand } from "./commands/show.ts";
import { testCommand } from "./commands/test.ts";
import { resolveSettings } from "./config/resolve.ts";
import { settingsForConfigRefusal } from "./config/salvage.ts";
import { type Settings } from "./config/settings.ts";
import { ExitCode, InterruptedError, SolusHooksError, UsageError } from "./errors.ts";
import { watchInterrupts } from "./process/interrupt.ts";
import { suggest } from "./event/schema_issues.ts";
import { killAllHookGroups } from "./process/hook_process.ts";
import { createRegistry, type Registry } from "./event/registry.ts";

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

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return `solus-hooks ${VERSION}: run SolusVM 2 server event hooks, bounded and safe

Usage: solus-hooks COMMAND [options]

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join("\n")}

Run \`solus-hooks COMMAND --help\` for a command's options and examples.

${GLOBAL_HELP}`;
}

/** Parse the command line: the command, its flags, or a usage error. */
function parse(argv: readonly string[]): { command: Command | undefined; parsed: ParsedArgs } {
  const name = findCommand(argv);
  if (name === undefined) return { command: undefined, parsed: parseCommandLine(argv) };
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    throw new UsageError(
      `unknown command "${name}"${
        suggest(name, COMMANDS.map((c) => c.name))
      }; \`solus-hooks --help\` lists them`,
    );
  }
  const parsed = parseCommandLine(argv, command.options, command.name);
  if (parsed.rest !== undefined && command.name !== "around") {
    throw new UsageError(`${command.name} takes nothing after --`);
  }
  return { command, parsed };
}

/** Give a command what it needs, each piece resolved when first asked for. */
function contextFor(
  parsed: ParsedArgs,
  out: Output,
  interrupts: CommandContext["interrupts"],
): CommandContext {
  let settings: Promise<Settings> | undefined;
  let registry: Promise<Registry> | undefined;
  const overrides = {
    dir: parsed.global.dir,
    config: parsed.global.config,
    timeoutMs: parsed.global.timeoutMs,
    journal: parsed.global.journal,
    noJournal: parsed.global.noJournal,
    serial: parsed.global.serial,
    // check judges the deadline the entry would give hooks on this node.
    entry: parsed.values.entry === true || parsed.command === "check",
  };
  const context: CommandContext = {
    global: parsed.global,
    values: parsed.values,
    positionals: parsed.positionals,
    rest: parsed.rest,
    out,
    interrupts,
    settings: () => settings ??= resolveSettings(overrides),
    settingsWithoutConfig: () => settingsForConfigRefusal(overrides),
    registry: () => registry ??= context.settings().then((s) => createRegistry(s.actions)),
  };
  return context;
}

/**
 * Run the CLI with `argv` and return the exit status. Never throws; never exits.
 * `build.scope` is the permission scope a compiled binary was built with, for
 * telling a user what it may touch when Deno refuses something.
 *
 * @example
 * ```ts
 * import { main } from "./app.ts";
 * import assert from "node:assert/strict";
 * assert.equal(await main(["--version"]), 0);
 * ```
 */
export async function main(
  argv: readonly string[],
  build: { scope?: BuildScope } = {},
): Promise<number> {
  if (build.scope) declareBuild({ kind: "binary", scope: build.scope });
  const interrupts = watchInterrupts();
  let settings: Promise<Settings> | undefined;
  // Until the flags are parsed, nothing is quiet: a usage error is always said.
  let out = createOutput({ quiet: false });
  try {
    const { command, parsed } = parse(argv);
    out = createOutput({ quiet: parsed.global.quiet });
    if (parsed.global.version) {
      out.stdout(`solus-hooks ${VERSION}`);
      return ExitCode.Ok;
    }
    if (command === undefined) {
      if (parsed.global.help) {
        out.stdout(topHelp());
        return ExitCode.Ok;
      }
      for (const line of topHelp().split("\n")) out.line(line); // line() writes one line
      return ExitCode.Usage;
    }
    if (parsed.global.help) {
      out.stdout(`${command.help}\n\n${GLOBAL_HELP}`);
      return ExitCode.Ok;
    }
    const context = contextFor(parsed, out, interrupts);
    const resolve = context.settings;
    // Kept for the error message below: a refusal names the journal the settings chose.
    context.settings = () => settings ??= resolve();
    return await command.run(context);
  } catch (caught) {
    // Deno's refusal, wrapped or not, is this build's scope, not a file mode.
    const denial = findDenial(caught);
    const error = denial && !(caught instanceof Error && caught.message.includes(OUTSIDE_SCOPE))
      ? scopeError(denial, undefined, {
        journal: await settings?.then((s) => s.journal.path, () => undefined),
      })
      : caught;
    if (error instanceof InterruptedError) return error.exitCode;
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
