/**
 * The plumbing of a child's pipes, shared by hooks and helper programs: a
 * timer that costs no lazy load, handing bytes to a child's stdin without
 * waiting on it past its exit, and reading its stdout and stderr to their end
 * or to a bound.
 *
 * @module
 */
import type { Capture, Captured } from "./capture.ts";

/** The first bytes of stdin, written before the next spawn: always fits an empty pipe. */
export const FIRST_STDIN_BYTES = 4096;

/**
 * A promise that resolves after `ms`. Built on `AbortSignal.timeout`, which the
 * stage deadline loads anyway: Deno loads its `setTimeout` lazily, and that
 * load was 5 to 8 ms of every run's start-up. While it is listened to, Deno
 * keeps the process alive for it; `clear` stops listening, so that a cleared
 * delay holds no process (a library caller's) until it would have fired.
 * `unref` keeps it running without holding the process (the rest of the time
 * on an unref'd `setTimeout`).
 *
 * @example
 * ```ts
 * import { delay } from "./pipes.ts";
 * import assert from "node:assert/strict";
 * const start = performance.now();
 * await delay(20).promise;
 * assert.ok(performance.now() - start >= 15);
 * delay(60_000).clear(); // holds nothing: this example ends at once
 * ```
 */
export function delay(ms: number): { promise: Promise<void>; clear(): void; unref(): void } {
  const at = performance.now() + Math.max(0, ms);
  const signal = AbortSignal.timeout(Math.max(0, ms));
  let done!: () => void;
  const promise = new Promise<void>((resolve) => done = resolve);
  const onAbort = () => done();
  signal.addEventListener("abort", onAbort, { once: true });
  const clear = () => signal.removeEventListener("abort", onAbort);
  return {
    promise,
    clear,
    unref() {
      clear();
      const id = setTimeout(done, Math.max(0, at - performance.now()));
      Deno.unrefTimer(id);
    },
  };
}

/**
 * Write `bytes` to the hook's stdin, then end-of-file. Resolves once the first
 * part is handed over (it always fits an empty pipe); the rest follows in the
 * background, never awaited past the hook's exit: a descendant holding stdin
 * without reading would block it for ever (see the CLI door's final exit).
 *
 * @example
 * ```ts
 * import { feedStdin } from "./pipes.ts";
 * import assert from "node:assert/strict";
 * const child = new Deno.Command("cat", { stdin: "piped", stdout: "piped" }).spawn();
 * await feedStdin(child.stdin, new TextEncoder().encode("hello"));
 * assert.equal(new TextDecoder().decode((await child.output()).stdout), "hello");
 * ```
 */
export function feedStdin(stdin: WritableStream<Uint8Array>, bytes: Uint8Array): Promise<void> {
  const writer = stdin.getWriter();
  const first = bytes.subarray(0, FIRST_STDIN_BYTES);
  const rest = bytes.subarray(FIRST_STDIN_BYTES);
  const handed = (async () => {
    if (first.byteLength > 0) await writer.write(first);
    if (rest.byteLength === 0) await writer.close();
  })();
  handed.then(async () => {
    if (rest.byteLength === 0) return;
    await writer.write(rest);
    await writer.close();
  }).catch(() => {
    // BrokenPipe: the hook exited or closed stdin without reading it all. Not an error.
  });
  return handed.catch(() => {});
}

/**
 * Wait for both pipes to end, at most `ms`; then stop reading them.
 *
 * @example
 * ```ts
 * import { captureStream } from "./capture.ts";
 * import { drain } from "./pipes.ts";
 * import assert from "node:assert/strict";
 * const child = new Deno.Command("echo", { args: ["hi"], stdout: "piped", stderr: "piped" }).spawn();
 * const result = await drain([captureStream(child.stdout, 1024), captureStream(child.stderr, 1024)], 1000);
 * assert.equal(result.captured[0].text, "hi\n");
 * assert.equal(result.cutShort, false);
 * await child.status;
 * ```
 */
export async function drain(
  captures: Capture[],
  ms: number,
): Promise<{ captured: Captured[]; cutShort: boolean }> {
  const all = Promise.all(captures.map((capture) => capture.done));
  const timer = delay(ms);
  const first = await Promise.race([
    all.then(() => "ended" as const),
    timer.promise.then(() => "late" as const),
  ]);
  timer.clear();
  if (first === "late") { for (const capture of captures) capture.cancel(); }
  return { captured: await all, cutShort: first === "late" };
}
