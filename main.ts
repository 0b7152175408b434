/**
 * The solus-hooks command line. `deno run -A main.ts ARGS` behaves exactly as the
 * compiled `solus-hooks ARGS`.
 *
 * @module
 */
import { main } from "./lib/cli/main.ts";
import { killAllHookGroups } from "./lib/process.ts";

if (import.meta.main) {
  globalThis.addEventListener("unload", () => killAllHookGroups("SIGKILL"));
  const status = await main(Deno.args);
  // Every hook has settled and the record is written. Exit explicitly: a stdin
  // write blocked by a descendant that escaped its group (and holds the pipe
  // without reading) would otherwise keep the runtime alive.
  Deno.exit(status);
}
