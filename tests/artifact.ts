/**
 * Helpers for the tests of what ships (bundle, wrapper, install, SDK): run a
 * command with its own deadline, build a bundle into a folder, and take a
 * snapshot of a tree to prove a second install changes nothing.
 *
 * @module
 */
import { ROOT } from "./helpers.ts";

/** What a command printed and how it ended. */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@linkcode exec}. */
export interface ExecOptions {
  /** Extra environment (merged with this process's). */
  env?: Record<string, string>;
  /** Working directory (default: the repository). */
  cwd?: string;
  /** Text for stdin; none: stdin is closed. */
  stdin?: string;
  /** The deadline: past it the command gets SIGTERM and the test fails (default 60 s). */
  timeoutMs?: number;
}

/**
 * Run `command` with `args` and a deadline of its own, so a regression fails
 * fast instead of hanging the suite.
 */
export async function exec(
  command: string,
  args: readonly string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const signal = AbortSignal.timeout(timeoutMs);
  const child = new Deno.Command(command, {
    args: [...args],
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: "1", ...options.env },
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    signal,
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin)).catch(() => {});
    await writer.close().catch(() => {});
  }
  const output = await child.output();
  const result = {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
  if (signal.aborted) {
    throw new Error(
      `${command} ${args.join(" ")} passed its ${timeoutMs} ms deadline\n${result.stderr}`,
    );
  }
  return result;
}

/** Build time allows for a loaded machine: `deno bundle` twice, and esbuild's start. */
export const BUILD_DEADLINE_MS = 180_000;

/**
 * `deno task bundle --out DIR` with the build settings `scope` (e.g.
 * `SOLUS_HOOKS_READ`), as a user runs it; fails the test if the build fails.
 */
export async function buildBundle(
  out: string,
  scope: Record<string, string> = {},
): Promise<ExecResult> {
  const result = await exec(Deno.execPath(), ["task", "--quiet", "bundle", "--out", out], {
    env: scope,
    timeoutMs: BUILD_DEADLINE_MS,
  });
  if (result.code !== 0) throw new Error(`the bundle did not build:\n${result.stderr}`);
  return result;
}

/**
 * Every path below `dir` with its type, mode, owner, size, modification time,
 * link target and content: equal snapshots mean nothing was touched.
 */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const visit = async (path: string) => {
    const info = await Deno.lstat(path);
    const base = `${info.isSymlink ? "l" : info.isDirectory ? "d" : "f"} ${
      (info.mode ?? 0).toString(8)
    } ${info.uid}:${info.gid} ${info.size} ${info.mtime?.getTime()}`;
    if (info.isSymlink) {
      out[path] = `${base} -> ${await Deno.readLink(path)}`;
    } else if (info.isDirectory) {
      out[path] = base;
      for await (const entry of Deno.readDir(path)) await visit(`${path}/${entry.name}`);
    } else {
      const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
      out[path] = `${base} ${btoa(String.fromCharCode(...new Uint8Array(digest)))}`;
    }
  };
  await visit(dir);
  return out;
}

/** A copy of this checkout (sources, lock, npm packages), to change its version without touching ours. */
export async function checkoutCopy(dir: string): Promise<string> {
  const copy = `${dir}/checkout`;
  await Deno.mkdir(`${copy}/dist`, { recursive: true });
  for (
    const path of ["main.ts", "mod.ts", "deno.json", "deno.lock", "lib", "tools", "node_modules"]
  ) {
    const cp = await exec("cp", ["-a", `${ROOT}/${path}`, `${copy}/`]);
    if (cp.code !== 0) throw new Error(`cannot copy ${path}: ${cp.stderr}`);
  }
  // The SDK's declarations cache saves the type checker's seconds; the build is the same without it.
  await exec("cp", ["-a", `${ROOT}/dist/.cache`, `${copy}/dist/`]);
  return copy;
}

/**
 * Give a checkout copy another version, as a pull of a newer one would: `deno.json` changes, and
 * the bundle its `dist/` holds is older than it (by 10 s, whatever the file system's clock
 * resolution).
 */
export async function setVersion(copy: string, version: string): Promise<void> {
  const path = `${copy}/deno.json`;
  const text = await Deno.readTextFile(path);
  const old = JSON.parse(text).version;
  await Deno.writeTextFile(path, text.replace(`"version": "${old}"`, `"version": "${version}"`));
  const past = new Date(Date.now() - 10_000);
  await Deno.utime(`${copy}/dist/solus-hooks.js`, past, past).catch(() => {});
}
