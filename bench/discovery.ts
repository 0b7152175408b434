/**
 * What discovery costs a run: listing and judging 100 hooks (directive heads
 * included) with synchronous calls versus awaited ones doing the same system
 * calls, the whole of `discoverHooks()`, and the directory check by `stat` in
 * process versus through `/usr/bin/stat` (what a scoped build does).
 *
 * Each figure is the median over fresh processes, since a run discovers once per
 * process and the first call pays for lazy loading: `deno run -A bench/discovery.ts`
 * (`BASELINE=/path/to/other/lib/hooks/discovery.ts` adds another build's discovery;
 * `ROUNDS=N` sets how many processes per figure, `HOOKS=N` how many hooks).
 *
 * @module
 */
import { join } from "node:path";
import process from "node:process";
import { discoverHooks } from "../lib/hooks/discovery.ts";
import { runHelper } from "../lib/process/helper_process.ts";
import { directoryProblems } from "../lib/hooks/safety.ts";

const HOOKS = Number(Deno.env.get("HOOKS") ?? 100);
const ROUNDS = Number(Deno.env.get("ROUNDS") ?? 15);
const HEAD = 8192;

/** The same work as discovery, awaited call by call, all files at once. */
async function awaited(dir: string): Promise<number> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  names.sort();
  const found = await Promise.all(names.map(async (name) => {
    const path = join(dir, name);
    const info = await Deno.lstat(path);
    if (!info.isFile) return 0;
    const file = await Deno.open(path);
    try {
      return (await file.read(new Uint8Array(HEAD))) ?? 0;
    } finally {
      file.close();
    }
  }));
  return found.length;
}

/** The same work, synchronous, one file after another, one buffer. */
function synchronous(dir: string): number {
  const names: string[] = [];
  for (const entry of Deno.readDirSync(dir)) names.push(entry.name);
  names.sort();
  const buffer = new Uint8Array(HEAD);
  let count = 0;
  for (const name of names) {
    const path = join(dir, name);
    const info = Deno.lstatSync(path);
    if (!info.isFile) continue;
    const file = Deno.openSync(path);
    try {
      file.readSync(buffer);
    } finally {
      file.close();
    }
    count++;
  }
  return count;
}

async function measure(mode: string, dir: string): Promise<number> {
  const start = performance.now();
  if (mode === "awaited") await awaited(dir);
  else if (mode === "sync") synchronous(dir);
  else if (mode === "discoverHooks") await discoverHooks(dir);
  else if (mode === "baseline") {
    // Another build's discoverHooks (BASELINE=path/to/lib/hooks/discovery.ts), e.g. the one before this.
    const other = await import(Deno.env.get("BASELINE")!);
    const start = performance.now();
    await other.discoverHooks(dir);
    return performance.now() - start;
  } else if (mode === "dir-stat") await directoryProblems(dir, 0);
  else if (mode === "dir-helper") {
    await runHelper("/usr/bin/stat", {
      args: ["-L", "--printf", "%u %f %n\\0", "--", dir, "/tmp", "/"],
      env: { PATH: "/usr/bin:/bin", LC_ALL: "C" },
      timeoutMs: 2000,
    });
  }
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

if (Deno.args[0] === "--one") {
  // CPU time too (every thread of the process): wall time on a loaded machine is mostly waiting.
  const before = process.cpuUsage();
  const wall = await measure(Deno.args[1], Deno.args[2]);
  const cpu = process.cpuUsage(before);
  console.log(`${wall} ${(cpu.user + cpu.system) / 1000}`);
} else {
  const dir = await Deno.makeTempDir({ prefix: "solus-hooks-bench-" });
  await Deno.chmod(dir, 0o755);
  try {
    for (let i = 0; i < HOOKS; i++) {
      const path = join(dir, `${String(i).padStart(3, "0")}-hook`);
      const directive = i % 2 ? "# solus-hooks: actions=server-* stages=pre timeout=10s\n" : "";
      await Deno.writeTextFile(path, `#!/bin/sh\n${directive}cat >/dev/null\n`);
      await Deno.chmod(path, 0o755);
    }
    console.log(`${HOOKS} hooks, median of ${ROUNDS} fresh processes, first call: wall ms, CPU ms`);
    // Modes interleave round by round, so a burst of load elsewhere hits them alike.
    const modes = ["awaited", "sync", "discoverHooks", "dir-stat", "dir-helper"];
    if (Deno.env.get("BASELINE")) modes.push("baseline");
    const times = new Map(modes.map((mode) => [mode, [] as number[]]));
    const cpus = new Map(modes.map((mode) => [mode, [] as number[]]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of modes) {
        const { stdout } = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", import.meta.filename!, "--one", mode, dir],
          stdout: "piped",
        }).output();
        const [wall, cpu] = new TextDecoder().decode(stdout).trim().split(" ").map(Number);
        times.get(mode)!.push(wall);
        cpus.get(mode)!.push(cpu);
      }
    }
    for (const mode of modes) {
      const wall = median(times.get(mode)!).toFixed(2).padStart(7);
      console.log(`  ${mode.padEnd(14)} ${wall} ${median(cpus.get(mode)!).toFixed(2).padStart(7)}`);
    }
    const ratios = times.get("awaited")!.map((ms, i) => ms / times.get("sync")![i]);
    console.log(`  awaited / sync, median of per-round ratios: ${median(ratios).toFixed(2)}x`);
    if (times.has("baseline") && times.get("baseline")!.length > 0) {
      const versus = times.get("discoverHooks")!.map((ms, i) => ms / times.get("baseline")![i]);
      console.log(`  discoverHooks / baseline, median of ratios: ${median(versus).toFixed(2)}x`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
