/**
 * The permissions a build runs with, and what to tell a user who steps outside
 * them: which scope this binary has, and how to build one for their paths.
 *
 * @module
 */
import { UsageError } from "../errors.ts";

/** The file system and environment scope baked into a compiled binary. */
export interface BuildScope {
  /** Paths the binary may read (each with everything below it). */
  read: string[];
  /** Paths the binary may write. */
  write: string[];
  /** Environment variables it may read. */
  env: string[];
}

/** Describe a scope in one line, as `deno task compile` would be told it. */
export function describeScope(scope: BuildScope): string {
  return `read ${scope.read.join(", ")}; write ${scope.write.join(", ")}`;
}

/**
 * Turn a permission denial into a clear usage error: what was refused, the
 * scope this build has, and how to get one that fits.
 *
 * @example
 * ```ts
 * import { scopeError } from "./scope.ts";
 * const error = scopeError(new Deno.errors.NotCapable('Requires read access to "/opt/hooks"'), {
 *   read: ["/usr/local/solus/hooks"], write: ["/var/log/solus-hooks"], env: [],
 * });
 * console.log(error.exitCode); // 2
 * ```
 */
export function scopeError(error: Error, scope: BuildScope | undefined): UsageError {
  const what = error.message.replace(/, run again with.*$/s, "").replace(/^Requires /, "needs ");
  if (scope) {
    return new UsageError(
      `this solus-hooks binary ${what}, outside the scope it was built with (${
        describeScope(scope)
      }); ` +
        "build one for your paths, e.g. SOLUS_HOOKS_READ=/opt/hooks,/etc/solus-hooks SOLUS_HOOKS_WRITE=/var/log/solus-hooks deno task compile",
      { cause: error },
    );
  }
  return new UsageError(
    `solus-hooks ${what}, which its deno run flags do not grant; add it to --allow-read/--allow-write/--allow-env or see \`deno task bundle\``,
    { cause: error },
  );
}

/**
 * True when `error` is Deno refusing a permission (as opposed to the OS).
 *
 * @example
 * ```ts
 * import { isPermissionDenial } from "./scope.ts";
 * console.log(isPermissionDenial(new Deno.errors.NotCapable("x"))); // true
 * ```
 */
export function isPermissionDenial(error: unknown): error is Error {
  return error instanceof Deno.errors.NotCapable;
}
