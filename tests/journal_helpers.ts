/**
 * Helpers for the journal's CLI tests: the CLI with a deadline of its own (so a
 * hang fails the test instead of stalling the suite), a clean environment and
 * an explicit config, and a real external holder of the journal's lock.
 *
 * @module
 */
import { join } from "node:path";
import { cliCommand, type CliResult, ROOT } from "./helpers.ts";

/** A valid server-restart pre event, as `--event` text. */
export const EVENT = JSON.stringify({
  action: "server-restart",
  stage: "pre",
  data: { uuid: "c7ee19aa-2722-4139-9223-60ed4baf09e2", virtualization_type: "kvm" },
});

/** The environment a CLI under test gets: nothing of ours leaks in (no SOLUS_HOOKS_*). */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: Deno.env.get("PATH") ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? "/root",
    NO_COLOR: "1",
    ...extra,
  };
}

/** Write a config file into `dir` (an empty one by default) and return its path. */
export async function writeConfig(dir: string, config: object = {}): Promise<string> {
  const path = join(dir, "config.jsonc");
  await Deno.writeTextFile(path, JSON.stringify(config));
  return path;
}

/** A CLI process under test, killed if it outlives its deadline. */
export interface CliProcess {
  /** The process, for sending it signals. */
  child: Deno.ChildProcess;
  /** Its output; rejects if it had to be killed at the deadline. */
  result: Promise<CliResult>;
}

/**
 * Start the CLI with `args` in a clean environment. If it has not exited within
 * `deadlineMs` it is killed and `result` rejects, saying so.
 */
export function startCli(
  args: string[],
  deadlineMs: number,
  options: { env?: Record<string, string>; command?: string[] } = {},
): CliProcess {
  const [command, ...prefix] = options.command ?? cliCommand();
  const start = performance.now();
  const child = new Deno.Command(command, {
    args: [...prefix, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    cwd: ROOT,
    clearEnv: true,
    env: cleanEnv(options.env),
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // exited just now
    }
  }, deadlineMs);
  const result = child.output().then((output) => {
    clearTimeout(timer);
    const stderr = new TextDecoder().decode(output.stderr);
    if (timedOut) {
      throw new Error(
        `solus-hooks ${args.join(" ")} hung: killed after ${deadlineMs} ms\n${stderr}`,
      );
    }
    return {
      code: output.code,
      stdout: new TextDecoder().decode(output.stdout),
      stderr,
      ms: performance.now() - start,
    };
  });
  return { child, result };
}

/** Run the CLI to its end, failing if it takes longer than `deadlineMs`. */
export function runCliWithin(
  args: string[],
  deadlineMs: number,
  options: { env?: Record<string, string>; command?: string[] } = {},
): Promise<CliResult> {
  return startCli(args, deadlineMs, options).result;
}

/** Poll `check` every 50 ms until it is true; fail after `ms`. */
export async function waitFor(what: string, ms: number, check: () => Promise<boolean>) {
  const until = performance.now() + ms;
  while (!await check()) {
    if (performance.now() > until) throw new Error(`gave up after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Another process holding a file's lock, as a second runner (or an operator's `flock`) would. */
export interface LockHolder {
  /** Kill the holder (and its child, which keeps the lock too): the lock is free again. */
  release(): Promise<void>;
}

/**
 * Hold an exclusive `flock` on `lockPath` from another process, until released.
 * `flock FILE CMD` passes the locked descriptor on to CMD, so the holder runs in
 * its own process group and `release` kills the whole group. Resolves once the
 * lock is taken.
 */
export async function holdLock(lockPath: string): Promise<LockHolder> {
  const child = new Deno.Command("flock", {
    args: [lockPath, "sh", "-c", "echo locked; exec sleep 60"],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
    detached: true,
  }).spawn();
  const reader = child.stdout.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const first = await Promise.race([
      reader.read(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error("flock did not take the lock within 10 s")),
          10_000,
        );
      }),
    ]);
    assertLocked(first.value);
  } finally {
    clearTimeout(timer);
  }
  reader.releaseLock();
  await child.stdout.cancel();
  return {
    async release() {
      try {
        Deno.kill(-child.pid, "SIGKILL");
      } catch {
        // gone
      }
      await child.status;
    },
  };
}

function assertLocked(bytes: Uint8Array | undefined): void {
  const text = new TextDecoder().decode(bytes ?? new Uint8Array());
  if (!text.startsWith("locked")) throw new Error(`flock said ${JSON.stringify(text)}`);
}

/** Every JSON line of a journal file, parsed. */
export async function journalLines(path: string): Promise<Record<string, unknown>[]> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line));
}
