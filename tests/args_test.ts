/** The command line: flags, values and the words of their errors. */
import assert from "node:assert/strict";
import { findCommand, parseCommandLine, parseOptions } from "../lib/cli/args.ts";
import { UsageError } from "../lib/errors.ts";
import { runCli, timed } from "./helpers.ts";

function usage(fn: () => unknown, message: string) {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof UsageError, String(error));
    assert.equal(error.message, message);
    return true;
  });
}

Deno.test("parseCommandLine() takes global flags anywhere and keeps what follows -- apart", () => {
  const parsed = parseCommandLine(
    ["--dir", "/h", "around", "--event", "{}", "-q", "--", "grep", "-q", "x"],
    { event: { type: "string", multiple: true } },
  );
  assert.equal(parsed.command, "around");
  assert.equal(parsed.global.dir, "/h");
  assert.equal(parsed.global.quiet, true);
  assert.deepEqual(parsed.values.event, ["{}"]);
  assert.deepEqual(parsed.rest, ["grep", "-q", "x"]);
  assert.equal(findCommand(["--timeout", "5", "check"]), "check");
});

Deno.test("parseCommandLine() names the flag and the value that is wrong", () => {
  usage(
    () => parseCommandLine(["run", "--timeout", "-5"]),
    '--timeout: "-5" is not a positive number',
  );
  usage(
    () => parseCommandLine(["run", "--timeout=-5"]),
    '--timeout: "-5" is not a positive number',
  );
  usage(
    () => parseCommandLine(["run", "--timeout", "0"]),
    '--timeout: "0" is not a positive number',
  );
  usage(
    () => parseCommandLine(["run", "--timeout", "1.5"]),
    '--timeout: "1.5" is not whole milliseconds (5000) or a time with its unit (500ms, 1.5s, 2m)',
  );
  usage(
    () => parseCommandLine(["run", "--timeout", "86400001"]),
    '--timeout: "86400001" is more than 86400000 ms (one day)',
  );
  usage(
    () => parseCommandLine(["run", "--event"], { event: { type: "string" } }),
    "option --event needs a value",
  );
  usage(
    () => parseCommandLine(["run", "--event", "--json"], { event: { type: "string" } }),
    "option --event needs a value",
  );
  usage(() => parseCommandLine(["run", "--json=yes"]), "option --json takes no value");
  usage(
    () => parseCommandLine(["run", "--evnt", "{}"], { event: { type: "string" } }, "run"),
    "unknown option --evnt for run (did you mean --event?); see --help",
  );
  usage(() => parseCommandLine(["run", "-x"], {}, "run"), "unknown option -x for run; see --help");
});

Deno.test("parseOptions() keeps a value that starts with one dash, collects repeated flags, last one wins otherwise", () => {
  const { values } = parseOptions(["--dir", "-", "--dir", "/b", "--event", "-x", "--event=y"], {
    dir: { type: "string" },
    event: { type: "string", multiple: true },
  });
  assert.deepEqual(values, { dir: "/b", event: ["-x", "y"] });
});

timed.test("the CLI says --timeout -5 and --limit -1 are not positive numbers, exit 2", async () => {
  for (
    const [args, message] of [
      [["run", "--timeout", "-5"], '--timeout: "-5" is not a positive number'],
      [["run", "--timeout=-5"], '--timeout: "-5" is not a positive number'],
      [["history", "--limit", "-1"], '--limit: "-1" is not a positive number'],
    ] as const
  ) {
    const result = await runCli([...args, "--no-journal"]);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stderr.trim(), `solus-hooks: ${message}`);
  }
});
