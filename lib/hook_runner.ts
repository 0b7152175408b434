/**
 * One hook file, anywhere, run for one event stage as a run would run it:
 * judged by the very verdict discovery gives the files of a hooks directory
 * (name, type, execute bit, safety rule, directive, the config's entry for its
 * name), then run by the stage runner. `solus-hooks test` is this, once per
 * action and stage.
 *
 * @module
 */
import { UsageError } from "./errors.ts";
import type { HookEvent } from "./event/registry.ts";
import { judgeFile } from "./hooks/discovery.ts";
import { dirname, resolve } from "./paths.ts";
import type { RunReport } from "./report.ts";
import { runStageFrom, type StageOptions } from "./stage.ts";

/**
 * How to run one hook: a stage's options without the hooks directory (the
 * file's own folder is its working directory). `hookRules` are looked up by
 * the file's name, as in a run.
 *
 * @example
 * ```ts
 * import { type HookOptions, runHook } from "./hook_runner.ts";
 * import { createRegistry } from "./event/registry.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/slow.sh`, "#!/bin/sh\nsleep 5\n", { mode: 0o755 });
 * const options: HookOptions = { timeoutMs: 200, killGraceMs: 100 };
 * const report = await runHook(`${dir}/slow.sh`, createRegistry().sample("server-stop"), options);
 * assert.equal(report.hooks[0].status, "timed_out");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export type HookOptions = Omit<StageOptions, "hooksDir">;

/**
 * Run the hook file at `path` for `event` and report it as a stage of that one
 * file: `hooks` holds its result, or `skipped` says why it did not run (not
 * for this event by its directive; or skipped or refused by the rule a run
 * applies, and then a refusal makes `ok` false). The event is validated first,
 * strictly unless `strictEvents: false` (testing a hook is where authors want
 * every difference from the registry named: an `EventError`); a missing file
 * is a `UsageError`.
 *
 * @example
 * ```ts
 * import { runHook } from "./hook_runner.ts";
 * import { createRegistry } from "./event/registry.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/greet.sh`;
 * await Deno.writeTextFile(path, "#!/bin/sh\n# solus-hooks: stages=pre\necho hi $SOLUS_HOOK_STAGE\n");
 * await Deno.chmod(path, 0o755);
 * const registry = createRegistry();
 * const pre = await runHook(path, registry.sample("server-stop", "pre"), { timeoutMs: 10_000 });
 * assert.equal(pre.hooks[0].stdout, "hi pre\n");
 * const post = await runHook(path, registry.sample("server-stop", "post"));
 * assert.deepEqual(post.skipped.map((skip) => skip.kind), ["not_for"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function runHook(
  path: string,
  event: HookEvent,
  options: HookOptions = {},
): Promise<RunReport> {
  const dir = dirname(resolve(path));
  return runStageFrom(
    event,
    { strictEvents: true, ...options, hooksDir: dir },
    async (registry, stage) => {
      const verdict = await judgeFile(path, {
        allowInsecure: stage.allowInsecure ?? false,
        rules: stage.hookRules,
        actions: registry.actions().map((spec) => spec.name),
      });
      if (verdict === null) throw new UsageError(`cannot run ${path} as a hook: no such file`);
      return {
        dir,
        exists: true,
        hooks: "hook" in verdict ? [verdict.hook] : [],
        skipped: "skip" in verdict ? [verdict.skip] : [],
      };
    },
  );
}
