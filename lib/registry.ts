/**
 * The one registry of actions and their data. Everything else is derived from it:
 * the TypeScript types of events (by mapped types over the `as const` table below),
 * runtime validation (zod/mini schemas built from the same table), the JSON Schema
 * printed by `solus-hooks schema`, samples, and which actions one platform event fires.
 *
 * @module
 */
import * as z from "zod/mini";
import { closest } from "fastest-levenshtein";

/** The two stages of an event: before it happens, and after it succeeded. */
export const STAGES = ["pre", "post"] as const;
/** A stage of an event. */
export type Stage = typeof STAGES[number];

/** The virtualization types SolusVM 2 knows. */
export const VIRTUALIZATION_TYPES = ["kvm", "vz"] as const;

/** What a value of each field type looks like, for samples and help text. */
interface FieldKind<T> {
  /** A fresh zod/mini schema for the field. */
  schema: () => z.ZodMiniType<T>;
  /** A plausible value, fresh where it should be unique. */
  sample: () => T;
  /** A few words on the type, for `actions` and the JSON Schema. */
  description: string;
}

const MAC_ADDRESS = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function randomMac(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(3));
  return ["52", "54", "00", ...Array.from(bytes, (b) => b.toString(16).padStart(2, "0"))].join(":");
}

/**
 * The field types a registry entry (or a config file's `actions`) may use, each
 * with its schema, a sample and a description.
 */
export const FIELD_TYPES = {
  uuid: {
    schema: () => z.uuid(),
    sample: () => crypto.randomUUID(),
    description: "RFC 4122 UUID string",
  } as FieldKind<string>,
  virtualization_type: {
    schema: () => z.enum(VIRTUALIZATION_TYPES),
    sample: () => "kvm",
    description: '"kvm" or "vz"',
  } as FieldKind<"kvm" | "vz">,
  hostname: {
    schema: () => z.string().check(z.regex(HOSTNAME)),
    sample: () => "vs-1.example.com",
    description: "host name",
  } as FieldKind<string>,
  ip_addresses: {
    schema: () => z.array(z.union([z.ipv4(), z.ipv6()])),
    sample: () => ["192.0.2.10", "2001:db8::10"],
    description: "array of IPv4/IPv6 address strings",
  } as FieldKind<string[]>,
  mac_address: {
    schema: () => z.string().check(z.regex(MAC_ADDRESS)),
    sample: randomMac,
    description: "MAC address, six colon-separated hex pairs",
  } as FieldKind<string>,
  compute_resource_id: {
    schema: () => z.int().check(z.positive()),
    sample: () => 1,
    description: "positive integer id of a compute resource",
  } as FieldKind<number>,
  string: {
    schema: () => z.string(),
    sample: () => "example",
    description: "string",
  } as FieldKind<string>,
  "string[]": {
    schema: () => z.array(z.string()),
    sample: () => ["example"],
    description: "array of strings",
  } as FieldKind<string[]>,
  integer: {
    schema: () => z.int(),
    sample: () => 1,
    description: "integer",
  } as FieldKind<number>,
  number: {
    schema: () => z.number(),
    sample: () => 1,
    description: "number",
  } as FieldKind<number>,
  boolean: {
    schema: () => z.boolean(),
    sample: () => true,
    description: "true or false",
  } as FieldKind<boolean>,
} as const;

/** The name of a field type, as used in the registry and in a config file's `actions`. */
export type FieldType = keyof typeof FIELD_TYPES;

/** The TypeScript type a field type stands for. */
export type FieldValue<F extends FieldType> = ReturnType<typeof FIELD_TYPES[F]["sample"]>;

/** One action: what it means, its data keys and their types. */
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

/** An event whose action may come from a config file: data is only known at run time. */
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

/** A registry entry with its validator built. */
export interface ActionSpec extends ActionDefinition {
  /** The action's name. */
  readonly name: string;
  /** True for the ten actions of SolusVM 2, false for those a config file adds. */
  readonly builtin: boolean;
  /** Validates `data` strictly: missing, extra or mistyped keys are issues. Built on first use. */
  readonly schema: z.ZodMiniType<Record<string, unknown>>;
}

/** A strict zod/mini object schema for a table of field types. */
function dataSchema(
  data: Readonly<Record<string, FieldType>>,
): z.ZodMiniType<Record<string, unknown>> {
  const shape: Record<string, z.ZodMiniType> = {};
  for (const [key, type] of Object.entries(data)) shape[key] = FIELD_TYPES[type].schema();
  return z.strictObject(shape) as unknown as z.ZodMiniType<Record<string, unknown>>;
}

/**
 * The actions solus-hooks knows: the built-in ten plus any a config file adds.
 *
 * @example
 * ```ts
 * import { createRegistry } from "./registry.ts";
 * const registry = createRegistry();
 * console.log(registry.get("server-restart")?.data); // { uuid: "uuid", virtualization_type: "virtualization_type" }
 * console.log(registry.nearest("server-restat")); // "server-restart"
 * ```
 */
export class Registry {
  readonly #actions = new Map<string, ActionSpec>();

  /** Build a registry from action definitions; use {@linkcode createRegistry}. */
  constructor(definitions: Iterable<[string, ActionDefinition, boolean]>) {
    for (const [name, definition, builtin] of definitions) {
      // Schemas are built when first asked for: a run validates one action, and
      // building all of them costs start-up time on every stage.
      let schema: z.ZodMiniType<Record<string, unknown>> | undefined;
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

  /** A JSON Schema (2020-12) of an event, one branch per action. */
  jsonSchema(): Record<string, unknown> {
    const branches = this.actions().map((spec) =>
      z.strictObject({
        action: z.literal(spec.name),
        stage: z.enum(STAGES),
        data: spec.schema,
      })
    );
    const [first, ...rest] = branches;
    const event = rest.length === 0 ? first : z.discriminatedUnion("action", [first, ...rest]);
    return {
      ...z.toJSONSchema(event),
      title: "solus-hooks event",
      description: "The JSON object every hook reads on stdin: one action, one stage and its data.",
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
 * const registry = createRegistry({
 *   "backup-create": { description: "a backup is taken", data: { uuid: "uuid", note: "string" } },
 * });
 * console.log(registry.get("backup-create")?.builtin); // false
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
