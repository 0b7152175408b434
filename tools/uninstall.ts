/**
 * `deno task uninstall [--prefix DIR] [--root DIR] [--purge] [--dry-run]`: take
 * solus-hooks off a SolusVM node (contract §0). It moves the hooks from
 * hooks.d back into /usr/local/solus/hooks/, so SolusVM runs them directly
 * again, then removes the entry, hooks.d (when empty) and the command with its
 * files. The config and the journal stay unless `--purge`. A hook whose name
 * is taken in /usr/local/solus/hooks/ stops it before it changes anything.
 *
 * @module
 */
import { BUNDLE_FILES } from "./bundle.ts";
import {
  BINARY,
  Changes,
  isEntry,
  lstat,
  namesIn,
  nodePaths,
  printSteps,
  type Step,
  type ToolFlag,
  toolValues,
  under,
} from "./layout.ts";
import { leftoverReason } from "../lib/hooks/names.ts";
import { PLATFORM } from "../lib/config/constants.ts";

/** What to remove, from where. */
export interface UninstallOptions {
  /** The prefix the command was installed under (default `/usr/local`). */
  prefix: string;
  /** Put in front of every path (default none). */
  root: string;
  /** Remove the config and the journal too. */
  purge?: boolean;
  /** Say what would be done, and do nothing. */
  dryRun?: boolean;
}

/** An uninstall that would lose a hook: it stops before changing anything. */
export class UninstallRefusal extends Error {
  /** Make one; the message says why and what to do. */
  constructor(message: string) {
    super(message);
    this.name = "UninstallRefusal";
  }
}

/** Why a file in hooks.d stays there: SolusVM would run what solus-hooks keeps switched off. */
function staysReason(name: string): string | null {
  if (name.endsWith(".disabled")) return "switched off (.disabled)";
  const leftover = leftoverReason(name);
  return leftover === null ? null : `skipped by solus-hooks: ${leftover}`;
}

/**
 * Take solus-hooks off the node under `options.root` and return what was done.
 * Throws an {@linkcode UninstallRefusal}, having changed nothing, when a hook
 * in hooks.d has a namesake in SolusVM's folder.
 *
 * @example
 * ```ts ignore
 * const steps = await uninstall({ prefix: "/usr/local", root: "/tmp/pkg" });
 * ```
 */
export async function uninstall(options: UninstallOptions): Promise<Step[]> {
  const paths = nodePaths(options.prefix, options.root);
  const ours = await isEntry(paths.entry);
  const back: string[] = [];
  const stay: Step[] = [];
  for (const name of await namesIn(paths.hooks)) {
    const path = `${paths.hooks}/${name}`;
    const why = staysReason(name) ??
      (await isEntry(path) ? "a copy of the entry" : null) ??
      ((await lstat(path))?.isDirectory ? "a directory, not a hook" : null);
    if (why) stay.push({ path, outcome: "kept", note: `${why}: SolusVM would run it; not moved` });
    else back.push(name);
  }
  const taken: string[] = [];
  for (const name of back) {
    if (name === "solus-hooks" && ours) continue; // the entry goes first
    if (await lstat(`${paths.platform}/${name}`) !== null) taken.push(name);
  }
  if (taken.length > 0) {
    throw new UninstallRefusal(
      `${taken.join(", ")} ${taken.length === 1 ? "is" : "are"} both in ${paths.hooks}/ and in ` +
        `${paths.platform}/: moving the hooks back would lose one of each; rename or remove one ` +
        "of each pair, then uninstall again. Nothing was changed.",
    );
  }
  const changes = new Changes(undefined, options.dryRun);
  // Hooks back first, then the entry: an event in between runs each hook once, never twice.
  for (const name of back) {
    if (name === "solus-hooks") continue;
    await changes.move(`${paths.hooks}/${name}`, `${paths.platform}/${name}`);
  }
  if (ours) await changes.remove(paths.entry, "the entry");
  else if (await lstat(paths.entry) !== null) {
    changes.steps.push({ path: paths.entry, outcome: "kept", note: "not the solus-hooks entry" });
  }
  if (back.includes("solus-hooks")) {
    await changes.move(`${paths.hooks}/solus-hooks`, `${paths.platform}/solus-hooks`);
  }
  changes.steps.push(...stay);
  await changes.removeIfEmpty(paths.hooks, "the hooks directory is kept");

  const command = await lstat(paths.command);
  if (command?.isSymlink && (await Deno.readLink(paths.command)).includes("lib/solus-hooks/")) {
    await changes.remove(paths.command, "the command");
  } else if (command !== null) {
    changes.steps.push({
      path: paths.command,
      outcome: "kept",
      note: "not the link install made: remove it yourself if it is solus-hooks",
    });
  }
  for (const name of [BINARY, ...Object.values(BUNDLE_FILES)]) {
    await changes.remove(`${paths.lib}/${name}`);
  }
  await changes.removeIfEmpty(paths.lib, "kept");

  if (options.purge) {
    await changes.remove(paths.configDir, "the config (--purge)", true);
    await changes.remove(paths.journal, "the journal (--purge)", true);
  } else {
    for (const [path, what] of [[paths.config, "the config"], [paths.journal, "the journal"]]) {
      if (await lstat(path) !== null) {
        changes.steps.push({ path, outcome: "kept", note: `${what}; --purge removes it` });
      }
    }
  }
  return changes.steps;
}

const FLAGS: Record<string, ToolFlag> = {
  prefix: { type: "string", default: "/usr/local" },
  root: { type: "string", default: "" },
  purge: { type: "boolean" },
  "dry-run": { type: "boolean" },
  help: { type: "boolean" },
};

const USAGE = `Usage: deno task uninstall [--prefix DIR] [--root DIR] [--purge] [--dry-run]

Takes solus-hooks off a SolusVM node: moves the hooks in ${PLATFORM.hooksDir}.d/
back into ${PLATFORM.hooksDir}/ (SolusVM runs them directly again; a name in
both stops it, changing nothing), then removes the entry, hooks.d when empty, and
the command with its files. Names solus-hooks keeps switched off (.disabled,
dotfiles, editor leftovers) stay in hooks.d: SolusVM would run them.
The config (/etc/solus-hooks) and the journal (/var/log/solus-hooks) stay.

Options:
  --prefix DIR   where the command was installed (absolute; default /usr/local)
  --root DIR     put DIR in front of every path, as DESTDIR is (absolute)
  --purge        remove the config and the journal too
  --dry-run      print what would be done, and do nothing
  -h, --help     show this help

Exit status: 0 done (or nothing to do), 1 it could not, 2 bad usage.`;

if (import.meta.main) {
  const values = toolValues("uninstall", Deno.args, FLAGS, USAGE) as Record<string, string> & {
    purge?: true;
    "dry-run"?: true;
  };
  const dryRun = values["dry-run"] === true;
  let steps: Step[];
  try {
    steps = await uninstall({
      prefix: values.prefix,
      root: values.root,
      purge: values.purge === true,
      dryRun,
    });
  } catch (error) {
    console.error(`uninstall: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
  printSteps("uninstall", steps, dryRun);
  const changed = steps.filter((step) => step.outcome !== "unchanged" && step.outcome !== "kept");
  const moved = steps.filter((step) => step.outcome === "moved").length;
  if (moved > 0) {
    console.error(
      `uninstall: ${dryRun ? "would move" : "moved"} ${moved} hook${moved === 1 ? "" : "s"} ` +
        `back into ${under(values.root, PLATFORM.hooksDir)}/: SolusVM runs ${
          moved === 1 ? "it" : "them"
        } directly again, on every event (directives no longer apply)`,
    );
  }
  console.error(
    dryRun
      ? `uninstall: dry run: ${changed.length} change${
        changed.length === 1 ? "" : "s"
      } planned, nothing done`
      : changed.length === 0
      ? "uninstall: nothing to remove"
      : `uninstall: ${changed.length} change${changed.length === 1 ? "" : "s"}`,
  );
}
