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
import { parseJson, validateEvent } from "./event/parse.ts";
import {
  ACTION_NAME,
  type ActionData,
  type BuiltinAction,
  createRegistry,
  type HookEvent,
  type Registry,
  type Stage,
  STAGES,
  type TypedEvent,
} from "./event/registry.ts";

// Re-exported without `from`: `deno bundle --declaration` would inline all of registry.ts.
export type { ActionData, BuiltinAction, HookEvent, Stage, TypedEvent };

/** A handler for one action: gets the action's data, typed, and the whole event. */
export type Handler<A extends BuiltinAction> = (
  data: ActionData<A>,
  event: TypedEvent<A>,
) => void | Promise<void>;

/** Handlers for one action: one for both stages, or one per stage. */
export type ActionHandlers<A extends BuiltinAction> = Handler<A> | {
  pre?: Handler<A>;
  post?: Handler<A>;
};

/** Handlers by action; actions without one are ignored (exit 0). */
export type Handlers = { [A in BuiltinAction]?: ActionHandlers<A> };

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
}

/**
 * Read the event from stdin and validate it against the registry. Throws an
 * `EventError` (exit code 2) when it does not match.
 *
 * @example
 * ```ts ignore
 * import { readEvent } from "./sdk.ts";
 * const event = await readEvent();
 * if (event.action === "server-restart") console.log(event.data.virtualization_type);
 * ```
 */
export async function readEvent(options: ReadEventOptions = {}): Promise<TypedEvent> {
  const value = await readJson(options);
  return validateEvent(value, options.registry ?? createRegistry(), {
    what: EVENT_ON_STDIN,
  }) as TypedEvent;
}

const EVENT_ON_STDIN = "event on stdin";

async function readJson(options: ReadEventOptions): Promise<unknown> {
  const text = await new Response(options.stdin ?? Deno.stdin.readable).text();
  return parseJson(text, EVENT_ON_STDIN);
}

/**
 * Whether `value` is a well-formed event of an action the registry does not
 * know: one the config file added (contract §6). The SDK cannot validate its
 * data, and a hook without a handler for it has nothing to do.
 */
function isOtherAction(value: unknown, registry: Registry): value is HookEvent {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const { action, stage, data } = value as Record<string, unknown>;
  return Object.keys(value).length === 3 && typeof action === "string" &&
    ACTION_NAME.test(action) && registry.get(action) === undefined &&
    STAGES.includes(stage as Stage) &&
    typeof data === "object" && data !== null && !Array.isArray(data);
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
): Handler<BuiltinAction> | undefined {
  const entry =
    (handlers as Record<string, ActionHandlers<BuiltinAction> | undefined>)[event.action];
  if (entry === undefined) return undefined;
  return typeof entry === "function" ? entry : entry[event.stage];
}

/**
 * Read the event, run its handler, and set the exit status: 0 when the handler
 * ran or there was none, 1 when it threw, 2 when the event did not match. The
 * reason goes to stderr. Returns the status too; it never calls `Deno.exit()`.
 *
 * An action the config file added (one this SDK's registry does not know) is a
 * full action: a well-formed event of it, which no handler here is for, exits
 * 0, so a new action never fails the hooks that ignore it.
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
    let event: TypedEvent;
    try {
      const value = await readJson(options);
      const registry = options.registry ?? createRegistry();
      if (isOtherAction(value, registry) && !Object.hasOwn(handlers, value.action)) return status;
      event = validateEvent(value, registry, { what: EVENT_ON_STDIN }) as TypedEvent;
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
        await handler(event.data as ActionData<BuiltinAction>, event);
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
