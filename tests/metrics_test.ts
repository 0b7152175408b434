/**
 * Prometheus metrics (contract §7) through the real CLI: the textfile parses
 * with the reference client's parser (Debian's python3-prometheus-client),
 * counters from runners running at once add up exactly, the file is never
 * seen half written, and a file that cannot be written is only a warning.
 */
import { escapeLogText } from "../lib/fleet/syslog.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type CliResult,
  RESTART_DATA,
  RESTART_PRE,
  ROOT,
  runCli,
  sleep,
  startCli,
  timed,
  track,
  WAIT_MS,
  waitForFile,
  withHooks,
  withLockHeld,
  withTempDir,
  writeConfig,
} from "./helpers.ts";

const EVENT = JSON.stringify(RESTART_PRE);
const PARSE = join(ROOT, "tests/fixtures/parse_metrics.py");
/**
 * Debian's python3-prometheus-client lives in the system Python's
 * dist-packages, which a python3 earlier on PATH (pyenv) does not see.
 */
const SYSTEM_PYTHON = "/usr/bin/python3";
const TEXTFILE = "solus_hooks.prom";
/** Every CLI run and parse of these tests gets this long; a test, the sum of its own. */
const DEADLINE_MS = 30_000;

/** Run the CLI, failing past the deadline. */
function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { timeoutMs: DEADLINE_MS });
}

/** `run` of the restart event with the hooks in `hooks` and no journal, then `more`. */
function runArgs(hooks: string, ...more: string[]): string[] {
  return ["run", "--event", EVENT, "--dir", hooks, "--no-journal", ...more];
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface Family {
  name: string;
  type: string;
  documentation: string;
  samples: Sample[];
}

/** The textfile as prometheus_client's parser reads it; a file it rejects fails the test. */
async function parseWithPrometheusClient(path: string): Promise<Family[]> {
  const parser = new Deno.Command(SYSTEM_PYTHON, {
    args: [PARSE, path],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  track(parser.pid);
  const output = await parser.output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.ok(output.success, `prometheus_client rejected the file:\n${stderr}`);
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

/** The value of the one sample named `name` whose labels include `labels`. */
function valueOf(families: Family[], name: string, labels: Record<string, string>): number {
  const found = families.flatMap((family) => family.samples).filter((sample) =>
    sample.name === name &&
    Object.entries(labels).every(([key, value]) => sample.labels[key] === value)
  );
  assert.equal(found.length, 1, `one ${name} ${JSON.stringify(labels)}: ${JSON.stringify(found)}`);
  return found[0].value;
}

/**
 * The format's rules that a lenient parser may let pass, line by line: every
 * line a comment or a sample, HELP and TYPE before a family's samples, each
 * family in one block, the file ended by a newline.
 */
function checkExpositionRules(text: string): void {
  assert.ok(text.endsWith("\n"), "the file ends with a newline");
  const typed = new Map<string, string>();
  const seen: string[] = [];
  for (const line of text.slice(0, -1).split("\n")) {
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (comment) {
      if (comment[1] === "TYPE") typed.set(comment[2], comment[3]);
      continue;
    }
    const sample =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\} (\S+)$/
        .exec(line);
    assert.ok(sample, `a sample line: ${JSON.stringify(line)}`);
    assert.ok(!Number.isNaN(Number(sample[2].replace("+Inf", "Infinity"))), `a number: ${line}`);
    const family = sample[1].replace(/_(bucket|sum|count)$/, "");
    const name = typed.has(sample[1]) ? sample[1] : family;
    assert.ok(typed.has(name), `TYPE before the samples of ${name}`);
    if (seen.at(-1) !== name) {
      assert.ok(!seen.includes(name), `the samples of ${name} are in one block`);
      seen.push(name);
    }
  }
}

/** A config with the system log off and the metrics textfile at `textfile`. */
function metricsConfig(dir: string, textfile: string): Promise<string> {
  return writeConfig(dir, { syslog: false, metrics: { textfile } });
}

timed.test({
  name: "run rewrites the metrics textfile in the exposition format, odd hook names escaped",
  timeoutMs: 3 * DEADLINE_MS,
  fn: async () => {
    const odd = 'odd "quoted" \\back\\slash\nand a newline';
    await withHooks(
      {
        "10-ok.sh": "#!/bin/sh\nexit 0\n",
        [odd]: "#!/bin/sh\nexit 3\n",
        "30-slow.sh": "#!/bin/sh\nexec sleep 30\n",
      },
      async (hooks) => {
        await withTempDir(async (folder) => {
          const textfile = join(folder, TEXTFILE);
          const config = await metricsConfig(folder, textfile);
          const args = runArgs(hooks, "--config", config);
          for (let i = 0; i < 2; i++) {
            const result = await cli([...args, "--timeout", "1500"]);
            assert.equal(result.code, 1, result.stderr);
            assert.doesNotMatch(result.stderr, /warning/);
          }
          const text = await Deno.readTextFile(textfile);
          checkExpositionRules(text);
          const families = await parseWithPrometheusClient(textfile);

          assert.deepEqual(
            families.map((family) => [family.name, family.type]),
            [
              ["solus_hooks_stage_runs", "counter"],
              ["solus_hooks_hook_runs", "counter"],
              ["solus_hooks_hook_duration_seconds", "histogram"],
              ["solus_hooks_last_stage_timestamp_seconds", "gauge"],
              ["solus_hooks_refused", "counter"],
              ["solus_hooks_event_warnings", "counter"],
            ],
          );
          for (const family of families) assert.ok(family.documentation.length > 10, family.name);
          const stage = { action: "server-restart", stage: "pre", status: "timed_out" };
          assert.equal(valueOf(families, "solus_hooks_stage_runs_total", stage), 2);
          const runs = "solus_hooks_hook_runs_total";
          assert.equal(valueOf(families, runs, { hook: "10-ok.sh", status: "ok" }), 2);
          // The label holds the name as SOLUS_FAILED_HOOK does: one form for both.
          assert.equal(valueOf(families, runs, { hook: escapeLogText(odd), status: "failed" }), 2);
          assert.equal(valueOf(families, runs, { hook: "30-slow.sh", status: "timed_out" }), 2);
          // Outcomes not seen yet are there at 0, so increase() sees a hook's first failure.
          assert.equal(valueOf(families, runs, { hook: "10-ok.sh", status: "failed" }), 0);
          assert.equal(valueOf(families, runs, { hook: "10-ok.sh", status: "timed_out" }), 0);
          assert.equal(
            valueOf(families, "solus_hooks_stage_runs_total", { ...stage, status: "ok" }),
            0,
          );

          const bucket = (hook: string, le: string) =>
            valueOf(families, "solus_hooks_hook_duration_seconds_bucket", { hook, le });
          for (const hook of ["10-ok.sh", escapeLogText(odd), "30-slow.sh"]) {
            const buckets = families[2].samples
              .filter((s) => s.name.endsWith("_bucket") && s.labels.hook === hook)
              .map((s) => s.value);
            assert.deepEqual(buckets, [...buckets].sort((a, b) => a - b), "cumulative buckets");
            assert.equal(bucket(hook, "+Inf"), 2);
            assert.equal(valueOf(families, "solus_hooks_hook_duration_seconds_count", { hook }), 2);
          }
          // Killed at the 1.5 s deadline: above the 1 s bucket, within 2.5 s.
          assert.equal(bucket("30-slow.sh", "1"), 0);
          assert.equal(bucket("30-slow.sh", "60"), 2);
          const slowSum = valueOf(families, "solus_hooks_hook_duration_seconds_sum", {
            hook: "30-slow.sh",
          });
          assert.ok(slowSum >= 2.5 && slowSum < 10, `two runs of about 1.5 s: ${slowSum}`);

          const last = valueOf(families, "solus_hooks_last_stage_timestamp_seconds", {
            action: "server-restart",
            stage: "pre",
          });
          assert.ok(Math.abs(Date.now() / 1000 - last) < 60, `a recent Unix time: ${last}`);

          // Only the file and its lock are left, and node_exporter's user can read the file.
          const names = [];
          for await (const entry of Deno.readDir(folder)) names.push(entry.name);
          assert.deepEqual(names.sort(), ["config.jsonc", TEXTFILE, `${TEXTFILE}.lock`]);
          assert.equal((await Deno.stat(textfile)).mode! & 0o777, 0o644);
        });
      },
    );
  },
});

timed.test({
  name: "8 runners at once add up exactly, and the textfile is never seen half written",
  timeoutMs: 2 * DEADLINE_MS,
  fn: async () => {
    await withHooks(
      { "ok.sh": "#!/bin/sh\nexit 0\n", "bad.sh": "#!/bin/sh\nexit 1\n" },
      async (hooks) => {
        await withTempDir(async (folder) => {
          const textfile = join(folder, TEXTFILE);
          const config = await metricsConfig(folder, textfile);
          const args = [
            "around",
            "--event",
            JSON.stringify({ action: "server-restart", data: RESTART_DATA }),
            "--event",
            JSON.stringify({ action: "server-start", data: RESTART_DATA }),
            "--dir",
            hooks,
            "--config",
            config,
            "--no-journal",
            "--",
            "true",
          ];
          // A scraper reading all along: every read must be a whole file.
          let running = true;
          let reads = 0;
          const scraper = (async () => {
            while (running) {
              try {
                const text = await Deno.readTextFile(textfile);
                reads++;
                assert.ok(text.endsWith("\n"), "a whole file");
                assert.match(text, /^# TYPE solus_hooks_last_stage_timestamp_seconds gauge$/m);
                assert.match(text, /^solus_hooks_last_stage_timestamp_seconds\{/m);
              } catch (error) {
                if (!(error instanceof Deno.errors.NotFound)) throw error;
              }
              await sleep(1);
            }
          })();
          let results;
          try {
            results = await Promise.all(Array.from({ length: 8 }, () => cli(args)));
          } finally {
            running = false;
            await scraper;
          }
          for (const result of results) {
            assert.equal(result.code, 0, result.stderr); // `around` exits with COMMAND's status
            assert.doesNotMatch(result.stderr, /warning/);
          }
          assert.ok(reads > 0, "the scraper read the file while the runners wrote it");

          checkExpositionRules(await Deno.readTextFile(textfile));
          const families = await parseWithPrometheusClient(textfile);
          for (const action of ["server-restart", "server-start"]) {
            for (const stage of ["pre", "post"]) {
              assert.equal(
                valueOf(families, "solus_hooks_stage_runs_total", {
                  action,
                  stage,
                  status: "failed",
                }),
                8,
                `${action} ${stage}`,
              );
            }
          }
          const runs = "solus_hooks_hook_runs_total";
          assert.equal(valueOf(families, runs, { hook: "ok.sh", status: "ok" }), 32);
          assert.equal(valueOf(families, runs, { hook: "bad.sh", status: "failed" }), 32);
          for (const hook of ["ok.sh", "bad.sh"]) {
            assert.equal(
              valueOf(families, "solus_hooks_hook_duration_seconds_count", { hook }),
              32,
            );
          }
        });
      },
    );
  },
});

timed.test({
  name:
    "a metrics textfile that cannot be written, or whose lock stays held, is a warning, never a failed stage",
  timeoutMs: 3 * DEADLINE_MS + WAIT_MS,
  fn: async () => {
    await withHooks({ "ok.sh": "#!/bin/sh\nexit 0\n" }, async (hooks) => {
      await withTempDir(async (folder) => {
        const missing = join(folder, "no-such-folder", TEXTFILE);
        const args = runArgs(hooks);
        const unwritable = await cli([...args, "--config", await metricsConfig(folder, missing)]);
        assert.equal(unwritable.code, 0, unwritable.stderr);
        assert.match(
          unwritable.stderr,
          /warning: the metrics textfile .*no-such-folder.* was not written: its folder does not exist/,
        );

        // Another process holds the lock and does not let go.
        const textfile = join(folder, TEXTFILE);
        await withLockHeld(`${textfile}.lock`, async () => {
          const config = await metricsConfig(folder, textfile);
          const held = await cli([...args, "--config", config]);
          assert.equal(held.code, 0, held.stderr);
          assert.match(
            held.stderr,
            /was not written: .*stayed locked by another process for 2000 ms/,
          );
          await assert.rejects(Deno.stat(textfile), Deno.errors.NotFound);
          const free = await cli([...args, "--config", await metricsConfig(folder, missing)]);
          // The lock wait is bounded: 2 s, plus what a run takes anyway.
          assert.ok(held.ms < free.ms + 2000 + 3000, `held ${held.ms} ms, free ${free.ms} ms`);
        });
      });
    });
  },
});

timed.test({
  name:
    "a FIFO in place of the metrics lock holds the runner no longer than the bound; a stale .tmp is never written through",
  timeoutMs: 2 * DEADLINE_MS,
  fn: async () => {
    await withHooks({ "ok.sh": "#!/bin/sh\nexit 0\n" }, async (hooks) => {
      await withTempDir(async (folder) => {
        const textfile = join(folder, TEXTFILE);
        const config = await metricsConfig(folder, textfile);
        const args = runArgs(hooks, "--config", config);
        // Opening a FIFO for writing waits for a reader, for ever.
        const mkfifo = await new Deno.Command("mkfifo", { args: [`${textfile}.lock`] }).output();
        assert.ok(mkfifo.success);
        const fifo = await cli(args);
        assert.equal(fifo.code, 0, fifo.stderr);
        assert.match(
          fifo.stderr,
          /was not written: .*solus_hooks\.prom\.lock is not a regular file/,
        );
        assert.ok(fifo.ms < 3000 + 5000, `bounded: ${fifo.ms} ms`);
        await Deno.remove(`${textfile}.lock`);

        // A link left where the temporary file goes (by a writer killed before its rename, or planted).
        const victim = join(folder, "victim");
        await Deno.writeTextFile(victim, "untouched\n");
        await Deno.symlink(victim, `${textfile}.tmp`);
        const linked = await cli(args);
        assert.equal(linked.code, 0, linked.stderr);
        assert.doesNotMatch(linked.stderr, /warning/);
        assert.equal(await Deno.readTextFile(victim), "untouched\n");
        assert.match(await Deno.readTextFile(textfile), /status="ok"\} 1$/m);
        assert.ok((await Deno.lstat(textfile)).isFile);
      });
    });
  },
});

timed.test({
  name: "SIGINT while the runner waits for the metrics lock ends it at once, 130",
  timeoutMs: DEADLINE_MS + WAIT_MS,
  fn: async () => {
    await withTempDir(async (folder) => {
      const marker = join(folder, "ran");
      await withHooks({ "mark.sh": `#!/bin/sh\n: >'${marker}'\n` }, async (hooks) => {
        const textfile = join(folder, TEXTFILE);
        await withLockHeld(`${textfile}.lock`, async () => {
          const args = runArgs(hooks);
          const runner = startCli([...args, "--config", await metricsConfig(folder, textfile)], {
            timeoutMs: DEADLINE_MS,
          });
          await waitForFile(marker, { ms: DEADLINE_MS });
          // The stage ends at once; the runner then waits up to 2 s for the lock.
          await sleep(300);
          const sent = performance.now();
          runner.child.kill("SIGINT");
          const { code, stderr } = await runner.result;
          const after = performance.now() - sent;
          assert.equal(code, 130, stderr);
          // Whether the signal came during the lock wait or (on a slow machine) still in the stage.
          assert.match(stderr, /was not written: (interrupted|.*stayed locked .* for 250 ms)/);
          assert.ok(after < 1200, `ended ${Math.round(after)} ms after SIGINT`);
        });
      });
    });
  },
});
