/**
 * solus-hooks on a SolusVM node (contract §0), end to end: `deno task install`
 * onto the real paths of a private mount namespace (overlays over /usr/local,
 * /etc and /var/log, so this machine's own are never touched), then a stand-in
 * for SolusVM written from its documentation (`fixtures/solusvm.ts`) fires
 * events at the platform's folder, as SolusVM would, through the installed
 * entry. Then an upgrade from a newer checkout, and uninstall. Root only.
 */
import assert from "node:assert/strict";
import { canRun, ROOT, sleep, timed, track, withTempDir } from "./helpers.ts";
import { checkoutCopy, exec, type ExecResult, setVersion } from "./artifact.ts";
import type { PlatformStage } from "./fixtures/solusvm.ts";

const NODE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const PLATFORM_DIR = "/usr/local/solus/hooks";
const HOOKS_D = "/usr/local/solus/hooks.d";
const UUID = "c7ee19aa-2722-4139-9223-60ed4baf09e2";

/** A private mount namespace kept open by a process of its own, and commands run inside it. */
class Node {
  private constructor(readonly pid: number, private readonly holder: Deno.ChildProcess) {}

  /** Make the namespace: overlays over /usr/local, /etc and /var/log, upper layers under `scratch`. */
  static async start(scratch: string): Promise<Node> {
    const holder = new Deno.Command("unshare", {
      args: ["-m", "--propagation", "private", "sleep", "3600"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    track(holder.pid);
    const node = new Node(holder.pid, holder);
    // unshare execs sleep once the namespace is made: wait until it is another one.
    const own = await Deno.readLink("/proc/self/ns/mnt");
    for (let i = 0; i < 250; i++) {
      const theirs = await Deno.readLink(`/proc/${holder.pid}/ns/mnt`).catch(() => own);
      if (theirs !== own) break;
      await sleep(20);
    }
    const setup = await node.sh(`set -eu
mount -t tmpfs tmpfs '${scratch}'
for d in usr/local etc var/log; do
  layer='${scratch}'/$(echo "$d" | tr / _)
  mkdir -p "$layer/upper" "$layer/work"
  mount -t overlay overlay -o "lowerdir=/$d,upperdir=$layer/upper,workdir=$layer/work" "/$d"
done
# Nothing reaches this machine's system log from inside.
if [ -d /run/systemd ]; then mount -t tmpfs tmpfs /run/systemd; fi
if [ -S /dev/log ]; then mount --bind /dev/null /dev/log; fi
`);
    assert.equal(setup.code, 0, setup.stderr);
    return node;
  }

  /** Run `args` inside, with a node's clean environment. */
  run(args: string[], options: { cwd?: string; stdin?: string; timeoutMs?: number } = {}) {
    const env = ["PATH=" + NODE_PATH, `HOME=${Deno.env.get("HOME") ?? "/root"}`, "NO_COLOR=1"];
    for (const name of ["DENO_DIR", "XDG_CACHE_HOME"]) {
      const value = Deno.env.get(name);
      if (value !== undefined) env.push(`${name}=${value}`);
    }
    const cwd = options.cwd ?? ROOT;
    return exec("nsenter", [
      "-t",
      `${this.pid}`,
      "-m",
      `--wd=${cwd}`,
      "--",
      "env",
      "-i",
      ...env,
      ...args,
    ], {
      cwd,
      stdin: options.stdin,
      timeoutMs: options.timeoutMs ?? 180_000,
    });
  }

  /** Run a shell script inside. */
  sh(script: string): Promise<ExecResult> {
    return this.run(["sh", "-c", script]);
  }

  /** SolusVM, as its documentation tells it, fires `event` at its folder. */
  async platform(event: string, ...args: string[]): Promise<PlatformStage[]> {
    const result = await this.run([
      Deno.execPath(),
      "run",
      "-A",
      "--no-config",
      `${ROOT}/tests/fixtures/solusvm.ts`,
      ...args,
      event,
    ], { timeoutMs: 150_000 });
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout);
  }

  /** The installed command, inside. */
  cli(...args: string[]): Promise<ExecResult> {
    return this.run(["/usr/local/bin/solus-hooks", ...args], { cwd: "/" });
  }

  async stop(): Promise<void> {
    try {
      this.holder.kill("SIGKILL");
    } catch {
      // gone already
    }
    await this.holder.status;
  }
}

/** The events a hook that logs what it read saw, in the order they came. */
async function eventsIn(path: string): Promise<{ action: string; stage: string }[]> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

/**
 * Whether this machine lets the test make its node: root, `nsenter`, and a private mount
 * namespace where an overlay can be mounted over /etc (tried, in a namespace that ends at once).
 * Without them the test is skipped: it never installs onto the machine itself.
 */
function canOverlay(): boolean {
  if (Deno.uid() !== 0 || !canRun("nsenter", ["--version"])) return false;
  return canRun("unshare", [
    "-m",
    "--propagation",
    "private",
    "sh",
    "-c",
    "mount -t tmpfs t /mnt && mkdir /mnt/u /mnt/w && " +
    "mount -t overlay o -o lowerdir=/etc,upperdir=/mnt/u,workdir=/mnt/w /etc",
  ]);
}

const stageNames = (events: { action: string; stage: string }[]) =>
  events.map((event) => `${event.action} ${event.stage}`).sort();

timed.test({
  name:
    "on a node (skipped unless root with overlays in a private mount namespace): install adopts SolusVM's hooks, the entry runs them once per stage with the platform's bytes and their directives, within the minute; upgrade and uninstall",
  ignore: !canOverlay(),
  timeoutMs: 420_000,
  fn: async () => {
    await withTempDir(async (tmp) => {
      const out = `${tmp}/out`;
      const scratch = `${tmp}/layers`;
      await Deno.mkdir(out);
      await Deno.mkdir(scratch);
      await Deno.mkdir(`${tmp}/stage`);
      const node = await Node.start(scratch);
      try {
        const put = async (path: string, text: string) => {
          const staged = `${tmp}/stage/${path.replaceAll("/", "_")}`;
          await Deno.writeTextFile(staged, text);
          const copy = await node.run(["install", "-D", "-m", "0755", staged, path]);
          assert.equal(copy.code, 0, copy.stderr);
        };
        const clear = () => node.sh(`rm -f '${out}'/*`);

        // The operator's hooks, where the seed tells operators to put them.
        await put(
          `${PLATFORM_DIR}/10-count`,
          `#!/bin/sh\nevent=$(cat)\nprintf '%s\\n' "$event" >> '${out}/count.log'\n`,
        );
        await put(
          `${PLATFORM_DIR}/20-bytes`,
          `#!/bin/sh\ncat > "$(mktemp '${out}/bytes.XXXXXX')"\n`,
        );
        await put(
          `${PLATFORM_DIR}/30-delete-only`,
          `#!/bin/sh\n# solus-hooks: actions=server-delete\ncat >/dev/null\necho ran >> '${out}/delete.log'\n`,
        );

        // Before: SolusVM runs them itself, the directive means nothing to it.
        let stages = await node.platform("server-restart");
        assert.deepEqual(stages.map((s) => s.hooks.map((h) => h.name)), [
          ["10-count", "20-bytes", "30-delete-only"],
          ["10-count", "20-bytes", "30-delete-only"],
        ]);
        assert.equal((await Deno.readTextFile(`${out}/delete.log`)).trim().split("\n").length, 2);
        await clear();

        // Install: each hook moved, named in the output; the entry alone in the platform's folder.
        // A checkout of its own, as an operator has: its dist/ is built by install, and its
        // version is raised below for the upgrade.
        const checkout = await checkoutCopy(tmp);
        const installed = await node.run([Deno.execPath(), "task", "--quiet", "install"], {
          cwd: checkout,
        });
        assert.equal(installed.code, 0, installed.stderr);
        for (const name of ["10-count", "20-bytes", "30-delete-only"]) {
          assert.match(
            installed.stderr,
            new RegExp(`install: moved +${PLATFORM_DIR}/${name} +\\(-> ${HOOKS_D}/${name}\\)`),
          );
        }
        const listing = await node.sh(`ls -A ${PLATFORM_DIR}; echo --; ls -A ${HOOKS_D}`);
        assert.equal(listing.stdout, "solus-hooks\n--\n10-count\n20-bytes\n30-delete-only\n");
        const check = await node.cli("check");
        assert.equal(check.code, 0, check.stderr);
        assert.match(
          check.stderr,
          /3 hooks will run \(10-count, 20-bytes, 30-delete-only\); 0 errors/,
        );
        // Nothing about the entry or the platform's folder: the layout is as it should be.
        assert.doesNotMatch(check.stderr, /\/usr\/local\/solus\/hooks\/|budget/);

        // Creating a server: server-create then server-network-create, pre and post,
        // each through the entry, each hook once per stage, with the bytes the platform sent.
        const create =
          `{"uuid":"${UUID}","virtualization_type":"kvm","hostname":"vm1.example.com","ip_addresses":["192.0.2.10","2001:db8::10"]}`;
        const network =
          `{ "uuid" : "${UUID}", "virtualization_type":"kvm",  "mac_address":"52:54:00:12:34:56","ip_addresses":["192.0.2.10"] }`;
        stages = await node.platform(
          "server-create",
          "--data-for",
          "server-create",
          create,
          "--data-for",
          "server-network-create",
          network,
        );
        assert.deepEqual(stages.map((s) => `${s.action} ${s.stage}`), [
          "server-create pre",
          "server-network-create pre",
          "server-create post",
          "server-network-create post",
        ]);
        for (const stage of stages) {
          assert.deepEqual(
            stage.hooks.map((h) => [h.name, h.code]),
            [["solus-hooks", 0]],
            stage.hooks[0]?.stderr,
          );
          assert.equal(stage.gave_up, false);
        }
        assert.deepEqual(stageNames(await eventsIn(`${out}/count.log`)), stageNames(stages));
        const received: string[] = [];
        for await (const entry of Deno.readDir(out)) {
          if (entry.name.startsWith("bytes.")) {
            received.push(await Deno.readTextFile(`${out}/${entry.name}`));
          }
        }
        assert.deepEqual(
          received.sort(),
          stages.map((s) => s.event).sort(),
          "the platform's exact bytes",
        );
        await clear();

        // An integer past 2^53 reaches the hook as the platform wrote it.
        const migrate =
          `{"uuid":"${UUID}","virtualization_type":"kvm","source_compute_resource_id":9007199254740993,"destination_compute_resource_id":2}`;
        stages = await node.platform("server-migrate", "--fail", "--data", migrate);
        assert.equal(stages.length, 1, "a failed event fires no post stage");
        const bytes = [];
        for await (const entry of Deno.readDir(out)) {
          if (entry.name.startsWith("bytes.")) {
            bytes.push(await Deno.readTextFile(`${out}/${entry.name}`));
          }
        }
        assert.deepEqual(bytes, [stages[0].event]);
        assert.match(bytes[0], /9007199254740993/);
        await clear();

        // Directives hold: the hook for server-delete no longer runs on every event.
        await node.platform("server-restart");
        assert.deepEqual(stageNames(await eventsIn(`${out}/count.log`)), [
          "server-restart post",
          "server-restart pre",
        ]);
        assert.equal(await Deno.readTextFile(`${out}/delete.log`).catch(() => null), null);
        await node.platform("server-delete");
        assert.equal((await Deno.readTextFile(`${out}/delete.log`)).trim().split("\n").length, 2);
        await clear();

        // check looks at the platform's folder: a stray executable there, a broken entry, a command gone.
        await put(`${PLATFORM_DIR}/99-stray`, "#!/bin/sh\n");
        let audit = await node.cli("check");
        assert.equal(audit.code, 0, audit.stderr);
        assert.match(
          audit.stderr,
          /warning \/usr\/local\/solus\/hooks\/99-stray: SolusVM runs it directly, on every event, outside solus-hooks/,
        );
        assert.match(
          audit.stderr,
          /fix: move it into the hooks directory: mv \/usr\/local\/solus\/hooks\/99-stray \/usr\/local\/solus\/hooks\.d\//,
        );
        await node.sh(`rm ${PLATFORM_DIR}/99-stray; chmod 0644 ${PLATFORM_DIR}/solus-hooks`);
        audit = await node.cli("check");
        assert.equal(audit.code, 1, audit.stderr);
        assert.match(
          audit.stderr,
          /error +\/usr\/local\/solus\/hooks\/solus-hooks: the entry is not executable, so SolusVM runs no hook/,
        );
        await node.sh(
          `chmod 0755 ${PLATFORM_DIR}/solus-hooks; mv /usr/local/bin/solus-hooks /usr/local/bin/solus-hooks.away`,
        );
        audit = await node.run([Deno.execPath(), "run", "-A", `${ROOT}/main.ts`, "check"]);
        assert.equal(audit.code, 1, audit.stderr);
        assert.match(
          audit.stderr,
          /the entry runs \/usr\/local\/bin\/solus-hooks, which is missing or not executable: no hook runs/,
        );
        stages = await node.platform("server-stop", "--fail");
        assert.equal(stages[0].hooks[0].code, 127);
        assert.match(
          stages[0].hooks[0].stderr,
          /^solus-hooks entry: \/usr\/local\/bin\/solus-hooks is missing or not executable, so no hook ran: reinstall/,
        );
        await node.sh("mv /usr/local/bin/solus-hooks.away /usr/local/bin/solus-hooks");
        await clear();

        // Deno missing on the node: the command says so plainly (in a namespace of its own, deno hidden).
        const realDeno = await Deno.realPath(Deno.execPath());
        const noDeno = await node.run([
          "unshare",
          "-m",
          "--propagation",
          "private",
          "sh",
          "-c",
          `mount --bind /dev/null '${realDeno}' && exec env -i PATH=/usr/bin:/bin HOME=/nonexistent /usr/local/bin/solus-hooks --version`,
        ]);
        assert.equal(noDeno.code, 127, noDeno.stderr);
        assert.match(
          noDeno.stderr,
          /^solus-hooks: Deno must be on PATH \(looked on PATH, in \/usr\/local\/bin\/deno, \/usr\/bin\/deno and ~\/\.deno\/bin\): install Deno/,
        );

        // A hook that ignores SIGTERM never makes the platform wait its minute. Its name is
        // this test's own, so the leftover check below cannot see another copy of the suite
        // running on the same machine (mount namespaces do not hide processes).
        const stubborn = `40-stubborn-${crypto.randomUUID().slice(0, 8)}`;
        await put(
          `${HOOKS_D}/${stubborn}`,
          "#!/bin/sh\n# solus-hooks: actions=server-stop\ntrap '' TERM\ncat >/dev/null\nsleep 120\n",
        );
        stages = await node.platform("server-stop", "--fail");
        const [stop] = stages;
        assert.equal(stop.gave_up, false);
        assert.equal(stop.hooks[0].code, 1, stop.hooks[0].stderr);
        assert.match(
          stop.hooks[0].stderr,
          new RegExp(`TIMED OUT +${stubborn} +.* killed at the stage deadline`),
        );
        console.log(`the platform waited ${stop.waited_ms} ms for a hook that ignores SIGTERM`);
        assert.ok(stop.waited_ms < 58_000, `the platform waited ${stop.waited_ms} ms`);
        assert.ok(
          stop.waited_ms > 50_000,
          `the entry gave hooks their deadline: ${stop.waited_ms} ms`,
        );
        assert.deepEqual(stageNames(await eventsIn(`${out}/count.log`)), ["server-stop pre"]);
        const left = await node.sh(`pgrep -f '[4]${stubborn.slice(1)}' || true`);
        assert.equal(left.stdout.trim(), "", "no process of the hook is left");
        const history = await node.cli("history", "--json", "--limit", "1");
        assert.equal(history.code, 0, history.stderr);
        const [last] = JSON.parse(history.stdout);
        assert.equal(last.action, "server-stop", history.stdout);
        assert.match(
          JSON.stringify(last.failed),
          new RegExp(stubborn),
          "the journal names the hook",
        );
        await node.sh(`rm ${HOOKS_D}/${stubborn}`);
        await clear();

        // A newer build replaces the installed one and says old -> new; the same build changes nothing.
        const copy = checkout;
        const version = JSON.parse(await Deno.readTextFile(`${copy}/deno.json`)).version as string;
        await setVersion(copy, "99.0.0");
        const upgrade = await node.run([Deno.execPath(), "task", "--quiet", "install"], {
          cwd: copy,
        });
        assert.equal(upgrade.code, 0, upgrade.stderr);
        assert.match(
          upgrade.stderr,
          new RegExp(
            `install: replaced solus-hooks ${version.replaceAll(".", "\\.")} -> 99\\.0\\.0`,
          ),
        );
        assert.equal((await node.cli("--version")).stdout.trim(), "solus-hooks 99.0.0");
        const again = await node.run([Deno.execPath(), "task", "--quiet", "install"], {
          cwd: copy,
        });
        assert.equal(again.code, 0, again.stderr);
        assert.match(again.stderr, /install: nothing to change/);
        await node.platform("server-restart");
        assert.deepEqual(stageNames(await eventsIn(`${out}/count.log`)), [
          "server-restart post",
          "server-restart pre",
        ]);
        await clear();

        // Uninstall: the hooks go back where SolusVM runs them itself; config and journal stay.
        const removed = await node.run([Deno.execPath(), "task", "--quiet", "uninstall"], {
          cwd: copy,
        });
        assert.equal(removed.code, 0, removed.stderr);
        const after = await node.sh(
          `ls -A ${PLATFORM_DIR}; echo --; ls -d ${HOOKS_D} /usr/local/bin/solus-hooks /usr/local/lib/solus-hooks 2>&1 | grep -c 'No such'; ls /etc/solus-hooks/config.jsonc /var/log/solus-hooks/journal.jsonl`,
        );
        assert.equal(
          after.stdout,
          "10-count\n20-bytes\n30-delete-only\n--\n3\n/etc/solus-hooks/config.jsonc\n/var/log/solus-hooks/journal.jsonl\n",
          after.stderr,
        );
        stages = await node.platform("server-restart");
        assert.deepEqual(stages[0].hooks.map((h) => h.name), [
          "10-count",
          "20-bytes",
          "30-delete-only",
        ]);
        assert.deepEqual(stageNames(await eventsIn(`${out}/count.log`)), [
          "server-restart post",
          "server-restart pre",
        ]);
        assert.equal((await Deno.readTextFile(`${out}/delete.log`)).trim().split("\n").length, 2);

        // check on the node as uninstall left it: no entry, hooks SolusVM runs itself.
        const repoCheck = () =>
          node.run([Deno.execPath(), "run", "-A", `${ROOT}/main.ts`, "check"]);
        audit = await repoCheck();
        assert.equal(audit.code, 1, audit.stderr);
        assert.match(
          audit.stderr,
          /error +\/usr\/local\/solus\/hooks\/solus-hooks: the entry is missing/,
        );
        assert.match(
          audit.stderr,
          /warning \/usr\/local\/solus\/hooks\/30-delete-only: SolusVM runs it directly/,
        );
        // hooks.d without SolusVM's folder: nothing would ever run them.
        await node.sh(`rm -r ${PLATFORM_DIR}; mkdir -m 0755 ${HOOKS_D}`);
        audit = await repoCheck();
        assert.equal(audit.code, 1, audit.stderr);
        assert.match(
          audit.stderr,
          /error +\/usr\/local\/solus\/hooks: SolusVM's hooks folder is missing/,
        );
      } finally {
        await node.stop();
      }
    });
  },
});
