/**
 * A compiled fast path for the input schemas of hot paths (decision 031). `parseInput` runs
 * `findUnstorable` and then zod: on a server read of 0.1 ms that cost 5–8 µs per call, most of
 * the gap to the raw driver, because zod's generic parse walks an object graph of schemas,
 * checks and payloads that is cold by the time the next call comes (the same parse in a tight
 * loop costs 0.5 µs). Here a schema is read once and, for the shapes hot-path inputs have, compiled
 * into one small function that checks a valid input and returns exactly what zod would return.
 *
 * It only ever says yes: for anything it does not recognise, or any input that fails a check, it
 * answers `MISS` and `parseInput` takes the full path (findUnstorable, then zod), which makes the
 * error. So an input it accepts must be one findUnstorable and zod accept, with zod's output:
 * - the schema: a strip-mode `z.object` of fields that are strings (length, `guid`/`uuid`/regex
 *   formats, refinements), finite numbers (safe integer, bounds), booleans or enums, each
 *   possibly `optional`, `nullable` or (outermost) `default`; or one such field alone. Anything
 *   else (transforms, `trim`, arrays, nested objects, pipes, coercion) is not compiled.
 * - the input: a plain object whose own keys are all the schema's (zod strips others, but
 *   findUnstorable would check them), strings without NUL or lone surrogates (findUnstorable);
 *   string lengths in code points, as zod counts them; keys assigned in the shape's order by
 *   zod's rules for required, optional and defaulted keys.
 * test/kit/fast-input.test.ts checks this against zod for generated inputs.
 */
import type { z } from 'zod';
import { stringRule } from './storable';

/** What the fast path answers when it cannot vouch for an input. */
export const MISS: unique symbol = Symbol('chatstore.fast-input.miss');

type Fast = (input: unknown) => unknown;

/** zod's internals, as much as is read here (zod marks `_zod` internal). */
interface Internals {
  _zod: {
    def: {
      type: string;
      checks?: readonly { _zod: { def: CheckDef } }[];
      coerce?: boolean;
      innerType?: Internals;
      shape?: Record<string, Internals>;
      catchall?: unknown;
      defaultValue?: unknown;
    } & Partial<CheckDef>;
    optin?: 'optional' | 'defaulted';
    optout?: 'optional';
    values?: ReadonlySet<unknown>;
  };
}
interface CheckDef {
  check: string;
  format?: string;
  pattern?: RegExp;
  minimum?: number;
  maximum?: number;
  value?: unknown;
  inclusive?: boolean;
  fn?: (value: unknown) => unknown;
}

/** zod's `guid` pattern, checked without the regex engine where a schema uses it. */
const guidSource = '^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$';

/** `text` matches zod's guid pattern: 8-4-4-4-12 hex digits. */
function isGuid(text: string): boolean {
  if (text.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = text.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (!((c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 102))) return false;
  }
  return true;
}

/** Code points in a well-formed string (how zod measures string lengths). */
function codePoints(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n--;
  }
  return n;
}

/** Whether findUnstorable passes a string: its own rule. */
const storable = (text: string) => stringRule(text) === undefined;

/** A value rejected by the `refine` functions' results zod counts as failure (or a promise: zod's own path). */
const refined = (result: unknown) => !(result instanceof Promise) && Boolean(result);

class Unsupported extends Error {}

/** Compiles expressions over the constants it collects (`k[i]`). */
class Compiler {
  readonly constants: unknown[] = [];
  constant(value: unknown): string {
    this.constants.push(value);
    return `k[${this.constants.length - 1}]`;
  }

  /** An expression true when `v` passes `schema` (a field without a default). */
  accepts(schema: Internals, v: string): string {
    const def = schema._zod.def;
    if (def.coerce) throw new Unsupported();
    const checks = def.checks ?? [];
    switch (def.type) {
      case 'optional':
        if (checks.length > 0 || schema._zod.optin !== 'optional') throw new Unsupported();
        return `(${v} === undefined || ${this.accepts(def.innerType as Internals, v)})`;
      case 'nullable':
        if (checks.length > 0) throw new Unsupported();
        return `(${v} === null || ${this.accepts(def.innerType as Internals, v)})`;
      case 'boolean':
        if (checks.length > 0) throw new Unsupported();
        return `typeof ${v} === 'boolean'`;
      case 'enum': {
        if (checks.length > 0 || !schema._zod.values) throw new Unsupported();
        for (const value of schema._zod.values) {
          if (typeof value === 'string' ? !storable(value) : typeof value !== 'number' || !Number.isFinite(value))
            throw new Unsupported();
        }
        return `${this.constant(schema._zod.values)}.has(${v})`;
      }
      case 'string': {
        const all =
          def.check === undefined ? checks.map((c) => c._zod.def) : [def as CheckDef, ...checks.map((c) => c._zod.def)];
        return `(typeof ${v} === 'string'${all.map((check) => ` && ${this.stringCheck(check, v)}`).join('')})`;
      }
      case 'number':
        return `(typeof ${v} === 'number' && Number.isFinite(${v})${checks.map((c) => ` && ${this.numberCheck(c._zod.def, v)}`).join('')})`;
      default:
        throw new Unsupported();
    }
  }

  private stringCheck(check: CheckDef, v: string): string {
    switch (check.check) {
      case 'min_length': {
        const min = check.minimum as number;
        return `(${v}.length >= ${min * 2} || (${v}.length >= ${min} && ${this.constant(codePoints)}(${v}) >= ${min}))`;
      }
      case 'max_length':
        // Code points never outnumber UTF-16 units; a longer text is left to zod.
        return `${v}.length <= ${check.maximum as number}`;
      case 'string_format': {
        const pattern = check.pattern;
        if (!(pattern instanceof RegExp) || !['guid', 'uuid', 'regex'].includes(check.format as string))
          throw new Unsupported();
        if (pattern.source === guidSource && pattern.flags === '') return `${this.constant(isGuid)}(${v})`;
        const p = this.constant(pattern);
        return `(${p}.lastIndex = 0, ${p}.test(${v}))`;
      }
      case 'custom':
        if (typeof check.fn !== 'function') throw new Unsupported();
        return `${this.constant(refined)}(${this.constant(check.fn)}(${v}))`;
      default:
        throw new Unsupported();
    }
  }

  private numberCheck(check: CheckDef, v: string): string {
    switch (check.check) {
      case 'number_format':
        if (check.format !== 'safeint') throw new Unsupported();
        return `Number.isSafeInteger(${v})`;
      case 'greater_than':
      case 'less_than': {
        if (typeof check.value !== 'number') throw new Unsupported();
        const op = check.check === 'greater_than' ? (check.inclusive ? '>=' : '>') : check.inclusive ? '<=' : '<';
        return `${v} ${op} ${this.constant(check.value)}`;
      }
      default:
        throw new Unsupported();
    }
  }
}

/** The source of the fast path of `schema`, or undefined when it is not one this module compiles. */
function compile(schema: Internals): Fast | undefined {
  const c = new Compiler();
  const def = schema._zod.def;
  const lines: string[] = [];
  try {
    if (def.type !== 'object') {
      if (schema._zod.optin !== undefined) return undefined;
      lines.push(
        `if (typeof input === 'string' && !${c.constant(storable)}(input)) return MISS;`,
        `return ${c.accepts(schema, 'input')} ? input : MISS;`,
      );
    } else {
      if (def.catchall !== undefined || (def.checks ?? []).length > 0) return undefined;
      const shape = def.shape as Record<string, Internals>;
      const keys = Object.keys(shape);
      if (keys.length === 0 || keys.includes('__proto__') || Object.getOwnPropertySymbols(shape).length > 0)
        return undefined;
      const name = (key: string) => JSON.stringify(key);
      lines.push(
        `if (typeof input !== 'object' || input === null) return MISS;`,
        'const proto = Object.getPrototypeOf(input);',
        'if (proto !== Object.prototype && proto !== null) return MISS;',
        // Keys zod strips would still be checked by findUnstorable: leave such input to it.
        `for (const key in input) if (${keys.map((k) => `key !== ${name(k)}`).join(' && ')} && Object.hasOwn(input, key)) return MISS;`,
      );
      keys.forEach((key, i) => {
        lines.push(`const v${i} = input[${name(key)}];`);
        lines.push(`if (typeof v${i} === 'string' && !${c.constant(storable)}(v${i})) return MISS;`);
      });
      lines.push('const out = {};');
      keys.forEach((key, i) => {
        const field = shape[key] as Internals;
        const v = `v${i}`;
        const present = `(${name(key)} in input)`;
        const optin = field._zod.optin;
        const optout = field._zod.optout;
        if (field._zod.def.type === 'default') {
          if ((field._zod.def.checks ?? []).length > 0 || optin !== 'defaulted' || optout !== undefined)
            throw new Unsupported();
          const inner = field._zod.def.innerType as Internals;
          if (inner._zod.optin !== undefined) throw new Unsupported();
          lines.push(
            `if (${v} === undefined) out[${name(key)}] = ${c.constant(field)}._zod.def.defaultValue;`,
            `else if (${c.accepts(inner, v)}) out[${name(key)}] = ${v}; else return MISS;`,
          );
        } else if (optin === 'optional' && optout === 'optional') {
          lines.push(`if (!${c.accepts(field, v)}) return MISS;`, `if (${present}) out[${name(key)}] = ${v};`);
        } else if (optin === undefined && optout === undefined) {
          lines.push(`if (!${present} || !${c.accepts(field, v)}) return MISS;`, `out[${name(key)}] = ${v};`);
        } else {
          throw new Unsupported();
        }
      });
      lines.push('return out;');
    }
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
  return new Function('k', 'MISS', `return (input) => {\n${lines.join('\n')}\n};`)(c.constants, MISS) as Fast;
}

const compiled = new WeakMap<object, Fast | null>();

/**
 * What zod's `safeParse(input)` would return as `data` when it succeeds and findUnstorable finds
 * nothing, or `MISS` when this module cannot tell (then run both).
 */
export function fastInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> | typeof MISS {
  let fast = compiled.get(schema);
  if (fast === undefined) {
    fast = compile(schema as unknown as Internals) ?? null;
    compiled.set(schema, fast);
  }
  return fast === null ? MISS : (fast(input) as z.output<S> | typeof MISS);
}
