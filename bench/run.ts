/**
 * `deno task bench`: solus-hooks side by side with Debian's run-parts (C, serial)
 * and a bash loop that pipes the event into each hook, in one run, on this
 * machine. Prints a Markdown table of medians and ratios against the targets.
 *
 *   deno task bench            the full run (about two minutes)
 *   deno task bench --quick    fewer repetitions
 *
 * solus-hooks runs as it ships to nodes with Deno: the bundle, under the scoped
 * permissions of `dist/solus-hooks-deno`, with its journal on.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { createRegistry, runStage } from "../mod.ts";
import { permissionFlags } from "../tools/scope.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { quick: { type: "boolean" } },
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
const scope = { read: [work], write: [join(work, "log")], env: ["PATH", "HOME", "NO_COLOR"] };
const deno = Deno.execPath();
const solus = [deno, "run", ...permissionFlags(scope), join(root, "dist", "solus-hooks.js")];

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Wall time of one command, in ms; stdout and stderr discarded, stdin from a file. */
async function wall(argv: string[], stdinFile?: string): Promise<number> {
  const start = performance.now();
  const [command, ...args] = stdinFile ? ["sh", "-c", '"$@" < "$0"', stdinFile, ...argv] : argv;
  const result = await new Deno.Command(command, {
    args,
    stdout: "null",
    stderr: "piped",
    stdin: "null",
  }).output();
  const ms = performance.now() - start;
  // Hostile hooks time out, so that run exits 1; anything else must succeed.
  if (result.code !== 0 && !(result.code === 1 && argv.includes("--timeout"))) {
    throw new Error(
      `${argv.join(" ")} exited ${result.code}: ${new TextDecoder().decode(result.stderr)}`,
    );
  }
  return ms;
}

async function medianWall(argv: string[], runs: number, stdinFile?: string): Promise<number> {
  await wall(argv, stdinFile); // warm the file cache
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await wall(argv, stdinFile));
  return median(samples);
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

async function hooksDir(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(work, name);
  await Deno.mkdir(dir);
  for (const [file, text] of Object.entries(files)) {
    await Deno.writeTextFile(join(dir, file), text);
    await Deno.chmod(join(dir, file), 0o755);
  }
  return dir;
}

function trivial(n: number): Record<string, string> {
  return Object.fromEntries(
    Array.from(
      { length: n },
      (_, i) => [`${String(i).padStart(3, "0")}-hook`, "#!/bin/sh\nexit 0\n"],
    ),
  );
}

const bashLoop = (dir: string) => [
  "bash",
  "-c",
  `for f in "${dir}"/*; do [ -x "$f" ] && "$f" < "${eventFile}"; done; true`,
];
const runParts = (dir: string) => ["run-parts", dir];
const config = join(work, "config.jsonc");
await Deno.writeTextFile(config, "{}");
const solusRun = (dir: string, ...extra: string[]) => [
  ...solus,
  "run",
  "--dir",
  dir,
  "--config",
  config,
  "--journal",
  journal,
  "--event-file",
  eventFile,
  ...extra,
];

const rows: string[][] = [];
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
const verdict = (ok: boolean) => (ok ? "met" : "**missed**");

// 1. Trivial hooks at N = 1, 10, 100.
const start = await medianWall([deno, "run", ...permissionFlags(scope), empty], quick ? 5 : 20);
rows.push(["`deno run` of an empty script (start-up floor)", fmt(start), "", "", ""]);
for (const n of [1, 10, 100]) {
  const dir = await hooksDir(`trivial-${n}`, trivial(n));
  const runs = quick ? 5 : n === 100 ? 10 : 20;
  const ours = await medianWall(solusRun(dir), runs);
  const parts = await medianWall(runParts(dir), runs, eventFile);
  const loop = await medianWall(bashLoop(dir), runs);
  const target = n === 1
    ? `≤ floor + 10 ms: ${verdict(ours - start <= 10)} (+${(ours - start).toFixed(1)} ms)`
    : n === 100
    ? `≤ 1.0× run-parts: ${verdict(ours / parts <= 1.0)}`
    : "";
  rows.push([
    `${n} trivial hook${n > 1 ? "s" : ""}: solus-hooks / run-parts / bash loop`,
    fmt(ours),
    `${fmt(parts)} / ${fmt(loop)}`,
    `${(ours / parts).toFixed(2)}× / ${(ours / loop).toFixed(2)}×`,
    target,
  ]);
}

// 2. Latency added to one stage beyond the hooks' own time (one hook sleeping 200 ms).
{
  const dir = await hooksDir("sleep", { "hook": "#!/bin/sh\nsleep 0.2\n" });
  const runs = quick ? 5 : 15;
  const ours = await medianWall(solusRun(dir), runs) - 200;
  const parts = await medianWall(runParts(dir), runs, eventFile) - 200;
  const loop = await medianWall(bashLoop(dir), runs) - 200;
  const library: number[] = [];
  for (let i = 0; i < runs; i++) {
    const report = await runStage(JSON.parse(event), { dir });
    library.push(report.duration_ms - 200);
  }
  rows.push([
    "added latency of one stage (CLI, whole process) / run-parts / bash loop",
    fmt(ours),
    `${fmt(parts)} / ${fmt(loop)}`,
    "",
    "",
  ]);
  rows.push([
    "added latency of one stage (library `runStage`, in process)",
    fmt(median(library)),
    "",
    "",
    "",
  ]);
}

// 3. Peak memory while a hook writes 1 GiB to stdout.
{
  const dir = await hooksDir("flood", { "flood": "#!/bin/sh\nhead -c 1073741824 /dev/zero\n" });
  const ours = await peakMiB(solusRun(dir));
  const floor = await peakMiB([deno, "run", ...permissionFlags(scope), empty]);
  const parts = await peakMiB(["sh", "-c", `run-parts "${dir}" > /dev/null`]);
  rows.push([
    "peak memory while a hook writes 1 GiB (runner's VmHWM)",
    `${ours.mib.toFixed(1)} MiB`,
    `deno floor ${floor.mib.toFixed(1)} MiB / run-parts ${parts.mib.toFixed(1)} MiB`,
    `${(ours.ms / 1000).toFixed(1)} s for 1 GiB`,
    `< 80 MiB: ${verdict(ours.mib < 80)}`,
  ]);
}

// 4. Time to return after the deadline with hostile hooks.
{
  const dir = await hooksDir("hostile", {
    "1-ignores-term": "#!/bin/sh\ntrap '' TERM\nwhile :; do sleep 0.05; done\n",
    "2-fork-tree": "#!/bin/sh\nsh -c 'sleep 60 & sleep 60' &\nsleep 60\n",
    "3-setsid-holds-pipes": "#!/bin/sh\nsetsid sleep 5 &\nsleep 60\n",
    "4-floods": "#!/bin/sh\nexec yes flood\n",
  });
  const timeout = 1000;
  await Deno.writeTextFile(config, `{ "killGraceMs": 500 }`);
  const samples: number[] = [];
  for (let i = 0; i < (quick ? 3 : 7); i++) {
    samples.push(
      await wall(
        solusRun(dir, "--timeout", String(timeout)),
      ) -
        (timeout + 500),
    );
  }
  const late = median(samples);
  rows.push([
    "return after deadline + grace, 4 hostile hooks (deadline 1000 ms, grace 500 ms)",
    fmt(late),
    "run-parts: no deadline",
    "",
    `≤ 250 ms: ${verdict(late <= 250)}`,
  ]);
}

// 5. Events per second through the library API, one trivial hook.
{
  const dir = await hooksDir("eps", trivial(1));
  const parsed = JSON.parse(event);
  const until = performance.now() + (quick ? 1000 : 3000);
  let count = 0;
  const begin = performance.now();
  while (performance.now() < until) {
    await runStage(parsed, { dir });
    count++;
  }
  const perSecond = count / ((performance.now() - begin) / 1000);
  rows.push([
    "events per second through `runStage`, one trivial hook",
    perSecond.toFixed(0),
    "",
    "",
    "",
  ]);
}

const cpu = (await Deno.readTextFile("/proc/cpuinfo")).match(/model name\s*:\s*(.*)/)?.[1] ??
  Deno.build.arch;
const memory =
  Number(/MemTotal:\s+(\d+)/.exec(await Deno.readTextFile("/proc/meminfo"))?.[1] ?? 0) / 1024 /
  1024;
console.log(
  `Machine: ${navigator.hardwareConcurrency} cores (${cpu}), ${
    memory.toFixed(0)
  } GiB, ${Deno.build.os} ${Deno.build.arch}, ` +
    `Deno ${Deno.version.deno}; ${quick ? "quick run" : "full run"}, medians.\n`,
);
console.log("| measure | solus-hooks | others | ratio | target |");
console.log("|---|---|---|---|---|");
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
await Deno.remove(work, { recursive: true }).catch(() => {});
