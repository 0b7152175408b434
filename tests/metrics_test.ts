/**
 * Prometheus metrics (contract §7) through the real CLI: the textfile parses
 * with the reference client's parser (Debian's python3-prometheus-client),
 * counters from runners running at once add up exactly, the file is never
 * seen half written, and a file that cannot be written is only a warning.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, DEADLINE_MS } from "./fleet_cli.ts";
import { cliCommand, RESTART_DATA, RESTART_PRE, ROOT, withHooks, withTempDir } from "./helpers.ts";

const EVENT = JSON.stringify(RESTART_PRE);
const PARSE = join(ROOT, "tests/fixtures/parse_metrics.py");
/**
 * Debian's python3-prometheus-client lives in the system Python's
 * dist-packages, which a python3 earlier on PATH (pyenv) does not see.
 */
const SYSTEM_PYTHON = "/usr/bin/python3";
const TEXTFILE = "solus_hooks.prom";

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
  const output = await new Deno.Command(SYSTEM_PYTHON, {
    args: [PARSE, path],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(DEADLINE_MS),
  }).output();
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

/** Hold an exclusive flock on `path` from another process until the returned function is called. */
async function holdLock(path: string): Promise<() => Promise<void>> {
  const holder = new Deno.Command("python3", {
    args: [
      "-c",
      "import fcntl, sys\nf = open(sys.argv[1], 'a')\nfcntl.flock(f, fcntl.LOCK_EX)\n" +
      "print('ready', flush=True)\nsys.stdin.read()\n",
      path,
    ],
    stdin: "piped",
    stdout: "piped",
    signal: AbortSignal.timeout(DEADLINE_MS * 2),
  }).spawn();
  const reader = holder.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const release = async () => {
    await holder.stdin.close().catch(() => {});
    await reader.cancel();
    await holder.status;
  };
  let said = "";
  while (!said.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) {
      await release();
      assert.fail(`the lock holder ended: ${said}`);
    }
    said += value;
  }
  assert.equal(said, "ready\n");
  return release;
}

/** A config with the system log off and the metrics textfile at `textfile`. */
async function metricsConfig(dir: string, textfile: string): Promise<string> {
  const path = join(dir, "config.jsonc");
  await Deno.writeTextFile(path, JSON.stringify({ syslog: false, metrics: { textfile } }));
  return path;
}

Deno.test("run rewrites the metrics textfile in the exposition format, odd hook names escaped", async () => {
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
        const args = ["run", "--event", EVENT, "--dir", hooks, "--config", config, "--no-journal"];
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
          ],
        );
        for (const family of families) assert.ok(family.documentation.length > 10, family.name);
        const stage = { action: "server-restart", stage: "pre", status: "timed_out" };
        assert.equal(valueOf(families, "solus_hooks_stage_runs_total", stage), 2);
        const runs = "solus_hooks_hook_runs_total";
        assert.equal(valueOf(families, runs, { hook: "10-ok.sh", status: "ok" }), 2);
        assert.equal(valueOf(families, runs, { hook: odd, status: "failed" }), 2);
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
        for (const hook of ["10-ok.sh", odd, "30-slow.sh"]) {
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
});

Deno.test("8 runners at once add up exactly, and the textfile is never seen half written", async () => {
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
            await new Promise((resolve) => setTimeout(resolve, 1));
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
          assert.equal(valueOf(families, "solus_hooks_hook_duration_seconds_count", { hook }), 32);
        }
      });
    },
  );
});

Deno.test("a metrics textfile that cannot be written, or whose lock stays held, is a warning, never a failed stage", async () => {
  await withHooks({ "ok.sh": "#!/bin/sh\nexit 0\n" }, async (hooks) => {
    await withTempDir(async (folder) => {
      const missing = join(folder, "no-such-folder", TEXTFILE);
      const args = ["run", "--event", EVENT, "--dir", hooks, "--no-journal"];
      const unwritable = await cli([...args, "--config", await metricsConfig(folder, missing)]);
      assert.equal(unwritable.code, 0, unwritable.stderr);
      assert.match(
        unwritable.stderr,
        /warning: the metrics textfile .*no-such-folder.* was not written: its folder does not exist/,
      );

      // Another process holds the lock and does not let go.
      const textfile = join(folder, TEXTFILE);
      const release = await holdLock(`${textfile}.lock`);
      try {
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
      } finally {
        await release();
      }
    });
  });
});

Deno.test("a FIFO in place of the metrics lock holds the runner no longer than the bound; a stale .tmp is never written through", async () => {
  await withHooks({ "ok.sh": "#!/bin/sh\nexit 0\n" }, async (hooks) => {
    await withTempDir(async (folder) => {
      const textfile = join(folder, TEXTFILE);
      const config = await metricsConfig(folder, textfile);
      const args = ["run", "--event", EVENT, "--dir", hooks, "--no-journal", "--config", config];
      // Opening a FIFO for writing waits for a reader, for ever.
      const mkfifo = await new Deno.Command("mkfifo", { args: [`${textfile}.lock`] }).output();
      assert.ok(mkfifo.success);
      const fifo = await cli(args);
      assert.equal(fifo.code, 0, fifo.stderr);
      assert.match(fifo.stderr, /was not written: .*solus_hooks\.prom\.lock is not a regular file/);
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
});

Deno.test("SIGINT while the runner waits for the metrics lock ends it at once, 130", async () => {
  await withTempDir(async (folder) => {
    const marker = join(folder, "ran");
    await withHooks({ "mark.sh": `#!/bin/sh\n: >'${marker}'\n` }, async (hooks) => {
      const textfile = join(folder, TEXTFILE);
      const release = await holdLock(`${textfile}.lock`);
      try {
        const [command, ...prefix] = cliCommand();
        const args = ["run", "--event", EVENT, "--dir", hooks, "--no-journal"];
        const child = new Deno.Command(command, {
          args: [...prefix, ...args, "--config", await metricsConfig(folder, textfile)],
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
          env: { NO_COLOR: "1" },
          signal: AbortSignal.timeout(DEADLINE_MS),
        }).spawn();
        const output = child.output();
        const until = performance.now() + DEADLINE_MS;
        while (!await Deno.stat(marker).then(() => true, () => false)) {
          assert.ok(performance.now() < until, "the hook never ran");
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        // The stage ends at once; the runner then waits up to 2 s for the lock.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const sent = performance.now();
        child.kill("SIGINT");
        const { code, stderr } = await output;
        const after = performance.now() - sent;
        const text = new TextDecoder().decode(stderr);
        assert.equal(code, 130, text);
        // Whether the signal came during the lock wait or (on a slow machine) still in the stage.
        assert.match(text, /was not written: (interrupted|.*stayed locked .* for 250 ms)/);
        assert.ok(after < 1200, `ended ${Math.round(after)} ms after SIGINT`);
      } finally {
        await release();
      }
    });
  });
});
