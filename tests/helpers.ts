/**
 * Shared test helpers: temporary hooks directories with real scripts, a way to
 * find processes a run left behind, and the CLI as a subprocess.
 *
 * @module
 */
import { join } from "node:path";

/** A valid server-restart event body. */
export const RESTART_DATA = {
  uuid: "c7ee19aa-2722-4139-9223-60ed4baf09e2",
  virtualization_type: "kvm",
} as const;

/** A valid `server-restart` `pre` event. */
export const RESTART_PRE = {
  action: "server-restart",
  stage: "pre",
  data: { ...RESTART_DATA },
} as const;

/**
 * Make a temporary hooks directory holding `files` (name → script text, all
 * mode 0755 unless `modes` says otherwise). Remove it with `Deno.remove(dir, { recursive: true })`.
 */
export async function makeHooksDir(
  files: Record<string, string>,
  modes: Record<string, number> = {},
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "solus-hooks-test-" });
  await Deno.chmod(dir, 0o755);
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    await Deno.writeTextFile(path, text);
    await Deno.chmod(path, modes[name] ?? 0o755);
  }
  return dir;
}

/** Run `fn` with a fresh temporary directory, removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "solus-hooks-test-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Run `fn` with a hooks directory made of `files`, removed afterwards. */
export async function withHooks<T>(
  files: Record<string, string>,
  fn: (dir: string) => Promise<T>,
  modes: Record<string, number> = {},
): Promise<T> {
  const dir = await makeHooksDir(files, modes);
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * The live (non-zombie) processes whose environment holds `NAME=value`: every
 * hook process of a run carries `SOLUS_HOOK_RUN_ID`, and so do its descendants
 * unless they clear their environment.
 */
export function processesWithEnv(name: string, value: string): number[] {
  const needle = `${name}=${value}`;
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state === "Z" || state === "X") continue;
      const environ = Deno.readTextFileSync(`/proc/${entry.name}/environ`);
      if (environ.split("\0").includes(needle)) found.push(Number(entry.name));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/**
 * Wait up to `ms` for every process of run `runId` to be gone; return those left.
 * Killed processes take a moment to be reaped, so allow a little time.
 */
export async function survivorsOf(runId: string, ms = 1500): Promise<number[]> {
  const until = performance.now() + ms;
  let left = processesWithEnv("SOLUS_HOOK_RUN_ID", runId);
  while (left.length > 0 && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = processesWithEnv("SOLUS_HOOK_RUN_ID", runId);
  }
  return left;
}

/** SIGKILL every process of a run (test cleanup for processes that escaped on purpose). */
export function killRun(runId: string): void {
  for (const pid of processesWithEnv("SOLUS_HOOK_RUN_ID", runId)) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
}

/** The repository root. */
export const ROOT = new URL("..", import.meta.url).pathname;

/**
 * How to start the CLI under test: `SOLUS_HOOKS_CMD` (e.g. `deno run -A dist/solus-hooks.js`
 * or `dist/solus-hooks`), else `deno run -A main.ts`.
 */
export function cliCommand(): string[] {
  const custom = Deno.env.get("SOLUS_HOOKS_CMD");
  if (custom) return custom.split(" ").filter(Boolean);
  return [Deno.execPath(), "run", "-A", "--no-prompt", join(ROOT, "main.ts")];
}

/** What a CLI run printed and how it ended. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run the CLI with `args`, optional stdin text and extra environment. */
export async function runCli(
  args: string[],
  options: { stdin?: string; env?: Record<string, string>; cwd?: string } = {},
): Promise<CliResult> {
  const [command, ...prefix] = cliCommand();
  const start = performance.now();
  const child = new Deno.Command(command, {
    args: [...prefix, ...args],
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: "1", ...options.env },
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin)).catch(() => {});
    await writer.close().catch(() => {});
  }
  const output = await child.output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
    ms: performance.now() - start,
  };
}
