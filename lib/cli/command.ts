/**
 * What a command is, and what it gets to work with.
 *
 * @module
 */
import type { Settings } from "../config/settings.ts";
import type { InterruptWatch } from "../process/interrupt.ts";
import type { Registry } from "../event/registry.ts";
import type { GlobalFlags, OptionTable, ParsedArgs } from "./args.ts";
import type { Output } from "./output.ts";

/** Everything a command needs, resolved lazily so `sample` never reads a journal. */
export interface CommandContext {
  /** The global flags. */
  global: GlobalFlags;
  /** The command's own flags. */
  values: ParsedArgs["values"];
  /** Positional arguments after the command name. */
  positionals: string[];
  /** Everything after `--`, if there was one. */
  rest: string[] | undefined;
  /** Where to write. */
  out: Output;
  /** The settings: flags over environment over config file over defaults. */
  settings(): Promise<Settings>;
  /**
   * Where a run whose config cannot be read records its refusal: the flags,
   * environment and defaults, and what the broken file still says of the
   * journal, system log and metrics (lib/config/salvage.ts).
   */
  settingsWithoutConfig?(): Promise<Settings>;
  /** The registry: built-in actions plus the config file's. */
  registry(): Promise<Registry>;
  /** The runner's SIGINT/SIGTERM. */
  interrupts: InterruptWatch;
}

/** One command of the CLI. */
export interface Command {
  /** The word that selects it. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The full help text, shown by `solus-hooks COMMAND --help`. */
  help: string;
  /** Its own flags (global ones are added). */
  options: OptionTable;
  /** Run it; the result is the exit status. */
  run(context: CommandContext): Promise<number>;
}

/** The help lines for the global flags, appended to every command's help. */
export const GLOBAL_HELP = `Global options:
  --dir DIR        hooks directory (default /usr/local/solus/hooks.d, env SOLUS_HOOKS_DIR)
  --config PATH    config file (default /etc/solus-hooks/config.jsonc, env SOLUS_HOOKS_CONFIG)
  --timeout MS     stage deadline: milliseconds, or 500ms, 1.5s, 2m (default 60000)
  --journal PATH   journal file (default /var/log/solus-hooks/journal.jsonl, env SOLUS_HOOKS_JOURNAL)
  --no-journal     do not write the journal
  --serial         run hooks one at a time instead of in parallel
  --json           print one JSON document on stdout, and nothing else there
  -v, --verbose    run, around, replay: also each hook's output and the hooks
                   skipped by their directives
  -q, --quiet      print only failures and errors
  -h, --help       show help
  -V, --version    show the version`;
