/**
 * What `deno task install` and `deno task uninstall` share: the paths of the
 * artifact on a node, one change at a time with what it did (or, under
 * `--dry-run`, would do), the hooks moved between SolusVM's folder and
 * `hooks.d`, the installed version, and a command line read without a stack
 * trace.
 *
 * @module
 */
import { DEFAULT_FOLDERS, DEFAULTS, PLATFORM } from "../lib/config/constants.ts";
import { ENTRY_MARKER } from "../lib/hooks/entry.ts";
import { suggest } from "../lib/event/schema_issues.ts";

/**
 * The compiled binary's name in `dist/` (what `deno task compile` builds for this machine).
 *
 * @example
 * ```ts
 * import { BINARY } from "./layout.ts";
 * import assert from "node:assert/strict";
 * assert.equal(BINARY, "solus-hooks");
 * ```
 */
export const BINARY = "solus-hooks";

/** What one change did (or would do) to one path. */
export interface Step {
  /** The path, with the root in front. */
  path: string;
  /** What happened to it. */
  outcome: "created" | "updated" | "unchanged" | "kept" | "removed" | "moved";
  /** More words, e.g. a mode change or where a hook went. */
  note?: string;
}

/**
 * `root` put in front of an absolute `path`, as DESTDIR is.
 *
 * @example
 * ```ts
 * import { under } from "./layout.ts";
 * import assert from "node:assert/strict";
 * assert.equal(under("/tmp/r/", "/usr/local"), "/tmp/r/usr/local");
 * assert.equal(under("", "/usr/local"), "/usr/local");
 * ```
 */
export function under(root: string, path: string): string {
  return root === "" || root === "/" ? path : `${root.replace(/\/+$/, "")}${path}`;
}

/** Every path of the artifact on a node, with the root in front. */
export interface NodePaths {
  /** PREFIX/lib/solus-hooks: the command's files. */
  lib: string;
  /** PREFIX/bin. */
  bin: string;
  /** PREFIX/bin/solus-hooks: the command (a link into `lib`). */
  command: string;
  /** The command's path on the node itself (no root): what the entry runs. */
  commandOnNode: string;
  /** SolusVM's own folder. */
  platform: string;
  /** The entry in it. */
  entry: string;
  /** hooks.d. */
  hooks: string;
  /** The config folder and file. */
  configDir: string;
  config: string;
  /** The journal's folder. */
  journal: string;
}

/**
 * The paths for `prefix` under `root`.
 *
 * @example
 * ```ts
 * import { nodePaths } from "./layout.ts";
 * import assert from "node:assert/strict";
 * const paths = nodePaths("/usr/local/", "/tmp/r");
 * assert.equal(paths.entry, "/tmp/r/usr/local/solus/hooks/solus-hooks");
 * assert.equal(paths.commandOnNode, "/usr/local/bin/solus-hooks");
 * ```
 */
export function nodePaths(prefix: string, root: string): NodePaths {
  const base = prefix.replace(/\/+$/, "") || "";
  return {
    lib: under(root, `${base}/lib/solus-hooks`),
    bin: under(root, `${base}/bin`),
    command: under(root, `${base}/bin/solus-hooks`),
    commandOnNode: `${base}/bin/solus-hooks`,
    platform: under(root, PLATFORM.hooksDir),
    entry: under(root, PLATFORM.entry),
    hooks: under(root, DEFAULTS.hooksDir),
    configDir: under(root, DEFAULT_FOLDERS.config),
    config: under(root, DEFAULTS.configPath),
    journal: under(root, DEFAULT_FOLDERS.journal),
  };
}

/** The file's information, or null when there is nothing at `path`. */
export async function lstat(path: string): Promise<Deno.FileInfo | null> {
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

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Makes changes one path at a time and records each; with `dryRun` it records
 * what it would do and touches nothing.
 */
export class Changes {
  /** What was done (or would be), in order. */
  readonly steps: Step[] = [];
  /** Make one; `owner` is given to what is created (root when run as root). */
  constructor(
    readonly owner: { uid: number; gid: number } | undefined,
    readonly dryRun = false,
  ) {}

  /** A directory with `mode`; `enforce` corrects the mode and owner of one that exists. */
  async directory(path: string, mode: number, enforce: boolean): Promise<void> {
    const info = await lstat(path);
    if (info === null) {
      if (!this.dryRun) {
        // Parents get the usual 0755; only the directory itself gets `mode`.
        await Deno.mkdir(path.slice(0, path.lastIndexOf("/")) || "/", {
          recursive: true,
          mode: 0o755,
        });
        await Deno.mkdir(path, { mode });
        await Deno.chmod(path, mode); // mkdir's mode passes through the umask
        if (this.owner) await Deno.chown(path, this.owner.uid, this.owner.gid);
      }
      this.steps.push({ path, outcome: "created", note: octal(mode) });
      return;
    }
    if (!info.isDirectory) throw new Error(`${path} exists and is not a directory`);
    const notes: string[] = [];
    if (enforce && info.mode !== null && (info.mode & 0o7777) !== mode) {
      if (!this.dryRun) await Deno.chmod(path, mode);
      notes.push(`mode ${octal(info.mode)} -> ${octal(mode)}`);
    }
    if (enforce && this.owner && (info.uid !== this.owner.uid || info.gid !== this.owner.gid)) {
      if (!this.dryRun) await Deno.chown(path, this.owner.uid, this.owner.gid);
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
    }
    if (!this.dryRun) {
      if (info !== null && !info.isFile) await Deno.remove(path, { recursive: info.isDirectory });
      const temporary = `${path}.install-${Deno.pid}`;
      await Deno.writeFile(temporary, bytes, { mode });
      await Deno.chmod(temporary, mode);
      if (this.owner) await Deno.chown(temporary, this.owner.uid, this.owner.gid);
      await Deno.rename(temporary, path);
    }
    this.steps.push({ path, outcome: info === null ? "created" : "updated", note: octal(mode) });
  }

  /** A symlink at `path` to `target`. */
  async link(path: string, target: string): Promise<void> {
    const info = await lstat(path);
    if (info?.isSymlink && await Deno.readLink(path) === target) {
      this.steps.push({ path, outcome: "unchanged", note: `-> ${target}` });
      return;
    }
    if (!this.dryRun) {
      if (info !== null) await Deno.remove(path, { recursive: info.isDirectory });
      await Deno.symlink(target, path);
    }
    this.steps.push({ path, outcome: info === null ? "created" : "updated", note: `-> ${target}` });
  }

  /** Remove `path` (a folder with everything in it when `recursive`), if it is there. */
  async remove(path: string, note?: string, recursive = false): Promise<void> {
    if (await lstat(path) === null) return;
    if (!this.dryRun) await Deno.remove(path, { recursive });
    this.steps.push({ path, outcome: "removed", ...(note === undefined ? {} : { note }) });
  }

  /** Remove the folder `path` if it is empty (after the steps before); say so when it is kept. */
  async removeIfEmpty(path: string, why: string): Promise<void> {
    const info = await lstat(path);
    if (info === null || !info.isDirectory) return;
    const left: string[] = [];
    for await (const entry of Deno.readDir(path)) left.push(entry.name);
    const leaving = this.steps.filter((step) =>
      (step.outcome === "removed" || step.outcome === "moved") &&
      step.path.startsWith(`${path}/`) && !step.path.slice(path.length + 1).includes("/")
    ).map((step) => step.path.slice(path.length + 1));
    const rest = left.filter((name) => !leaving.includes(name));
    if (rest.length > 0) {
      this.steps.push({ path, outcome: "kept", note: `${why}: holds ${rest.sort().join(", ")}` });
      return;
    }
    await this.remove(path);
  }

  /** Move `from` to `to` (same file system: a rename). */
  async move(from: string, to: string): Promise<void> {
    if (!this.dryRun) await Deno.rename(from, to);
    this.steps.push({ path: from, outcome: "moved", note: `-> ${to}` });
  }
}

/** True when `path` holds the entry script (ours), not a hook that happens to share its name. */
export async function isEntry(path: string): Promise<boolean> {
  const info = await lstat(path);
  if (info === null || !info.isFile || info.size > 64 * 1024) return false;
  return (await Deno.readTextFile(path)).includes(ENTRY_MARKER);
}

/** The names in a folder, sorted; none when it does not exist. */
export async function namesIn(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return names.sort();
}

/**
 * The version of solus-hooks a bundle or binary was built from, read from the
 * `deno.json` it carries; null when it cannot be found.
 *
 * @example
 * ```ts
 * import { builtVersion } from "./layout.ts";
 * import assert from "node:assert/strict";
 * const text = 'var deno_default = {\n  name: "@solus/hooks",\n  version: "0.2.0",\n';
 * assert.equal(builtVersion(new TextEncoder().encode(text)), "0.2.0");
 * assert.equal(builtVersion(new Uint8Array([1, 2, 3])), null);
 * ```
 */
export function builtVersion(bytes: Uint8Array): string | null {
  // latin1 keeps every byte as one character, so a binary reads as fast as text.
  const text = new TextDecoder("latin1").decode(bytes);
  const found = /"?name"?\s*:\s*"@solus\/hooks"\s*,\s*"?version"?\s*:\s*"([0-9A-Za-z.+-]{1,64})"/
    .exec(
      text,
    );
  return found ? found[1] : null;
}

/** A command-line flag of a tool: a value, or a switch. */
export interface ToolFlag {
  /** `string` takes a value, `boolean` none. */
  type: "string" | "boolean";
  /** Its value when not given. */
  default?: string;
}

/** What the tool's command line holds, or why it is bad (one line for stderr). */
export type ToolArgs = { values: Record<string, string | boolean> } | { error: string };

/**
 * Read a tool's command line (`--name value`, `--name=value`, switches, `-h`):
 * an unknown flag, a missing value or a stray argument is one line, never a
 * stack trace.
 *
 * @example
 * ```ts
 * import { parseToolArgs } from "./layout.ts";
 * import assert from "node:assert/strict";
 * const flags = { prefix: { type: "string", default: "/usr/local" }, help: { type: "boolean" } } as const;
 * assert.deepEqual(parseToolArgs(["--prefix=/opt"], flags), { values: { prefix: "/opt" } });
 * assert.deepEqual(parseToolArgs(["--prefx", "/opt"], flags), {
 *   error: "unknown option --prefx (did you mean --prefix?)",
 * });
 * assert.deepEqual(parseToolArgs(["--prefix"], flags), { error: "--prefix needs a value" });
 * assert.deepEqual(parseToolArgs(["-h"], flags), { values: { prefix: "/usr/local", help: true } });
 * ```
 */
export function parseToolArgs(
  args: readonly string[],
  flags: Readonly<Record<string, ToolFlag>>,
): ToolArgs {
  const values: Record<string, string | boolean> = {};
  for (const [name, flag] of Object.entries(flags)) {
    if (flag.default !== undefined) values[name] = flag.default;
  }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "-h") {
      values.help = true;
      continue;
    }
    if (!arg.startsWith("--") || arg === "--") {
      return { error: `unexpected argument "${arg}": every option starts with --` };
    }
    const equals = arg.indexOf("=");
    const name = arg.slice(2, equals === -1 ? undefined : equals);
    const flag = Object.hasOwn(flags, name) ? flags[name] : undefined;
    if (!flag) {
      const hint = suggest(name, Object.keys(flags)).replace("mean ", "mean --");
      return { error: `unknown option --${name}${hint}` };
    }
    if (flag.type === "boolean") {
      if (equals !== -1) return { error: `--${name} takes no value` };
      values[name] = true;
      continue;
    }
    const value = equals !== -1 ? arg.slice(equals + 1) : args[i + 1];
    if (value === undefined || (equals === -1 && value.startsWith("--"))) {
      return { error: `--${name} needs a value` };
    }
    if (equals === -1) i++;
    values[name] = value;
  }
  return { values };
}

/**
 * Why a `--root` or `--prefix` value is refused, or null when it is absolute
 * (or empty: no root): a relative path would land wherever the tool is started from.
 *
 * @example
 * ```ts
 * import { relativeProblem } from "./layout.ts";
 * import assert from "node:assert/strict";
 * assert.equal(relativeProblem("root", "/tmp/r"), null);
 * assert.equal(relativeProblem("root", ""), null);
 * assert.equal(relativeProblem("root", "tmp/r"), '--root must be an absolute path, not "tmp/r"');
 * ```
 */
export function relativeProblem(name: string, value: string): string | null {
  if (value === "" || value.startsWith("/")) return null;
  return `--${name} must be an absolute path, not "${value}"`;
}

/** A bad command line of `tool`: one line that says where its usage is, then exit 2. */
export function usageExit(tool: string, message: string): never {
  console.error(`${tool}: ${message}; deno task ${tool} --help shows the usage`);
  Deno.exit(2);
}

/**
 * The command line of `tool` (install or uninstall) as its main wants it:
 * `--help` prints `usage` and exits 0; an unknown flag, a missing value, or a
 * `--prefix` or `--root` that is not an absolute path is {@linkcode usageExit}.
 */
export function toolValues(
  tool: string,
  args: readonly string[],
  flags: Readonly<Record<string, ToolFlag>>,
  usage: string,
): Record<string, string | boolean> {
  const parsed = parseToolArgs(args, flags);
  if ("error" in parsed) usageExit(tool, parsed.error);
  const values = parsed.values;
  if (values.help) {
    console.log(usage);
    Deno.exit(0);
  }
  for (const name of ["prefix", "root"]) {
    const value = String(values[name] ?? "");
    const problem = name === "prefix" && value === ""
      ? "--prefix must be an absolute path, not empty"
      : relativeProblem(name, value);
    if (problem) usageExit(tool, problem);
  }
  return values;
}

/** One line per step, as both tools print them; `tool` starts each. */
export function printSteps(tool: string, steps: readonly Step[], dryRun: boolean): void {
  const verbs: Record<Step["outcome"], string> = {
    created: "create",
    updated: "update",
    unchanged: "unchanged",
    kept: "keep",
    removed: "remove",
    moved: "move",
  };
  for (const step of steps) {
    const outcome = dryRun && step.outcome !== "unchanged"
      ? `would ${verbs[step.outcome]}`
      : step.outcome;
    console.error(
      `${tool}: ${outcome.padEnd(dryRun ? 14 : 9)} ${step.path}${
        step.note ? `  (${step.note})` : ""
      }`,
    );
  }
}
