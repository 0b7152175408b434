/**
 * A real Unix datagram socket for tests that read what solus-hooks sends to the
 * system log (tests/fixtures/log_socket.py binds it), and the parts of the
 * classic syslog line `logger` writes there.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, track, waitFor } from "./helpers.ts";

const LOG_SOCKET = join(ROOT, "tests/fixtures/log_socket.py");

/** A bound datagram socket; `stop()` returns every datagram it received, in order. */
export interface LogSocket {
  stop(): Promise<string[]>;
}

/**
 * Bind a datagram socket at `path`, ready within `deadlineMs`: one that reads
 * every datagram (`listen`), or one whose queue is full and never read (`full`).
 */
export async function bindLogSocket(
  path: string,
  deadlineMs = 30_000,
  mode: "listen" | "full" = "listen",
): Promise<LogSocket> {
  await Deno.remove(path).catch(() => {}); // one left by an earlier bind
  const child = new Deno.Command("python3", {
    args: [LOG_SOCKET, mode, path],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  track(child.pid);
  let text = "";
  const collected = child.stdout.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (text += chunk) }),
  );
  const stop = async () => {
    // A stage waits for logger at most 20 ms, and a logger still running then
    // delivers after the CLI exited: wait until nothing has arrived for longer
    // than logger may take (it is killed at 500 ms).
    let seen = text;
    let quietSince = performance.now();
    await waitFor("the log socket to fall quiet", () => {
      if (text !== seen) [seen, quietSince] = [text, performance.now()];
      return performance.now() - quietSince > 600;
    }, deadlineMs);
    await child.stdin.close();
    await child.status;
    await collected;
    return text.split("\n").slice(1).filter(Boolean).map((line) => JSON.parse(line));
  };
  try {
    await waitFor("the test socket to become ready", () => text.startsWith("ready\n"), deadlineMs);
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}

/** The parts of a classic (RFC 3164) syslog line as logger writes it to a local socket. */
export function parseSyslogLine(
  datagram: string,
): { priority: number; tag: string; pid: number; fields: Map<string, string> } {
  const match = /^<(\d+)>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d ([^\[:]+)\[(\d+)\]: (.*)$/s.exec(
    datagram,
  );
  assert.ok(match, `a syslog line: ${JSON.stringify(datagram)}`);
  const fields = new Map<string, string>();
  for (const [, key, quoted, bare] of match[4].matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|(\S+))/g)) {
    fields.set(key, quoted ?? bare);
  }
  return { priority: Number(match[1]), tag: match[2], pid: Number(match[3]), fields };
}

/** daemon (3) * 8 + severity warning (4). */
export const DAEMON_WARNING = 28;
/** daemon (3) * 8 + severity err (3). */
export const DAEMON_ERR = 27;
/** daemon (3) * 8 + severity info (6). */
export const DAEMON_INFO = 30;
