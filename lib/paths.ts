/**
 * POSIX path helpers. `node:path` would do, but importing it makes Deno load its
 * Node compatibility layer, about 10 ms of every start-up (measured with
 * --cpu-prof; see bench/), and solus-hooks starts once per stage. Hooks run on
 * Linux only, so POSIX rules suffice.
 *
 * @module
 */

/** The separator of PATH entries. */
export const delimiter = ":";

function normalizeParts(path: string, keepTrailingSlash = false): string {
  const absolute = path.startsWith("/");
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!absolute) out.push("..");
      continue;
    }
    out.push(part);
  }
  const joined = out.join("/");
  const normal = absolute ? `/${joined}` : joined || ".";
  return keepTrailingSlash && path.endsWith("/") && normal !== "/" ? `${normal}/` : normal;
}

/**
 * Whether a path starts at the root.
 *
 * @example
 * ```ts
 * import { isAbsolute } from "./paths.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isAbsolute("/usr/bin"), true);
 * assert.equal(isAbsolute("hooks"), false);
 * ```
 */
export function isAbsolute(path: string): boolean {
  return path.startsWith("/");
}

/**
 * Join path segments and normalise the result.
 *
 * @example
 * ```ts
 * import { join } from "./paths.ts";
 * import assert from "node:assert/strict";
 * assert.equal(join("/usr/local", "solus", "../solus/hooks"), "/usr/local/solus/hooks");
 * ```
 */
export function join(...parts: string[]): string {
  return normalizeParts(parts.filter((part) => part !== "").join("/"), true);
}

/**
 * Resolve segments to an absolute path, right to left, from the working directory.
 *
 * @example
 * ```ts
 * import { resolve } from "./paths.ts";
 * import assert from "node:assert/strict";
 * assert.equal(resolve("/etc/solus-hooks", "../log"), "/etc/log");
 * ```
 */
export function resolve(...parts: string[]): string {
  let path = "";
  for (let i = parts.length - 1; i >= 0 && !isAbsolute(path); i--) {
    if (parts[i]) path = path ? `${parts[i]}/${path}` : parts[i];
  }
  if (!isAbsolute(path)) path = `${Deno.cwd()}/${path}`;
  return normalizeParts(path);
}

/**
 * The directory part of a path.
 *
 * @example
 * ```ts
 * import { dirname } from "./paths.ts";
 * import assert from "node:assert/strict";
 * assert.equal(dirname("/var/log/solus-hooks/journal.jsonl"), "/var/log/solus-hooks");
 * ```
 */
export function dirname(path: string): string {
  if (path === "") return ".";
  // Scan from the end past trailing slashes, then the last name, to the slash before it.
  let end = -1;
  let inTrailingSlashes = true;
  for (let i = path.length - 1; i >= 1; i--) {
    if (path[i] === "/") {
      if (!inTrailingSlashes) {
        end = i;
        break;
      }
    } else {
      inTrailingSlashes = false;
    }
  }
  if (end === -1) return path[0] === "/" ? "/" : ".";
  if (path[0] === "/" && end === 1) return "//";
  return path.slice(0, end);
}

/**
 * The last part of a path.
 *
 * @example
 * ```ts
 * import { basename } from "./paths.ts";
 * import assert from "node:assert/strict";
 * assert.equal(basename("/usr/local/solus/hooks/10-log.sh"), "10-log.sh");
 * ```
 */
export function basename(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}
