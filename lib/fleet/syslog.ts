/**
 * The system log (contract §7): one summary line per stage, tag `solus-hooks`,
 * priority `info` when the stage was ok, `err` when it was refused (the event,
 * the config, the hooks directory: no hook ran) and `warning` otherwise; where journald
 * listens, the same as structured fields (`SOLUS_RUN_ID`, `SOLUS_STATUS`, ...).
 *
 * Deno has no stable Unix datagram sockets, so util-linux `logger` (on every
 * Debian and RHEL node: Debian's essential `bsdutils`) sends the line:
 * `logger --socket` both for journald's native socket (the entry's fields as
 * its message, see {@linkcode journaldArgs}) and for a syslog socket, with
 * `--id` the runner's pid, which journald shows (`solus-hooks[PID]`). Which socket the node has is looked up once per process; a
 * scoped build may not stat them (Deno wants `--allow-all` for most `/dev`
 * paths, `/dev/log` included), and then `/bin/sh` looks (`[ -S ... ]`), which
 * costs about a millisecond more. Logging never fails a stage: a problem is a
 * warning.
 *
 * @module
 */
import { DEFAULT_PATH, SYSLOG } from "../config/constants.ts";
import { runHelper } from "../process/helper_process.ts";
import type { RunReport } from "../report.ts";
import { type StageSummary, summarizeStage } from "./summary.ts";

/** journald's numbers for the two priorities used, and for the facility. */
const PRIORITY_NUMBER = { info: 6, warning: 4, err: 3 } as const;
const FACILITY_NUMBER: Record<string, number> = { user: 1, daemon: 3 };

/**
 * Chooses the socket on the node and sends there: journald's native socket
 * with the entry, else the classic `/dev/log` with the line, else nothing (a
 * node without a log socket is not an error). The paths, the count of
 * journald's `logger` arguments, then those and /dev/log's, come in as
 * arguments, never inside the script's text.
 */
const SYSTEM_SCRIPT = "j=$1 d=$2 n=$3\nshift 3\n" +
  'if [ -S "$j" ]; then\n' +
  // Keep the first n arguments (journald's): append them, then drop the whole old list.
  "  all=$#; i=0\n" +
  '  for a; do if [ "$i" -lt "$n" ]; then set -- "$@" "$a"; fi; i=$((i + 1)); done\n' +
  '  shift "$all"; exec logger "$@"\n' +
  "fi\n" +
  'if [ -S "$d" ]; then shift "$n"; exec logger --socket-errors=on "$@"; fi\n';

/** Where `syslog: true` sends on this node, when Deno may look; `shell` when it may not. */
type SystemSocket = "journald" | "dev-log" | "none" | "shell";

/** True or false when the path is or is not a socket; undefined when this build may not look. */
async function isSocket(path: string): Promise<boolean | undefined> {
  // Ask first: a `deno run` without --no-prompt would otherwise prompt on a terminal.
  if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return undefined;
  try {
    return (await Deno.stat(path)).isSocket === true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return false;
    }
    return undefined; // NotCapable: Deno wants --allow-all for /dev/log; PermissionDenied
  }
}

let systemSocket: Promise<SystemSocket> | undefined;

/** The node's log socket, looked up once per process (`around` logs several stages). */
function findSystemSocket(): Promise<SystemSocket> {
  return systemSocket ??= (async () => {
    const journald = await isSocket(SYSLOG.journaldSocket);
    if (journald !== false) return journald ? "journald" : "shell";
    const devLog = await isSocket(SYSLOG.devLog);
    return devLog === undefined ? "shell" : devLog ? "dev-log" : "none";
  })();
}

/** What a stage's summary is sent as. */
export interface SyslogMessage {
  /** `info` when the stage was ok, `err` when it was refused, `warning` otherwise. */
  priority: "info" | "warning" | "err";
  /** The summary line (journald's `MESSAGE`). */
  line: string;
  /** The journald entry: one `FIELD=value` per line, values on one line each. */
  fields: string;
}

/**
 * A value as one line of visible text: backslash, control characters (C0, DEL,
 * C1) and anything that would start a new line are escaped, so a hook named
 * with a newline or an escape sequence neither splits a journald field nor
 * reaches a terminal raw.
 *
 * @example
 * ```ts
 * import { escapeLogText } from "./syslog.ts";
 * import assert from "node:assert/strict";
 * assert.equal(escapeLogText("a\nb\x1b[2J\\"), "a\\nb\\x1b[2J\\\\");
 * ```
 */
export function escapeLogText(text: string): string {
  // Control characters are exactly what is matched here.
  // deno-lint-ignore no-control-regex
  return text.replace(/[\\\x00-\x1f\x7f-\x9f\u2028\u2029]/g, (char) => {
    switch (char) {
      case "\\":
        return "\\\\";
      case "\n":
        return "\\n";
      case "\r":
        return "\\r";
      case "\t":
        return "\\t";
      default: {
        const code = char.charCodeAt(0);
        return code > 0xff ? `\\u${code.toString(16)}` : `\\x${code.toString(16).padStart(2, "0")}`;
      }
    }
  });
}

/** A logfmt value: bare when it is plainly one word, else quoted and escaped. */
function logfmtValue(value: string | number): string {
  const text = String(value);
  if (/^[A-Za-z0-9._:/@+-]+$/.test(text)) return text;
  return `"${escapeLogText(text).replaceAll('"', '\\"')}"`;
}

/** The failing hooks' names for the line, at most `SYSLOG.maxFailingNames` of them. */
function failingList(names: readonly string[]): string {
  const shown = names.slice(0, SYSLOG.maxFailingNames);
  const more = names.length - shown.length;
  return [...shown, ...(more > 0 ? [`+${more} more`] : [])].join(",");
}

/**
 * The summary line of a stage, in logfmt (`key=value`, quoted where needed), so
 * it reads as a sentence and parses as data: action, stage, status, the hooks'
 * counts, duration, the failing hooks, run and event ids.
 *
 * @example
 * ```ts
 * import { summaryLine } from "./syslog.ts";
 * import assert from "node:assert/strict";
 * const line = summaryLine({
 *   runId: "r1", eventId: "e1", action: "server-restart", stage: "pre", status: "failed",
 *   ok: 1, failed: 1, timedOut: 0, refused: 0, durationMs: 42, failing: ["20 firewall"],
 * });
 * assert.equal(
 *   line,
 *   'action=server-restart stage=pre status=failed ok=1 failed=1 timed_out=0 refused=0 ' +
 *     'duration_ms=42 failing="20 firewall" run_id=r1 event_id=e1',
 * );
 * ```
 */
export function summaryLine(summary: StageSummary): string {
  const pairs: [string, string | number][] = [
    ["action", summary.action],
    ["stage", summary.stage],
    ["status", summary.status],
    ["ok", summary.ok],
    ["failed", summary.failed],
    ["timed_out", summary.timedOut],
    ["refused", summary.refused],
    ["duration_ms", summary.durationMs],
  ];
  if (summary.failing.length > 0) pairs.push(["failing", failingList(summary.failing)]);
  if (summary.refusal) pairs.push(["refusal", summary.refusal]);
  if (summary.refusedReason) pairs.push(["reason", summary.refusedReason]);
  if (summary.warnings?.length) pairs.push(["warnings", summary.warnings.join("; ")]);
  pairs.push(["run_id", summary.runId], ["event_id", summary.eventId]);
  if (summary.replayOf) pairs.push(["replay_of", summary.replayOf]);
  return pairs.map(([key, value]) => `${key}=${logfmtValue(value)}`).join(" ");
}

/**
 * What a stage's report is sent to the system log as: its priority, its line,
 * and the journald entry (`MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`,
 * `SYSLOG_FACILITY`, `SYSLOG_PID`, and `SOLUS_*` fields; `SOLUS_FAILED_HOOK`
 * once per failing hook, so `journalctl SOLUS_FAILED_HOOK=20-firewall` finds
 * each).
 *
 * @example
 * ```ts
 * import { syslogMessage } from "./syslog.ts";
 * import assert from "node:assert/strict";
 * const message = syslogMessage({
 *   run_id: "r1", event_id: "e1", dir: "/hooks", started_at: "2026-01-01T00:00:00.000Z",
 *   duration_ms: 7, ok: true, interrupted: false, hooks: [], skipped: [],
 *   event: { action: "server-start", stage: "post", data: {} },
 * });
 * assert.equal(message.priority, "info");
 * assert.match(message.fields, /^SOLUS_STATUS=ok$/m);
 * assert.match(message.fields, /^SYSLOG_IDENTIFIER=solus-hooks$/m);
 * ```
 */
export function syslogMessage(report: RunReport): SyslogMessage {
  const summary = summarizeStage(report);
  const priority = summary.status === "ok"
    ? "info"
    : summary.status === "refused"
    ? "err"
    : "warning";
  const line = summaryLine(summary);
  const fields: [string, string | number][] = [
    ["PRIORITY", PRIORITY_NUMBER[priority]],
    ["SYSLOG_IDENTIFIER", SYSLOG.tag],
    ["SYSLOG_FACILITY", FACILITY_NUMBER[SYSLOG.facility]],
    ["SYSLOG_PID", Deno.pid],
    ["SOLUS_RUN_ID", summary.runId],
    ["SOLUS_EVENT_ID", summary.eventId],
    ["SOLUS_ACTION", summary.action],
    ["SOLUS_STAGE", summary.stage],
    ["SOLUS_STATUS", summary.status],
    ["SOLUS_HOOKS_OK", summary.ok],
    ["SOLUS_HOOKS_FAILED", summary.failed],
    ["SOLUS_HOOKS_TIMED_OUT", summary.timedOut],
    ["SOLUS_HOOKS_REFUSED", summary.refused],
    ["SOLUS_DURATION_MS", summary.durationMs],
    ["SOLUS_HOOKS_DIR", report.dir],
  ];
  for (const name of summary.failing) fields.push(["SOLUS_FAILED_HOOK", name]);
  if (summary.refusedReason) fields.push(["SOLUS_REFUSED", summary.refusedReason]);
  if (summary.refusal) fields.push(["SOLUS_REFUSAL", summary.refusal]);
  for (const warning of summary.warnings ?? []) fields.push(["SOLUS_EVENT_WARNING", warning]);
  if (summary.replayOf) fields.push(["SOLUS_REPLAY_OF", summary.replayOf]);
  // The line is already one line of visible text: its values were escaped once.
  const entry = [`MESSAGE=${line}\n`];
  for (const [name, value] of fields) entry.push(`${name}=${escapeLogText(String(value))}\n`);
  return { priority, line, fields: entry.join("") };
}

/** The `logger` arguments that send `message` as a classic syslog line (RFC 3164). */
function syslogLineArgs(socket: string, message: SyslogMessage): string[] {
  return [
    "--socket",
    socket,
    `--id=${Deno.pid}`,
    // logger cuts lines at 1 KiB by default; ours is bounded well below this.
    "--size=8192",
    "--tag",
    SYSLOG.tag,
    "--priority",
    `${SYSLOG.facility}.${message.priority}`,
    "--",
    message.line,
  ];
}

/**
 * A first line for journald's native protocol to pass over: `logger` puts its
 * syslog header (`<PRI>DATE HOST solus-hooks[PID]: `) before the message, and
 * journald skips a line whose name before `=` is not a field name, so the
 * header and this line go, and the entry's own lines follow.
 */
const HEADER_LINE = "SOLUS_HOOKS_ENTRY=1";

/**
 * The `logger` arguments that send the journald entry to journald's native
 * socket as the runner: `--id` makes `logger` (run as root) send the runner's
 * pid in the socket's credentials, which journald records as `_PID` and shows
 * in `journalctl -t solus-hooks` (`solus-hooks[PID]`); `logger --journald`
 * cannot, and showed its own.
 */
function journaldArgs(socket: string, message: SyslogMessage): string[] {
  return [
    "--socket",
    socket,
    "--socket-errors=on",
    `--id=${Deno.pid}`,
    "--tag",
    SYSLOG.tag,
    // The entry's fields, bounded well below this, must not be cut.
    "--size=65536",
    "--",
    `${HEADER_LINE}\n${message.fields}`,
  ];
}

/**
 * Write a stage's summary to the system log as `setting` says (`false` off,
 * `true` the node's own socket if any, a path a syslog datagram socket).
 * Never throws and never fails the stage: returns a warning in words when the
 * line could not be sent, else undefined. Waits at most `SYSLOG.waitMs`
 * (20 ms): a `logger` still running then (a socket whose queue is full) goes
 * on alone until `SYSLOG.timeoutMs`, and says nothing more.
 *
 * @example
 * ```ts
 * import { logStage } from "./syslog.ts";
 * import assert from "node:assert/strict";
 * const report = {
 *   run_id: "r1", event_id: "e1", dir: "/hooks", started_at: "2026-01-01T00:00:00.000Z",
 *   duration_ms: 7, ok: true, interrupted: false, hooks: [], skipped: [],
 *   event: { action: "server-start", stage: "post" as const, data: {} },
 * };
 * assert.equal(await logStage(report, false), undefined);
 * assert.match(String(await logStage(report, "/nonexistent/log.sock")), /no socket at/);
 * ```
 */
export async function logStage(
  report: RunReport,
  setting: boolean | string,
): Promise<string | undefined> {
  if (setting === false) return undefined;
  const message = syslogMessage(report);
  // Waited for at most SYSLOG.waitMs; a socket whose queue is full has the
  // line delivered in the background, without holding the stage or the process.
  const options = {
    env: { PATH: DEFAULT_PATH },
    timeoutMs: SYSLOG.timeoutMs,
    backgroundAfterMs: SYSLOG.waitMs,
  };
  const line = (socket: string) =>
    runHelper("logger", {
      ...options,
      args: ["--socket-errors=on", ...syslogLineArgs(socket, message)],
    });
  let result;
  if (typeof setting === "string") {
    // Said at once rather than by a logger that may outlast the wait.
    if (await isSocket(setting) === false) {
      return `the system log was not written: no socket at ${escapeLogText(setting)}`;
    }
    result = await line(setting);
  } else {
    switch (await findSystemSocket()) {
      case "none":
        return undefined;
      case "journald":
        result = await runHelper("logger", {
          ...options,
          args: journaldArgs(SYSLOG.journaldSocket, message),
        });
        break;
      case "dev-log":
        result = await line(SYSLOG.devLog);
        break;
      case "shell": {
        const journald = journaldArgs(SYSLOG.journaldSocket, message);
        result = await runHelper("/bin/sh", {
          ...options,
          args: [
            "-c",
            SYSTEM_SCRIPT,
            "sh",
            SYSLOG.journaldSocket,
            SYSLOG.devLog,
            String(journald.length),
            ...journald,
            ...syslogLineArgs(SYSLOG.devLog, message),
          ],
        });
      }
    }
  }
  if (result.ok) return undefined;
  return `the system log was not written: ${escapeLogText(result.error ?? "unknown error")}`;
}
