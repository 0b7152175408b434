/**
 * `solus-hooks check`: audit the hooks directory and say how to fix each finding.
 *
 * @module
 */
import { syslogFinding, textfileFindings } from "../fleet/fleet_audit.ts";
import { auditHooksDir } from "../hooks/audit.ts";
import { auditPlatform, budgetFinding } from "../hooks/platform_audit.ts";
import { describeRules, rulesOfSummary } from "../hooks/directives.ts";
import type { Command } from "../cli/command.ts";
import { DEFAULT_FOLDERS, DEFAULTS } from "../config/constants.ts";
import { UsageError } from "../errors.ts";
import { describeContainment, probeContainment } from "../process/watchdog.ts";
import { hooksPath } from "../hooks/hook_env.ts";
import { ungrantedEnv, ungrantedEnvProblem } from "../scope.ts";

/**
 * The `check` command.
 *
 * @example
 * ```ts
 * import { checkCommand } from "./check.ts";
 * import assert from "node:assert/strict";
 * assert.match(checkCommand.help, /Examples?:/);
 * ```
 */
export const checkCommand: Command = {
  name: "check",
  summary: "audit the hooks directory and say how to fix what is wrong",
  help: `Usage: solus-hooks check [--json] [--dir DIR]

Audits the hooks directory, file by file, and says how to fix each finding:
  errors    a hook, a link, a link's target, the directory or a parent owned by
            someone other than root or the runner, or writable by group or
            others (a root-owned sticky parent such as /tmp is fine; the hooks
            directory itself never is); a bad "# solus-hooks:" directive line or
            config hooks entry; a #! interpreter that is missing or not on the
            hooks' PATH; a #! line ending in CRLF; on a node, the entry
            /usr/local/solus/hooks/solus-hooks missing, not executable, not
            ours, or running a command that is gone
  warnings  an executable beside the entry in /usr/local/solus/hooks/ (SolusVM
            runs it directly, outside solus-hooks: move it into the hooks
            directory); a timeoutMs + killGraceMs that would keep SolusVM
            waiting past the entry's 58 s budget; names that will be skipped
            (dotfiles, editor and package leftovers), files without an execute
            bit, solus-hooks itself (the entry or the command), things that are not hooks (directories,
            broken links, sockets: nothing else belongs there), scripts with no #!
            line, a hooks directory that does not exist, a config hooks entry
            that names no file (with the nearest name), a line that looks like
            a directive but is not one (# SOLUS-HOOKS:, ## solus-hooks:, or a
            directive after line 20): a run ignores both; no system-log socket
            for "syslog" (or the one it names is missing); a metrics textfile
            not named *.prom, or outside node_exporter's default textfile
            folders (/var/lib/prometheus/node-exporter on Debian)
Then it lists the hooks in start order with what each is for (its directive's
actions, stages and timeout). Names ending in .disabled are no finding.
The findings go to stderr; --json prints the audit as one JSON document on stdout.
Exit status: 1 if there is an error, 0 otherwise.

Examples:
  solus-hooks check
  solus-hooks check --dir ./hooks --quiet          # errors only
  solus-hooks check --json | jq -r '.findings[] | select(.severity == "error") | .name'`,
  options: {},
  async run(context) {
    if (context.positionals.length > 0) {
      throw new UsageError(
        `check takes no arguments (got ${context.positionals[0]}); use --dir DIR`,
      );
    }
    const settings = await context.settings();
    const hookPath = hooksPath(settings.env.set);
    const registry = await context.registry();
    const audit = await auditHooksDir(settings.hooksDir, {
      allowInsecure: settings.allowInsecure,
      hookPath,
      rules: settings.hooks,
      actions: registry.actions().map((spec) => spec.name),
    });
    // On a node: the entry and SolusVM's own folder, and the deadline the entry gives hooks.
    const platform = await auditPlatform(audit.dir, {});
    const budget = budgetFinding(settings.timeoutMs, settings.killGraceMs, settings.configPath);
    audit.findings.unshift(...(platform?.findings ?? []), ...(budget ? [budget] : []));
    // The fleet's view: a log socket that is not there, a textfile node_exporter never reads.
    const syslog = await syslogFinding(settings.syslog);
    audit.findings.push(
      ...(syslog ? [syslog] : []),
      ...textfileFindings(settings.metrics.textfile),
    );
    audit.notes.push(...(platform?.notes ?? []));
    if (settings.configUnread) {
      // The node's config is not read by this build: its settings do not apply (contract §8).
      audit.findings.unshift({
        name: DEFAULTS.configPath,
        severity: "warning",
        problem: settings.configUnread,
        fix:
          `build with ${DEFAULT_FOLDERS.config} in SOLUS_HOOKS_READ, or name a config inside the scope with --config or SOLUS_HOOKS_CONFIG`,
      });
    }
    if (audit.findings.some((finding) => finding.severity === "error")) audit.ok = false;
    const ungranted = ungrantedEnv(settings.env.passthrough);
    if (ungranted.length > 0) {
      // Hooks would silently get nothing for these: contract §8 makes it an error here.
      const { problem, fix } = ungrantedEnvProblem(ungranted);
      const name = settings.configPath ?? "config";
      audit.findings.unshift({
        name,
        severity: "error",
        problem,
        fix: `build one that may: ${fix}`,
      });
      audit.ok = false;
    }
    audit.containment = await probeContainment();
    if (context.global.json) {
      context.out.json(audit);
      return audit.ok ? 0 : 1;
    }
    const { colors } = context.out;
    for (const finding of audit.findings) {
      if (context.out.quiet && finding.severity !== "error") continue;
      const label = finding.severity === "error" ? colors.red("error  ") : colors.yellow("warning");
      context.out.line(`${label} ${finding.name}: ${finding.problem}`);
      context.out.line(`        ${colors.dim(`fix: ${finding.fix}`)}`);
    }
    for (const note of audit.notes) context.out.line(colors.dim(`note: ${note}`));
    if (!context.out.quiet) context.out.line(describeContainment(audit.containment));
    if (!context.out.quiet && audit.rules.length > 0) {
      // What each hook is for, in start order: its directive or config entry.
      const width = Math.min(40, Math.max(...audit.rules.map((rule) => rule.name.length)));
      context.out.line("hooks, in start order, and what each is for:");
      for (const rule of audit.rules) {
        context.out.line(`  ${rule.name.padEnd(width)}  ${describeRules(rulesOfSummary(rule))}`);
      }
    }
    if (!context.out.quiet && audit.disabled.length > 0) {
      context.out.line(colors.dim(`disabled: ${audit.disabled.join(", ")}`));
    }
    const errors = audit.findings.filter((f) => f.severity === "error").length;
    const warnings = audit.findings.length - errors;
    const verdict = errors > 0 ? colors.red("problems found") : colors.green("ok");
    context.out.line(
      `${audit.dir}: ${verdict}: ${audit.hooks.length} hook${
        audit.hooks.length === 1 ? "" : "s"
      } will run${audit.hooks.length ? ` (${audit.hooks.join(", ")})` : ""}; ${errors} error${
        errors === 1 ? "" : "s"
      }, ${warnings} warning${warnings === 1 ? "" : "s"}`,
    );
    return audit.ok ? 0 : 1;
  },
};
