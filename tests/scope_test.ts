/** Scoped permissions: what a build may touch, and what it says when asked for more. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { buildScope, DEFAULT_SCOPE, permissionFlags } from "../tools/scope.ts";
import { cliEnv, RESTART_PRE, ROOT, timed, track, withHooks } from "./helpers.ts";

Deno.test("buildScope() reads SOLUS_HOOKS_READ, SOLUS_HOOKS_WRITE and SOLUS_HOOKS_ENV at build time", () => {
  assert.deepEqual(buildScope({ get: () => undefined }), DEFAULT_SCOPE);
  const env: Record<string, string> = {
    SOLUS_HOOKS_READ: "/opt/hooks, /etc/solus-hooks",
    SOLUS_HOOKS_WRITE: "/srv/log",
    SOLUS_HOOKS_ENV: "http_proxy",
  };
  const scope = buildScope({ get: (name) => env[name] });
  assert.deepEqual(scope.read, ["/opt/hooks", "/etc/solus-hooks"]);
  assert.deepEqual(scope.write, ["/srv/log"]);
  assert.ok(scope.env.includes("http_proxy") && scope.env.includes("SOLUS_HOOKS_DIR"));
  const flags = permissionFlags(scope);
  assert.ok(flags.includes("--allow-run") && flags.includes("--no-prompt"));
  assert.ok(flags.includes("--allow-read=/opt/hooks,/etc/solus-hooks"));
  assert.ok(
    !flags.some((flag) => flag === "--allow-read" || flag === "-A"),
    "read is never unrestricted",
  );
});

timed.test("a build with a baked scope runs hooks inside it and refuses a path outside it with exit 2", async () => {
  await withHooks({ "ok.sh": "#!/bin/sh\necho inside\n" }, async (dir) => {
    const scope = { read: [dir], write: [dir], env: ["PATH", "NO_COLOR"] };
    const entry = join(dir, ".entry.ts");
    await Deno.writeTextFile(
      entry,
      `import { start } from "${pathToFileURL(join(ROOT, "main.ts")).href}";\n` +
        `await start(Deno.args, { scope: ${JSON.stringify(scope)} });\n`,
    );
    const run = (args: string[]) => {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--config",
          join(ROOT, "deno.json"),
          ...permissionFlags(scope),
          entry,
          ...args,
        ],
        cwd: ROOT,
        clearEnv: true,
        env: cliEnv(),
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      track(child.pid);
      return child.output();
    };
    const event = JSON.stringify(RESTART_PRE);
    const config = join(dir, "config.jsonc");
    await Deno.writeTextFile(config, "{}");
    const inside = await run([
      "run",
      "--dir",
      dir,
      "--config",
      config,
      "--no-journal",
      "--json",
      "--event",
      event,
    ]);
    assert.equal(inside.code, 0, new TextDecoder().decode(inside.stderr));
    assert.equal(JSON.parse(new TextDecoder().decode(inside.stdout)).hooks[0].stdout, "inside\n");

    const outside = await run([
      "run",
      "--dir",
      "/opt/elsewhere",
      "--config",
      config,
      "--no-journal",
      "--event",
      event,
    ]);
    const stderr = new TextDecoder().decode(outside.stderr);
    assert.equal(outside.code, 2, stderr);
    assert.match(
      stderr,
      /needs read access to "\/opt\/elsewhere", outside the scope it was built with \(read /,
    );
    assert.match(stderr, /deno task compile/);
    assert.equal(stderr.trim().split("\n").length, 1, "one line, no stack trace");
  });
});
