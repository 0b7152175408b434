/**
 * The solus-hooks command line. `deno run -A main.ts ARGS` behaves exactly as the
 * compiled `solus-hooks ARGS`.
 *
 * @module
 */
import { main } from "./lib/app.ts";
import type { BuildScope } from "./lib/scope.ts";
import { killAllHookGroups } from "./lib/process/hook_process.ts";

/**
 * Run the CLI and exit with its status. A compiled build passes the permission
 * scope it was built with, so refusals can say what the binary may touch.
 *
 * @example
 * ```ts ignore
 * import { start } from "./main.ts";
 * await start(["sample", "server-restart"]);
 * ```
 */
export async function start(args: string[], build: { scope?: BuildScope } = {}): Promise<never> {
  globalThis.addEventListener("unload", () => killAllHookGroups("SIGKILL"));
  const status = await main(args, build);
  // Every hook has settled and the record is written. Exit explicitly: a stdin
  // write blocked by a descendant that escaped its group (and holds the pipe
  // without reading) would otherwise keep the runtime alive.
  Deno.exit(status);
}

if (import.meta.main) await start(Deno.args);
