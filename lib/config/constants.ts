/**
 * Every default and fixed bound of solus-hooks, in one leaf module that imports
 * nothing but the type of the settings: the config schema, the stage runner,
 * the help text and the build's permission scope all read them from here, so no
 * two places can disagree.
 *
 * @example
 * ```ts
 * import { DEFAULTS } from "./constants.ts";
 * import assert from "node:assert/strict";
 * assert.equal(DEFAULTS.timeoutMs, 60_000);
 * ```
 *
 * @module
 */
import type { Settings } from "./settings.ts";

/**
 * The shape of {@linkcode DEFAULTS}: every key of {@linkcode Settings}, each
 * documented there once, except `configPath`, which here is where the config
 * file is looked for when none is named (in `Settings`, the file actually read).
 */
export type Defaults = Readonly<Omit<Settings, "configPath" | "configUnread">> & {
  /** The config file read when none is named; missing is fine. */
  readonly configPath: string;
};

/**
 * The contract's defaults for every setting: the one home of each default
 * (`resolveSettings` falls back to them, `runStage` fills its options from
 * them, `solus-hooks --help` prints them, the config template documents them).
 * Frozen all the way down.
 *
 * @example
 * ```ts
 * import { DEFAULTS } from "./constants.ts";
 * import assert from "node:assert/strict";
 * assert.equal(DEFAULTS.hooksDir, "/usr/local/solus/hooks.d");
 * assert.equal(DEFAULTS.journal.maxOutputBytes, 65_536);
 * assert.throws(() => DEFAULTS.env.passthrough.push("X"), TypeError);
 * ```
 */
export const DEFAULTS: Defaults = Object.freeze({
  hooksDir: "/usr/local/solus/hooks.d",
  configPath: "/etc/solus-hooks/config.jsonc",
  timeoutMs: 60_000,
  killGraceMs: 2_000,
  maxParallel: 0,
  maxOutputBytes: 1024 * 1024,
  maxEventBytes: 1024 * 1024,
  eventReadTimeoutMs: 10_000,
  strictEvents: false,
  journal: Object.freeze({
    path: "/var/log/solus-hooks/journal.jsonl",
    maxBytes: 10 * 1024 * 1024,
    keep: 5,
    maxOutputBytes: 64 * 1024,
    maxAgeDays: 0,
    enabled: true,
  }),
  env: Object.freeze({ passthrough: frozen<string[]>([]), set: frozen({}) }),
  allowInsecure: false,
  actions: frozen({}),
  hooks: frozen({}),
  syslog: true,
  metrics: Object.freeze({ textfile: null }),
});

/** `Object.freeze`, keeping the mutable type a `Settings` field has. */
function frozen<T extends object>(value: T): T {
  return Object.freeze(value) as T;
}

/** The folder of the journal, the config and the hooks: what a build's scope covers by default. */
export const DEFAULT_FOLDERS: { readonly config: string; readonly journal: string } = Object
  .freeze({
    /** The config folder. */
    config: "/etc/solus-hooks",
    /** The journal folder. */
    journal: "/var/log/solus-hooks",
  });

/**
 * How solus-hooks sits on a SolusVM node (contract §0): SolusVM runs every
 * executable in its own folder, each with the event on stdin, and waits for all
 * of them or one minute. The entry is the one executable there; it runs one
 * stage over {@linkcode DEFAULTS}`.hooksDir` and returns within `budgetMs`.
 *
 * @example
 * ```ts
 * import { PLATFORM } from "./constants.ts";
 * import assert from "node:assert/strict";
 * assert.equal(PLATFORM.entry, `${PLATFORM.hooksDir}/solus-hooks`);
 * // The entry's default deadline plus the default kill grace and the reserve stay within the budget.
 * assert.equal(PLATFORM.budgetMs - PLATFORM.reserveMs - 2_000, 54_000);
 * ```
 */
export const PLATFORM = Object.freeze({
  /** The folder SolusVM itself runs every executable of (the seed). */
  hooksDir: "/usr/local/solus/hooks",
  /** The entry: the one executable in that folder, which runs solus-hooks. */
  entry: "/usr/local/solus/hooks/solus-hooks",
  /** How long SolusVM waits for its hooks before it goes on without them. */
  waitMs: 60_000,
  /** The entry returns within this many milliseconds, whatever the hooks do: a margin under `waitMs`. */
  budgetMs: 58_000,
  /**
   * What the budget keeps beside the stage's deadline and kill grace: the
   * runner's start, reading the pipes of killed hooks, and writing the report,
   * the journal, the system log and the metrics.
   */
  reserveMs: 2_000,
  /** The shortest deadline the entry gives hooks by default, however long the kill grace. */
  minTimeoutMs: 1_000,
  /**
   * The part of `reserveMs` for the runner's start and the event's arrival: an
   * event that arrives later than this after the start shortens the entry's
   * default deadline by the difference, so the entry still returns within `budgetMs`.
   */
  startAllowanceMs: 1_000,
});

/** The highest `timeoutMs` and `--timeout` accepted: one day. */
export const MAX_TIMEOUT_MS = 86_400_000;

/** PATH given to hooks when the runner was started without one. */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Variables passed from the runner's environment to every hook when set. */
export const PASSTHROUGH_ENV = ["PATH", "HOME", "LANG", "LC_ALL", "TZ"] as const;

/** Variables that name solus-hooks' own paths; flags beat them, they beat the config file. */
export const SETTINGS_ENV = [
  "SOLUS_HOOKS_DIR",
  "SOLUS_HOOKS_CONFIG",
  "SOLUS_HOOKS_JOURNAL",
] as const;

/**
 * Variables a runner gives its hooks that it reads back: a `run` started from
 * inside a hook of the same stage refuses instead of running every hook again.
 */
export const NESTED_RUN_ENV = [
  "SOLUS_HOOK_RUN_ID",
  "SOLUS_HOOK_ACTION",
  "SOLUS_HOOK_STAGE",
  "SOLUS_HOOK_NAME",
] as const;

/** Variables the runner reads for its own output. */
export const OUTPUT_ENV = ["NO_COLOR", "TERM"] as const;

/**
 * Every variable the runner itself may read: what a scoped build's `--allow-env`
 * must grant at least. A config's `env.passthrough` names come on top.
 *
 * @example
 * ```ts
 * import { RUNNER_ENV } from "./constants.ts";
 * import assert from "node:assert/strict";
 * assert.ok(RUNNER_ENV.includes("SOLUS_HOOKS_CONFIG"));
 * ```
 */
export const RUNNER_ENV: readonly string[] = Object.freeze([
  ...PASSTHROUGH_ENV,
  ...SETTINGS_ENV,
  ...OUTPUT_ENV,
  ...NESTED_RUN_ENV,
]);

/**
 * The longest value put in a hook's environment. Linux refuses a single string
 * over 128 KiB ("Argument list too long"); the whole event is on stdin anyway.
 */
export const MAX_ENV_VALUE_BYTES = 64 * 1024;

/** How long a hook's pipes are read after it exited normally (contract: within 1 s). */
export const DRAIN_AFTER_EXIT_MS = 1000;

/** How long a journal or metrics lock is waited for before the write is skipped with a warning. */
export const LOCK_WAIT_MS = 2000;

/**
 * The longest one journal append may take, lock wait included; past it the
 * record is skipped with a warning (a slow or hung disk must not hold a run).
 */
export const JOURNAL_APPEND_MS = 5000;

/**
 * The longest the record of an interrupted run may take to write: SIGINT or
 * SIGTERM must end the runner at once, but an uncontended append takes a few
 * milliseconds and the record says what the interrupt cut short.
 */
export const JOURNAL_AFTER_INTERRUPT_MS = 500;

/**
 * How long after a stage's deadline plus kill grace a start record without its
 * report still reads as `running` rather than `unfinished`: the contract's 1 s
 * for the stage to return, plus the bound on writing its record.
 */
export const UNFINISHED_AFTER_MS = 1000 + JOURNAL_APPEND_MS;

/** A hook's `# solus-hooks:` directive line counts only within its first this many lines. */
export const DIRECTIVE_MAX_LINES = 20;

/**
 * The most bytes read from the start of each hook to find its directive line:
 * discovery reads a bounded head, never a whole file.
 */
export const DIRECTIVE_HEAD_BYTES = 8192;

/** How long a helper process (`/usr/bin/stat` for a scoped build) may take. */
export const HELPER_TIMEOUT_MS = 2000;

/** What the runner touches on its own, and why: a build's default permission scope is made of these. */
export interface ScopeNeed {
  /** An absolute path; a folder covers everything below it. */
  readonly path: string;
  /** `read`, or `write` (which a build always grants read with too). */
  readonly access: "read" | "write";
  /** What the runner does there, in a few words for build notes and messages. */
  readonly why: string;
  /** What a build whose scope leaves the path out needs at run time instead. */
  readonly otherwise: string;
}

/**
 * The paths the runner needs by default. A build's scope is derived from this
 * list alone (`tools/scope.ts`), so a new need (a log socket, a metrics folder)
 * is added here and every build, wrapper and message follows.
 *
 * @example
 * ```ts
 * import { SCOPE_NEEDS } from "./constants.ts";
 * import assert from "node:assert/strict";
 * assert.ok(SCOPE_NEEDS.some((need) => need.access === "write" && need.path === "/var/log/solus-hooks"));
 * ```
 */
export const SCOPE_NEEDS: readonly ScopeNeed[] = Object.freeze([
  {
    path: DEFAULTS.hooksDir,
    access: "read",
    why: "the hooks directory",
    otherwise:
      "set hooksDir in the config, SOLUS_HOOKS_DIR or --dir to a directory inside the scope",
  },
  {
    path: PLATFORM.hooksDir,
    access: "read",
    why: "the platform's hooks folder, where check looks for the entry",
    otherwise:
      "check cannot see the entry nor the hooks SolusVM runs directly, and says so in a note",
  },
  {
    path: DEFAULT_FOLDERS.config,
    access: "read",
    why: "the config file",
    otherwise:
      "name a config inside the scope with SOLUS_HOOKS_CONFIG or --config on every call, or every command runs as if no config file existed (check says so)",
  },
  {
    path: DEFAULT_FOLDERS.journal,
    access: "write",
    why: "the journal",
    otherwise:
      "set journal.path in the config, SOLUS_HOOKS_JOURNAL or --journal inside the write scope, or every run warns that its record was not written",
  },
]);

/** How long a killed hook's pipes are read after it died. */
export const DRAIN_AFTER_KILL_MS = 200;

/**
 * The system log (contract §7): the tag and facility of each stage's summary
 * line, the sockets looked for when `syslog` is true, and how long `logger`
 * may take before it is killed (it takes 1 to 3 ms; the bound is for a log
 * daemon so stuck that its socket's queue is full).
 */
export const SYSLOG = Object.freeze({
  /** The tag (`SYSLOG_IDENTIFIER`): `journalctl -t solus-hooks`. */
  tag: "solus-hooks",
  /** The syslog facility. */
  facility: "daemon",
  /** journald's native socket: structured fields go here when it exists. */
  journaldSocket: "/run/systemd/journal/socket",
  /** The classic syslog socket, used when journald's is absent. */
  devLog: "/dev/log",
  /** `logger` gets SIGKILL after this many milliseconds. */
  timeoutMs: 500,
  /**
   * A stage waits for `logger` at most this long (contract §7: a socket whose
   * queue is full costs a stage at most 20 ms); past it, `logger` goes on in
   * the background until `timeoutMs`.
   */
  waitMs: 20,
  /** The summary line names at most this many failing hooks, then says how many more. */
  maxFailingNames: 10,
});

/**
 * The buckets of `solus_hooks_hook_duration_seconds`, in seconds: fine where
 * most hooks finish, coarse up to the default 60 s deadline.
 */
export const HOOK_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.01,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  20,
  30,
  45,
  60,
]);

/** The largest metrics textfile read back; a bigger one is not ours, and is left alone. */
export const MAX_METRICS_BYTES = 16 * 1024 * 1024;

/**
 * How long the metrics lock is waited for when the runner was already
 * interrupted: the stage is still counted if the file is free, but the runner
 * must end at once (contract §3), not after a full lock wait.
 */
export const INTERRUPTED_LOCK_WAIT_MS = 250;

/**
 * How long the metrics textfile's read, write and rename may take once the
 * lock is had, before the update is given up with a warning (a hung disk, or
 * a FIFO where a file should be, must not hold the runner).
 */
export const METRICS_IO_MS = 1000;
