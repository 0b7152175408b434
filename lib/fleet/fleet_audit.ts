/**
 * What `check` says of the fleet's view of a node (contract §7): a system-log
 * socket that is not there, so each stage's summary goes nowhere, and a metrics
 * textfile node_exporter would never read (not named `*.prom`, or outside the
 * textfile folders its packages read by default). Warnings: hooks run all the
 * same, but an operator watching the fleet would see nothing.
 *
 * @module
 */
import type { Finding } from "../hooks/audit.ts";
import { SYSLOG } from "../config/constants.ts";
import { basename, dirname } from "../paths.ts";
import { isScopeDenial } from "../errors.ts";
import { statByHelper } from "../process/stat_helper.ts";

/**
 * The folders node_exporter's textfile collector reads as packaged: Debian's and
 * Ubuntu's `prometheus-node-exporter`, and the RPM packages of RHEL's family.
 */
export const TEXTFILE_FOLDERS: readonly string[] = [
  "/var/lib/prometheus/node-exporter",
  "/var/lib/node_exporter/textfile_collector",
];

/** Whether `path` is a socket: yes, no (missing or another kind), or unknown. */
async function socketAt(path: string): Promise<"yes" | "no" | "unknown"> {
  try {
    return (await Deno.stat(path)).isSocket ? "yes" : "no";
  } catch (error) {
    if (!isScopeDenial(error)) return "no";
  }
  // A scoped build may not stat /dev paths: coreutils stat may.
  const answer = (await statByHelper([path])).get(path);
  if (answer === undefined || answer === "unknown") return "unknown";
  if (answer === "missing") return "no";
  return (answer.mode & 0o170000) === 0o140000 ? "yes" : "no";
}

/**
 * The system-log finding, or null when the socket `syslog` names is there (or
 * `syslog` is false, or it cannot be told).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { syslogFinding } from "./fleet_audit.ts";
 * assert.equal(await syslogFinding(false), null);
 * const finding = await syslogFinding("/nonexistent/log.sock");
 * assert.equal(finding?.severity, "warning");
 * assert.match(finding!.problem, /is not a socket/);
 * ```
 */
export async function syslogFinding(syslog: boolean | string): Promise<Finding | null> {
  if (syslog === false) return null;
  if (typeof syslog === "string") {
    if (await socketAt(syslog) !== "no") return null;
    return {
      name: "syslog",
      severity: "warning",
      problem:
        `the config's syslog names ${syslog}, which is not a socket: every stage warns that its summary was not logged`,
      fix: "name the log daemon's datagram socket (/dev/log), true for the node's own, or false",
    };
  }
  const journald = await socketAt(SYSLOG.journaldSocket);
  const devLog = journald === "yes" ? "yes" : await socketAt(SYSLOG.devLog);
  if (journald !== "no" || devLog !== "no") return null;
  return {
    name: "syslog",
    severity: "warning",
    problem:
      `no system-log socket on this node (neither ${SYSLOG.journaldSocket} nor ${SYSLOG.devLog}): stages' summaries go nowhere, without a warning`,
    fix:
      'run journald or a syslog daemon (rsyslog), or set "syslog": false in the config to say so',
  };
}

/**
 * The metrics textfile's findings: a name node_exporter's textfile collector
 * skips (it reads `*.prom` only), a folder it does not read by default.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { textfileFindings } from "./fleet_audit.ts";
 * assert.deepEqual(textfileFindings("/var/lib/prometheus/node-exporter/solus_hooks.prom"), []);
 * const [name, folder] = textfileFindings("/tmp/solus_hooks.txt");
 * assert.match(name.problem, /\*\.prom/);
 * assert.match(folder.problem, /outside/);
 * ```
 */
export function textfileFindings(textfile: string | null): Finding[] {
  if (textfile === null) return [];
  const findings: Finding[] = [];
  if (!basename(textfile).endsWith(".prom")) {
    findings.push({
      name: textfile,
      severity: "warning",
      problem:
        "the metrics textfile is not named *.prom: node_exporter's textfile collector reads only *.prom files, so it is never scraped",
      fix: `name it ${
        basename(textfile).replace(/\.[^.]*$/, "")
      }.prom in the config's metrics.textfile`,
    });
  }
  if (!TEXTFILE_FOLDERS.includes(dirname(textfile))) {
    findings.push({
      name: textfile,
      severity: "warning",
      problem: `the metrics textfile is outside the folders node_exporter reads by default (${
        TEXTFILE_FOLDERS.join(", ")
      }): it is scraped only if node_exporter runs with --collector.textfile.directory=${
        dirname(textfile)
      }`,
      fix: `put it in ${
        TEXTFILE_FOLDERS[0]
      } (Debian's prometheus-node-exporter reads it), or start node_exporter with --collector.textfile.directory=${
        dirname(textfile)
      }`,
    });
  }
  return findings;
}
