/**
 * `deno task install [--prefix DIR] [--root DIR]`: put solus-hooks on a node.
 *
 *   PREFIX/bin/solus-hooks             the command: a link into PREFIX/lib/solus-hooks/
 *   PREFIX/lib/solus-hooks/            the compiled binary when `dist/solus-hooks` exists,
 *                                      else the bundle and its wrapper; and the SDK with its types
 *   /usr/local/solus/hooks/            the hooks directory (0755, root)
 *   /etc/solus-hooks/config.jsonc      a commented config template, never overwritten
 *   /var/log/solus-hooks/              the journal's folder (0750: hooks' output is kept there)
 *
 * PREFIX defaults to /usr/local. `--root DIR` is put in front of every path, as
 * DESTDIR is, for packaging and tests: the installed command still looks for
 * its hooks, config and journal at the paths above. Running it again changes
 * nothing: a file is written only when its content or mode differs.
 *
 * It installs what `dist/` holds, and builds the bundle first when `dist/` has
 * neither a binary nor a bundle, or when SOLUS_HOOKS_READ, SOLUS_HOOKS_WRITE or
 * SOLUS_HOOKS_ENV ask for a scope (`--dist DIR` names another build folder).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { DEFAULT_FOLDERS, DEFAULTS } from "../lib/config/constants.ts";
import { bundle, BUNDLE_FILES } from "./bundle.ts";
import { configTemplate } from "./config_template.ts";
import { buildScope, scopeNotes, ScopeSettingError } from "./scope.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
/**
 * The compiled binary's name in `dist/` (what `deno task compile` builds for this machine).
 *
 * @example
 * ```ts
 * import { BINARY } from "./install.ts";
 * import assert from "node:assert/strict";
 * assert.equal(BINARY, "solus-hooks");
 * ```
 */
export const BINARY = "solus-hooks";

/** What one install did to one path. */
export interface Step {
  /** The path, with the root in front. */
  path: string;
  /** `created`, `updated`, `unchanged`, `kept` (never overwritten) or `removed`. */
  outcome: "created" | "updated" | "unchanged" | "kept" | "removed";
  /** More words, e.g. a mode change. */
  note?: string;
}

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
}

function under(root: string, path: string): string {
  return root === "" || root === "/" ? path : `${root.replace(/\/+$/, "")}${path}`;
}

async function lstat(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8)}`;
}

class Installer {
  readonly steps: Step[] = [];
  constructor(readonly owner: { uid: number; gid: number } | undefined) {}

  async directory(path: string, mode: number, enforce: boolean): Promise<void> {
    const info = await lstat(path);
    if (info === null) {
      // Parents get the usual 0755; only the directory itself gets `mode`.
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")) || "/", {
        recursive: true,
        mode: 0o755,
      });
      await Deno.mkdir(path, { mode });
      await Deno.chmod(path, mode); // mkdir's mode passes through the umask
      if (this.owner) await Deno.chown(path, this.owner.uid, this.owner.gid);
      this.steps.push({ path, outcome: "created", note: octal(mode) });
      return;
    }
    if (!info.isDirectory) throw new Error(`${path} exists and is not a directory`);
    const notes: string[] = [];
    if (enforce && info.mode !== null && (info.mode & 0o7777) !== mode) {
      await Deno.chmod(path, mode);
      notes.push(`mode ${octal(info.mode)} -> ${octal(mode)}`);
    }
    if (enforce && this.owner && (info.uid !== this.owner.uid || info.gid !== this.owner.gid)) {
      await Deno.chown(path, this.owner.uid, this.owner.gid);
      notes.push(`owner ${info.uid}:${info.gid} -> ${this.owner.uid}:${this.owner.gid}`);
    }
    this.steps.push(
      notes.length > 0
        ? { path, outcome: "updated", note: notes.join(", ") }
        : { path, outcome: "unchanged" },
    );
  }

  /** Write `bytes` at `path` unless it already holds exactly them with `mode`; never half a file. */
  async file(path: string, bytes: Uint8Array, mode: number, overwrite = true): Promise<void> {
    const info = await lstat(path);
    if (info !== null && !overwrite) {
      this.steps.push({ path, outcome: "kept", note: "exists; never overwritten" });
      return;
    }
    if (info?.isFile) {
      const same = info.size === bytes.byteLength &&
        equalBytes(await Deno.readFile(path), bytes);
      if (same && info.mode !== null && (info.mode & 0o7777) === mode) {
        this.steps.push({ path, outcome: "unchanged" });
        return;
      }
    } else if (info !== null) {
      await Deno.remove(path, { recursive: info.isDirectory });
    }
    const temporary = `${path}.install-${Deno.pid}`;
    await Deno.writeFile(temporary, bytes, { mode });
    await Deno.chmod(temporary, mode);
    if (this.owner) await Deno.chown(temporary, this.owner.uid, this.owner.gid);
    await Deno.rename(temporary, path);
    this.steps.push({ path, outcome: info === null ? "created" : "updated", note: octal(mode) });
  }

  async link(path: string, target: string): Promise<void> {
    const info = await lstat(path);
    if (info?.isSymlink && await Deno.readLink(path) === target) {
      this.steps.push({ path, outcome: "unchanged", note: `-> ${target}` });
      return;
    }
    if (info !== null) await Deno.remove(path, { recursive: info.isDirectory });
    await Deno.symlink(target, path);
    this.steps.push({
      path,
      outcome: info === null ? "created" : "updated",
      note: `-> ${target}`,
    });
  }

  async remove(path: string): Promise<void> {
    if (await lstat(path) === null) return;
    await Deno.remove(path);
    this.steps.push({ path, outcome: "removed", note: "left from the other kind of build" });
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function exists(path: string): Promise<boolean> {
  return await lstat(path) !== null;
}

/**
 * Lay out the artifact from `options.dist` (which must hold a binary or a
 * bundle, and the SDK) and return what was done to each path.
 *
 * @example
 * ```ts ignore
 * const steps = await install({ prefix: "/usr/local", root: "/tmp/pkg", dist: "dist" });
 * ```
 */
export async function install(options: InstallOptions): Promise<Step[]> {
  const { dist, root } = options;
  const prefix = options.prefix.replace(/\/+$/, "") || "/";
  const installer = new Installer(options.owner);
  const binary = await exists(`${dist}/${BINARY}`);
  const lib = under(root, `${prefix}/lib/solus-hooks`);
  const bin = under(root, `${prefix}/bin`);
  await installer.directory(lib, 0o755, false);
  await installer.directory(bin, 0o755, false);
  const read = (name: string) => Deno.readFile(`${dist}/${name}`);
  if (binary) {
    await installer.file(`${lib}/${BINARY}`, await read(BINARY), 0o755);
    await installer.remove(`${lib}/${BUNDLE_FILES.wrapper}`);
    await installer.remove(`${lib}/${BUNDLE_FILES.cli}`);
  } else {
    await installer.file(`${lib}/${BUNDLE_FILES.cli}`, await read(BUNDLE_FILES.cli), 0o644);
    await installer.file(`${lib}/${BUNDLE_FILES.wrapper}`, await read(BUNDLE_FILES.wrapper), 0o755);
    await installer.remove(`${lib}/${BINARY}`);
  }
  await installer.file(`${lib}/${BUNDLE_FILES.sdk}`, await read(BUNDLE_FILES.sdk), 0o644);
  await installer.file(
    `${lib}/${BUNDLE_FILES.sdkTypes}`,
    await read(BUNDLE_FILES.sdkTypes),
    0o644,
  );
  // Relative, so the link holds both under --root and once the tree is in place.
  await installer.link(
    `${bin}/solus-hooks`,
    `../lib/solus-hooks/${binary ? BINARY : BUNDLE_FILES.wrapper}`,
  );

  // The safety rule judges the hooks directory and its parents: make them pass.
  const hooksParent = DEFAULTS.hooksDir.slice(0, DEFAULTS.hooksDir.lastIndexOf("/"));
  if (!await exists(under(root, hooksParent))) {
    await installer.directory(under(root, hooksParent), 0o755, true);
  }
  await installer.directory(under(root, DEFAULTS.hooksDir), 0o755, true);
  await installer.directory(under(root, DEFAULT_FOLDERS.config), 0o755, false);
  await installer.file(
    under(root, DEFAULTS.configPath),
    new TextEncoder().encode(configTemplate()),
    0o644,
    false,
  );
  await installer.directory(under(root, DEFAULT_FOLDERS.journal), 0o750, false);
  return installer.steps;
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

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      prefix: { type: "string", default: "/usr/local" },
      root: { type: "string", default: "" },
      dist: { type: "string", default: `${ROOT}/dist` },
    },
    strict: true,
  });
  const absolute = (path: string) =>
    path === "" || path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  const prefix = values.prefix;
  if (!prefix.startsWith("/")) {
    console.error(`install: --prefix must be an absolute path, not "${prefix}"`);
    Deno.exit(2);
  }
  const root = absolute(values.root);
  const dist = absolute(values.dist);
  const started = performance.now();
  const asked = ["SOLUS_HOOKS_READ", "SOLUS_HOOKS_WRITE", "SOLUS_HOOKS_ENV"]
    .filter((name) => Deno.env.get(name) !== undefined);
  const hasBinary = await exists(`${dist}/${BINARY}`);
  const hasBundle = (await Promise.all(
    Object.values(BUNDLE_FILES).map((name) => exists(`${dist}/${name}`)),
  )).every(Boolean);
  if (!hasBundle || (!hasBinary && asked.length > 0)) {
    let scope;
    try {
      scope = buildScope();
    } catch (error) {
      if (!(error instanceof ScopeSettingError)) {
        throw error;
      }
      console.error(`install: ${error.message}`);
      Deno.exit(2);
    }
    console.error(
      `install: building the bundle in ${dist}${asked.length > 0 ? ` (${asked.join(", ")})` : ""}`,
    );
    await bundle(dist, scope);
    for (const note of scopeNotes(scope)) console.error(`install: note: ${note}`);
  } else if (!hasBinary) {
    const source = await newestSource();
    const built = (await Deno.stat(`${dist}/${BUNDLE_FILES.cli}`)).mtime?.getTime() ?? 0;
    if (source.mtime > built) {
      console.error(
        `install: note: ${dist}/${BUNDLE_FILES.cli} is older than ${source.path}: ` +
          "run `deno task bundle` again (with the same SOLUS_HOOKS_* settings) to install the current code",
      );
    }
  }
  const owner = Deno.uid() === 0 ? { uid: 0, gid: 0 } : undefined;
  let steps: Step[];
  try {
    steps = await install({ prefix, root, dist, owner });
  } catch (error) {
    console.error(`install: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
  for (const step of steps) {
    console.error(
      `install: ${step.outcome.padEnd(9)} ${step.path}${step.note ? `  (${step.note})` : ""}`,
    );
  }
  const changed = steps.filter((step) => step.outcome !== "unchanged" && step.outcome !== "kept");
  const ms = Math.round(performance.now() - started);
  console.error(
    changed.length === 0
      ? `install: nothing to change (${ms} ms)`
      : `install: ${changed.length} change${changed.length === 1 ? "" : "s"} (${ms} ms); ` +
        `try: ${under(root, `${prefix.replace(/\/+$/, "")}/bin/solus-hooks`)} check`,
  );
  if (owner === undefined) {
    console.error("install: note: not run as root, so what it created is owned by you, not root");
  }
}
