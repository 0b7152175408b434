// deno-lint-ignore-file no-control-regex -- terminal output is what these tests read
/**
 * What a person at a terminal sees, through the real CLI on a real pty
 * (`script(1)`): nothing a hook prints or a file name holds reaches the
 * terminal raw, the status line fits the width and leaves nothing behind, and
 * a dumb terminal gets no codes at all.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { canRun, onTerminal, RESTART_PRE, withHooks } from "./helpers.ts";

const EVENT = JSON.stringify(RESTART_PRE);
const ESC = "\x1b";

/** The pty tests start the CLI from a shell line, so they need the default command. */
const ignore = !canRun("script") || Deno.env.get("SOLUS_HOOKS_CMD") !== undefined;

/**
 * A small terminal: what a screen `columns` wide shows after `raw`, and how
 * often a line wrapped. It knows carriage return, newline, erase in line,
 * and skips every other escape sequence.
 */
function screen(raw: string, columns: number): { lines: string[]; wraps: number } {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  let wraps = 0;
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i];
    if (char === ESC) {
      const csi = /^\x1b\[([0-9;?]*)([@-~])/.exec(raw.slice(i));
      const osc = /^\x1b\][^\x07\x1b]*(\x07|\x1b\\)/.exec(raw.slice(i));
      if (csi) {
        if (csi[2] === "K") rows[row].length = Math.min(rows[row].length, col);
        i += csi[0].length - 1;
      } else if (osc) {
        i += osc[0].length - 1;
      }
      continue;
    }
    if (char === "\r") {
      col = 0;
      continue;
    }
    if (char === "\n") {
      row++;
      rows[row] ??= [];
      continue;
    }
    if (col >= columns) {
      wraps++;
      row++;
      rows[row] ??= [];
      col = 0;
    }
    rows[row][col++] = char;
  }
  return { lines: rows.map((cells) => Array.from(cells, (c) => c ?? " ").join("")), wraps };
}

Deno.test({
  name: "run shows a hook's retitle and clear-screen sequences escaped, never raw, on a terminal",
  ignore,
  fn: async () => {
    await withHooks({
      "evil.sh": "#!/bin/sh\nprintf '\\033]0;TITLE\\007\\033[2J' >&2\necho 'then it failed' >&2\n" +
        "printf 'out\\033[2Jput\\n'\nexit 1\n",
    }, async (dir) => {
      const args = ["run", "--dir", dir, "--no-journal", "--event", EVENT];
      for (const verbose of [[], ["--verbose"]]) {
        const shown = await onTerminal([...args, ...verbose]);
        assert.ok(!shown.includes(`${ESC}]0;`), `retitled the terminal: ${JSON.stringify(shown)}`);
        assert.ok(!shown.includes(`${ESC}[2J`), `cleared the terminal: ${JSON.stringify(shown)}`);
        assert.ok(shown.includes("\\x1b]0;TITLE\\x07\\x1b[2J"), JSON.stringify(shown));
      }
      const verbose = await onTerminal([...args, "-v"]);
      assert.ok(verbose.includes("out\\x1b[2Jput"), "stdout under --verbose, escaped");
    });
  },
});

Deno.test({
  name: "a file name with ESC and a newline is escaped by run, check and --dry-run on a terminal",
  ignore,
  fn: async () => {
    const name = "a\x1b[2Jb\nc.sh";
    await withHooks(
      { [name]: "#!/bin/sh\nexit 0\n", "notes\x1b]0;X\x07.txt": "notes\n" },
      async (dir) => {
        await Deno.chmod(join(dir, "notes\x1b]0;X\x07.txt"), 0o644);
        for (
          const args of [
            ["run", "--dir", dir, "--no-journal", "--event", EVENT],
            ["check", "--dir", dir],
            ["run", "--dir", dir, "--dry-run", "--event", EVENT],
          ]
        ) {
          const shown = await onTerminal(args);
          assert.ok(
            !shown.includes(`${ESC}[2J`) && !shown.includes(`${ESC}]0;`),
            JSON.stringify(shown),
          );
          assert.ok(
            !shown.includes("b\r\nc.sh") && !shown.includes("b\nc.sh"),
            "a raw newline in a name",
          );
          assert.ok(shown.includes("a\\x1b[2Jb\\nc.sh"), `${args[0]}: ${JSON.stringify(shown)}`);
          assert.ok(
            shown.includes("notes\\x1b]0;X\\x07.txt"),
            `${args[0]}: ${JSON.stringify(shown)}`,
          );
        }
      },
    );
  },
});

Deno.test({
  name:
    "the status line stays within 80 columns with a 100-character hook name and leaves no stale line",
  ignore,
  fn: async () => {
    const long = `${"n".repeat(96)}.sh`.padStart(100, "1");
    await withHooks(
      { [long]: "#!/bin/sh\nsleep 2.2\n", "2-other.sh": "#!/bin/sh\nsleep 2.2\n" },
      async (dir) => {
        for (const env of [{}, { NO_COLOR: "1" }] as Record<string, string>[]) {
          const raw = await onTerminal(["run", "--dir", dir, "--no-journal", "--event", EVENT], {
            env,
            columns: 80,
          });
          assert.ok(
            raw.includes("waiting 1 s for"),
            `the status line was drawn: ${JSON.stringify(raw)}`,
          );
          // Every status line drawn fits: the text between carriage returns.
          const drawn = raw.split("\r").filter((piece) => piece.includes("waiting"));
          for (const piece of drawn) {
            const visible = piece.replace(/\x1b\[[0-9;]*m/g, "");
            assert.ok([...visible].length < 80, `${[...visible].length} columns: ${visible}`);
          }
          const { lines } = screen(raw, 80);
          assert.ok(!lines.some((line) => line.includes("waiting")), `stale:\n${lines.join("\n")}`);
          assert.ok(lines.some((line) => line.includes("server-restart pre: ok, 2 hooks")));
        }
      },
    );
  },
});

Deno.test({
  name: "TERM=dumb gets no colour and no cursor codes; NO_COLOR a plain status line without codes",
  ignore,
  fn: async () => {
    await withHooks(
      { "slow.sh": "#!/bin/sh\nsleep 1.8\n", "bad.sh": "#!/bin/sh\necho nope >&2\nexit 1\n" },
      async (dir) => {
        const args = ["run", "--dir", dir, "--no-journal", "--event", EVENT];
        const colour = await onTerminal(args);
        assert.ok(colour.includes(`${ESC}[31m`), "colour on an ordinary terminal");
        const dumb = await onTerminal(args, { env: { TERM: "dumb" } });
        assert.ok(!dumb.includes(ESC), `codes on a dumb terminal: ${JSON.stringify(dumb)}`);
        assert.ok(!dumb.includes("waiting"), "no live line on a dumb terminal");
        assert.match(dumb, /FAILED +bad\.sh/);
        const plain = await onTerminal(args, { env: { NO_COLOR: "1" } });
        assert.ok(!plain.includes(ESC), `codes with NO_COLOR: ${JSON.stringify(plain)}`);
        assert.match(plain, /waiting 1 s for slow\.sh/);
      },
    );
  },
});

Deno.test({
  name:
    "show draws the timeline to the terminal's width, and show's stdout in a file gets no colour",
  ignore,
  fn: async () => {
    await withHooks(
      { "10-quick.sh": "#!/bin/sh\nexit 0\n", "20-slow.sh": "#!/bin/sh\nsleep 1\nexit 2\n" },
      async (dir) => {
        const journal = join(dir, ".journal.jsonl");
        await onTerminal(["run", "--dir", dir, "--journal", journal, "--event", EVENT]);
        // The journal holds the stage's start record, then its report.
        const lines = (await Deno.readTextFile(journal)).trim().split("\n");
        const runId = JSON.parse(lines.at(-1)!).run_id.slice(0, 8);
        for (const columns of [60, 120]) {
          const shown = await onTerminal(["show", runId, "--journal", journal], { columns });
          const { lines } = screen(shown, columns);
          const bars = lines.filter((line) => line.includes("│"));
          // The scale and the bars fit the width (the event's JSON may wrap, as text does).
          const drawn = shown.replace(/\x1b\[[0-9;]*m/g, "").split("\r\n");
          const timeline = drawn.filter((line) => line.includes("│") || /^ +0 +\S+ s$/.test(line));
          assert.equal(timeline.length, 3, drawn.join("\n"));
          for (const line of timeline) {
            assert.ok([...line].length < columns, `wider than ${columns} columns: ${line}`);
          }
          assert.equal(bars.length, 2, lines.join("\n"));
          const quick = bars.find((line) => line.includes("10-quick.sh"))!;
          const slow = bars.find((line) => line.includes("20-slow.sh"))!;
          const length = (line: string) => (line.match(/█/g) ?? []).length;
          assert.ok(length(slow) > length(quick) * 3, `${quick}\n${slow}`);
          assert.ok(slow.length > columns - 12, `the timeline fills ${columns} columns: ${slow}`);
          assert.match(slow, /FAILED/);
          assert.ok(lines.some((line) => /held the stage: 20-slow\.sh/.test(line)));
        }
        const file = join(dir, ".shown");
        await onTerminal(["show", runId, "--journal", journal, "--json"]); // stdout data, fine
        await onTerminal(["show", runId, "--journal", journal], { stdoutTo: file });
        const saved = await Deno.readTextFile(file);
        assert.match(saved, /20-slow\.sh/);
        assert.ok(!saved.includes(ESC), "colour codes in a file, chosen by stderr's terminal");
      },
    );
  },
});
