/**
 * Reading a script's `#!` line and checking that what it names can run: the
 * interpreter exists and is executable, an `env` lookup finds its program on
 * PATH, and the line does not end in a carriage return.
 *
 * @module
 */
import { delimiter, isAbsolute, join } from "../paths.ts";
import { statByHelper } from "./stat_helper.ts";
import { isScopeDenial } from "../errors.ts";

/** What a `#!` line says. */
export interface Shebang {
  /** The interpreter path, e.g. `/bin/sh` or `/usr/bin/env`. */
  interpreter: string;
  /** Its arguments, e.g. `["python3"]` for `#!/usr/bin/env python3`. */
  args: string[];
  /** True when the line ends in `\r` (a file saved with CRLF line endings). */
  crlf: boolean;
}

/** The first bytes of a file, or null if it cannot be read. */
async function head(path: string, bytes = 512): Promise<Uint8Array | null> {
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(path, { read: true });
    const buffer = new Uint8Array(bytes);
    const n = await file.read(buffer);
    return buffer.subarray(0, n ?? 0);
  } catch {
    return null;
  } finally {
    file?.close();
  }
}

/**
 * Read the `#!` line of a file; null when it has none or cannot be read.
 *
 * @example
 * ```ts
 * import { readShebang } from "./shebang.ts";
 * import assert from "node:assert/strict";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "#!/usr/bin/env python3\nprint(1)\n");
 * assert.deepEqual(await readShebang(path), { interpreter: "/usr/bin/env", args: ["python3"], crlf: false });
 * await Deno.remove(path);
 * ```
 */
export async function readShebang(path: string): Promise<Shebang | null> {
  const bytes = await head(path);
  if (!bytes || bytes[0] !== 0x23 || bytes[1] !== 0x21) return null;
  let line = new TextDecoder().decode(bytes).slice(2).split("\n")[0];
  const crlf = line.endsWith("\r");
  if (crlf) line = line.slice(0, -1);
  const words = line.trim().split(/[ \t]+/).filter(Boolean);
  const [interpreter = "", ...args] = words;
  return { interpreter, args, crlf };
}

/**
 * True when the file starts with the ELF magic: a compiled program, which needs no `#!`.
 *
 * @example
 * ```ts
 * import { isElf } from "./shebang.ts";
 * import assert from "node:assert/strict";
 * assert.equal(await isElf("/bin/sh"), true);
 * ```
 */
export async function isElf(path: string): Promise<boolean> {
  const bytes = await head(path, 4);
  return bytes !== null && bytes.length === 4 && bytes[0] === 0x7f && bytes[1] === 0x45 &&
    bytes[2] === 0x4c &&
    bytes[3] === 0x46;
}

/** A probe's answer: an executable file, not one (or nothing there), or not known. */
type Probe = "yes" | "no" | "unknown";

/** Whether a stat answer is an executable regular file. */
function executable(mode: number | null, isFile: boolean): Probe {
  return isFile && (mode === null || (mode & 0o111) !== 0) ? "yes" : "no";
}

/**
 * Whether each path is an executable file. Deno's own `stat` where it may; a
 * scoped build asks coreutils `stat` (one call for all) about the paths outside
 * its read scope, so it judges an interpreter as `deno run -A` does. `unknown`
 * only when even that cannot answer.
 */
async function probeExecutables(paths: readonly string[]): Promise<Probe[]> {
  const probes: Probe[] = [];
  const hidden: string[] = [];
  for (const path of paths) {
    try {
      const info = await Deno.stat(path);
      probes.push(executable(info.mode, info.isFile));
    } catch (error) {
      if (isScopeDenial(error)) hidden.push(path);
      probes.push(isScopeDenial(error) ? "unknown" : "no");
    }
  }
  if (hidden.length === 0) return probes;
  const answers = await statByHelper(hidden);
  return paths.map((path, i) => {
    if (probes[i] !== "unknown") return probes[i];
    const answer = answers.get(path);
    if (answer === undefined || answer === "unknown") return "unknown";
    if (answer === "missing") return "no";
    return executable(answer.mode, (answer.mode & 0o170000) === 0o100000);
  });
}

/**
 * Find `program` on `PATH` the way `env` does; null when it is not there.
 *
 * @example
 * ```ts
 * import { findOnPath } from "./shebang.ts";
 * import assert from "node:assert/strict";
 * assert.match((await findOnPath("sh", "/usr/bin:/bin"))!, /^\/(usr\/)?bin\/sh$/);
 * assert.equal(await findOnPath("no-such-program-xyz", "/usr/bin:/bin"), null);
 * ```
 */
export async function findOnPath(program: string, path: string): Promise<string | null> {
  return (await lookUp(program, path)).found;
}

/** Look `program` up on `path`; `unknown` when a directory could not be inspected. */
async function lookUp(
  program: string,
  path: string,
): Promise<{ found: string | null; unknown: boolean }> {
  const candidates = program.includes("/")
    ? [program]
    : path.split(delimiter).filter(Boolean).map((dir) => join(dir, program));
  const probes = await probeExecutables(candidates);
  let unknown = false;
  for (const [i, candidate] of candidates.entries()) {
    if (probes[i] === "yes") return { found: candidate, unknown: false };
    if (probes[i] === "unknown") unknown = true;
  }
  return { found: null, unknown };
}

/** GNU env's short options that take a value (`-u NAME`, `-C DIR`). */
const ENV_VALUE_OPTIONS = new Set(["u", "C"]);
/** GNU env's long options that take a value when written apart (`--unset NAME`). */
const ENV_VALUE_LONG = new Set(["--unset", "--chdir"]);

/**
 * The program an `env` `#!` line runs, and the PATH it looks it up on when the
 * line assigns one: `env`'s options (`-i`, `-u NAME`, `-C DIR`, `-S`, `-v`,
 * `--split-string=...`, `--`) and `NAME=VALUE` assignments come first. The
 * kernel passes everything after `#!/usr/bin/env` as one argument, which
 * `-S` splits; the words here are already split.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { envProgram } from "./shebang.ts";
 * assert.deepEqual(envProgram(["-S", "PYTHONUNBUFFERED=1", "python3", "-u"]), { program: "python3" });
 * assert.deepEqual(envProgram(["-S", "deno", "run", "--quiet"]), { program: "deno" });
 * assert.deepEqual(envProgram(["-iS", "PATH=/opt/bin", "tool"]), { program: "tool", path: "/opt/bin" });
 * assert.deepEqual(envProgram(["-u", "HOME", "sh"]), { program: "sh" });
 * ```
 */
export function envProgram(args: readonly string[]): { program?: string; path?: string } {
  const words = [...args];
  let path: string | undefined;
  const found = (program?: string) => ({
    ...(program === undefined ? {} : { program }),
    ...(path === undefined ? {} : { path }),
  });
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (word === "--") return found(words[i + 1]);
    if (word.startsWith("--split-string=")) {
      words.splice(i + 1, 0, ...split(word.slice("--split-string=".length)));
    } else if (ENV_VALUE_LONG.has(word)) {
      i++; // --unset NAME, --chdir DIR
    } else if (word.startsWith("-") && word.length > 1 && !word.startsWith("--")) {
      // A cluster of short options: -iv, -uNAME, -u NAME, -SPROGRAM, -S.
      for (let j = 1; j < word.length; j++) {
        if (ENV_VALUE_OPTIONS.has(word[j])) {
          if (j === word.length - 1) i++; // the value is the next word
          break;
        }
        if (word[j] === "S") {
          words.splice(i + 1, 0, ...split(word.slice(j + 1)));
          break;
        }
      }
    } else if (!word.startsWith("-")) {
      const equals = word.indexOf("=");
      if (equals <= 0) return found(word);
      if (word.slice(0, equals) === "PATH") path = word.slice(equals + 1);
    }
    // Anything else (-, --ignore-environment, --debug...) sets nothing we need.
  }
  return found();
}

function split(text: string): string[] {
  return text.split(/[ \t]+/).filter(Boolean);
}

/**
 * What is wrong with a `#!` line, in words with the fix, or null when it can run.
 * `path` is the PATH hooks get, for `#!/usr/bin/env NAME` lookups. What Deno's
 * read scope hides is not a problem: `onUnknown` is told of it instead.
 *
 * @example
 * ```ts
 * import { shebangProblem } from "./shebang.ts";
 * import assert from "node:assert/strict";
 * const problem = await shebangProblem({ interpreter: "/usr/bin/python9", args: [], crlf: false }, "/usr/bin:/bin");
 * assert.equal(problem, "the interpreter named in the #! line is missing: /usr/bin/python9");
 * ```
 */
export async function shebangProblem(
  shebang: Shebang,
  path: string,
  onUnknown?: (path: string) => void,
): Promise<string | null> {
  if (shebang.crlf) {
    return `the #! line ends in CRLF, so the interpreter "${shebang.interpreter}\\r" does not exist: convert the file to Unix line endings (dos2unix)`;
  }
  if (!shebang.interpreter) return "the #! line names no interpreter";
  if (!isAbsolute(shebang.interpreter)) {
    return `the #! line must name the interpreter by absolute path, not "${shebang.interpreter}" (try #!/usr/bin/env ${shebang.interpreter})`;
  }
  const [interpreter] = await probeExecutables([shebang.interpreter]);
  if (interpreter === "unknown") {
    onUnknown?.(shebang.interpreter);
    return null;
  }
  if (interpreter === "no") {
    return `the interpreter named in the #! line is missing: ${shebang.interpreter}`;
  }
  if (/\/env$/.test(shebang.interpreter)) {
    const { program, path: assigned } = envProgram(shebang.args);
    if (program) {
      if (assigned !== undefined) path = assigned;
      const { found, unknown } = await lookUp(program, path);
      if (!found && unknown) onUnknown?.(`${program} on PATH`);
      if (!found && !unknown) {
        return `${shebang.interpreter} cannot find "${program}" on the hooks' PATH (${path}): install it or name it by absolute path`;
      }
    }
  }
  return null;
}
