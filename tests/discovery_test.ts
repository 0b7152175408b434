/** Which files in the hooks directory are hooks, which are skipped, and why. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { discoverHooks } from "../lib/hooks/discovery.ts";
import { safetyProblem } from "../lib/hooks/safety.ts";
import { compareNames, leftoverReason } from "../lib/hooks/names.ts";
import { ConfigError } from "../lib/errors.ts";
import { timed, withTempDir } from "./helpers.ts";

const OK = "#!/bin/sh\nexit 0\n";

/** Write a file with exactly `mode` (whatever the umask) and return its path. */
async function put(dir: string, name: string, mode = 0o755, text = OK): Promise<string> {
  const path = join(dir, name);
  await Deno.writeTextFile(path, text);
  await Deno.chmod(path, mode);
  return path;
}

/** Replace one function of the `Deno` namespace for the length of `fn` (discovery looks synchronously). */
async function patched<K extends "readDirSync" | "lstatSync">(
  key: K,
  replacement: (typeof Deno)[K],
  fn: () => Promise<void>,
): Promise<void> {
  const deno = Deno as unknown as Record<K, (typeof Deno)[K]>;
  const original = deno[key];
  deno[key] = replacement;
  try {
    await fn();
  } finally {
    deno[key] = original;
  }
}

function names(list: { name: string }[]): string[] {
  return list.map((entry) => entry.name);
}

// ---------------------------------------------------------------------------
// compareNames, leftoverReason, safetyProblem

Deno.test("compareNames() orders names by their UTF-8 bytes, not by locale", () => {
  assert.deepEqual(["B", "a", "Z1", "é", "10-x", "9-x"].sort(compareNames), [
    "10-x",
    "9-x",
    "B",
    "Z1",
    "a",
    "é",
  ]);
  assert.deepEqual(["b", "a~", "a", "_u", "ab", "\u{1F600}", "\uFFFF"].sort(compareNames), [
    "_u",
    "a",
    "ab",
    "a~",
    "b",
    "\uFFFF",
    "\u{1F600}",
  ]);
  assert.equal(compareNames("same", "same"), 0);
  assert.ok(compareNames("a", "ab") < 0 && compareNames("ab", "a") > 0);
});

Deno.test("compareNames() agrees with a plain comparison of TextEncoder bytes on random names", () => {
  const encoder = new TextEncoder();
  const bytewise = (a: string, b: string) => {
    const x = encoder.encode(a);
    const y = encoder.encode(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      if (x[i] !== y[i]) return Math.sign(x[i] - y[i]);
    }
    return Math.sign(x.length - y.length);
  };
  // ASCII, Latin-1, BMP above the surrogates, astral, and lone surrogates.
  const alphabet = ["a", "B", "0", "~", "é", "ÿ", "\u0800", "\uE000", "\uFFFD", "\uFFFF"]
    .concat(["\u{10000}", "\u{1F600}", "\u{10FFFF}", "\uD800", "\uDFFF"]);
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const word = () =>
    Array.from(
      { length: Math.floor(random() * 5) },
      () => alphabet[Math.floor(random() * alphabet.length)],
    ).join("");
  for (let i = 0; i < 5000; i++) {
    const a = word();
    const b = word();
    assert.equal(Math.sign(compareNames(a, b)), bytewise(a, b), JSON.stringify([a, b]));
  }
});

Deno.test("leftoverReason() names each editor and package-manager leftover", () => {
  const expected: Record<string, string> = {
    "hook.sh~": "~",
    "hook.sh.bak": ".bak",
    "hook.sh.orig": ".orig",
    "hook.sh.swp": ".swp",
    "hook.sh.rpmnew": ".rpmnew",
    "hook.sh.rpmsave": ".rpmsave",
    "hook.sh.dpkg-old": ".dpkg-old",
    "hook.sh.dpkg-dist": ".dpkg-dist",
    "hook.sh.dpkg-new": ".dpkg-new",
    "hook.sh.dpkg-tmp": ".dpkg-tmp",
  };
  for (const [name, suffix] of Object.entries(expected)) {
    assert.equal(leftoverReason(name), `editor or package-manager leftover (${suffix})`, name);
  }
});

Deno.test("leftoverReason() calls names starting with a dot hidden, and leaves ordinary names alone", () => {
  for (const name of [".hook.sh", ".bak", ".x~"]) {
    assert.equal(leftoverReason(name), "hidden file (name starts with a dot)", name);
  }
  for (
    const name of ["10-firewall.sh", "notify.py", "hook", "backup.sh", "x.bak.sh", "swp", "dpkg-x"]
  ) {
    assert.equal(leftoverReason(name), null, name);
  }
});

Deno.test("safetyProblem() accepts root's and the runner's files that group and others cannot write", async () => {
  const info = await Deno.stat("/");
  for (const mode of [0o100755, 0o100700, 0o104755, 0o40755, 0o41755]) {
    assert.equal(safetyProblem({ ...info, uid: 0, mode }, 1000), null, mode.toString(8));
    assert.equal(safetyProblem({ ...info, uid: 1000, mode }, 1000), null, mode.toString(8));
  }
});

Deno.test("safetyProblem() names a foreign owner and a group- or world-writable mode, with the fix", async () => {
  const info = await Deno.stat("/");
  assert.equal(
    safetyProblem({ ...info, uid: 1001, mode: 0o100755 }, 0),
    "owned by uid 1001, not root or the runner (uid 0): chown root",
  );
  assert.equal(
    safetyProblem({ ...info, uid: 0, mode: 0o100775 }, 1000),
    "writable by group or others (mode 0775): chmod go-w",
  );
  assert.equal(
    safetyProblem({ ...info, uid: 1000, mode: 0o100757 }, 1000),
    "writable by group or others (mode 0757): chmod go-w",
  );
  assert.equal(
    safetyProblem({ ...info, uid: 0, mode: 0o104777 }, 0),
    "writable by group or others (mode 04777): chmod go-w",
  );
  // Owner first when both are wrong.
  assert.match(safetyProblem({ ...info, uid: 7, mode: 0o100777 }, 0) ?? "", /^owned by uid 7,/);
});

Deno.test("safetyProblem() serves directories too, with what is checked named first", async () => {
  const info = await Deno.stat("/");
  assert.equal(
    safetyProblem({ ...info, uid: 0, mode: 0o40777 }, 0, "the hooks directory is"),
    "the hooks directory is writable by group or others (mode 0777): chmod go-w",
  );
  assert.equal(
    safetyProblem({ ...info, uid: 65534, mode: 0o40755 }, 0, "parent /opt is"),
    "parent /opt is owned by uid 65534, not root or the runner (uid 0): chown root",
  );
});

// ---------------------------------------------------------------------------
// discoverHooks: what is a hook

Deno.test("discoverHooks() runs executable regular files, with absolute paths and no target", async () => {
  await withTempDir(async (dir) => {
    await put(dir, "10-a.sh");
    await put(dir, "20-b.sh", 0o700);
    await put(dir, "30-c.sh", 0o701); // any execute bit will do
    await put(dir, "40-d.sh", 0o654);
    const found = await discoverHooks(dir);
    assert.deepEqual(found, {
      dir,
      exists: true,
      hooks: [
        { name: "10-a.sh", path: join(dir, "10-a.sh"), target: null },
        { name: "20-b.sh", path: join(dir, "20-b.sh"), target: null },
        { name: "30-c.sh", path: join(dir, "30-c.sh"), target: null },
        { name: "40-d.sh", path: join(dir, "40-d.sh"), target: null },
      ],
      skipped: [],
    });
  });
});

Deno.test("discoverHooks() makes a relative directory absolute", async () => {
  await withTempDir(async (dir) => {
    await put(dir, "hook");
    const cwd = Deno.cwd();
    Deno.chdir(dir);
    try {
      const found = await discoverHooks(".");
      assert.equal(found.dir, await Deno.realPath(dir));
      assert.deepEqual(found.hooks, [{
        name: "hook",
        path: join(await Deno.realPath(dir), "hook"),
        target: null,
      }]);
    } finally {
      Deno.chdir(cwd);
    }
  });
});

Deno.test("discoverHooks() treats a symlink to an executable file as a hook, with its real target", async () => {
  await withTempDir(async (dir) => {
    const elsewhere = join(dir, "lib");
    await Deno.mkdir(elsewhere);
    await put(elsewhere, "real.sh");
    await Deno.symlink(join(elsewhere, "real.sh"), join(dir, "10-absolute"));
    await Deno.symlink("lib/real.sh", join(dir, "20-relative"));
    await Deno.symlink("20-relative", join(dir, "30-chain"));
    const found = await discoverHooks(dir);
    const real = join(await Deno.realPath(elsewhere), "real.sh");
    assert.deepEqual(found.hooks, [
      { name: "10-absolute", path: join(dir, "10-absolute"), target: real },
      { name: "20-relative", path: join(dir, "20-relative"), target: real },
      { name: "30-chain", path: join(dir, "30-chain"), target: real },
    ]);
    assert.deepEqual(found.skipped.map((s) => [s.name, s.reason]), [["lib", "directory"]]);
  });
});

Deno.test("discoverHooks() lists the directory afresh on every call", async () => {
  await withTempDir(async (dir) => {
    await put(dir, "a");
    assert.deepEqual(names((await discoverHooks(dir)).hooks), ["a"]);
    await put(dir, "b");
    await Deno.chmod(join(dir, "a"), 0o644);
    const again = await discoverHooks(dir);
    assert.deepEqual(names(again.hooks), ["b"]);
    assert.deepEqual(names(again.skipped), ["a"]);
  });
});

// ---------------------------------------------------------------------------
// discoverHooks: what is skipped, and why

Deno.test("discoverHooks() skips files without an execute bit", async () => {
  await withTempDir(async (dir) => {
    await put(dir, "hook.sh");
    await put(dir, "notes.txt", 0o644);
    await put(dir, "secret", 0o600);
    await put(dir, "lib.sh", 0o4644);
    await Deno.symlink("notes.txt", join(dir, "z-link"));
    const found = await discoverHooks(dir);
    assert.deepEqual(names(found.hooks), ["hook.sh"]);
    const real = join(await Deno.realPath(dir), "notes.txt");
    assert.deepEqual(found.skipped, [
      {
        name: "lib.sh",
        reason: "not executable (mode 04644)",
        kind: "not_executable",
        refused: false,
        fix: `chmod +x ${join(dir, "lib.sh")}`,
      },
      {
        name: "notes.txt",
        reason: "not executable (mode 0644)",
        kind: "not_executable",
        refused: false,
        fix: `chmod +x ${join(dir, "notes.txt")}`,
      },
      {
        name: "secret",
        reason: "not executable (mode 0600)",
        kind: "not_executable",
        refused: false,
        fix: `chmod +x ${join(dir, "secret")}`,
      },
      {
        name: "z-link",
        reason: `symlink to ${real}: not executable (mode 0644)`,
        kind: "not_executable",
        refused: false,
        fix: `chmod +x ${real}`,
      },
    ]);
  });
});

Deno.test("discoverHooks() skips directories, even executable ones", async () => {
  await withTempDir(async (dir) => {
    await put(dir, "hook.sh");
    await Deno.mkdir(join(dir, "hook.d"));
    await Deno.chmod(join(dir, "hook.d"), 0o755);
    const found = await discoverHooks(dir);
    assert.deepEqual(names(found.hooks), ["hook.sh"]);
    assert.deepEqual(found.skipped, [
      { name: "hook.d", reason: "directory", kind: "directory", refused: false },
    ]);
  });
});

Deno.test("discoverHooks() skips names starting with a dot, however executable", async () => {
  await withTempDir(async (dir) => {
    await put(dir, ".hidden.sh");
    await put(dir, ".bak");
    await Deno.mkdir(join(dir, ".git"));
    await put(dir, "visible.sh");
    const found = await discoverHooks(dir);
    assert.deepEqual(names(found.hooks), ["visible.sh"]);
    const hidden = {
      reason: "hidden file (name starts with a dot)",
      kind: "hidden",
      refused: false,
    };
    assert.deepEqual(found.skipped, [
      { name: ".bak", ...hidden },
      { name: ".git", ...hidden },
      { name: ".hidden.sh", ...hidden },
    ]);
  });
});

Deno.test("discoverHooks() skips editor and package-manager leftovers, however executable", async () => {
  await withTempDir(async (dir) => {
    const leftovers = [
      "a.sh~",
      "a.sh.bak",
      "a.sh.dpkg-dist",
      "a.sh.dpkg-new",
      "a.sh.dpkg-old",
      "a.sh.dpkg-tmp",
      "a.sh.orig",
      "a.sh.rpmnew",
      "a.sh.rpmsave",
      "a.sh.swp",
    ];
    for (const name of ["a.sh", ...leftovers]) await put(dir, name);
    const found = await discoverHooks(dir);
    assert.deepEqual(names(found.hooks), ["a.sh"]);
    assert.deepEqual(
      found.skipped.map((s) => [s.name, s.kind, s.refused, s.reason]),
      [
        ["a.sh.bak", "leftover", false, "editor or package-manager leftover (.bak)"],
        ["a.sh.dpkg-dist", "leftover", false, "editor or package-manager leftover (.dpkg-dist)"],
        ["a.sh.dpkg-new", "leftover", false, "editor or package-manager leftover (.dpkg-new)"],
        ["a.sh.dpkg-old", "leftover", false, "editor or package-manager leftover (.dpkg-old)"],
        ["a.sh.dpkg-tmp", "leftover", false, "editor or package-manager leftover (.dpkg-tmp)"],
        ["a.sh.orig", "leftover", false, "editor or package-manager leftover (.orig)"],
        ["a.sh.rpmnew", "leftover", false, "editor or package-manager leftover (.rpmnew)"],
        ["a.sh.rpmsave", "leftover", false, "editor or package-manager leftover (.rpmsave)"],
        ["a.sh.swp", "leftover", false, "editor or package-manager leftover (.swp)"],
        ["a.sh~", "leftover", false, "editor or package-manager leftover (~)"],
      ],
    );
  });
});

Deno.test("discoverHooks() skips a broken symlink and names where it points", async () => {
  await withTempDir(async (dir) => {
    await put(dir, "hook.sh");
    await Deno.symlink("/nonexistent/solus/x", join(dir, "dangling"));
    await Deno.symlink("hook.sh/below", join(dir, "through-a-file"));
    await Deno.symlink("loop-b", join(dir, "loop-a"));
    await Deno.symlink("loop-a", join(dir, "loop-b"));
    const found = await discoverHooks(dir);
    assert.deepEqual(names(found.hooks), ["hook.sh"]);
    assert.deepEqual(found.skipped, [
      {
        name: "dangling",
        reason: "broken symlink to /nonexistent/solus/x",
        kind: "broken_link",
        refused: false,
      },
      {
        name: "loop-a",
        reason: "broken symlink to loop-b (a loop of links)",
        kind: "broken_link",
        refused: false,
      },
      {
        name: "loop-b",
        reason: "broken symlink to loop-a (a loop of links)",
        kind: "broken_link",
        refused: false,
      },
      {
        name: "through-a-file",
        reason: "broken symlink to hook.sh/below",
        kind: "broken_link",
        refused: false,
      },
    ]);
  });
});

Deno.test("discoverHooks() skips a symlink to a directory", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(join(dir, "sub"));
    await Deno.symlink("sub", join(dir, "link-to-sub"));
    await Deno.symlink("/", join(dir, "link-to-root"));
    const found = await discoverHooks(dir);
    assert.deepEqual(found.hooks, []);
    const sub = join(await Deno.realPath(dir), "sub");
    assert.deepEqual(found.skipped, [
      {
        name: "link-to-root",
        reason: "symlink to a directory (/)",
        kind: "directory",
        refused: false,
      },
      {
        name: "link-to-sub",
        reason: `symlink to a directory (${sub})`,
        kind: "directory",
        refused: false,
      },
      { name: "sub", reason: "directory", kind: "directory", refused: false },
    ]);
  });
});

timed.test("discoverHooks() skips fifos, sockets and devices: not regular files", async () => {
  await withTempDir(async (dir) => {
    const mkfifo = await new Deno.Command("mkfifo", { args: ["-m", "0755", join(dir, "fifo")] })
      .output();
    assert.equal(mkfifo.code, 0, "mkfifo");
    const listener = Deno.listen({ transport: "unix", path: join(dir, "socket") });
    try {
      await Deno.chmod(join(dir, "socket"), 0o755);
      await Deno.symlink("/dev/null", join(dir, "null"));
      await Deno.symlink("fifo", join(dir, "to-fifo"));
      await put(dir, "hook");
      const found = await discoverHooks(dir);
      assert.deepEqual(names(found.hooks), ["hook"]);
      const real = await Deno.realPath(dir);
      assert.deepEqual(found.skipped, [
        {
          name: "fifo",
          reason: "not a regular file (a fifo)",
          kind: "not_regular",
          refused: false,
        },
        {
          name: "null",
          reason: "symlink to /dev/null: not a regular file (a character device)",
          kind: "not_regular",
          refused: false,
        },
        {
          name: "socket",
          reason: "not a regular file (a socket)",
          kind: "not_regular",
          refused: false,
        },
        {
          name: "to-fifo",
          reason: `symlink to ${join(real, "fifo")}: not a regular file (a fifo)`,
          kind: "not_regular",
          refused: false,
        },
      ]);
    } finally {
      listener.close();
    }
  });
});

timed.test("discoverHooks() skips a name that is not valid UTF-8 instead of dropping it unseen", async () => {
  await withTempDir(async (dir) => {
    const made = await new Deno.Command("sh", {
      args: ["-c", `f="$(printf 'bad\\377name')"; printf '#!/bin/sh\\n' > "$f"; chmod 755 "$f"`],
      cwd: dir,
    }).output();
    assert.equal(made.code, 0, new TextDecoder().decode(made.stderr));
    await put(dir, "good");
    const found = await discoverHooks(dir);
    assert.deepEqual(names(found.hooks), ["good"]);
    assert.deepEqual(found.skipped, [{
      name: "bad\\xffname", // its bytes, as a person can name the file
      reason: "name is not valid UTF-8, so it cannot be run: rename it",
      kind: "not_regular",
      refused: false,
    }]);
  });
});

Deno.test("discoverHooks() leaves out a file that vanishes between listing and looking", async () => {
  await withTempDir(async (dir) => {
    await put(dir, "a");
    await put(dir, "c");
    const original = Deno.readDirSync;
    await patched("readDirSync", function* (path) {
      yield* original(path);
      yield { name: "b-ghost", isFile: true, isDirectory: false, isSymlink: false };
    }, async () => {
      const found = await discoverHooks(dir);
      assert.deepEqual(names(found.hooks), ["a", "c"]);
      assert.deepEqual(found.skipped, []);
    });
  });
});

Deno.test("discoverHooks() sorts hooks and skipped files in byte-wise order of their names", async () => {
  await withTempDir(async (dir) => {
    const order = ["10-x", "9-x", "B", "Z1", "a", "é"];
    for (const name of ["B", "a", "Z1", "é", "10-x", "9-x"]) {
      await put(dir, name);
      await put(dir, `${name}.txt`, 0o644);
    }
    const found = await discoverHooks(dir);
    assert.deepEqual(names(found.hooks), order);
    assert.deepEqual(names(found.skipped), order.map((name) => `${name}.txt`));
  });
});

Deno.test("discoverHooks() sets refused only for the safety rule", async () => {
  await withTempDir(async (dir) => {
    await put(dir, ".dot");
    await put(dir, "x.bak");
    await put(dir, "plain.txt", 0o644);
    await Deno.mkdir(join(dir, "sub"));
    await Deno.symlink("/nonexistent", join(dir, "dangling"));
    await put(dir, "loose.sh", 0o777);
    const found = await discoverHooks(dir);
    assert.deepEqual(found.hooks, []);
    assert.deepEqual(found.skipped.map((s) => [s.name, s.kind, s.refused]), [
      [".dot", "hidden", false],
      ["dangling", "broken_link", false],
      ["loose.sh", "insecure", true],
      ["plain.txt", "not_executable", false],
      ["sub", "directory", false],
      ["x.bak", "leftover", false],
    ]);
  });
});

// ---------------------------------------------------------------------------
// discoverHooks: the directory itself

Deno.test("discoverHooks() treats a missing directory as zero hooks, not an error", async () => {
  await withTempDir(async (dir) => {
    const missing = join(dir, "no", "such", "hooks");
    assert.deepEqual(await discoverHooks(missing), {
      dir: missing,
      exists: false,
      hooks: [],
      skipped: [],
    });
    await Deno.symlink(join(dir, "gone"), join(dir, "dangling-dir"));
    assert.equal((await discoverHooks(join(dir, "dangling-dir"))).exists, false);
  });
});

Deno.test("discoverHooks() treats an empty directory as zero hooks", async () => {
  await withTempDir(async (dir) => {
    assert.deepEqual(await discoverHooks(dir), { dir, exists: true, hooks: [], skipped: [] });
  });
});

Deno.test("discoverHooks() throws an error naming a hooks directory that is a file", async () => {
  await withTempDir(async (dir) => {
    const file = await put(dir, "not-a-dir");
    await assert.rejects(
      () => discoverHooks(file),
      (error) =>
        error instanceof ConfigError &&
        error.message === `hooks directory ${file} is not a directory`,
    );
  });
});

Deno.test("discoverHooks() throws an error naming a hooks directory it may not list", async () => {
  await withTempDir(async (dir) => {
    await patched("readDirSync", (path) => {
      throw new Deno.errors.PermissionDenied(`Permission denied (os error 13): readdir '${path}'`);
    }, async () => {
      await assert.rejects(
        () => discoverHooks(dir),
        (error) =>
          error instanceof ConfigError &&
          error.message.startsWith(`cannot list hooks directory ${dir}: Permission denied`),
      );
    });
  });
});

Deno.test("discoverHooks() throws an error naming a file it may not look at", async () => {
  await withTempDir(async (dir) => {
    await put(dir, "a");
    await put(dir, "b");
    const original = Deno.lstatSync;
    await patched("lstatSync", (path) => {
      if (String(path).endsWith("/b")) {
        throw new Deno.errors.PermissionDenied("Permission denied (os error 13)");
      }
      return original(path);
    }, async () => {
      await assert.rejects(
        () => discoverHooks(dir),
        (error) =>
          error instanceof ConfigError &&
          error.message ===
            `cannot inspect ${
              join(dir, "b")
            } in hooks directory ${dir}: Permission denied (os error 13)`,
      );
    });
  });
});

// ---------------------------------------------------------------------------
// discoverHooks: the safety rule

Deno.test("discoverHooks() refuses hooks writable by group or others", async () => {
  await withTempDir(async (dir) => {
    await put(dir, "a-safe.sh", 0o755);
    await put(dir, "b-group.sh", 0o775);
    await put(dir, "c-world.sh", 0o757);
    await put(dir, "d-both.sh", 0o777);
    const found = await discoverHooks(dir);
    assert.deepEqual(names(found.hooks), ["a-safe.sh"]);
    const refused = (name: string, mode: string) => ({
      name,
      reason: `writable by group or others (mode ${mode})`,
      kind: "insecure",
      refused: true,
      fix: `chmod go-w ${join(dir, name)}`,
    });
    assert.deepEqual(found.skipped, [
      refused("b-group.sh", "0775"),
      refused("c-world.sh", "0757"),
      refused("d-both.sh", "0777"),
    ]);
  });
});

Deno.test("discoverHooks() runs group- or world-writable hooks with allowInsecure", async () => {
  await withTempDir(async (dir) => {
    await put(dir, "a-safe.sh", 0o755);
    await put(dir, "b-group.sh", 0o775);
    await put(dir, "c-world.sh", 0o757);
    await put(dir, "d-off.sh", 0o666); // allowInsecure lifts the safety rule, nothing else
    const found = await discoverHooks(dir, { allowInsecure: true });
    assert.deepEqual(names(found.hooks), ["a-safe.sh", "b-group.sh", "c-world.sh"]);
    assert.deepEqual(found.skipped.map((s) => [s.name, s.kind, s.refused]), [
      ["d-off.sh", "not_executable", false],
    ]);
  });
});

Deno.test("discoverHooks() refuses a symlink whose target is writable by group or others", async () => {
  await withTempDir(async (dir) => {
    const outside = join(dir, "store");
    await Deno.mkdir(outside);
    await put(outside, "loose.sh", 0o775);
    await put(outside, "tight.sh", 0o755);
    const hooks = join(dir, "hooks");
    await Deno.mkdir(hooks);
    await Deno.symlink(join(outside, "loose.sh"), join(hooks, "10-loose"));
    await Deno.symlink(join(outside, "tight.sh"), join(hooks, "20-tight"));
    const found = await discoverHooks(hooks);
    const store = await Deno.realPath(outside);
    assert.deepEqual(found.hooks, [
      { name: "20-tight", path: join(hooks, "20-tight"), target: join(store, "tight.sh") },
    ]);
    assert.deepEqual(found.skipped, [{
      name: "10-loose",
      reason: `link target ${join(store, "loose.sh")} writable by group or others (mode 0775)`,
      kind: "insecure",
      refused: true,
      fix: `chmod go-w ${join(store, "loose.sh")}`,
    }]);
    const lax = await discoverHooks(hooks, { allowInsecure: true });
    assert.deepEqual(names(lax.hooks), ["10-loose", "20-tight"]);
  });
});

Deno.test("discoverHooks() trusts files of the uid it is told is the runner's", async () => {
  await withTempDir(async (dir) => {
    await put(dir, "mine.sh");
    const owner = (await Deno.stat(join(dir, "mine.sh"))).uid!;
    // The files here belong to whoever runs the tests: a runner with that uid
    // trusts them; a runner with another uid trusts them only if that owner is root.
    assert.deepEqual(names((await discoverHooks(dir, { uid: owner })).hooks), ["mine.sh"]);
    const stranger = owner === 4242 ? 4343 : 4242;
    const found = await discoverHooks(dir, { uid: stranger });
    if (owner === 0) {
      assert.deepEqual(names(found.hooks), ["mine.sh"]);
    } else {
      assert.deepEqual(found.skipped.map((s) => s.reason), [
        `owned by uid ${owner}, not root or the runner (uid ${stranger})`,
      ]);
    }
  });
});

Deno.test({
  name: "discoverHooks() refuses a hook owned by another user (needs root to chown)",
  ignore: Deno.uid() !== 0,
  fn: async () => {
    await withTempDir(async (dir) => {
      await put(dir, "mine.sh");
      await Deno.chown(await put(dir, "theirs.sh"), 65534, 65534);
      const found = await discoverHooks(dir);
      assert.deepEqual(names(found.hooks), ["mine.sh"]);
      assert.deepEqual(found.skipped, [{
        name: "theirs.sh",
        reason: "owned by uid 65534, not root or the runner (uid 0)",
        kind: "insecure",
        refused: true,
        fix: `chown root ${join(dir, "theirs.sh")}`,
      }]);
      // A runner whose uid is 65534 trusts that user's files, and root's.
      const asNobody = await discoverHooks(dir, { uid: 65534 });
      assert.deepEqual(names(asNobody.hooks), ["mine.sh", "theirs.sh"]);
      assert.deepEqual(asNobody.skipped, []);
      // allowInsecure lifts the ownership rule too.
      const lax = await discoverHooks(dir, { allowInsecure: true });
      assert.deepEqual(names(lax.hooks), ["mine.sh", "theirs.sh"]);
    });
  },
});

Deno.test({
  name: "discoverHooks() refuses a symlink whose target another user owns (needs root to chown)",
  ignore: Deno.uid() !== 0,
  fn: async () => {
    await withTempDir(async (dir) => {
      const outside = join(dir, "store");
      await Deno.mkdir(outside);
      const theirs = await put(outside, "theirs.sh");
      await Deno.chown(theirs, 65534, 65534);
      const hooks = join(dir, "hooks");
      await Deno.mkdir(hooks);
      await Deno.symlink(theirs, join(hooks, "link"));
      const found = await discoverHooks(hooks);
      assert.deepEqual(found.hooks, []);
      const real = join(await Deno.realPath(outside), "theirs.sh");
      assert.deepEqual(found.skipped, [{
        name: "link",
        reason: `link target ${real} owned by uid 65534, not root or the runner (uid 0)`,
        kind: "insecure",
        refused: true,
        fix: `chown root ${real}`,
      }]);
    });
  },
});
