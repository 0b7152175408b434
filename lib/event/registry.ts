/**
 * The one registry of actions and their data. Everything else is derived from it:
 * the TypeScript types of events (by mapped types over the `as const` table below),
 * runtime validation (JSON Schemas built from the same table, checked by schema.ts), the JSON Schema
 * printed by `solus-hooks schema`, samples, and which actions one platform event fires.
 *
 * @module
 */
import { closest } from "fastest-levenshtein";
import { FIELD_TYPES, type FieldType, type FieldValue } from "./field_types.ts";
import type { JsonSchema } from "./schema.ts";

/**
 * A stage of an event: before it happens, or after it succeeded.
 *
 * @example
 * ```ts
 * import { type Stage, STAGES } from "./registry.ts";
 * import assert from "node:assert/strict";
 * const first: Stage = STAGES[0];
 * assert.equal(first, "pre");
 * ```
 */
export type Stage = "pre" | "post";
/** The two stages of an event, in the order they run. */
export const STAGES = ["pre", "post"] as const satisfies readonly Stage[];

/**
 * What an action's name may be: lower-case letters, digits and `-`, starting
 * with a letter. The config file's `actions` keys are checked against it, and
 * the SDK knows an added action's event by it.
 *
 * @example
 * ```ts
 * import { ACTION_NAME } from "./registry.ts";
 * import assert from "node:assert/strict";
 * assert.ok(ACTION_NAME.test("backup-create"));
 * assert.ok(!ACTION_NAME.test("Backup_create"));
 * ```
 */
export const ACTION_NAME: RegExp = /^[a-z][a-z0-9-]*$/;

/** The virtualization types SolusVM 2 knows. */
export const VIRTUALIZATION_TYPES = ["kvm", "vz"] as const;

/**
 * One action: what it means, its data keys and their types.
 *
 * @example
 * ```ts
 * import { type ActionDefinition, createRegistry } from "./registry.ts";
 * import assert from "node:assert/strict";
 * const backup: ActionDefinition = { description: "a backup is taken", data: { uuid: "uuid", note: "string" } };
 * const registry = createRegistry({ "backup-create": backup });
 * assert.deepEqual(Object.keys(registry.sample("backup-create").data), ["uuid", "note"]);
 * ```
 */
export interface ActionDefinition {
  /** One sentence on when the action fires. */
  readonly description: string;
  /** The data keys, each with its field type. Exactly these keys, no others. */
  readonly data: Readonly<Record<string, FieldType>>;
}

const SERVER = { uuid: "uuid", virtualization_type: "virtualization_type" } as const;
const NETWORK = { ...SERVER, mac_address: "mac_address", ip_addresses: "ip_addresses" } as const;

/**
 * The ten actions of SolusVM 2 and their data, as the contract reads them. The seed
 * pins `server-restart` exactly: `uuid` and `virtualization_type`, never anything else.
 */
export const BUILTIN_ACTIONS = {
  "server-create": {
    description: "a virtual server is created",
    data: { ...SERVER, hostname: "hostname", ip_addresses: "ip_addresses" },
  },
  "server-delete": { description: "a virtual server is deleted", data: SERVER },
  "server-migrate": {
    description: "a virtual server moves to another compute resource",
    data: {
      ...SERVER,
      source_compute_resource_id: "compute_resource_id",
      destination_compute_resource_id: "compute_resource_id",
    },
  },
  "server-reinstall": {
    description: "a virtual server is reinstalled from an OS image",
    data: { ...SERVER, os_image: "string" },
  },
  "server-restart": { description: "a virtual server is restarted", data: SERVER },
  "server-start": { description: "a virtual server is started", data: SERVER },
  "server-stop": { description: "a virtual server is stopped", data: SERVER },
  "server-network-create": {
    description: "a network interface is added to a virtual server",
    data: NETWORK,
  },
  "server-network-delete": {
    description: "a network interface is removed from a virtual server",
    data: NETWORK,
  },
  "server-network-update": {
    description: "a virtual server's network interface changes",
    data: NETWORK,
  },
} as const satisfies Record<string, ActionDefinition>;

/** The name of one of the ten built-in actions. */
export type BuiltinAction = keyof typeof BUILTIN_ACTIONS;

/** The data of a built-in action, typed key by key from the registry. */
export type ActionData<A extends BuiltinAction> = DataOf<typeof BUILTIN_ACTIONS[A]["data"]>;

/** The data object described by a table of field types. */
export type DataOf<D extends Readonly<Record<string, FieldType>>> = {
  -readonly [K in keyof D]: FieldValue<D[K]>;
};

/**
 * One event: an action, a stage and that action's data. For a built-in action the
 * type is exact, so `data` has the action's keys and no others.
 */
export type TypedEvent<A extends BuiltinAction = BuiltinAction> = A extends BuiltinAction
  ? { action: A; stage: Stage; data: ActionData<A> }
  : never;

/**
 * An event whose action may come from a config file: data is only known at run time.
 *
 * @example
 * ```ts
 * import { createRegistry, type HookEvent } from "./registry.ts";
 * import assert from "node:assert/strict";
 * const event: HookEvent = createRegistry().sample("server-stop", "post");
 * assert.equal(event.stage, "post");
 * assert.equal(typeof event.data.uuid, "string");
 * ```
 */
export interface HookEvent {
  /** The action's name, known to the registry. */
  action: string;
  /** `pre` or `post`. */
  stage: Stage;
  /** The action's data, validated against the registry. */
  data: Record<string, unknown>;
}

/**
 * Which actions one platform event fires, in order. Creating a server fires
 * `server-create` then `server-network-create` (the seed's note); every other
 * event fires its own action alone.
 */
export const PLATFORM_EVENTS: Readonly<Record<string, readonly string[]>> = {
  "server-create": ["server-create", "server-network-create"],
};

/**
 * A registry entry with the JSON Schema of its data.
 *
 * @example
 * ```ts
 * import { type ActionSpec, createRegistry } from "./registry.ts";
 * import assert from "node:assert/strict";
 * const spec: ActionSpec = createRegistry().get("server-restart")!;
 * assert.equal(spec.builtin, true);
 * assert.deepEqual(spec.schema.required, ["uuid", "virtualization_type"]);
 * ```
 */
export interface ActionSpec extends ActionDefinition {
  /** The action's name. */
  readonly name: string;
  /** True for the ten actions of SolusVM 2, false for those a config file adds. */
  readonly builtin: boolean;
  /** The JSON Schema of `data`: exactly its keys, each of its field type. Built on first use. */
  readonly schema: JsonSchema;
}

/** The strict object schema of a table of field types. */
function dataSchema(data: Readonly<Record<string, FieldType>>): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [key, type] of Object.entries(data)) properties[key] = FIELD_TYPES[type].schema;
  return {
    type: "object",
    properties,
    required: Object.keys(data),
    additionalProperties: false,
  };
}

/**
 * The actions solus-hooks knows: the built-in ten plus any a config file adds.
 *
 * @example
 * ```ts
 * import { createRegistry } from "./registry.ts";
 * import assert from "node:assert/strict";
 * const registry = createRegistry();
 * assert.deepEqual(registry.get("server-restart")?.data, {
 *   uuid: "uuid",
 *   virtualization_type: "virtualization_type",
 * });
 * assert.equal(registry.nearest("server-restat"), "server-restart");
 * ```
 */
export class Registry {
  readonly #actions = new Map<string, ActionSpec>();

  /** Build a registry from action definitions; use {@linkcode createRegistry}. */
  constructor(definitions: Iterable<[string, ActionDefinition, boolean]>) {
    for (const [name, definition, builtin] of definitions) {
      // Schemas are built when first asked for: a run validates one action, and
      // building all of them costs start-up time on every stage.
      let schema: JsonSchema | undefined;
      this.#actions.set(name, {
        name,
        builtin,
        description: definition.description,
        data: definition.data,
        get schema() {
          return schema ??= dataSchema(definition.data);
        },
      });
    }
  }

  /** Every action, built-ins first, in registry order. */
  actions(): ActionSpec[] {
    return [...this.#actions.values()];
  }

  /** The action named `name`, or undefined. */
  get(name: string): ActionSpec | undefined {
    return this.#actions.get(name);
  }

  /** The known action nearest to a misspelt name, for "did you mean" messages. */
  nearest(name: string): string {
    // Edit distance costs length times length: compare a bounded prefix.
    return closest(name.slice(0, 64), [...this.#actions.keys()]);
  }

  /** The actions one platform event fires, in order (the action alone if it fires no others). */
  platformEvent(action: string): string[] {
    return [...(PLATFORM_EVENTS[action] ?? [action])];
  }

  /**
   * A valid event for `action` with fresh identifiers. Throws a RangeError for an
   * unknown action; callers check with {@linkcode Registry.get} first.
   */
  sample(action: string, stage: Stage = "pre"): HookEvent {
    const spec = this.#actions.get(action);
    if (!spec) throw new RangeError(`unknown action ${action}`);
    const data: Record<string, unknown> = {};
    const uuid = crypto.randomUUID();
    for (const [key, type] of Object.entries(spec.data)) {
      data[key] = type === "uuid" && key === "uuid" ? uuid : FIELD_TYPES[type].sample();
    }
    if ("destination_compute_resource_id" in data) data.destination_compute_resource_id = 2;
    return { action, stage, data };
  }

  /**
   * A JSON Schema (2020-12) of an event, one branch per action. Each branch's
   * `data` is the very schema the runner validates with.
   */
  jsonSchema(): JsonSchema {
    return {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      title: "solus-hooks event",
      description: "The JSON object every hook reads on stdin: one action, one stage and its data.",
      type: "object",
      oneOf: this.actions().map((spec) => ({
        description: spec.description,
        type: "object",
        properties: {
          action: { const: spec.name },
          stage: { enum: [...STAGES] },
          data: spec.schema,
        },
        required: ["action", "stage", "data"],
        additionalProperties: false,
      })),
    };
  }
}

/**
 * Make a registry of the built-in actions plus `extra` ones (from a config file).
 * An extra action may not reuse a built-in name.
 *
 * @example
 * ```ts
 * import { createRegistry } from "./registry.ts";
 * import assert from "node:assert/strict";
 * const registry = createRegistry({
 *   "backup-create": { description: "a backup is taken", data: { uuid: "uuid", note: "string" } },
 * });
 * assert.equal(registry.get("backup-create")?.builtin, false);
 * ```
 */
export function createRegistry(extra: Record<string, ActionDefinition> = {}): Registry {
  const entries: [string, ActionDefinition, boolean][] = Object.entries(BUILTIN_ACTIONS).map((
    [name, definition],
  ) => [name, definition, true]);
  for (const [name, definition] of Object.entries(extra)) {
    if (name in BUILTIN_ACTIONS) {
      throw new RangeError(`action ${name} is built in and cannot be redefined`);
    }
    entries.push([name, definition, false]);
  }
  return new Registry(entries);
}
