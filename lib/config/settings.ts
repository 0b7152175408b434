/**
 * The shape of the settings a run resolves to, and of the config's per-hook
 * rules: a leaf of types that the config reader, the stage runner, discovery
 * and directives share without importing one another.
 *
 * @module
 */
import type { ActionDefinition, Stage } from "../event/registry.ts";

/**
 * Everything that shapes a run, resolved from flags, environment, the config
 * file and the defaults (`DEFAULTS`, constants.ts) by `resolveSettings`
 * (resolve.ts). Each key is documented here once; the config file's type, the
 * defaults and the stage options are derived from this one.
 *
 * @example
 * ```ts
 * import type { Settings } from "./settings.ts";
 * import { resolveSettings } from "./resolve.ts";
 * import assert from "node:assert/strict";
 * const config = await Deno.makeTempFile({ suffix: ".jsonc" });
 * await Deno.writeTextFile(config, '{ "timeoutMs": 30000 }');
 * const settings: Settings = await resolveSettings({ config, dir: "/opt/hooks", noJournal: true });
 * assert.equal(settings.hooksDir, "/opt/hooks");
 * assert.equal(settings.timeoutMs, 30_000);
 * assert.equal(settings.journal.enabled, false);
 * await Deno.remove(config);
 * ```
 */
export interface Settings {
  /** The hooks directory, absolute. */
  hooksDir: string;
  /** The stage deadline, in milliseconds. */
  timeoutMs: number;
  /** Between SIGTERM and SIGKILL, in milliseconds. */
  killGraceMs: number;
  /**
   * At most this many hooks at once; 0 for no cap, 1 for one at a time (what
   * the config's `mode: "serial"` and `--serial` resolve to: the one
   * representation of serial below the config reader).
   */
  maxParallel: number;
  /** Bytes of stdout and of stderr kept per hook in the report. */
  maxOutputBytes: number;
  /** The largest event accepted, in bytes. */
  maxEventBytes: number;
  /** How long stdin may stay open without completing an event, in milliseconds. */
  eventReadTimeoutMs: number;
  /**
   * Refuse an event that differs from the registry (exit 2) instead of running
   * the hooks with it as sent and warning.
   */
  strictEvents: boolean;
  /**
   * Where and how runs are recorded; `path` is absolute. `maxOutputBytes` is
   * what the journal keeps of each stream per hook; `maxAgeDays` drops records
   * older than that, a file at a time (0: off).
   */
  journal: {
    path: string;
    maxBytes: number;
    keep: number;
    maxOutputBytes: number;
    maxAgeDays: number;
    enabled: boolean;
  };
  /** Extra variables to pass through to hooks, and variables to set. */
  env: { passthrough: string[]; set: Record<string, string> };
  /** Run hooks that break the ownership and permission rule. */
  allowInsecure: boolean;
  /** Actions the config file adds to the registry. */
  actions: Record<string, ActionDefinition>;
  /** Per hook file name: which events it is for, its own time limit, whether it runs. */
  hooks: Record<string, HookRules>;
  /**
   * The system log: `false` off, `true` the system's own socket (journald or
   * `/dev/log`) where one exists, or the path of a datagram socket.
   */
  syslog: boolean | string;
  /** Prometheus metrics: the textfile rewritten after each stage (absolute), or null. */
  metrics: { textfile: string | null };
  /** The config file actually read (absolute), or null if none was. */
  configPath: string | null;
  /**
   * Why the default config file was not read although it may exist: this
   * build's read scope leaves its folder out, so every command runs as if no
   * config file existed (and `check` says so). Absent otherwise.
   */
  configUnread?: string;
}

/**
 * What the config's `hooks` key says of one hook file, the same as a directive
 * line in the hook (`# solus-hooks: actions=... stages=... timeout=...`) would;
 * the config wins over the file.
 *
 * @example
 * ```ts
 * import type { HookRules } from "./settings.ts";
 * import assert from "node:assert/strict";
 * const firewall: HookRules = { actions: ["server-create"], stages: ["post"], timeoutMs: 10_000 };
 * assert.equal(firewall.enabled ?? true, true);
 * ```
 */
export interface HookRules {
  /** Action patterns it is for (`*` matches any run of characters); absent: every action. */
  actions?: string[];
  /** Stages it is for; absent: both. */
  stages?: Stage[];
  /** Its own time limit within the stage's, in milliseconds. */
  timeoutMs?: number;
  /** False switches it off (skipped as disabled). */
  enabled?: boolean;
}
