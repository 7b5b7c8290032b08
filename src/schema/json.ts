/**
 * A JSON value as a zod schema, checked by one walk instead of zod's recursive `z.json()`.
 *
 * `z.json()` is a lazy schema that refers to itself: zod then memoizes every parse of the
 * objects around it (WeakMaps per call) and `compile` cannot make a fast path of them. On agent's
 * `appendMessage` (PGlite) parsing its input that way cost about 7 % of the whole call. This
 * schema accepts exactly what `z.json()` accepts — strings, finite numbers, booleans, null, arrays
 * and plain objects of JSON values — and has its types; a bad value is one issue whose path
 * leads to it.
 */
import { z } from 'zod';

type Problem = { path: (string | number)[]; message: string };

/** The first value under `value` that is not JSON, with its path; `undefined` when all are. */
function notJson(value: unknown): Problem | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : { path: [], message: 'Invalid JSON: numbers must be finite' };
    case 'object': {
      if (value === null) return undefined;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const problem = notJson(value[i]);
          if (problem) return { path: [i, ...problem.path], message: problem.message };
        }
        return undefined;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null)
        return { path: [], message: 'Invalid JSON: expected a plain object, an array or a scalar' };
      for (const key of Object.keys(value)) {
        const problem = notJson((value as Record<string, unknown>)[key]);
        if (problem) return { path: [key, ...problem.path], message: problem.message };
      }
      return undefined;
    }
    default:
      return { path: [], message: `Invalid JSON: expected a JSON value, received ${typeof value}` };
  }
}

/** Any JSON value (`z.json()`'s output type). Circular or very deep values are refused before zod runs (kit `findUnstorable`). */
export const jsonValue = z.unknown().check((ctx) => {
  const problem = notJson(ctx.value);
  if (problem) ctx.issues.push({ code: 'custom', message: problem.message, path: problem.path, input: ctx.value });
}) as unknown as ReturnType<typeof z.json>;
