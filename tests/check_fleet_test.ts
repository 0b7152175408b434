/**
 * `check` says what the fleet would not see: a system-log socket that is not
 * there, a metrics textfile node_exporter never reads (not `*.prom`, or outside
 * its default textfile folders).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli, timed, withHooks, withTempDir, writeConfig } from "./helpers.ts";

interface Finding {
  name: string;
  severity: string;
  problem: string;
}

async function fleetFindings(config: object): Promise<Finding[]> {
  return await withHooks({ "10-ok.sh": "#!/bin/sh\nexit 0\n" }, async (dir) => {
    return await withTempDir(async (tmp) => {
      const path = await writeConfig(tmp, config);
      const result = await runCli(["check", "--json", "--dir", dir, "--config", path]);
      assert.equal(result.code, 0, result.stderr);
      return JSON.parse(result.stdout).findings.filter((finding: Finding) =>
        finding.name === "syslog" || finding.name.endsWith(".prom") ||
        finding.name.endsWith(".txt")
      );
    });
  });
}

async function isSocket(path: string): Promise<boolean> {
  return (await Deno.stat(path).catch(() => null))?.isSocket === true;
}

timed.test("check warns when the log socket syslog names, or the node's own, is not there", async () => {
  const named = await fleetFindings({ syslog: "/nonexistent/solus-hooks/log.sock" });
  assert.equal(named.length, 1, JSON.stringify(named));
  assert.equal(named[0].severity, "warning");
  assert.match(
    named[0].problem,
    /names \/nonexistent\/solus-hooks\/log\.sock, which is not a socket/,
  );

  await withTempDir(async (tmp) => {
    const socket = join(tmp, "log.sock");
    const made = await new Deno.Command("python3", {
      args: [
        "-c",
        "import socket,sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind(sys.argv[1])",
        socket,
      ],
    }).output();
    assert.ok(made.success);
    assert.deepEqual(await fleetFindings({ syslog: socket }), [], "a socket that is there");
  });

  // The node's own: journald's socket or /dev/log, whichever this machine has.
  const own = await fleetFindings({ syslog: true });
  const has = await isSocket("/run/systemd/journal/socket") || await isSocket("/dev/log");
  assert.equal(own.length, has ? 0 : 1, JSON.stringify(own));
  if (!has) assert.match(own[0].problem, /^no system-log socket on this node/);
  assert.deepEqual(await fleetFindings({ syslog: false }), []);
});

timed.test("check warns about a metrics textfile node_exporter would never read", async () => {
  const base = { syslog: false };
  const txt = await fleetFindings({ ...base, metrics: { textfile: "/srv/metrics/solus.txt" } });
  assert.deepEqual(txt.map((finding) => finding.severity), ["warning", "warning"]);
  assert.match(txt[0].problem, /not named \*\.prom: node_exporter's textfile collector reads only/);
  assert.match(txt[1].problem, /outside the folders node_exporter reads by default/);
  const prom = await fleetFindings({ ...base, metrics: { textfile: "/srv/metrics/solus.prom" } });
  assert.equal(prom.length, 1);
  assert.match(prom[0].problem, /--collector\.textfile\.directory=\/srv\/metrics/);
  const debian = "/var/lib/prometheus/node-exporter/solus_hooks.prom";
  assert.deepEqual(await fleetFindings({ ...base, metrics: { textfile: debian } }), []);
});
