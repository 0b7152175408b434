import { runStage } from "./lib/stage.ts";
import { useCgroups } from "./lib/process/watchdog.ts";
const ev = {
  action: "server-restart",
  stage: "pre",
  data: { uuid: "c7ee19aa-2722-4139-9223-60ed4baf09e2", virtualization_type: "kvm" },
} as const;
const med = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1];
const dir = Deno.args[0];
const res: Record<string, number[]> = { cg: [], pg: [] };
for (let r = 0; r < 21; r++) {
  for (const mode of ["cg", "pg"]) {
    useCgroups(mode === "cg");
    const t = performance.now();
    await runStage(ev, { hooksDir: dir, allowInsecure: true });
    res[mode].push(performance.now() - t);
  }
}
console.log(dir, Object.entries(res).map(([k, v]) => `${k} ${med(v).toFixed(1)}`).join("  "));
