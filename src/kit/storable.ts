/**
 * Values no database column can hold faithfully, found before zod and before any driver sees
 * them: the driver would otherwise fail with its own error (PostgreSQL: `invalid byte sequence for
 * encoding "UTF8": 0x00`), silently change them (a lone surrogate becomes U+FFFD, so two different
 * ids collide), or recurse until the stack overflows (a circular or very deep JSON value).
 */

/** Deeper than this, a JSON value is refused: no seed stores anything near it. */
export const maxDepth = 64;

export interface Unstorable {
  /** Where in the input, e.g. `['metadata', 'tags', 3]`. */
  path: (string | number)[];
  /** The rule it breaks, for the error message. */
  rule: string;
}

const earliest = Date.UTC(1, 0, 1);
const latest = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Why a string cannot be stored, if it cannot (`undefined` allocates nothing: the fast input path asks too). */
export function stringRule(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain NUL characters (U+0000)';
  // ES2024, in every Node chatstore supports (>= 20.19); the lib setting stops at ES2023.
  if (!(text as string & { isWellFormed(): boolean }).isWellFormed())
    return 'must be well-formed Unicode (it has a lone surrogate)';
  return undefined;
}

/**
 * The first value in `input` that cannot be stored as given, or `undefined`: a string with NUL or
 * a lone surrogate (in a value or a key), a BigInt, a non-finite number, an invalid date or one
 * outside years 1–9999, or an object that contains itself or is nested deeper than `maxDepth`.
 * Functions (callbacks), byte arrays and typed arrays are left alone.
 *
 * @example findUnstorable({ content: 'a\u0000b' }) // { path: ['content'], rule: 'must not contain NUL …' }
 */
export function findUnstorable(input: unknown): Unstorable | undefined {
  // The common case (nothing wrong) allocates nothing: the path is built only on the way out.
  return visit(input, []);
}

/** The rule `value` breaks, with its path below `ancestors` (the objects it sits in). */
function visit(value: unknown, ancestors: object[]): Unstorable | undefined {
  switch (typeof value) {
    case 'string': {
      const rule = stringRule(value);
      return rule ? { path: [], rule } : undefined;
    }
    case 'number':
      return Number.isFinite(value) ? undefined : { path: [], rule: 'must be a finite number' };
    case 'bigint':
      return { path: [], rule: 'must be a number or a string, not a BigInt' };
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return undefined;
  if (value instanceof Date) {
    const time = value.getTime();
    if (Number.isNaN(time)) return { path: [], rule: 'must be a valid date' };
    return time < earliest || time > latest
      ? { path: [], rule: 'must be a date between the years 1 and 9999' }
      : undefined;
  }
  if (ancestors.includes(value)) return { path: [], rule: 'must not contain itself (a circular value)' };
  if (ancestors.length >= maxDepth) return { path: [], rule: `must not be nested deeper than ${maxDepth} levels` };
  // Popped only on the way back from a clean value: a problem ends the walk, and `ancestors`
  // with it (no try/finally on every object of every input).
  ancestors.push(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = visit(value[i], ancestors);
      if (problem) return { path: [i, ...problem.path], rule: problem.rule };
    }
  } else {
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      const keyRule = stringRule(key);
      if (keyRule) return { path: [key], rule: `has a key that ${keyRule}` };
      const problem = visit((value as Record<string, unknown>)[key], ancestors);
      if (problem) return { path: [key, ...problem.path], rule: problem.rule };
    }
  }
  ancestors.pop();
  return undefined;
}
