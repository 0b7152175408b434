/**
 * `solus-hooks test HOOK`: run one hook file against a sample of every action and
 * stage, as a real run would, and show a matrix of results.
 *
 * @module
 */
import { basename, dirname, resolve } from "../paths.ts";
import type { Command } from "../cli/command.ts";
import { stageOptionsFrom } from "../cli/execute.ts";
import { formatDuration } from "../cli/render.ts";
import { EventError, UsageError } from "../errors.ts";
import { suggest } from "../issues.ts";
import { type Stage, STAGES } from "../registry.ts";
import type { HookResult } from "../report.ts";
import { readShebang, shebangProblem } from "../shebang.ts";
import { runStage } from "../stage.ts";
import { DEFAULT_PATH } from "../constants.ts";
import { warnUngrantedEnv } from "../cli/scope.ts";

/** One cell of the matrix. */
export interface TestResult extends HookResult {
  /** The action of the sample event. */
  action: string;
  /** The stage of the sample event. */
  stage: Stage;
}

/** Why `path` cannot run as a hook at all, or null. */
async function unrunnable(path: string): Promise<string | null> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error; // the CLI explains the build's scope
    return error instanceof Deno.errors.NotFound ? "no such file" : (error as Error).message;
  }
  if (info.isDirectory) return "it is a directory";
  if (!info.isFile) return "it is not a regular file";
  if (info.mode !== null && (info.mode & 0o111) === 0) {
    return `no execute bit (mode 0${(info.mode & 0o777).toString(8)}): chmod +x ${path}`;
  }
  const shebang = await readShebang(path);
  let hookPath = DEFAULT_PATH;
  try {
    hookPath = Deno.env.get("PATH") ?? DEFAULT_PATH;
  } catch {
    // not granted
  }
  return shebang ? await shebangProblem(shebang, hookPath) : null;
}

function firstLine(text: string): string {
  const line = text.trim().split("\n")[0] ?? "";
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

/**
 * The `test` command.
 *
 * @example
 * ```ts
 * import { testCommand } from "./test.ts";
 * console.log(testCommand.summary);
 * ```
 */
export const testCommand: Command = {
  name: "test",
  summary: "try one hook file against sample events of every action and stage",
  help: `Usage: solus-hooks test HOOK [--action A]... [--stage pre|post] [--json]

Runs the hook file HOOK (anywhere, not only in the hooks directory) once for a
sample event of each action and stage, or those chosen, with the same
environment, deadline and output capture as a real run, and shows a matrix:
action by stage, with status, exit code, time, and the first line of stderr
of each failure. Nothing is journaled.

Exit status: 0 all passed, 1 any failed or timed out, 2 HOOK is missing or
cannot run (no execute bit, interpreter missing, CRLF #! line).

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
    const why = await unrunnable(path);
    if (why) throw new UsageError(`cannot run ${file} as a hook: ${why}`);
    const registry = await context.registry();
    const names = registry.actions().map((spec) => spec.name);
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
    const settings = await context.settings();
    warnUngrantedEnv(context.out, settings.env.passthrough);
    const discovery = {
      dir: dirname(path),
      exists: true,
      hooks: [{ name: basename(path), path, target: null }],
      skipped: [],
    };
    const results: TestResult[] = [];
    for (const action of actions) {
      for (const stage of stages) {
        if (context.interrupts.signal.aborted) break;
        const report = await runStage(registry.sample(action, stage), {
          ...stageOptionsFrom(settings),
          registry,
          discovery,
          signal: context.interrupts.signal,
        });
        results.push({ action, stage, ...report.hooks[0] });
      }
    }
    const ok = results.every((result) => result.status === "ok");
    if (context.global.json) {
      context.out.json({ hook: path, ok, results });
    } else {
      const { colors } = context.out;
      const width = Math.max(...actions.map((a) => a.length));
      context.out.line(
        `${basename(path).padEnd(width)}  ${stages.map((s) => s.padEnd(24)).join("")}`,
      );
      for (const action of actions) {
        const cells = stages.map((stage) => {
          const result = results.find((r) => r.action === action && r.stage === stage);
          if (!result) return "-".padEnd(24);
          const text = `${result.status === "ok" ? "ok" : result.status.toUpperCase()} ${
            result.exit_code ?? result.signal ?? ""
          } ${formatDuration(result.duration_ms)}`.padEnd(24);
          return result.status === "ok" ? colors.green(text) : colors.red(text);
        });
        context.out.line(`${action.padEnd(width)}  ${cells.join("")}`);
      }
      for (const result of results.filter((r) => r.status !== "ok")) {
        const said = firstLine(result.stderr);
        context.out.line(
          `  ${result.action} ${result.stage}: ${result.error ?? result.status}${
            said ? `: ${colors.dim(said)}` : ""
          }`,
        );
      }
      const failed = results.filter((r) => r.status !== "ok").length;
      context.out.line(
        ok
          ? colors.green(`all ${results.length} runs passed`)
          : colors.red(`${failed} of ${results.length} runs failed`),
      );
    }
    if (context.interrupts.received() === "SIGINT") return 130;
    if (context.interrupts.received() === "SIGTERM") return 143;
    return ok ? 0 : 1;
  },
};
