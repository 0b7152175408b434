/**
 * Durations written by people, such as `history --since 1h30m`.
 *
 * @module
 */

const UNIT_MS: Record<string, number> = {
  w: 604_800_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
};

/** Each unit at most once, largest first: `1h30m`, not `30m1h` or `1h1h`. */
const DURATION = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/**
 * Milliseconds in a duration such as `90s`, `15m`, `2h`, `7d`, `1w` or `1h30m`:
 * whole numbers, each followed by a unit (w d h m s), largest unit first, each
 * unit at most once; surrounding spaces are ignored. Throws a RangeError that
 * quotes the text and shows the form otherwise.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./duration.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseDuration("1h30m"), 5_400_000);
 * assert.equal(parseDuration("90s"), 90_000);
 * assert.throws(() => parseDuration("yesterday"), RangeError);
 * ```
 */
export function parseDuration(text: string): number {
  const trimmed = String(text).trim();
  const match = DURATION.exec(trimmed);
  if (trimmed === "" || match === null) {
    throw new RangeError(
      `"${text}" is not a duration: use whole numbers with units w, d, h, m, s, largest first, ` +
        `e.g. 90s, 15m, 2h, 7d, 1h30m`,
    );
  }
  const units = ["w", "d", "h", "m", "s"];
  const total = units.reduce(
    (sum, unit, i) => sum + (match[i + 1] === undefined ? 0 : Number(match[i + 1]) * UNIT_MS[unit]),
    0,
  );
  if (!Number.isSafeInteger(total)) {
    throw new RangeError(`"${text}" is too long a duration`);
  }
  return total;
}

/** A time limit with its unit: a number, maybe with a fraction, then ms, s or m. */
const TIMEOUT = /^(\d+(?:\.\d+)?)(ms|s|m)$/;
const TIMEOUT_UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/**
 * A time limit with its unit, as directives and `--timeout` write it: `500ms`,
 * `10s`, `2m`, `1.5s` (rounded to whole milliseconds). Null when it is not one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTimeout } from "./duration.ts";
 * assert.equal(parseTimeout("10s"), 10_000);
 * assert.equal(parseTimeout("500ms"), 500);
 * assert.equal(parseTimeout("2m"), 120_000);
 * assert.equal(parseTimeout("10"), null);
 * ```
 */
export function parseTimeout(text: string): number | null {
  const match = TIMEOUT.exec(text);
  return match ? Math.round(Number(match[1]) * TIMEOUT_UNIT_MS[match[2]]) : null;
}
