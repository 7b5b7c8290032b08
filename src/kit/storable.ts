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

const loneSurrogate = /\p{Surrogate}/u;
const earliest = Date.UTC(1, 0, 1);
const latest = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Why a string cannot be stored, if it cannot. */
function stringRule(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain NUL characters (U+0000)';
  // With the `u` flag a valid pair is one code point: only a lone surrogate matches.
  if (loneSurrogate.test(text)) return 'must be well-formed Unicode (it has a lone surrogate)';
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
  const open = new Set<object>();
  const path: (string | number)[] = [];
  const found = (rule: string): Unstorable => ({ path: [...path], rule });
  const visit = (value: unknown): Unstorable | undefined => {
    switch (typeof value) {
      case 'string': {
        const rule = stringRule(value);
        return rule ? found(rule) : undefined;
      }
      case 'number':
        return Number.isFinite(value) ? undefined : found('must be a finite number');
      case 'bigint':
        return found('must be a number or a string, not a BigInt');
      case 'object':
        break;
      default:
        return undefined;
    }
    if (value === null || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return undefined;
    if (value instanceof Date) {
      const time = value.getTime();
      if (Number.isNaN(time)) return found('must be a valid date');
      return time < earliest || time > latest ? found('must be a date between the years 1 and 9999') : undefined;
    }
    if (open.has(value)) return found('must not contain itself (a circular value)');
    if (open.size >= maxDepth) return found(`must not be nested deeper than ${maxDepth} levels`);
    open.add(value);
    try {
      const entries: [string | number, unknown][] = Array.isArray(value)
        ? value.map((item, i) => [i, item])
        : Object.entries(value);
      for (const [key, item] of entries) {
        path.push(key);
        const keyRule = typeof key === 'string' ? stringRule(key) : undefined;
        const problem = keyRule ? found(`has a key that ${keyRule}`) : visit(item);
        path.pop();
        if (problem) return problem;
      }
      return undefined;
    } finally {
      open.delete(value);
    }
  };
  return visit(input);
}
