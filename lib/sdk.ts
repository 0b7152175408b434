/**
 * A small SDK for hooks written in TypeScript: read and validate the event from
 * stdin, and dispatch it to handlers typed per action and stage, with types from
 * the one registry. A handler for `server-restart` sees `data.uuid` and
 * `data.virtualization_type` and nothing else.
 *
 * It loads the registry and the event parser only, never the runner: a hook
 * imports `@solus/hooks/sdk` (this module), or the one-file build of it
 * (`solus-hooks-sdk.js`, with its `.d.ts`), and starts as fast as Deno does.
 *
 * @example
 * ```ts ignore
 * #!/usr/bin/env -S deno run --quiet --no-prompt
 * import { handleEvent } from "/usr/local/lib/solus-hooks/solus-hooks-sdk.js";
 * await handleEvent({ "server-stop": { pre: (data) => console.log(`stopping ${data.uuid}`) } });
 * ```
 *
 * @module
 */
import { SolusHooksError } from "./errors.ts";
import { checkEvent, parseJson } from "./event/parse.ts";
import {
  type ActionData,
  type BuiltinAction,
  createRegistry,
  type HookEvent,
  type Registry,
  type Stage,
  type TypedEvent,
} from "./event/registry.ts";

// Re-exported without `from`: `deno bundle --declaration` would inline all of registry.ts.
export type { ActionData, BuiltinAction, HookEvent, Stage, TypedEvent };

/**
 * The data a handler gets: the registry's keys, typed, and every other key the
 * platform sent, as it sent it (of type `unknown` until the hook checks it).
 */
export type HandlerData<A extends BuiltinAction> = ActionData<A> & {
  readonly [key: string]: unknown;
};

/** A handler for one action: gets the action's data, typed, and the whole event. */
export type Handler<A extends BuiltinAction> = (
  data: HandlerData<A>,
  event: TypedEvent<A>,
) => void | Promise<void>;

/** Handlers for one action: one for both stages, or one per stage. */
export type ActionHandlers<A extends BuiltinAction> = Handler<A> | {
  pre?: Handler<A>;
  post?: Handler<A>;
};

/**
 * A handler for an action the registry does not know (one a config file
 * adds, such as `backup-create`): its data as sent. Declared as a method, so a
 * handler of a known action, whose data is narrower, fits it too.
 */
export type OtherHandler = {
  handle(data: { readonly [key: string]: unknown }, event: HookEvent): void | Promise<void>;
}["handle"];

/** Handlers for an action the registry does not know: one for both stages, or one per stage. */
export type OtherActionHandlers = OtherHandler | { pre?: OtherHandler; post?: OtherHandler };

/**
 * Handlers by action: each known action's typed from the registry, any other
 * action's (a config file's) with its data as sent. Actions without one are
 * ignored (exit 0).
 */
export type Handlers =
  & { [A in BuiltinAction]?: ActionHandlers<A> }
  & { [action: string]: OtherActionHandlers | undefined };

/** Exit statuses a hook built with the SDK uses. */
export const HookExit = {
  /** The handler ran (or there was none for this action and stage). */
  Ok: 0,
  /** The handler threw. */
  HandlerFailed: 1,
  /** The event on stdin was not a valid event. */
  BadEvent: 2,
} as const;

/** Where the SDK reads from and how it validates. */
export interface ReadEventOptions {
  /** The event's source; defaults to the process's stdin. */
  stdin?: ReadableStream<Uint8Array>;
  /** The registry to validate with; defaults to the built-in actions. */
  registry?: Registry;
  /**
   * Refuse an event that differs from the registry (an unknown action or data
   * key, a missing key, a value of another type), as `solus-hooks test` does.
   * Default false: as at run time, only a broken envelope is refused, and the
   * event is handed over as sent.
   */
  strict?: boolean;
}

/**
 * Read the event from stdin and check it against the registry. Only a broken
 * envelope (not an object, `action` not a string, `stage` not `pre`/`post`,
 * `data` not an object) throws an `EventError` (exit code 2), unless `strict`;
 * the event comes back as sent, every data key in it.
 *
 * @example
 * ```ts ignore
 * import { readEvent } from "./sdk.ts";
 * const event = await readEvent();
 * if (event.action === "server-restart") console.log(event.data.virtualization_type);
 * ```
 */
export async function readEvent(options: ReadEventOptions = {}): Promise<TypedEvent> {
  return checked(await readJson(options), options) as TypedEvent;
}

const EVENT_ON_STDIN = "event on stdin";

async function readJson(options: ReadEventOptions): Promise<unknown> {
  const text = await new Response(options.stdin ?? Deno.stdin.readable).text();
  return parseJson(text, EVENT_ON_STDIN);
}

/** The event by the runner's own check: lenient unless `strict`. */
function checked(value: unknown, options: ReadEventOptions): HookEvent {
  return checkEvent(value, options.registry ?? createRegistry(), {
    what: EVENT_ON_STDIN,
    mode: options.strict ? "strict" : "lenient",
  }).event;
}

/**
 * Pick the handler for an event, or undefined when there is none.
 *
 * @example
 * ```ts
 * import { pickHandler } from "./sdk.ts";
 * import assert from "node:assert/strict";
 * const post = () => {};
 * const handlers = { "server-stop": { post } };
 * assert.equal(pickHandler(handlers, { action: "server-stop", stage: "pre", data: {} }), undefined);
 * assert.equal(pickHandler(handlers, { action: "server-stop", stage: "post", data: {} }), post);
 * ```
 */
export function pickHandler(
  handlers: Handlers,
  event: HookEvent,
): OtherHandler | undefined {
  if (!Object.hasOwn(handlers, event.action)) return undefined;
  const entry = (handlers as Record<string, OtherActionHandlers | undefined>)[event.action];
  if (entry === undefined) return undefined;
  return typeof entry === "function" ? entry : entry[event.stage];
}

/**
 * Read the event, run its handler, and set the exit status: 0 when the handler
 * ran or there was none, 1 when it threw, 2 when the event did not match. The
 * reason goes to stderr. Returns the status too; it never calls `Deno.exit()`.
 *
 * The handler for the event's action runs whenever there is one, whether the
 * registry knows the action or not (a config file's, such as `backup-create`):
 * as at run time, only a broken envelope is refused (exit 2, unless `strict`),
 * and the data holds every key as sent. An event of an action with no handler
 * here exits 0, so a new action never fails the hooks that ignore it.
 *
 * @example
 * ```ts ignore
 * #!/usr/bin/env -S deno run --quiet
 * import { handleEvent } from "./sdk.ts";
 *
 * await handleEvent({
 *   "server-restart": {
 *     pre: (data) => console.log(`restarting ${data.uuid} (${data.virtualization_type})`),
 *   },
 *   "server-create": (data, event) => console.log(`${event.stage}: ${data.hostname}`),
 * });
 * ```
 */
export async function handleEvent(
  handlers: Handlers,
  options: ReadEventOptions = {},
): Promise<number> {
  let status: number = HookExit.Ok;
  try {
    let event: HookEvent;
    try {
      event = checked(await readJson(options), options);
    } catch (error) {
      console.error(
        `bad event: ${error instanceof SolusHooksError ? error.message : String(error)}`,
      );
      status = HookExit.BadEvent;
      return status;
    }
    const handler = pickHandler(handlers, event);
    if (handler) {
      try {
        await handler(event.data, event);
      } catch (error) {
        console.error(
          `${event.action} ${event.stage} handler failed: ${
            error instanceof Error ? error.message : error
          }`,
        );
        status = HookExit.HandlerFailed;
      }
    }
    return status;
  } finally {
    Deno.exitCode = status;
  }
}
