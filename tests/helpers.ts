/**
 * Shared test helpers: temporary hooks directories with real scripts, a way to
 * find processes a run left behind, the CLI as a subprocess with a clean
 * environment (plain, inside a wrapper, as a scoped build, or on a terminal),
 * another process holding a lock, a seeded PRNG for fuzzing, and deadlines so
 * that no test can hang.
 *
 * How to write a test that starts processes:
 * - Declare it with `timed.test` (see {@linkcode timed}) instead of `Deno.test`,
 *   same arguments: it gets its own
 *   deadline ({@linkcode TEST_DEADLINE_MS} unless it names one) and, if the
 *   deadline passes, fails with a message naming the test and the processes
 *   it left, after killing them.
 * - Start the CLI with {@linkcode runCli}, {@linkcode startCli} or
 *   {@linkcode spawnCli} (`command` for a scoped build, {@linkcode scopedCommand},
 *   or a wrapper such as `unshare`), or on a pty with {@linkcode onTerminal}:
 *   never the caller's environment, always an explicit config. Start anything
 *   else with `new Deno.Command(...)` and pass its pid to {@linkcode track}.
 * - Make hooks directories with {@linkcode withHooks}, {@linkcode withTempDir}
 *   or {@linkcode makeHooksDir} (or {@linkcode trackDir} a directory of your
 *   own): a process working in one of them is the test's, even after its
 *   parent died.
 * - Wait for something a process does with {@linkcode waitForFile} or
 *   {@linkcode waitFor}, never with a fixed sleep: a hook writes a marker file
 *   once it is where the test needs it.
 * - A run that must end sooner than the test names its own bound:
 *   `runCli(args, { timeoutMs })`, or {@linkcode startCli} to signal it first.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { BuildScope } from "../lib/scope.ts";
import { permissionFlags } from "../tools/scope.ts";

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

// ---------------------------------------------------------------------------
// Deadlines: what a test started is recorded in every open scope, so that the
// deadline can kill exactly that and nothing of another test file's.

/** What one deadline scope started: processes, and directories they work in. */
interface Scope {
  pids: Set<number>;
  dirs: Set<string>;
}

/** Open scopes, innermost last. Tests of one module run one at a time. */
const scopes: Scope[] = [];

/** A test's deadline unless it names its own: ten times the slowest test here on an idle machine. */
export const TEST_DEADLINE_MS = 30_000;

/** How long to wait for a marker file or a condition unless told. */
export const WAIT_MS = 10_000;

/** After the deadline's kill, how long the test's own code gets to unwind (its `finally` blocks). */
const UNWIND_MS = 5_000;

/**
 * Record `pid` as started by the running test: at its deadline the process
 * and all its descendants are killed. {@linkcode runCli} and
 * {@linkcode spawnCli} do this themselves.
 */
export function track(pid: number): void {
  for (const scope of scopes) scope.pids.add(pid);
}

/**
 * Record `dir` as the running test's: at its deadline every process whose
 * working directory is inside it is killed, with its descendants. The
 * directory helpers here do this themselves; hooks run in their directory.
 */
export function trackDir(dir: string): void {
  const names = [dir];
  try {
    names.push(Deno.realPathSync(dir));
  } catch {
    // not there (yet): the name as given will do
  }
  for (const scope of scopes) for (const name of names) scope.dirs.add(name);
}

/** A promise resolving after `ms`, and a way to cancel its timer (tests must not leak timers). */
function timer(ms: number): { done: Promise<void>; cancel(): void } {
  let id: ReturnType<typeof setTimeout> | undefined;
  const done = new Promise<void>((resolve) => id = setTimeout(resolve, ms));
  return { done, cancel: () => clearTimeout(id) };
}

/** Wait `ms` milliseconds. */
export async function sleep(ms: number): Promise<void> {
  await timer(ms).done;
}

interface ProcessInfo {
  pid: number;
  ppid: number;
  state: string;
}

/** Every process of the machine, from /proc. */
function processTable(): ProcessInfo[] {
  const table: ProcessInfo[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      table.push({ pid: Number(entry.name), ppid: Number(ppid), state });
    } catch {
      // the process ended while we looked
    }
  }
  return table;
}

function isLive(info: ProcessInfo): boolean {
  return info.state !== "Z" && info.state !== "X";
}

function cwdOf(pid: number): string | null {
  try {
    return Deno.readLinkSync(`/proc/${pid}/cwd`).replace(/ \(deleted\)$/, "");
  } catch {
    return null;
  }
}

/** A process in words for a failure message: `1234 (sleep 30)`. */
function describe(pid: number): string {
  try {
    const argv = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0").filter(Boolean);
    const text = argv.join(" ");
    return `${pid} (${text.length > 60 ? `${text.slice(0, 57)}...` : text})`;
  } catch {
    return String(pid);
  }
}

/**
 * The live processes `scope` started: its tracked pids, the processes working
 * in its directories, and every descendant of those. Never this test process.
 */
function processesOf(scope: Scope): number[] {
  const table = processTable();
  const children = new Map<number, number[]>();
  for (const info of table) {
    children.set(info.ppid, [...(children.get(info.ppid) ?? []), info.pid]);
  }
  const inDir = (pid: number) => {
    const cwd = cwdOf(pid);
    if (cwd === null) return false;
    for (const dir of scope.dirs) if (cwd === dir || cwd.startsWith(`${dir}/`)) return true;
    return false;
  };
  const roots = table.filter((info) => scope.pids.has(info.pid) || inDir(info.pid));
  const found = new Set<number>();
  const queue = roots.map((info) => info.pid);
  while (queue.length > 0) {
    const pid = queue.pop()!;
    if (found.has(pid)) continue;
    found.add(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  const live = new Set(table.filter(isLive).map((info) => info.pid));
  return [...found].filter((pid) => pid !== Deno.pid && pid > 1 && live.has(pid));
}

/** SIGKILL what `scope` started, rescanning for what forked meanwhile; say what was killed. */
async function killScope(scope: Scope): Promise<string[]> {
  const killed: string[] = [];
  for (let round = 0; round < 5; round++) {
    const pids = processesOf(scope);
    if (pids.length === 0) break;
    for (const pid of pids) {
      const name = describe(pid);
      try {
        Deno.kill(pid, "SIGKILL");
        killed.push(name);
      } catch {
        // gone already
      }
    }
    await sleep(50);
  }
  return killed;
}

/** Thrown when a test or a wait passes its deadline. */
export class DeadlineError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DeadlineError";
  }
}

/**
 * Run `fn` with a deadline of `ms`. If `fn` has not settled by then, every
 * process it started (see {@linkcode track} and {@linkcode trackDir}) is
 * killed, `fn` gets a few seconds to unwind, and a {@linkcode DeadlineError}
 * says what passed its deadline and what was killed. `signal` aborts at the
 * deadline, for code that can stop early.
 */
export async function withDeadline<T>(
  ms: number,
  fn: (signal: AbortSignal) => Promise<T>,
  what = "the test",
): Promise<T> {
  const scope: Scope = { pids: new Set(), dirs: new Set() };
  scopes.push(scope);
  const controller = new AbortController();
  const deadline = timer(ms);
  const work = (async () => await fn(controller.signal))();
  const settled = work.then(() => "settled" as const, () => "settled" as const);
  try {
    const first = await Promise.race([settled, deadline.done.then(() => "late" as const)]);
    if (first === "settled") return await work;
    controller.abort(new DeadlineError(`${what} passed its deadline of ${ms} ms`));
    const killed = await killScope(scope);
    const grace = timer(UNWIND_MS);
    const unwound = await Promise.race([settled, grace.done.then(() => "stuck" as const)]);
    grace.cancel();
    let cause: unknown;
    let after: string;
    if (unwound === "stuck") {
      after = `it was still stuck ${UNWIND_MS} ms later`;
      for (const dir of scope.dirs) await Deno.remove(dir, { recursive: true }).catch(() => {});
    } else {
      after = await work.then(
        () => "then it finished",
        (error) => {
          cause = error;
          return `then it failed: ${error instanceof Error ? error.message : error}`;
        },
      );
    }
    const list = killed.length > 0
      ? `killed ${killed.length} process(es) it left running: ${killed.join(", ")}`
      : "no process of its was left to kill";
    throw new DeadlineError(
      `${what} passed its deadline of ${ms} ms (a hang: some wait is unbounded); ${list}; ${after}`,
      { cause },
    );
  } finally {
    deadline.cancel();
    scopes.splice(scopes.indexOf(scope), 1);
  }
}

/** A test that waits on processes: `Deno.test`'s definition, with a deadline. */
export interface TimedTestDefinition {
  /** The test's name, as for `Deno.test`. */
  name: string;
  /** Its deadline in milliseconds (default {@linkcode TEST_DEADLINE_MS}). */
  timeoutMs?: number;
  /** Skip it, as for `Deno.test`: say why in the name. */
  ignore?: boolean;
  /** As for `Deno.test`: off where a bounded wait given up on leaves a blocking call behind. */
  sanitizeOps?: boolean;
  /** As for `Deno.test`. */
  sanitizeResources?: boolean;
  /** The test; `signal` aborts at the deadline. */
  fn: (signal: AbortSignal, t: Deno.TestContext) => Promise<void>;
}

function timedTest(
  name: string,
  fn: (signal: AbortSignal, t: Deno.TestContext) => Promise<void>,
): void;
function timedTest(definition: TimedTestDefinition): void;
function timedTest(
  nameOrDefinition: string | TimedTestDefinition,
  maybeFn?: (signal: AbortSignal, t: Deno.TestContext) => Promise<void>,
): void {
  const definition = typeof nameOrDefinition === "string"
    ? { name: nameOrDefinition, fn: maybeFn! }
    : nameOrDefinition;
  const ms = definition.timeoutMs ?? TEST_DEADLINE_MS;
  Deno.test({
    name: definition.name,
    ignore: definition.ignore,
    sanitizeOps: definition.sanitizeOps,
    sanitizeResources: definition.sanitizeResources,
    fn: (t) => withDeadline(ms, (signal) => definition.fn(signal, t), `test "${definition.name}"`),
  });
}

/**
 * Tests that wait on processes: `timed.test` takes what `Deno.test` takes
 * (a name and a function, or `{ name, ignore, sanitizeOps, sanitizeResources,
 * fn }` plus `timeoutMs`) and gives the test its own deadline (see
 * {@linkcode withDeadline}), so a regression that makes a wait unbounded fails
 * the test with a clear message instead of hanging the suite. (An object with
 * a `test` method, so that `deno fmt` lays it out as it lays out `Deno.test`.)
 *
 * ```ts ignore
 * timed.test("runStage() kills the group at the deadline", async () => { ... });
 * timed.test({ name: "a slow one", timeoutMs: 90_000, fn: async () => { ... } });
 * ```
 */
export const timed: { test: typeof timedTest } = { test: timedTest };

/**
 * Poll `probe` every 20 ms until it returns something other than undefined,
 * false or null, and return that; a {@linkcode DeadlineError} naming `what`
 * after `ms`.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  ms = WAIT_MS,
): Promise<T> {
  const until = performance.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (performance.now() >= until) throw new DeadlineError(`waited ${ms} ms for ${what}`);
    await sleep(20);
  }
}

/** Signal numbers, for reading the masks in `/proc/PID/status`. */
const SIGNAL_NUMBERS: Partial<Record<Deno.Signal, number>> = { SIGINT: 2, SIGTERM: 15 };

/**
 * Whether process `pid` has a handler of its own for every one of `signals`
 * (the `SigCgt` mask of `/proc/PID/status`): a marker that a runner has
 * installed its listeners, for a test that signals it and expects it to exit
 * rather than die.
 */
export async function catchesSignals(pid: number, ...signals: Deno.Signal[]): Promise<boolean> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`).catch(() => "");
  const mask = BigInt(`0x${/^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? "0"}`);
  return signals.every((name) => (mask >> BigInt(SIGNAL_NUMBERS[name]! - 1)) & 1n);
}

/**
 * Whether process `pid` holds `path` open (a link in `/proc/PID/fd`): a marker
 * that it has reached a wait on that file, such as a lock another process holds.
 */
export async function holdsOpen(pid: number, path: string): Promise<boolean> {
  try {
    for await (const entry of Deno.readDir(`/proc/${pid}/fd`)) {
      const target = await Deno.readLink(`/proc/${pid}/fd/${entry.name}`).catch(() => "");
      if (target === path) return true;
    }
  } catch {
    // gone
  }
  return false;
}

/**
 * Wait until the file at `path` exists (a marker a process writes when it is
 * ready) and return its text, trimmed; with `nonEmpty`, until it holds text.
 */
export async function waitForFile(
  path: string,
  options: { ms?: number; nonEmpty?: boolean } = {},
): Promise<string> {
  return await waitFor(`the file ${path}${options.nonEmpty ? " to hold text" : ""}`, async () => {
    const text = await Deno.readTextFile(path).then((t) => t.trim(), () => undefined);
    return options.nonEmpty && text === "" ? undefined : text;
  }, options.ms);
}

// ---------------------------------------------------------------------------
// Directories

/**
 * Make a temporary hooks directory holding `files` (name → script text, all
 * mode 0755 unless `modes` says otherwise). Remove it with `Deno.remove(dir, { recursive: true })`.
 */
export async function makeHooksDir(
  files: Record<string, string>,
  modes: Record<string, number> = {},
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "solus-hooks-test-" });
  trackDir(dir);
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
  trackDir(dir);
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

/** Write `config` (an empty one by default) as `config.jsonc` in `dir`; return its path. */
export async function writeConfig(dir: string, config: object = {}): Promise<string> {
  const path = join(dir, "config.jsonc");
  await Deno.writeTextFile(path, JSON.stringify(config));
  return path;
}

// ---------------------------------------------------------------------------
// Another process holding a lock

/**
 * Run `fn` while another process holds an exclusive `flock` on `lockPath`
 * (made if missing), as a second runner (or an operator's `flock`) would; the
 * lock is free again when `fn` settles. `flock FILE CMD` passes the locked
 * descriptor on to CMD, so the holder runs in its own process group, killed
 * whole at the end (and by the test's deadline). Fails if the lock is not
 * taken within {@linkcode WAIT_MS}.
 */
export async function withLockHeld<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  const child = new Deno.Command("flock", {
    args: [lockPath, "sh", "-c", "echo locked; exec sleep 60"],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
    detached: true,
  }).spawn();
  track(child.pid);
  try {
    const reader = child.stdout.getReader();
    const late = timer(WAIT_MS);
    try {
      const first = await Promise.race([reader.read(), late.done.then(() => "late" as const)]);
      if (first === "late") {
        throw new DeadlineError(`flock did not take the lock on ${lockPath} within ${WAIT_MS} ms`);
      }
      const text = new TextDecoder().decode(first.value ?? new Uint8Array());
      if (!text.startsWith("locked")) throw new Error(`flock said ${JSON.stringify(text)}`);
    } finally {
      late.cancel();
      reader.releaseLock();
      await child.stdout.cancel();
    }
    return await fn();
  } finally {
    try {
      Deno.kill(-child.pid, "SIGKILL");
    } catch {
      // gone
    }
    await child.status;
  }
}

// ---------------------------------------------------------------------------
// Seeded randomness

/** The fuzz tests' seed: `FUZZ_SEED` replays a run; otherwise one from the clock, printed in the test names. */
export const FUZZ_SEED = Number(Deno.env.get("FUZZ_SEED") ?? Date.now() % 1_000_000);

/** mulberry32: a small seeded PRNG, so a failing run can be replayed. Numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------
// Processes a run left behind

/** True while `pid` names a process that has not exited (a zombie counts as exited). */
export function isAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
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
  for (const info of processTable()) {
    if (!isLive(info)) continue;
    try {
      const environ = Deno.readTextFileSync(`/proc/${info.pid}/environ`);
      if (environ.split("\0").includes(needle)) found.push(info.pid);
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
    await sleep(50);
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

// ---------------------------------------------------------------------------
// The CLI

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

/**
 * The caller's variables a CLI under test may see: what Deno needs to find its
 * cache and the network, and what hooks get from the runner. Nothing of
 * solus-hooks' own (`SOLUS_HOOKS_CONFIG`, `SOLUS_HOOKS_DIR`, ...).
 */
const INHERITED = [
  "PATH",
  "HOME",
  "TMPDIR",
  "DENO_DIR",
  "XDG_CACHE_HOME",
  "DENO_CERT",
  "DENO_TLS_CA_STORE",
  "NPM_CONFIG_REGISTRY",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
];

let emptyConfig: string | undefined;

/**
 * An empty config file (`{}`), made once per test module and removed when it
 * unloads: the config the CLI under test reads unless the test gives its own,
 * so a node's `/etc/solus-hooks/config.jsonc` never changes a test's outcome.
 */
export function emptyConfigPath(): string {
  if (emptyConfig === undefined) {
    const dir = Deno.makeTempDirSync({ prefix: "solus-hooks-test-config-" });
    emptyConfig = join(dir, "config.jsonc");
    Deno.writeTextFileSync(emptyConfig, "{}\n");
    const made = emptyConfig;
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(dirname(made), { recursive: true });
      } catch {
        // gone already
      }
    });
  }
  return emptyConfig;
}

/**
 * The whole environment for a CLI under test: `PATH`, `HOME` and what Deno
 * needs from the caller (see `INHERITED`), `NO_COLOR=1`, and
 * `SOLUS_HOOKS_CONFIG` naming {@linkcode emptyConfigPath}; then `env` on top,
 * where `undefined` removes a variable (`{ NO_COLOR: undefined }`). Use it
 * with `clearEnv: true`.
 */
export function cliEnv(env: Record<string, string | undefined> = {}): Record<string, string> {
  const result: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = Deno.env.get(name);
    if (value !== undefined) result[name] = value;
  }
  result.NO_COLOR = "1";
  result.SOLUS_HOOKS_CONFIG = emptyConfigPath();
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete result[name];
    else result[name] = value;
  }
  return result;
}

/** How to start the CLI: as for `runCli`. */
export interface CliOptions {
  /** Text for its stdin (default: none, stdin is /dev/null). */
  stdin?: string;
  /** Variables on top of {@linkcode cliEnv}'s; `undefined` removes one. */
  env?: Record<string, string | undefined>;
  /** Working directory (default: the repository root). */
  cwd?: string;
  /**
   * The command line `args` follow, instead of {@linkcode cliCommand}'s: a
   * build with a scope of its own, or the CLI inside a wrapper such as
   * `unshare -m` (`[...wrapper, ...cliCommand()]`).
   */
  command?: string[];
  /**
   * This run's own deadline in milliseconds, for a run that must end sooner
   * than the test: past it the process is SIGKILLed and the result rejects
   * with a {@linkcode DeadlineError} naming the command.
   */
  timeoutMs?: number;
}

/**
 * Start the CLI with `args`: a clean environment (see {@linkcode cliEnv}),
 * stdout and stderr piped, stdin piped only if `options.stdin` is given (then
 * write it yourself), and the process tracked for the test's deadline.
 */
export function spawnCli(
  args: string[],
  options: Omit<CliOptions, "stdin" | "timeoutMs"> & { stdin?: "piped" | "null" } = {},
): Deno.ChildProcess {
  const [command, ...prefix] = options.command ?? cliCommand();
  const child = new Deno.Command(command, {
    args: [...prefix, ...args],
    stdin: options.stdin ?? "null",
    stdout: "piped",
    stderr: "piped",
    cwd: options.cwd ?? ROOT,
    clearEnv: true,
    env: cliEnv(options.env),
  }).spawn();
  track(child.pid);
  return child;
}

/** What a CLI run printed and how it ended. */
export interface CliResult {
  code: number;
  /**
   * The signal the CLI died of, or null when it exited: a runner that exits
   * 143 after handling SIGTERM has `code` 143 and `signal` null, while Deno
   * reports a default death by SIGTERM as `code` 143 with `signal` "SIGTERM".
   */
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** A CLI process under test: the process, to signal it, and what it will have printed. */
export interface CliRun {
  /** The process (tracked for the test's deadline). */
  child: Deno.ChildProcess;
  /** Its output once it ends; rejects if it passed `options.timeoutMs`. */
  result: Promise<CliResult>;
}

/**
 * Start the CLI as {@linkcode runCli} does and return at once, for a test
 * that signals it while it runs: `child` to send the signal, `result` to
 * await (always await it: it owns the pipes and the deadline's timer).
 */
export function startCli(args: string[], options: CliOptions = {}): CliRun {
  const start = performance.now();
  const child = spawnCli(args, {
    env: options.env,
    cwd: options.cwd,
    command: options.command,
    stdin: options.stdin === undefined ? "null" : "piped",
  });
  let killed = false;
  const deadline = options.timeoutMs === undefined ? undefined : setTimeout(() => {
    killed = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // exited just now
    }
  }, options.timeoutMs);
  const result = (async () => {
    try {
      if (options.stdin !== undefined) {
        const writer = child.stdin.getWriter();
        await writer.write(new TextEncoder().encode(options.stdin)).catch(() => {});
        await writer.close().catch(() => {});
      }
      const output = await child.output();
      const stderr = new TextDecoder().decode(output.stderr);
      if (killed) {
        const line = [...options.command ?? ["solus-hooks"], ...args].join(" ");
        throw new DeadlineError(
          `${line} passed its deadline of ${options.timeoutMs} ms: killed\n${stderr}`,
        );
      }
      return {
        code: output.code,
        signal: output.signal,
        stdout: new TextDecoder().decode(output.stdout),
        stderr,
        ms: performance.now() - start,
      };
    } finally {
      clearTimeout(deadline);
    }
  })();
  return { child, result };
}

/**
 * Run the CLI with `args`, optional stdin text and extra environment, in a
 * clean environment with an explicit (empty) config unless the test names
 * its own with `--config` or `env.SOLUS_HOOKS_CONFIG`; with `timeoutMs`, a
 * deadline of its own.
 */
export async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return await startCli(args, options).result;
}

/**
 * The command line of a build with `scope` baked in, for {@linkcode runCli}'s
 * `command`: an entry module written into `dir` (as `.entry.ts`, which no
 * hooks directory runs) starts the CLI with that scope, and Deno runs it with
 * the scope's permissions and nothing more, as a bundle would.
 */
export async function scopedCommand(dir: string, scope: BuildScope): Promise<string[]> {
  const entry = join(dir, ".entry.ts");
  await Deno.writeTextFile(
    entry,
    `import { start } from "${pathToFileURL(join(ROOT, "main.ts")).href}";\n` +
      `await start(Deno.args, { scope: ${JSON.stringify(scope)} });\n`,
  );
  return [
    Deno.execPath(),
    "run",
    "--config",
    join(ROOT, "deno.json"),
    ...permissionFlags(scope),
    entry,
  ];
}

/** Whether `command` runs and succeeds here (`script --version`, `unshare -m true`): for `ignore`. */
export function canRun(command: string, args: string[] = ["--version"]): boolean {
  try {
    return new Deno.Command(command, { args, stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// A terminal

/** Quote `word` for a POSIX shell line. */
function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** How to show the CLI on a terminal: see {@linkcode onTerminal}. */
export interface TerminalOptions {
  /** Variables for the CLI on top of its clean environment; `""` unsets one (`NO_COLOR: ""`). */
  env?: Record<string, string>;
  /** The terminal's width (default 80). */
  columns?: number;
  /** Send the CLI's stdout to this file instead of the terminal (stderr stays on it). */
  stdoutTo?: string;
  /** The deadline of the whole session (default 60 s): past it, it is killed and the test fails. */
  timeoutMs?: number;
}

/**
 * Run the CLI with `args` on a real pseudo-terminal (`script(1)`), `columns`
 * wide, with `TERM=xterm-256color` unless `env` says otherwise; return what
 * the terminal got (stdout and stderr both, as a terminal shows them), raw.
 * The CLI starts from a shell line, so it needs the default command: skip
 * such tests when `SOLUS_HOOKS_CMD` is set, and when `canRun("script")` is not.
 */
export async function onTerminal(args: string[], options: TerminalOptions = {}): Promise<string> {
  const env = Object.entries({ TERM: "xterm-256color", ...options.env })
    .map(([name, value]) => (value === "" ? `-u ${name}` : `${name}=${shellQuote(value)}`));
  const redirect = options.stdoutTo === undefined ? "" : ` > ${shellQuote(options.stdoutTo)}`;
  const line = `stty cols ${options.columns ?? 80}; env ${env.join(" ")} ${
    [...cliCommand(), ...args].map(shellQuote).join(" ")
  }${redirect}`;
  const result = await runCli([], {
    command: ["script", "-qec", line, "/dev/null"],
    env: { NO_COLOR: undefined }, // the line's own env decides
    timeoutMs: options.timeoutMs ?? 60_000,
  });
  return result.stdout;
}
