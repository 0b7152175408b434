/**
 * The SDK as hooks get it: the one-file build ships with types that `deno
 * check` accepts and that equal the source's, the SDK loads no part of the
 * runner, and an action the config added is a full action (a hook without a
 * handler for it exits 0).
 */
import assert from "node:assert/strict";
import denoJson from "../deno.json" with { type: "json" };
import { buildBundle, exec } from "./artifact.ts";
import { ROOT } from "./helpers.ts";

let built: Promise<string> | undefined;
/** One build of the SDK for this file's tests, removed when the tests end. */
function sdkBuild(): Promise<string> {
  return built ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "solus-hooks-sdk-" });
    globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
    await buildBundle(`${dir}/dist`);
    return `${dir}/dist`;
  })();
}

const HOOK = `#!/usr/bin/env -S deno run --quiet --no-prompt --no-config
import { handleEvent } from "../dist/solus-hooks-sdk.js";

await handleEvent({
  "server-restart": {
    pre: (data, event) => {
      const uuid: string = data.uuid;
      const type: "kvm" | "vz" = data.virtualization_type;
      // @ts-expect-error server-restart's typed keys are uuid and virtualization_type alone
      const hostname: string = data.hostname;
      console.log(event.stage, uuid, type, hostname);
    },
  },
  "server-create": (data) => console.log(data.hostname, data.ip_addresses.join(" ")),
  "server-migrate": { post: (data) => console.log(data.source_compute_resource_id + 1) },
  "backup-create": (data, event) => console.log(event.action, data.note),
});
`;

async function writeHook(dist: string, name: string, text: string): Promise<string> {
  const dir = `${dist}/../hooks`;
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/${name}`, text);
  await Deno.chmod(`${dir}/${name}`, 0o755);
  return `${dir}/${name}`;
}

Deno.test("a hook outside the repository that imports the shipped SDK passes deno check, its data typed per action", async () => {
  const dist = await sdkBuild();
  const hook = await writeHook(dist, "typed.ts", HOOK);
  const checked = await exec(Deno.execPath(), ["check", "--no-config", hook], { cwd: "/" });
  assert.equal(checked.code, 0, checked.stderr);

  // The types are the registry's, not `any`: reading a key the action lacks does not compile.
  const wrong = await writeHook(
    dist,
    "wrong.ts",
    HOOK.replace("      // @ts-expect-error server-restart's typed", "      // typed"),
  );
  const refused = await exec(Deno.execPath(), ["check", "--no-config", wrong], { cwd: "/" });
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /TS2322 .*Type 'unknown' is not assignable to type 'string'/);
});

Deno.test("the shipped SDK's types are identical to lib/sdk.ts's", async () => {
  const dist = await sdkBuild();
  const actions = Object.keys(
    (await import("../lib/event/registry.ts")).BUILTIN_ACTIONS,
  ).map((name) => JSON.stringify(name));
  const file = `${dist}/../same_types.ts`;
  await Deno.writeTextFile(
    file,
    `import type * as shipped from "./dist/solus-hooks-sdk.js";
import type * as source from "${new URL("../lib/sdk.ts", import.meta.url).href}";
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const checks: true[] = [
  true as Same<shipped.Handlers, source.Handlers>,
  true as Same<shipped.HandlerData<"server-stop">, source.HandlerData<"server-stop">>,
  true as Same<shipped.TypedEvent, source.TypedEvent>,
  true as Same<shipped.HookEvent, source.HookEvent>,
  true as Same<shipped.Stage, source.Stage>,
  true as Same<shipped.BuiltinAction, source.BuiltinAction>,
  true as Same<typeof shipped.HookExit, typeof source.HookExit>,
  true as Same<ReturnType<typeof shipped.readEvent>, ReturnType<typeof source.readEvent>>,
  true as Same<ReturnType<typeof shipped.handleEvent>, ReturnType<typeof source.handleEvent>>,
${
      actions.map((a) => `  true as Same<shipped.ActionData<${a}>, source.ActionData<${a}>>,`).join(
        "\n",
      )
    }
];
export default checks;
`,
  );
  const checked = await exec(Deno.execPath(), ["check", "--config", `${ROOT}deno.json`, file], {
    timeoutMs: 120_000,
  });
  assert.equal(checked.code, 0, checked.stderr);
});

Deno.test("the SDK loads no part of the runner, and deno.json exports it on its own", async () => {
  assert.deepEqual(denoJson.exports, { ".": "./mod.ts", "./sdk": "./lib/sdk.ts" });
  const info = await exec(Deno.execPath(), ["info", "--json", "lib/sdk.ts"]);
  assert.equal(info.code, 0, info.stderr);
  const local = (JSON.parse(info.stdout).modules as { specifier: string }[])
    .map((module) => module.specifier)
    .filter((specifier) => specifier.startsWith("file://"))
    .map((specifier) => specifier.slice(new URL("..", import.meta.url).href.length));
  assert.ok(
    local.includes("lib/sdk.ts") && local.includes("lib/event/registry.ts"),
    local.join(" "),
  );
  const runner = local.filter((path) =>
    /^lib\/(stage|event_runner)\.ts$|^lib\/(process|journal|config|hooks|fleet|cli|commands)\/|^main\.ts$|^mod\.ts$/
      .test(path)
  );
  assert.deepEqual(runner, [], `the SDK's module graph: ${local.join(" ")}`);
  const bundled = await Deno.readTextFile(`${await sdkBuild()}/solus-hooks-sdk.js`);
  assert.doesNotMatch(bundled, /Deno\.Command|killAllHookGroups|appendRecord/);
  assert.match(bundled, /^\/\/ @ts-self-types="\.\/solus-hooks-sdk\.d\.ts"\n/);
});

const BACKUP = JSON.stringify({
  action: "backup-create",
  stage: "pre",
  data: { uuid: "c7ee19aa-2722-4139-9223-60ed4baf09e2", note: "nightly" },
});

Deno.test("an SDK hook calls its handler for an action the config added, exits 0 for one it has no handler for, and refuses a broken envelope", async () => {
  const dist = await sdkBuild();
  const shipped = await writeHook(dist, "typed.ts", HOOK);
  const hooks = [
    [Deno.execPath(), ["run", "--quiet", "--no-prompt", `${ROOT}examples/hooks/30-audit.ts`]],
    [Deno.execPath(), ["run", "--quiet", "--no-prompt", "--no-config", shipped]],
  ] as const;
  for (const [command, args] of hooks) {
    const other = await exec(command, args, { stdin: BACKUP });
    assert.equal(other.code, 0, `${args.at(-1)}: ${other.stderr}`);
    assert.equal(other.stderr, "");
    const bad = await exec(command, args, { stdin: BACKUP.replace('"pre"', '"middle"') });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /^bad event: /);
  }
  // The shipped hook has a backup-create handler: it runs, with the data as sent.
  const handled = await exec(hooks[1][0], hooks[1][1], { stdin: BACKUP });
  assert.equal(handled.stdout, "backup-create nightly\n");
});
