/**
 * `deno task test-bundle`: the CLI-level tests (process handling through the
 * command line, bad input, whole events, the authors' kit, config actions) run
 * against a bundle built as a user builds one, called as a node calls it:
 * through a symlink to its wrapper, under the scope baked into it. What ships
 * is what is tested. The scope adds the tests' temporary directories and this
 * checkout to the production one, with the same `SOLUS_HOOKS_READ` and
 * `SOLUS_HOOKS_WRITE` a user would set.
 *
 * The same run also installs the artifact into a temporary root, calls it
 * through its symlink, and builds bundles with custom scopes
 * (`tests/install_test.ts`).
 *
 * @module
 */
import { bundle, BUNDLE_FILES } from "./bundle.ts";
import { buildScope } from "./scope.ts";

/** Build the test bundle, link it, and run the CLI-level tests through the link; resolves to their exit status. */
async function testBundle(): Promise<number> {
  const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  const production = buildScope(new Map());
  const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
  const settings = new Map([
    // /usr and /bin let `check` and `test` inspect interpreters; /nonexistent is
    // where the tests point for "a directory that does not exist".
    ["SOLUS_HOOKS_READ", [...production.read, tmp, root, "/usr", "/bin", "/nonexistent"].join(",")],
    ["SOLUS_HOOKS_WRITE", [...production.write, tmp].join(",")],
  ]);
  const scope = buildScope(settings);

  const work = await Deno.makeTempDir({ prefix: "solus-hooks-test-bundle-" });
  let status = 1;
  try {
    await bundle(`${work}/dist`, scope);
    // Called as installed: /usr/local/bin/solus-hooks -> .../solus-hooks-deno.
    await Deno.mkdir(`${work}/bin`);
    const command = `${work}/bin/solus-hooks`;
    await Deno.symlink(`${work}/dist/${BUNDLE_FILES.wrapper}`, command);
    console.error(
      `test-bundle: SOLUS_HOOKS_CMD=${command} (-> ${work}/dist/${BUNDLE_FILES.wrapper}, built with ${
        [...settings].map(([name, value]) => `${name}=${value}`).join(" ")
      })`,
    );
    const files = [
      "tests/cli_test.ts",
      "tests/lifecycle_test.ts",
      "tests/authoring_test.ts",
      "tests/config_actions_test.ts",
      "tests/install_test.ts",
      // The runner never runs itself, and the entry's deadline, through the shipped build too.
      "tests/entry_test.ts",
      // The system log and metrics: a scoped build may not stat /dev/log or journald's socket.
      "tests/syslog_test.ts",
      "tests/metrics_test.ts",
      "tests/check_node_test.ts",
      "tests/one_verdict_test.ts",
      "tests/check_fleet_test.ts",
      "tests/check_hints_test.ts",
      "tests/names_storage_test.ts",
      "tests/alerts_test.ts",
      "tests/journald_pid_test.ts",
      // The bytes sent reach hooks, and nothing refused is silent, through the shipped build too.
      "tests/delivery_test.ts",
      "tests/refusal_test.ts",
    ];
    const result = await new Deno.Command(Deno.execPath(), {
      args: ["test", "-A", "--no-prompt", ...files],
      env: { SOLUS_HOOKS_CMD: command },
      cwd: root,
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    status = result.code;
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
  return status;
}

if (import.meta.main) Deno.exit(await testBundle());
