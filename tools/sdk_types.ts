/**
 * The type declarations shipped with the one-file SDK (`solus-hooks-sdk.d.ts`),
 * so a hook outside this repository that imports `solus-hooks-sdk.js` passes
 * `deno check` with each handler's data typed from the registry.
 *
 * `deno bundle --declaration` emits the SDK module's own declarations (its
 * signatures and JSDoc, kept in step with `lib/sdk.ts` by the compiler) but
 * leaves them importing `./registry.ts`, whose types are computed through the
 * field-type and JSON Schema modules. Those few event types are generated here
 * instead, as plain declarations, from the registry's table itself;
 * `tests/sdk_test.ts` proves them identical to the source's.
 *
 * @module
 */
import { BUILTIN_ACTIONS, STAGES, VIRTUALIZATION_TYPES } from "../lib/event/registry.ts";
import type { FieldType } from "../lib/event/field_types.ts";

/**
 * The TypeScript type each field type stands for, as text.
 *
 * @example
 * ```ts
 * import { FIELD_TS } from "./sdk_types.ts";
 * import assert from "node:assert/strict";
 * assert.equal(FIELD_TS.virtualization_type, '"kvm" | "vz"');
 * ```
 */
export const FIELD_TS: Readonly<Record<FieldType, string>> = {
  uuid: "string",
  virtualization_type: VIRTUALIZATION_TYPES.map((type) => JSON.stringify(type)).join(" | "),
  hostname: "string",
  ip_addresses: "string[]",
  mac_address: "string",
  compute_resource_id: "number",
  string: "string",
  "string[]": "string[]",
  integer: "number",
  number: "number",
  boolean: "boolean",
} satisfies Record<FieldType, string>;

/**
 * The types `lib/sdk.ts` takes from `lib/event/registry.ts`, generated from its table.
 *
 * @example
 * ```ts
 * import { eventDeclarations } from "./sdk_types.ts";
 * import assert from "node:assert/strict";
 * assert.match(eventDeclarations(), /"server-restart": \{ uuid: string; virtualization_type: "kvm" \| "vz"; \};/);
 * ```
 */
export function eventDeclarations(): string {
  const actions = Object.entries(BUILTIN_ACTIONS).map(([name, definition]) => {
    const keys = Object.entries(definition.data as Record<string, FieldType>)
      .map(([key, type]) => `${key}: ${FIELD_TS[type]};`).join(" ");
    return `  /** ${definition.description} */\n  ${JSON.stringify(name)}: { ${keys} };`;
  });
  return `// The event types, generated from lib/event/registry.ts by tools/sdk_types.ts.
/** A stage of an event: before it happens, or after it succeeded. */
export type Stage = ${STAGES.map((stage) => JSON.stringify(stage)).join(" | ")};
/** The data of each built-in action, key by key. */
export interface ActionDataMap {
${actions.join("\n")}
}
/** The name of one of the built-in actions. */
export type BuiltinAction = keyof ActionDataMap;
/** The data of a built-in action, typed key by key. */
export type ActionData<A extends BuiltinAction> = ActionDataMap[A];
/** One event of a built-in action: its data has the action's keys and no others. */
export type TypedEvent<A extends BuiltinAction = BuiltinAction> = A extends BuiltinAction
  ? { action: A; stage: Stage; data: ActionData<A> }
  : never;
/** An event whose action may come from a config file: data is only known at run time. */
export interface HookEvent {
  /** The action's name. */
  action: string;
  /** \`pre\` or \`post\`. */
  stage: Stage;
  /** The action's data. */
  data: Record<string, unknown>;
}
/** A registry of actions, as solus-hooks' library makes one (\`createRegistry\` in its mod.ts). */
export interface Registry {
  /** The action named \`name\`, or undefined. */
  get(name: string): unknown;
}
`;
}

const REGISTRY_IMPORT =
  /^(?:import|export)\s+(?:type\s+)?\{[^}]*\}\s+from\s+"\.\/(?:event\/)?registry\.ts";\n?/gm;
/** The names {@linkcode eventDeclarations} declares (and exports). */
const GENERATED = new Set([
  "Stage",
  "ActionDataMap",
  "BuiltinAction",
  "ActionData",
  "TypedEvent",
  "HookEvent",
  "Registry",
]);
/** `export type { A, B };` of imported names: the generated declarations export them already. */
const LOCAL_REEXPORT = /^export\s+(?:type\s+)?\{([^}]*)\};\n?/gm;

/**
 * The whole `.d.ts` of the SDK bundle: `moduleDeclarations` (what `deno bundle
 * --declaration lib/sdk.ts` emits) with its imports of `./registry.ts`
 * replaced by {@linkcode eventDeclarations}. Any other relative import means the
 * SDK grew a dependency this generator does not know: that is an error, not a
 * broken file.
 *
 * @example
 * ```ts
 * import { sdkDeclarations } from "./sdk_types.ts";
 * import assert from "node:assert/strict";
 * const text = sdkDeclarations('import { type Stage } from "./registry.ts";\nexport declare const s: Stage;\n');
 * assert.match(text, /export type Stage = "pre" \| "post";/);
 * assert.doesNotMatch(text, /registry\.ts"/);
 * ```
 */
export function sdkDeclarations(moduleDeclarations: string): string {
  const rest = moduleDeclarations.replace(REGISTRY_IMPORT, "").replace(
    LOCAL_REEXPORT,
    (line, names: string) =>
      names.split(",").map((name) => name.replace(/^\s*type\s+/, "").trim()).filter(Boolean)
          .every((name) => GENERATED.has(name))
        ? ""
        : line,
  );
  const stray = /^(?:import|export)\b[^;]*?\bfrom\s+"(\.{1,2}\/[^"]+)"/m.exec(rest);
  if (stray) {
    throw new Error(
      `the SDK's declarations import ${stray[1]}, which tools/sdk_types.ts does not generate: ` +
        "keep lib/sdk.ts's public types to the registry's event types, or generate the new ones here",
    );
  }
  return `// Generated by tools/bundle.ts: the types of solus-hooks-sdk.js.\n${eventDeclarations()}\n${rest}`;
}
