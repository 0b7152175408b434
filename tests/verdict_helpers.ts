/**
 * Helpers for the tests of the one verdict per file (safety, directives, the
 * four commands agreeing): the CLI run with a clean environment, an explicit
 * config and its own deadline, and files made with exact modes and owners.
 *
 * @module
 */
import { join } from "node:path";
import { type CliResult, emptyConfigPath, runCli, writeConfig } from "./helpers.ts";

/** True when the tests run as root: owners can be changed. */
export const IS_ROOT = Deno.uid() === 0;

/** The uid of `nobody` on Linux. */
export const NOBODY = 65534;

/** What a CLI run printed and how it ended. */
export type Ran = CliResult;

/**
 * Run the CLI with `args` (see `runCli`) and the system's own PATH, with
 * `config` as its config file (default: an empty one), and a deadline: past
 * `timeoutMs` it is killed and the test fails.
 */
export function cli(
  args: string[],
  options: { stdin?: string; config?: string; timeoutMs?: number; env?: Record<string, string> } =
    {},
): Promise<Ran> {
  return runCli(args, {
    stdin: options.stdin,
    timeoutMs: options.timeoutMs ?? 30_000,
    env: {
      PATH: "/usr/local/bin:/usr/bin:/bin",
      SOLUS_HOOKS_CONFIG: options.config ?? emptyConfigPath(),
      ...options.env,
    },
  });
}

/** A config file holding `config`, in a fresh temporary folder. */
export async function configFile(config: object): Promise<string> {
  return await writeConfig(await Deno.makeTempDir({ prefix: "solus-hooks-config-" }), config);
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
