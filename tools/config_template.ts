/**
 * The commented config file `deno task install` puts in
 * `/etc/solus-hooks/config.jsonc` when none exists: every key, commented out,
 * with its default taken from `lib/config/constants.ts`, so the template can never
 * disagree with the runner. `tests/install_test.ts` parses it with the
 * runner's own parser, both as shipped and with every key uncommented.
 *
 * @module
 */
import { DEFAULTS, PASSTHROUGH_ENV, PLATFORM } from "../lib/config/constants.ts";

const json = (value: unknown) => JSON.stringify(value);

/**
 * The template's text.
 *
 * @example
 * ```ts
 * import { configTemplate } from "./config_template.ts";
 * import assert from "node:assert/strict";
 * assert.match(configTemplate(), /\/\/ "timeoutMs": 60000,/);
 * ```
 */
export function configTemplate(): string {
  const journal = {
    path: DEFAULTS.journal.path,
    maxBytes: DEFAULTS.journal.maxBytes,
    keep: DEFAULTS.journal.keep,
    maxOutputBytes: DEFAULTS.journal.maxOutputBytes,
    maxAgeDays: DEFAULTS.journal.maxAgeDays,
  };
  return `// solus-hooks configuration: JSONC, so comments and trailing commas are fine.
// Installed by \`deno task install\`, which never overwrites it. Every key is optional and
// the values shown are the defaults: uncomment a line to change it. Flags beat the
// environment (SOLUS_HOOKS_DIR, SOLUS_HOOKS_CONFIG, SOLUS_HOOKS_JOURNAL), which beats this
// file, which beats the defaults. A mistake is reported with its line and column;
// \`solus-hooks check\` audits this file and the hooks directory together.
{
  // Where hooks live. It and its parents must be owned by root (or the runner's user) and
  // not writable by group or others, or no hook runs.
  // "hooksDir": ${json(DEFAULTS.hooksDir)},

  // The deadline of a stage, from its start, and the wait from SIGTERM to SIGKILL. Unset, the
  // entry SolusVM runs uses ${PLATFORM.budgetMs} - ${PLATFORM.reserveMs} - killGraceMs (${
    PLATFORM.budgetMs - PLATFORM.reserveMs - DEFAULTS.killGraceMs
  }), and \`run\` by hand ${DEFAULTS.timeoutMs}.
  // Keep timeoutMs + killGraceMs at most ${
    PLATFORM.budgetMs - PLATFORM.reserveMs
  }, or SolusVM stops waiting before the
  // stage ends (check warns).
  // "timeoutMs": ${DEFAULTS.timeoutMs},
  // "killGraceMs": ${DEFAULTS.killGraceMs},

  // In parallel mode hooks start in name order, all at once; in serial mode, one at a time.
  // maxParallel caps parallelism (0: no cap; 1 is serial; "mode": "serial" wins over it).
  // "mode": "parallel",
  // "maxParallel": 0,

  // Bytes of stdout and of stderr kept per hook in the report, and the largest event accepted.
  // "maxOutputBytes": ${DEFAULTS.maxOutputBytes},
  // "maxEventBytes": ${DEFAULTS.maxEventBytes},

  // Stdin that stays open this long without completing an event is refused (exit 2,
  // recorded). An event is taken as soon as one whole JSON value has arrived.
  // "eventReadTimeoutMs": ${DEFAULTS.eventReadTimeoutMs},

  // At run time an event that differs from the registry (an unknown action or data key,
  // a missing key, a value of another type) runs the hooks as sent, with a warning in the
  // report, the journal, the system log and the metrics. true refuses it instead (exit 2),
  // as --strict does: for test harnesses.
  // "strictEvents": false,

  // The journal that \`history\`, \`show\` and \`replay\` read. The command may write only
  // inside its build's scope (by default ${DEFAULTS.journal.path.replace(/\/[^/]*$/, "")}).
  // "journal": ${json(journal).replaceAll(",", ", ").replaceAll(":", ": ")},

  // Hooks get a clean environment: ${PASSTHROUGH_ENV.join(", ")}, the SOLUS_HOOK_* variables, and
  // these. A name passed through must be in the build's env scope too (build with
  // SOLUS_HOOKS_ENV=http_proxy), or \`run\` warns and \`check\` reports an error.
  // "env": { "passthrough": ["http_proxy"], "set": { "SITE": "dc1" } },

  // Run hooks that break the ownership and permission rule. Not on a shared node.
  // "allowInsecure": false,

  // Actions beyond the built-in ten, with the types of their data keys (\`solus-hooks
  // actions\` lists the types). Each is a full action: run, sample, test, schema, the SDK.
  // "actions": { "backup-create": { "description": "a backup is taken", "data": { "uuid": "uuid", "note": "string" } } },

  // Per hook file, as a \`# solus-hooks:\` line in the hook would say: which events it is
  // for, its own time limit, whether it runs.
  // "hooks": { "20-firewall.sh": { "actions": ["server-create"], "stages": ["post"], "timeoutMs": 10000, "enabled": true } },

  // One summary line per stage in the system log: true (journald or /dev/log where one
  // exists), false, or the path of a log socket.
  // "syslog": true,

  // Prometheus metrics for node_exporter's textfile collector, rewritten after each stage.
  // "metrics": { "textfile": "/var/lib/prometheus/node-exporter/solus_hooks.prom" },
}
`;
}
