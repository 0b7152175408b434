/**
 * `deno task bench`: every row of the performance table (issue 11) in one run,
 * solus-hooks side by side with what it is measured against on this machine:
 * an empty `deno run` (the start-up floor), Debian's run-parts (C, serial) and
 * a bash loop that pipes the event into each hook. Prints a Markdown table of
 * medians, ratios and targets.
 *
 *   deno task bench                        the full run (a few minutes)
 *   deno task bench --quick                fewer repetitions
 *   deno run -A bench/run.ts --baseline OLD.js   also an older bundle, interleaved
 *
 * solus-hooks runs as it ships to nodes with Deno: the bundle, under the scoped
 * permissions of `dist/solus-hooks-deno`, with its journal on. Commands of one
 * row run interleaved (a, b, c, a, b, c, ...), so load from elsewhere falls on
 * all of them alike; ratios hold better than absolute times.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { createRegistry, runStage } from "../mod.ts";
import { permissionFlags } from "../tools/scope.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean" },
    bundle: { type: "string" },
    baseline: { type: "string" },
  },
  strict: true,
});
const quick = values.quick === true;
const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const work = await Deno.makeTempDir({ prefix: "solus-hooks-bench-" });
const event = JSON.stringify(createRegistry().sample("server-restart", "pre"));
const eventFile = join(work, "event.json");
await Deno.writeTextFile(eventFile, event);
const journal = join(work, "log", "journal.jsonl");
const empty = join(work, "empty.js");
await Deno.writeTextFile(empty, "");
const config = join(work, "config.jsonc");
await Deno.writeTextFile(config, "{}");
const scope = { read: [work], write: [join(work, "log")], env: ["PATH", "HOME", "NO_COLOR"] };
const deno = Deno.execPath();
const denoRun = [deno, "run", ...permissionFlags(scope)];
const bundle = values.bundle ?? join(root, "dist", "solus-hooks.js");
const baseline = values.baseline;

// ---------------------------------------------------------------------------
// Measuring

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Wall time of one command, in ms; stdout discarded, stdin from `stdinFile` or none. */
async function wall(argv: string[], stdinFile?: string, mayFail = false): Promise<number> {
  const start = performance.now();
  const [command, ...args] = stdinFile ? ["sh", "-c", '"$@" < "$0"', stdinFile, ...argv] : argv;
  const result = await new Deno.Command(command, {
    args,
    stdout: "null",
    stderr: "piped",
    stdin: "null",
  }).output();
  const ms = performance.now() - start;
  if (result.code !== 0 && !mayFail) {
    throw new Error(
      `${argv.join(" ")} exited ${result.code}: ${new TextDecoder().decode(result.stderr)}`,
    );
  }
  return ms;
}

interface Job {
  argv: string[];
  stdinFile?: string;
}

/** Median wall times of `jobs`, run interleaved `runs` times after one warm-up round. */
async function interleaved(jobs: Job[], runs: number): Promise<number[]> {
  const samples = jobs.map(() => [] as number[]);
  for (const job of jobs) await wall(job.argv, job.stdinFile); // warm the file cache
  for (let i = 0; i < runs; i++) {
    for (const [index, job] of jobs.entries()) {
      samples[index].push(await wall(job.argv, job.stdinFile));
    }
  }
  return samples.map(median);
}

/** Peak resident memory of a command (VmHWM, the kernel's high-water mark), in MiB. */
async function peakMiB(argv: string[]): Promise<{ mib: number; ms: number }> {
  const start = performance.now();
  const child = new Deno.Command(argv[0], { args: argv.slice(1), stdout: "null", stderr: "null" })
    .spawn();
  let peak = 0;
  const poll = setInterval(() => {
    try {
      const status = Deno.readTextFileSync(`/proc/${child.pid}/status`);
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      peak = Math.max(peak, kb);
    } catch {
      // exited
    }
  }, 10);
  await child.status;
  clearInterval(poll);
  return { mib: peak / 1024, ms: performance.now() - start };
}

// ---------------------------------------------------------------------------
// Workloads

async function hooksDir(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(work, name);
  await Deno.mkdir(dir);
  for (const [file, text] of Object.entries(files)) {
    await Deno.writeTextFile(join(dir, file), text);
    await Deno.chmod(join(dir, file), 0o755);
  }
  return dir;
}

function many(n: number, text: string): Record<string, string> {
  return Object.fromEntries(
    Array.from({ length: n }, (_, i) => [`${String(i).padStart(3, "0")}-hook`, text]),
  );
}

const bashLoop = (dir: string): Job => ({
  argv: ["bash", "-c", `for f in "${dir}"/*; do [ -x "$f" ] && "$f" < "${eventFile}"; done; true`],
});
const runParts = (dir: string): Job => ({ argv: ["run-parts", dir], stdinFile: eventFile });
const solusRun = (script: string, dir: string, extra: string[] = [], cfg = config): Job => ({
  argv: [
    ...denoRun,
    script,
    "run",
    "--dir",
    dir,
    "--config",
    cfg,
    "--journal",
    journal,
    "--event-file",
    eventFile,
    ...extra,
  ],
});
/** solus-hooks, and the baseline bundle when one is given. */
const ours = (dir: string): Job[] => [
  solusRun(bundle, dir),
  ...(baseline ? [solusRun(baseline, dir)] : []),
];

interface Row {
  workload: string;
  ours: string;
  baseline?: string;
  reference: string;
  ratio: string;
  target: string;
}
const rows: Row[] = [];
const ms = (value: number) => `${value.toFixed(1)} ms`;
const x = (value: number) => `${value.toFixed(2)}×`;
const verdict = (ok: boolean) => (ok ? "met" : "**missed**");
const base = (times: number[], reference: number) =>
  baseline ? `${ms(times[1])} (${x(times[1] / reference)})` : undefined;

const runs = (full: number) => (quick ? Math.max(3, Math.round(full / 4)) : full);

// 1. One hook against an empty `deno run`.
{
  const dir = await hooksDir("one", many(1, "#!/bin/sh\ncat > /dev/null\n"));
  const [floor, ...times] = await interleaved(
    [{ argv: [...denoRun, empty] }, ...ours(dir)],
    runs(20),
  );
  const ratio = times[0] / floor;
  rows.push({
    workload: "1 hook vs an empty `deno run`",
    ours: ms(times[0]),
    baseline: base(times, floor),
    reference: `${ms(floor)} (empty \`deno run\`)`,
    ratio: x(ratio),
    target: `≤ 1.8×: ${verdict(ratio <= 1.8)}`,
  });
}

// 2. 100 `/bin/true` hooks against run-parts.
{
  const dir = join(work, "true-100");
  await Deno.mkdir(dir);
  for (let i = 0; i < 100; i++) {
    await Deno.symlink("/bin/true", join(dir, `${String(i).padStart(3, "0")}-true`));
  }
  const [parts, ...times] = await interleaved([runParts(dir), ...ours(dir)], runs(12));
  const ratio = times[0] / parts;
  rows.push({
    workload: "100 `/bin/true` hooks vs run-parts",
    ours: ms(times[0]),
    baseline: base(times, parts),
    reference: `${ms(parts)} (run-parts)`,
    ratio: x(ratio),
    target: `≤ 2.2×: ${verdict(ratio <= 2.2)}`,
  });
}

// 3. 100 shell hooks reading stdin against a bash loop.
{
  const dir = await hooksDir("sh-100", many(100, "#!/bin/sh\ncat > /dev/null\n"));
  const [loop, ...times] = await interleaved([bashLoop(dir), ...ours(dir)], runs(12));
  const ratio = times[0] / loop;
  rows.push({
    workload: "100 `#!/bin/sh` hooks reading stdin vs a bash loop",
    ours: ms(times[0]),
    baseline: base(times, loop),
    reference: `${ms(loop)} (bash loop)`,
    ratio: x(ratio),
    target: `≤ 1.0×: ${verdict(ratio <= 1.0)}`,
  });
}

// 4. 10 hooks that read stdin and sleep 200 ms, against the floor + 200 ms.
{
  const dir = await hooksDir("sleep-10", many(10, "#!/bin/sh\ncat > /dev/null\nsleep 0.2\n"));
  const [floor, ...times] = await interleaved(
    [{ argv: [...denoRun, empty] }, ...ours(dir)],
    runs(15),
  );
  const reference = floor + 200;
  const ratio = times[0] / reference;
  rows.push({
    workload: "10 hooks `cat; sleep 0.2` vs (empty `deno run` + 200 ms)",
    ours: ms(times[0]),
    baseline: base(times, reference),
    reference: ms(reference),
    ratio: x(ratio),
    target: `≤ 1.1×: ${verdict(ratio <= 1.1)}`,
  });
}

// 5. Peak memory while a hook writes 1 GiB to stdout, journal on.
{
  const dir = await hooksDir("flood", { "flood": "#!/bin/sh\nhead -c 1073741824 /dev/zero\n" });
  const [job, old] = ours(dir);
  const peak = await peakMiB(job.argv);
  const oldPeak = old ? await peakMiB(old.argv) : undefined;
  const floor = await peakMiB([...denoRun, empty]);
  rows.push({
    workload: "peak RSS, a hook writing 1 GiB, journal on",
    ours: `${peak.mib.toFixed(1)} MiB`,
    baseline: oldPeak ? `${oldPeak.mib.toFixed(1)} MiB` : undefined,
    reference: `${floor.mib.toFixed(1)} MiB (empty \`deno run\`)`,
    ratio: `${(peak.ms / 1000).toFixed(1)} s for 1 GiB`,
    target: `≤ 64 MiB: ${verdict(peak.mib <= 64)}`,
  });
}

// 6. Beyond the table: time to return after deadline + grace with hostile hooks.
{
  const dir = await hooksDir("hostile", {
    "1-ignores-term": "#!/bin/sh\ntrap '' TERM\nwhile :; do sleep 0.05; done\n",
    "2-fork-tree": "#!/bin/sh\nsh -c 'sleep 60 & sleep 60' &\nsleep 60\n",
    "3-setsid-holds-pipes": "#!/bin/sh\nsetsid sleep 5 &\nsleep 60\n",
    "4-floods": "#!/bin/sh\nexec yes flood\n",
  });
  const hostileConfig = join(work, "hostile.jsonc");
  await Deno.writeTextFile(hostileConfig, `{ "killGraceMs": 500 }`);
  const job = solusRun(bundle, dir, ["--timeout", "1000"], hostileConfig);
  const samples: number[] = [];
  for (let i = 0; i < runs(7); i++) samples.push(await wall(job.argv, undefined, true) - 1500);
  const late = median(samples);
  rows.push({
    workload: "return after deadline + grace, 4 hostile hooks (1000 ms + 500 ms)",
    ours: ms(late),
    reference: "run-parts: no deadline",
    ratio: "",
    target: `≤ 250 ms: ${verdict(late <= 250)}`,
  });
}

// 7. Beyond the table: the library, in process.
{
  const dir = await hooksDir("library", many(1, "#!/bin/sh\ncat > /dev/null\n"));
  const parsed = JSON.parse(event);
  await runStage(parsed, { hooksDir: dir });
  const until = performance.now() + (quick ? 1000 : 3000);
  let count = 0;
  const begin = performance.now();
  while (performance.now() < until) {
    await runStage(parsed, { hooksDir: dir });
    count++;
  }
  const each = (performance.now() - begin) / count;
  rows.push({
    workload: "one stage of one hook through `runStage`, in process",
    ours: ms(each),
    reference: "",
    ratio: `${(1000 / each).toFixed(0)} stages/s`,
    target: "",
  });
}

const cpu = (await Deno.readTextFile("/proc/cpuinfo")).match(/model name\s*:\s*(.*)/)?.[1] ??
  Deno.build.arch;
const memory =
  Number(/MemTotal:\s+(\d+)/.exec(await Deno.readTextFile("/proc/meminfo"))?.[1] ?? 0) / 1024 /
  1024;
const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
console.log(
  `${new Date().toISOString().slice(0, 10)}: ${navigator.hardwareConcurrency} cores (${cpu}), ${
    memory.toFixed(0)
  } GiB, ${Deno.build.os} ${Deno.build.arch}, Deno ${Deno.version.deno}; ` +
    `${quick ? "quick run" : "full run"}, medians, load average ${load}.\n`,
);
const header = ["workload", "solus-hooks", ...(baseline ? ["baseline"] : []), "against", "ratio"];
console.log(`| ${[...header, "target"].join(" | ")} |`);
console.log(`|${[...header, "target"].map(() => "---").join("|")}|`);
for (const row of rows) {
  const cells = [row.workload, row.ours, ...(baseline ? [row.baseline ?? ""] : [])];
  console.log(`| ${[...cells, row.reference, row.ratio, row.target].join(" | ")} |`);
}
if (baseline) console.log(`\nbaseline: ${baseline} (ratio in brackets, against the same)`);
await Deno.remove(work, { recursive: true }).catch(() => {});
