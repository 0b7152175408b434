/**
 * Helpers for the tests of the one verdict per file (safety, directives, the
 * four commands agreeing): the CLI run with a clean environment, an explicit
 * config and its own deadline, and files made with exact modes and owners.
 *
 * @module
 */
import { join } from "node:path";
import { cliCommand, ROOT } from "./helpers.ts";

/** True when the tests run as root: owners can be changed. */
export const IS_ROOT = Deno.uid() === 0;

/** The uid of `nobody` on Linux. */
export const NOBODY = 65534;

/** What a CLI run printed and how it ended. */
export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Run the CLI with `args` and nothing of the caller's environment but what Deno
 * needs to find its cache; with `config` as its config file (default: an empty
 * one), and a deadline: past `timeoutMs` it is killed and the test fails.
 */
export async function cli(
  args: string[],
  options: { stdin?: string; config?: string; timeoutMs?: number; env?: Record<string, string> } =
    {},
): Promise<Ran> {
  const [command, ...prefix] = cliCommand();
  const config = options.config ?? await emptyConfig();
  const env: Record<string, string> = {
    NO_COLOR: "1",
    PATH: "/usr/local/bin:/usr/bin:/bin",
    SOLUS_HOOKS_CONFIG: config,
    ...options.env,
  };
  for (const name of ["HOME", "DENO_DIR", "XDG_CACHE_HOME"]) {
    const value = Deno.env.get(name);
    if (value !== undefined && !(name in env)) env[name] = value;
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  const start = performance.now();
  const child = new Deno.Command(command, {
    args: [...prefix, ...args],
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    cwd: ROOT,
    clearEnv: true,
    env,
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, timeoutMs);
  try {
    if (options.stdin !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(options.stdin)).catch(() => {});
      await writer.close().catch(() => {});
    }
    const output = await child.output();
    const ms = performance.now() - start;
    if (output.signal === "SIGKILL" && ms >= timeoutMs) {
      throw new Error(`solus-hooks ${args.join(" ")} did not finish within ${timeoutMs} ms`);
    }
    return {
      code: output.code,
      stdout: new TextDecoder().decode(output.stdout),
      stderr: new TextDecoder().decode(output.stderr),
      ms,
    };
  } finally {
    clearTimeout(timer);
  }
}

let empty: string | undefined;

/** An empty config file (`{}`), made once, outside any hooks directory. */
export async function emptyConfig(): Promise<string> {
  if (empty) return empty;
  const dir = await Deno.makeTempDir({ prefix: "solus-hooks-config-" });
  empty = join(dir, "config.jsonc");
  await Deno.writeTextFile(empty, "{}\n");
  return empty;
}

/** A config file holding `config`, in a fresh temporary folder. */
export async function configFile(config: unknown): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "solus-hooks-config-" });
  const path = join(dir, "config.jsonc");
  await Deno.writeTextFile(path, JSON.stringify(config));
  return path;
}

/** Write a file with exactly `mode` (whatever the umask) and return its path. */
export async function put(dir: string, name: string, text: string, mode = 0o755): Promise<string> {
  const path = join(dir, name);
  await Deno.writeTextFile(path, text);
  await Deno.chmod(path, mode);
  return path;
}

/** Change the owner of a link itself, not of its target (`chown -h`). */
export async function chownLink(path: string, uid: number): Promise<void> {
  const { code, stderr } = await new Deno.Command("chown", {
    args: ["-h", String(uid), path],
    stderr: "piped",
    signal: AbortSignal.timeout(10_000),
  }).output();
  if (code !== 0) throw new Error(`chown -h ${uid} ${path}: ${new TextDecoder().decode(stderr)}`);
}

/** A temporary directory with `mode`, removed after `fn`. */
export async function withDir<T>(
  mode: number,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "solus-hooks-verdict-" });
  await Deno.chmod(dir, mode);
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A `server-restart pre` event, as `run --event` takes it. */
export const RESTART = JSON.stringify({
  action: "server-restart",
  stage: "pre",
  data: { uuid: "c7ee19aa-2722-4139-9223-60ed4baf09e2", virtualization_type: "kvm" },
});

/** A `server-create post` event. */
export const CREATE_POST = JSON.stringify({
  action: "server-create",
  stage: "post",
  data: {
    uuid: "c7ee19aa-2722-4139-9223-60ed4baf09e2",
    virtualization_type: "kvm",
    hostname: "vs-1.example.com",
    ip_addresses: ["10.0.0.5"],
  },
});
