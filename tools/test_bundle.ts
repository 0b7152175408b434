/**
 * `deno task test-bundle`: the CLI-level tests (process handling through the
 * command line, bad input, whole events, the authors' kit) run against the
 * bundle, `dist/solus-hooks.js`, under scoped permissions: what ships is what is
 * tested. The scope adds the test's temporary directories and this checkout to
 * the production one.
 *
 * @module
 */
import { buildScope, permissionFlags } from "./scope.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const production = buildScope();
const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
const scope = {
  // /usr and /bin let `check` and `test` inspect interpreters; /nonexistent is
  // where the tests point for "a directory that does not exist".
  read: [...production.read, tmp, root, "/usr", "/bin", "/nonexistent"],
  write: [...production.write, tmp],
  env: production.env,
};
const command = [Deno.execPath(), "run", ...permissionFlags(scope), `${root}/dist/solus-hooks.js`]
  .join(" ");
console.error(`test-bundle: SOLUS_HOOKS_CMD=${command}`);
const files = [
  "tests/cli_test.ts",
  "tests/lifecycle_test.ts",
  "tests/authoring_test.ts",
  // The system log and metrics: a scoped build may not stat /dev/log or journald's socket.
  "tests/syslog_test.ts",
  "tests/metrics_test.ts",
];
const result = await new Deno.Command(Deno.execPath(), {
  args: ["test", "-A", "--no-prompt", ...files],
  env: { SOLUS_HOOKS_CMD: command },
  cwd: root,
  stdout: "inherit",
  stderr: "inherit",
}).output();
Deno.exit(result.code);
