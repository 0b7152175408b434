/**
 * A config's JSONC tree checked against its schema: every problem placed at
 * its offset in the text (so the reader gets `line L, column C`), the first in
 * reading order reported, and the value built with no prototype a key could
 * reach. `file.ts` reads the text and words the position.
 *
 * @module
 */
import type { Node } from "jsonc-parser";
import { checkSchema, type JsonSchema, type SchemaIssue } from "../event/schema.ts";
import { formatPath, formatSchemaIssue, quote, suggest } from "../event/schema_issues.ts";

/**
 * Check the value of `root` against `schema`, with the problems `more` finds
 * on top (given the value and a locator), and every `__proto__` key of a map
 * refused. Gives the value, with ordinary objects, when there is no problem;
 * else the first problem in reading order (a tie at one offset goes to the
 * schema's own report of a key).
 *
 * @example
 * ```ts
 * import { parseTree } from "jsonc-parser";
 * import { checkTree } from "./tree_check.ts";
 * import assert from "node:assert/strict";
 * const schema = { type: "object" as const, properties: { keep: { type: "integer" as const } }, additionalProperties: false as const };
 * assert.deepEqual(checkTree(parseTree('{ "keep": 5 }')!, schema), { value: { keep: 5 }, problem: null });
 * const { problem } = checkTree(parseTree('{ "keep": 5, "kept": 1 }')!, schema);
 * assert.equal(problem?.offset, 13);
 * assert.equal(problem?.message(), 'unknown key "kept" (did you mean keep?)');
 * ```
 */
export function checkTree(
  root: Node,
  schema: JsonSchema,
  more: (value: unknown, find: Locator) => Problem[] = () => [],
): { value: unknown; problem: Problem | null } {
  const value = valueOf(root);
  const find = locator(root);
  const problems = [
    ...checkSchema(schema, value)
      // A `__proto__` map key is worded by protoKeys below.
      .filter((issue) => !(issue.kind === "key" && issue.path.at(-1) === "__proto__"))
      .map((issue) => locate(issue, find)),
    ...more(value, find),
    ...protoKeys(root),
  ];
  if (problems.length === 0) return { value: plain(value), problem: null };
  return { value: undefined, problem: problems.reduce((a, b) => b.offset < a.offset ? b : a) };
}

/**
 * One problem found in a config: where it is, and what it is (worded only if reported).
 *
 * @example
 * ```ts
 * import { parseTree } from "jsonc-parser";
 * import { checkTree, type Locator, type Problem } from "./tree_check.ts";
 * import assert from "node:assert/strict";
 * const noEmptyName = (value: unknown, find: Locator): Problem[] =>
 *   (value as { name?: unknown }).name === ""
 *     ? [{ offset: find.keyAt([], "name").offset, message: () => "name is empty" }]
 *     : [];
 * const { problem } = checkTree(parseTree('{ "name": "" }')!, {}, noEmptyName);
 * assert.equal(problem?.offset, 2);
 * assert.equal(problem?.message(), "name is empty");
 * ```
 */
export interface Problem {
  /** Where it is in the text. */
  offset: number;
  /** What it is, worded when it is the one reported. */
  message: () => string;
}

/**
 * Finds the nodes of a tree by path.
 *
 * @example
 * ```ts
 * import { parseTree } from "jsonc-parser";
 * import { checkTree, type Locator } from "./tree_check.ts";
 * import assert from "node:assert/strict";
 * let found: Locator | undefined;
 * checkTree(parseTree('{ "journal": { "keep": 5 } }')!, {}, (_value, find) => {
 *   found = find;
 *   return [];
 * });
 * assert.equal(found!.valueAt(["journal", "keep"])?.value, 5);
 * assert.equal(found!.keyAt(["journal"], "keep").value, "keep");
 * ```
 */
export interface Locator {
  /** The tree's root. */
  root: Node;
  /** The value node at `path`, or undefined where the path leaves the tree. */
  valueAt(path: readonly PropertyKey[]): Node | undefined;
  /** The node of the key `key` in the object at `path`, or that object if the key is absent. */
  keyAt(path: readonly PropertyKey[], key: string): Node;
}

/** Place one schema issue in the text and word it. */
function locate(issue: SchemaIssue, find: Locator): Problem {
  const path = issue.path;
  const parent = path.slice(0, -1);
  const last = String(path.at(-1));
  switch (issue.kind) {
    case "unexpected":
      return {
        offset: find.keyAt(parent, last).offset,
        message: () => `unknown key ${formatKey(parent, last)}${suggest(last, issue.known ?? [])}`,
      };
    case "key":
      return {
        offset: find.keyAt(parent, last).offset,
        message: () => `${formatPath(parent)}: ${quote(last)} must be ${issue.expected}`,
      };
    case "missing":
      return {
        offset: (find.valueAt(parent) ?? find.root).offset,
        message: () => `${formatPath(parent)} is missing ${quote(last)}`,
      };
    default:
      // A wrong value reads as it does in an event: formatSchemaIssue words both.
      return {
        offset: (find.valueAt(path) ?? find.root).offset,
        message: () => formatSchemaIssue(issue),
      };
  }
}

/** Build a plain value from a jsonc-parser tree; objects have no prototype a key could reach. */
function valueOf(node: Node): unknown {
  switch (node.type) {
    case "object": {
      const object: Record<string, unknown> = Object.create(null);
      for (const property of node.children ?? []) {
        const [key, value] = property.children ?? [];
        if (key && value) object[key.value as string] = valueOf(value);
      }
      return object;
    }
    case "array":
      return (node.children ?? []).map(valueOf);
    default:
      return node.value;
  }
}

/**
 * A checked value with ordinary objects in place of the prototype-less ones
 * `valueOf` builds. Only called once no `__proto__` key is left (each is
 * refused above), so no key can reach a prototype.
 */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value !== "object" || value === null) return value;
  const object: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) object[key] = plain(item);
  return object;
}

/**
 * Finds the nodes of a tree by path. Each object's keys are indexed once, so
 * locating thousands of issues in a big object stays linear (jsonc-parser's
 * `findNodeAtLocation` scans the siblings each time).
 */
function locator(root: Node): Locator {
  const indexes = new WeakMap<Node, Map<unknown, Node>>();
  const propertiesOf = (object: Node) => {
    let index = indexes.get(object);
    if (index === undefined) {
      index = new Map();
      for (const property of object.children ?? []) {
        index.set(property.children?.[0]?.value, property);
      }
      indexes.set(object, index);
    }
    return index;
  };
  /** The value node at `path`, or undefined where the path leaves the tree. */
  const valueAt = (path: readonly PropertyKey[]): Node | undefined => {
    let node: Node | undefined = root;
    for (const part of path) {
      if (node?.type === "object") node = propertiesOf(node).get(part)?.children?.[1];
      else if (node?.type === "array" && typeof part === "number") node = node.children?.[part];
      else return undefined;
    }
    return node;
  };
  /** The node of the key `key` in the object at `path`, or that object if the key is absent. */
  const keyAt = (path: readonly PropertyKey[], key: string): Node => {
    const object = valueAt(path) ?? root;
    return (object.type === "object" && propertiesOf(object).get(key)?.children?.[0]) || object;
  };
  return { root, valueAt, keyAt };
}

/**
 * Every key named `__proto__` inside a map (`env.set`, `actions`, `hooks`): a
 * variable or action of that name cannot be an object's own key in the code
 * that reads the settings, so each is refused. (In a fixed object such as
 * `journal` it is simply an unknown key.)
 */
function protoKeys(node: Node, path: PropertyKey[] = []): Problem[] {
  const found: Problem[] = [];
  (node.children ?? []).forEach((child, index) => {
    if (node.type !== "object") {
      found.push(...protoKeys(child, [...path, index]));
      return;
    }
    const [key, value] = child.children ?? [];
    if (key?.value === "__proto__") {
      found.push({
        offset: key.offset,
        message: () => `${formatPath(path)}: "__proto__" is not allowed as a key`,
      });
    }
    if (key && value) found.push(...protoKeys(value, [...path, String(key.value)]));
  });
  return found;
}

/** A key for an "unknown key" message: `"timeout"`, `"journal.sizeMax"`, `"a b" in journal`. */
function formatKey(path: readonly PropertyKey[], key: string): string {
  const full = formatPath([...path, key]);
  if (!full.includes('"')) return `"${full}"`; // plain names read as one dotted path
  return path.length === 0 ? quote(key) : `${quote(key)} in ${formatPath(path)}`;
}
