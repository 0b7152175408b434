/**
 * `deno task install [--prefix DIR] [--root DIR] [--dist DIR] [--dry-run]`: put
 * solus-hooks on a SolusVM node (contract §0, §8).
 *
 *   PREFIX/bin/solus-hooks               the command: a link into PREFIX/lib/solus-hooks/
 *   PREFIX/lib/solus-hooks/              the compiled binary when `dist/solus-hooks` exists,
 *                                        else the bundle and its wrapper; and the SDK with its types
 *   /usr/local/solus/hooks/solus-hooks   the entry: the one executable SolusVM runs (0755, root)
 *   /usr/local/solus/hooks.d/            the hooks directory (0755, root)
 *   /etc/solus-hooks/config.jsonc        a commented config template, never overwritten
 *   /var/log/solus-hooks/                the journal's folder (0750: hooks' output is kept there)
 *
 * Hooks already in /usr/local/solus/hooks/ are moved into hooks.d, each named
 * in the output; a name in both stops the install before it changes anything.
 * A build of another version replaces the installed one and says which
 * version it replaced; running it again changes nothing: a file is written
 * only when its content or mode differs. `--dry-run` prints what it would do.
 *
 * PREFIX defaults to /usr/local. `--root DIR` is put in front of every path, as
 * DESTDIR is, for packaging and tests: the installed command and the entry
 * still look for their files at the paths above.
 *
 * It installs what `dist/` holds. It builds the bundle first when `dist/` has
 * neither a binary nor a bundle, when SOLUS_HOOKS_READ, SOLUS_HOOKS_WRITE or
 * SOLUS_HOOKS_ENV ask for a scope, or when the checkout's sources are newer
 * than the bundle in its own `dist/` (`--dist DIR` names another build folder,
 * which is installed as it is).
 *
 * @module
 */
import { configTemplate } from "./config_template.ts";
import { bundle, BUNDLE_FILES } from "./bundle.ts";
import {
  BINARY,
  builtVersion,
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
  usageExit,
} from "./layout.ts";
import { buildScope, scopeNotes, ScopeSettingError } from "./scope.ts";
import { describeScope } from "../lib/scope.ts";
import { entryScript } from "../lib/hooks/entry.ts";
import { DEFAULTS, PLATFORM } from "../lib/config/constants.ts";
import { parseConfigText } from "../lib/config/file.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** Where to install from and to. */
export interface InstallOptions {
  /** The prefix of the command and its files (default `/usr/local`). */
  prefix: string;
  /** Put in front of every path (default none). */
  root: string;
  /** The build folder (default `dist/` of this checkout). */
  dist: string;
  /** Owner of what is created: root when the installer runs as root. */
  owner?: { uid: number; gid: number };
  /** Say what would be done, and do nothing. */
  dryRun?: boolean;
}

/** What an install did. */
export interface InstallResult {
  /** Each path and what was done to it, in order. */
  steps: Step[];
  /** The version installed before, or null when there was none (or it cannot be told). */
  before: string | null;
  /** The version of the build installed. */
  after: string | null;
}

/** An install that would lose or run twice a hook: it stops before changing anything. */
export class InstallRefusal extends Error {
  /** Make one; the message says why and what to do. */
  constructor(message: string) {
    super(message);
    this.name = "InstallRefusal";
  }
}

/** The installed command's main file, binary or bundle, or null. */
async function installedMain(lib: string): Promise<string | null> {
  for (const name of [BINARY, BUNDLE_FILES.cli]) {
    if ((await lstat(`${lib}/${name}`))?.isFile) return `${lib}/${name}`;
  }
  return null;
}

async function versionAt(path: string | null): Promise<string | null> {
  return path === null ? null : builtVersion(await Deno.readFile(path));
}

/**
 * Lay out the artifact from `options.dist` (which must hold a binary or a
 * bundle, and the SDK) and return what was done to each path. Throws an
 * {@linkcode InstallRefusal}, having changed nothing, when a hook in SolusVM's
 * folder has a namesake in hooks.d.
 *
 * @example
 * ```ts ignore
 * const { steps } = await install({ prefix: "/usr/local", root: "/tmp/pkg", dist: "dist" });
 * ```
 */
export async function install(options: InstallOptions): Promise<InstallResult> {
  const { dist } = options;
  const paths = nodePaths(options.prefix, options.root);
  // The hooks to move, and whether any would land on a namesake: decided before any change.
  const adopt: string[] = [];
  for (const name of await namesIn(paths.platform)) {
    if (name === "solus-hooks" && await isEntry(paths.entry)) continue;
    adopt.push(name);
  }
  const taken: string[] = [];
  for (const name of adopt) if (await lstat(`${paths.hooks}/${name}`) !== null) taken.push(name);
  if (taken.length > 0) {
    throw new InstallRefusal(
      `${taken.join(", ")} ${
        taken.length === 1 ? "is" : "are"
      } both in ${paths.platform}/ and in ` +
        `${paths.hooks}/: moving ${
          taken.length === 1 ? "it" : "them"
        } would lose one, keeping both would run the hook twice on every event; ` +
        `rename or remove one of each pair, then install again. Nothing was changed.`,
    );
  }

  const changes = new Changes(options.owner, options.dryRun);
  const binary = (await lstat(`${dist}/${BINARY}`)) !== null;
  const before = await versionAt(await installedMain(paths.lib));
  await changes.directory(paths.lib, 0o755, false);
  await changes.directory(paths.bin, 0o755, false);
  const read = (name: string) => Deno.readFile(`${dist}/${name}`);
  const leftOver = "left from the other kind of build";
  if (binary) {
    await changes.file(`${paths.lib}/${BINARY}`, await read(BINARY), 0o755);
    await changes.remove(`${paths.lib}/${BUNDLE_FILES.wrapper}`, leftOver);
    await changes.remove(`${paths.lib}/${BUNDLE_FILES.cli}`, leftOver);
  } else {
    await changes.file(`${paths.lib}/${BUNDLE_FILES.cli}`, await read(BUNDLE_FILES.cli), 0o644);
    await changes.file(
      `${paths.lib}/${BUNDLE_FILES.wrapper}`,
      await read(BUNDLE_FILES.wrapper),
      0o755,
    );
    await changes.remove(`${paths.lib}/${BINARY}`, leftOver);
  }
  await changes.file(`${paths.lib}/${BUNDLE_FILES.sdk}`, await read(BUNDLE_FILES.sdk), 0o644);
  await changes.file(
    `${paths.lib}/${BUNDLE_FILES.sdkTypes}`,
    await read(BUNDLE_FILES.sdkTypes),
    0o644,
  );
  // Relative, so the link holds both under --root and once the tree is in place.
  await changes.link(paths.command, `../lib/solus-hooks/${binary ? BINARY : BUNDLE_FILES.wrapper}`);

  // The safety rule judges the hooks directory and its parents: make them pass.
  const parent = under(
    options.root,
    PLATFORM.hooksDir.slice(0, PLATFORM.hooksDir.lastIndexOf("/")),
  );
  if (await lstat(parent) === null) await changes.directory(parent, 0o755, true);
  await changes.directory(paths.hooks, 0o755, true);
  await changes.directory(paths.platform, 0o755, true);
  // Hooks first, then the entry: an event in between runs each hook once, never twice.
  for (const name of adopt) {
    await changes.move(`${paths.platform}/${name}`, `${paths.hooks}/${name}`);
  }
  await changes.file(
    paths.entry,
    new TextEncoder().encode(entryScript(paths.commandOnNode)),
    0o755,
  );

  await changes.directory(paths.configDir, 0o755, false);
  await changes.file(paths.config, new TextEncoder().encode(configTemplate()), 0o644, false);
  await changes.directory(paths.journal, 0o750, false);
  const after = await versionAt(`${dist}/${binary ? BINARY : BUNDLE_FILES.cli}`);
  return { steps: changes.steps, before, after };
}

/** The newest modification time of the sources a bundle is built from. */
async function newestSource(): Promise<{ path: string; mtime: number }> {
  let newest = { path: "", mtime: 0 };
  const visit = async (path: string) => {
    const info = await Deno.stat(path);
    if (info.isDirectory) {
      for await (const entry of Deno.readDir(path)) await visit(`${path}/${entry.name}`);
    } else if (path.endsWith(".ts") || path.endsWith(".json")) {
      const mtime = info.mtime?.getTime() ?? 0;
      if (mtime > newest.mtime) newest = { path, mtime };
    }
  };
  for (const path of ["main.ts", "deno.json", "lib"]) await visit(`${ROOT}/${path}`);
  return newest;
}

/** The permission scope a built wrapper runs the bundle with, as its description says. */
async function wrapperScope(dist: string): Promise<string | null> {
  const text = await Deno.readTextFile(`${dist}/${BUNDLE_FILES.wrapper}`).catch(() => "");
  return /with the permission scope it was built with \((.*)\)\.$/m.exec(text)?.[1] ?? null;
}

/** The hooks directory an existing config names, resolved as the runner resolves it; null when none. */
async function configuredHooksDir(config: string): Promise<string | null> {
  try {
    const dir = parseConfigText(await Deno.readTextFile(config), config).hooksDir;
    if (dir === undefined) return null;
    return dir.startsWith("/") ? dir : `${DEFAULTS.configPath.replace(/\/[^/]*$/, "")}/${dir}`;
  } catch {
    return null; // no config, or one check will name the mistake of
  }
}

const FLAGS: Record<string, ToolFlag> = {
  prefix: { type: "string", default: "/usr/local" },
  root: { type: "string", default: "" },
  dist: { type: "string", default: `${ROOT}/dist` },
  "dry-run": { type: "boolean" },
  help: { type: "boolean" },
};

const USAGE = `Usage: deno task install [--prefix DIR] [--root DIR] [--dist DIR] [--dry-run]

Puts solus-hooks on a SolusVM node, or upgrades it there:
  PREFIX/bin/solus-hooks              the command (PREFIX: --prefix, default /usr/local)
  PREFIX/lib/solus-hooks/             what it runs, and the SDK for Deno hooks
  ${PLATFORM.entry}  the entry: the one executable SolusVM runs
  ${PLATFORM.hooksDir}.d/           the hooks directory: put hooks here
  /etc/solus-hooks/config.jsonc       a commented config template (never overwritten)
  /var/log/solus-hooks/               the journal's folder
Hooks already in ${PLATFORM.hooksDir}/ are moved into hooks.d (a name in both stops
the install, changing nothing). A build of another version replaces the installed
one; the same build changes nothing. Undo it with deno task uninstall.

Options:
  --prefix DIR   where the command goes (absolute; default /usr/local)
  --root DIR     put DIR in front of every path, as DESTDIR is (absolute)
  --dist DIR     install the build in DIR (default: this checkout's dist/, built
                 or rebuilt from the sources when they are newer)
  --dry-run      print what would be done, and do nothing on the node
  -h, --help     show this help

Exit status: 0 installed (or nothing to change), 1 it could not, 2 bad usage.`;

if (import.meta.main) {
  const values = toolValues("install", Deno.args, FLAGS, USAGE) as Record<string, string> & {
    "dry-run"?: true;
  };
  const dryRun = values["dry-run"] === true;
  const prefix = values.prefix;
  const root = values.root;
  const dist = values.dist.startsWith("/") ? values.dist : `${Deno.cwd()}/${values.dist}`;
  const started = performance.now();
  const asked = ["SOLUS_HOOKS_READ", "SOLUS_HOOKS_WRITE", "SOLUS_HOOKS_ENV"]
    .filter((name) => Deno.env.get(name) !== undefined);
  const exists = async (path: string) => await lstat(path) !== null;
  const hasBinary = await exists(`${dist}/${BINARY}`);
  const hasBundle = (await Promise.all(
    Object.values(BUNDLE_FILES).map((name) => exists(`${dist}/${name}`)),
  )).every(Boolean);
  let stale: string | null = null;
  if (hasBundle && !hasBinary && asked.length === 0) {
    const source = await newestSource();
    const built = (await Deno.stat(`${dist}/${BUNDLE_FILES.cli}`)).mtime?.getTime() ?? 0;
    if (source.mtime > built) stale = source.path;
  }
  const own = dist === `${ROOT}/dist`;
  if (stale !== null && !own) {
    console.error(
      `install: note: ${dist}/${BUNDLE_FILES.cli} is older than ${stale}: ` +
        "run `deno task bundle --out` again (with the same SOLUS_HOOKS_* settings) to install the current code",
    );
  }
  if (!hasBundle || (!hasBinary && asked.length > 0) || (stale !== null && own)) {
    let scope;
    try {
      scope = buildScope();
    } catch (error) {
      if (!(error instanceof ScopeSettingError)) throw error;
      usageExit("install", error.message);
    }
    const previous = hasBundle ? await wrapperScope(dist) : null;
    const why = stale !== null && own
      ? ` (${stale.slice(ROOT.length + 1)} is newer than the bundle)`
      : asked.length > 0
      ? ` (${asked.join(", ")})`
      : "";
    console.error(`install: building the bundle in ${dist}${why}`);
    try {
      await bundle(dist, scope);
    } catch (error) {
      console.error(`install: ${error instanceof Error ? error.message : error}`);
      Deno.exit(1);
    }
    // An unchanged rebuild keeps its files' times: mark it current, so the next install builds nothing.
    if (stale !== null) {
      const now = new Date();
      await Deno.utime(`${dist}/${BUNDLE_FILES.cli}`, now, now);
    }
    for (const note of scopeNotes(scope)) console.error(`install: note: ${note}`);
    const current = `${describeScope(scope)}; env ${scope.env.join(",")}`;
    if (previous !== null && previous !== current && asked.length === 0) {
      console.error(
        `install: note: the previous build in ${dist} had another scope (${previous}); ` +
          "this one has the default: set SOLUS_HOOKS_READ, SOLUS_HOOKS_WRITE or SOLUS_HOOKS_ENV to build another",
      );
    }
  }
  const owner = Deno.uid() === 0 ? { uid: 0, gid: 0 } : undefined;
  let result: InstallResult;
  try {
    result = await install({ prefix, root, dist, owner, dryRun });
  } catch (error) {
    console.error(`install: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
  printSteps("install", result.steps, dryRun);
  const { before, after } = result;
  const changed = result.steps.filter((step) =>
    step.outcome !== "unchanged" && step.outcome !== "kept"
  );
  if (before !== null && after !== null && before !== after) {
    console.error(
      `install: ${dryRun ? "would replace" : "replaced"} solus-hooks ${before} -> ${after}`,
    );
  } else if (before === null && after !== null && changed.length > 0) {
    console.error(`install: ${dryRun ? "would install" : "installed"} solus-hooks ${after}`);
  }
  const moved = result.steps.filter((step) => step.outcome === "moved").length;
  const configured = await configuredHooksDir(under(root, DEFAULTS.configPath));
  if (configured !== null && configured !== DEFAULTS.hooksDir) {
    console.error(
      `install: note: the config's hooksDir is ${configured}, so the entry runs the hooks there, ` +
        `not those in ${DEFAULTS.hooksDir}${
          moved > 0 ? ": move the hooks just moved there, or remove hooksDir from the config" : ""
        }`,
    );
  }
  if (moved > 0) {
    console.error(
      `install: ${dryRun ? "would move" : "moved"} ${moved} hook${moved === 1 ? "" : "s"} ` +
        `from ${under(root, PLATFORM.hooksDir)}/ into ${under(root, `${PLATFORM.hooksDir}.d`)}/${
          configured === null || configured === DEFAULTS.hooksDir
            ? `: the entry runs ${moved === 1 ? "it" : "them"} now`
            : ""
        }`,
    );
  }
  const ms = Math.round(performance.now() - started);
  const command = under(root, `${prefix.replace(/\/+$/, "")}/bin/solus-hooks`);
  console.error(
    dryRun
      ? `install: dry run: ${changed.length} change${
        changed.length === 1 ? "" : "s"
      } planned, nothing done (${ms} ms)`
      : changed.length === 0
      ? `install: nothing to change (${ms} ms)`
      : `install: ${changed.length} change${
        changed.length === 1 ? "" : "s"
      } (${ms} ms); try: ${command} check`,
  );
  if (owner === undefined) {
    console.error("install: note: not run as root, so what it created is owned by you, not root");
  }
}
