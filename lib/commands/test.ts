/**
 * `solus-hooks test HOOK`: run one hook file against a sample of every action and
 * stage, as a real run would, and show a matrix of results.
 *
 * @module
 */
import { basename, resolve } from "../paths.ts";
import type { Command } from "../cli/command.ts";
import { explainHook, formatDuration, plural, statusLabel } from "../cli/render.ts";
import { stageOptionsFrom } from "../config/resolve.ts";
import { EventError, passScopeDenial, UsageError } from "../errors.ts";
import { exitStatus } from "../exit_status.ts";
import { suggest } from "../event/schema_issues.ts";
import { type Stage, STAGES } from "../event/registry.ts";
import type { HookResult } from "../report.ts";
import type { Settings } from "../config/settings.ts";
import { describeRules, hasRules, summarizeRules } from "../hooks/directives.ts";
import { type HookFile, judgeFile, rulesOf, type Verdict } from "../hooks/discovery.ts";
import { runHook } from "../hook_runner.ts";
import { hooksPath } from "../hooks/hook_env.ts";
import { warnUngrantedEnv } from "../cli/env_warning.ts";

/** One cell of the matrix. */
export interface TestResult extends HookResult {
  /** The action of the sample event. */
  action: string;
  /** The stage of the sample event. */
  stage: Stage;
}

/**
 * The hook at `path` as a run would see it, by the very rule a run applies
 * (name, type, execute bit, safety rule, directive, the config's entry for its
 * name, its folder as the hooks directory, its #! line), or a usage error
 * saying why a run would not run it.
 */
async function judge(
  file: string,
  path: string,
  settings: Settings,
  actions: readonly string[],
): Promise<HookFile> {
  let verdict: Verdict | null;
  try {
    verdict = await judgeFile(path, {
      allowInsecure: settings.allowInsecure,
      rules: settings.hooks,
      actions,
      hookPath: hooksPath(settings.env.set),
    });
  } catch (error) {
    passScopeDenial(error); // the CLI words it as the build's scope
    throw new UsageError(`cannot run ${file} as a hook: ${(error as Error).message}`);
  }
  if (verdict === null) throw new UsageError(`cannot run ${file} as a hook: no such file`);
  if ("skip" in verdict) {
    const { skip } = verdict;
    throw new UsageError(
      `cannot run ${file} as a hook: ${skip.reason}: a run ${
        skip.refused ? "refuses" : "skips"
      } it${skip.fix ? ` (fix: ${skip.fix})` : ""}`,
    );
  }
  return verdict.hook;
}

/**
 * The `test` command.
 *
 * @example
 * ```ts
 * import { testCommand } from "./test.ts";
 * import assert from "node:assert/strict";
 * assert.match(testCommand.help, /Examples?:/);
 * ```
 */
export const testCommand: Command = {
  name: "test",
  summary: "try one hook file against sample events of every action and stage",
  help: `Usage: solus-hooks test HOOK [--action A]... [--stage pre|post] [--json]

Runs the hook file HOOK (anywhere, not only in the hooks directory) once for a
sample event of each action and stage, or those chosen, with the same
environment, deadline and output capture as a real run, and shows a matrix:
action by stage, with status, exit code and time, and for each failure the
line of its stderr that explains it (the first that is not a stack frame, as
\`run\` shows it). Nothing is journaled.

The hook is judged as a run judges the files of the hooks directory: a name a
run skips (.dot, foo~, foo.disabled), no execute bit, the safety rule (owner,
group- or world-writable; its folder as a hooks directory, so not /tmp itself;
a link's target's folders), a bad "# solus-hooks:" directive line, a #! line
that cannot start (CRLF, a missing interpreter): each stops the test with the
reason, as check and run --dry-run say it. Its directive (or the config's hooks entry for its
name) holds: actions and stages it is not for are shown as "not for it", and
its own timeout applies.

The matrix goes to stderr; --json prints the results as one JSON document on
stdout. Exit status: 0 all passed, 1 any failed or timed out, 2 HOOK is missing
or cannot run (see above; also an interpreter missing, a CRLF #! line).

Examples:
  solus-hooks test ./my-hook.sh
  solus-hooks test /usr/local/solus/hooks/firewall.py --action server-create --action server-delete
  solus-hooks test ./my-hook.ts --stage post --timeout 5000 --json`,
  options: {
    action: { type: "string", multiple: true },
    stage: { type: "string" },
  },
  async run(context) {
    const [file, ...extra] = context.positionals;
    if (!file) throw new UsageError("test needs a HOOK file to run");
    if (extra.length > 0) throw new UsageError(`test takes one HOOK, not also ${extra.join(" ")}`);
    const path = resolve(file);
    const settings = await context.settings();
    const registry = await context.registry();
    const names = registry.actions().map((spec) => spec.name);
    const hook = await judge(file, path, settings, names);
    const actions = (context.values.action as string[] | undefined) ?? names;
    for (const action of actions) {
      if (!registry.get(action)) {
        throw new EventError(
          `unknown action "${action}"${suggest(action, names)}; \`solus-hooks actions\` lists them`,
        );
      }
    }
    const stageValue = context.values.stage as string | undefined;
    if (stageValue !== undefined && !STAGES.includes(stageValue as Stage)) {
      throw new UsageError(`--stage must be pre or post, not "${stageValue}"`);
    }
    const stages: Stage[] = stageValue ? [stageValue as Stage] : [...STAGES];
    warnUngrantedEnv(context.out, settings.env.passthrough);
    const results: TestResult[] = [];
    const notFor: { action: string; stage: Stage }[] = [];
    for (const action of actions) {
      for (const stage of stages) {
        if (context.interrupts.signal.aborted) break;
        // Judged again by the same rule, directive and all: it is skipped where
        // it is not for the event and held to its own time limit, as in a run.
        const report = await runHook(path, registry.sample(action, stage), {
          ...stageOptionsFrom(settings),
          registry,
          signal: context.interrupts.signal,
        });
        if (report.hooks.length === 0) notFor.push({ action, stage });
        else results.push({ action, stage, ...report.hooks[0] });
      }
    }
    const ok = results.every((result) => result.status === "ok");
    if (context.global.json) {
      context.out.json({
        hook: path,
        ok,
        rules: summarizeRules(hook.name, rulesOf(hook)),
        results,
        not_for: notFor,
      });
    } else {
      const { colors } = context.out;
      const width = Math.max(...actions.map((a) => a.length));
      const rules = rulesOf(hook);
      if (hasRules(rules)) context.out.line(`${hook.name}: ${describeRules(rules)}`);
      context.out.line(
        `${basename(path).padEnd(width)}  ${stages.map((s) => s.padEnd(24)).join("")}`,
      );
      for (const action of actions) {
        const cells = stages.map((stage) => {
          const result = results.find((r) => r.action === action && r.stage === stage);
          if (!result) {
            const skipped = notFor.some((n) => n.action === action && n.stage === stage);
            return skipped ? colors.dim("not for it".padEnd(24)) : "-".padEnd(24);
          }
          const text = `${statusLabel(result.status)} ${result.exit_code ?? result.signal ?? ""} ${
            formatDuration(result.duration_ms)
          }`.padEnd(24);
          return result.status === "ok" ? colors.green(text) : colors.red(text);
        });
        context.out.line(`${action.padEnd(width)}  ${cells.join("")}`);
      }
      for (const result of results.filter((r) => r.status !== "ok")) {
        const said = explainHook(result);
        context.out.line(
          `  ${result.action} ${result.stage}: ${result.error ?? result.status}${
            said ? `: ${colors.dim(said)}` : ""
          }`,
        );
      }
      const failed = results.filter((r) => r.status !== "ok").length;
      const also = notFor.length > 0 ? `; ${notFor.length} not for it (its directive)` : "";
      context.out.line(
        ok
          ? colors.green(
            results.length === 1
              ? `1 run passed${also}`
              : `all ${results.length} runs passed${also}`,
          )
          : colors.red(`${failed} of ${plural(results.length, "run")} failed${also}`),
      );
    }
    return exitStatus({ ok, interruptedBy: context.interrupts.received() });
  },
};
