/** `jsonValue` accepts and refuses what zod's own `z.json()` does, and names where a bad value is. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jsonValue } from '../../src/schema/json';
import { prng } from '../../support/random';

const zodJson = z.json();

/** Values made of JSON and of what is not JSON, nested a few levels. */
function sample(random: () => number, depth = 0): unknown {
  const leaves: (() => unknown)[] = [
    () => 'text',
    () => '',
    () => random() * 1000 - 500,
    () => 0,
    () => true,
    () => null,
    () => Number.NaN,
    () => Number.POSITIVE_INFINITY,
    () => undefined,
    () => new Date(0),
    () => new Map(),
    () => () => 1,
    () => Symbol('s'),
    () => 1n,
    () => new Uint8Array(2),
  ];
  const roll = random();
  if (depth < 3 && roll < 0.25)
    return Array.from({ length: Math.floor(random() * 4) }, () => sample(random, depth + 1));
  if (depth < 3 && roll < 0.5) {
    const object: Record<string, unknown> = random() < 0.1 ? Object.create(null) : {};
    for (let i = Math.floor(random() * 4); i > 0; i--) object[`k${i}`] = sample(random, depth + 1);
    return object;
  }
  // Mostly JSON leaves, so that whole values are often valid.
  const pick = random() < 0.85 ? Math.floor(random() * 6) : Math.floor(random() * leaves.length);
  return (leaves[pick] as () => unknown)();
}

describe('jsonValue', () => {
  it('accepts exactly what z.json() accepts, with the same output', () => {
    const random = prng(29);
    let valid = 0;
    for (let i = 0; i < 5_000; i++) {
      const value = sample(random);
      const ours = jsonValue.safeParse(value);
      const zods = zodJson.safeParse(value);
      expect(ours.success, String(i)).toBe(zods.success);
      if (ours.success) {
        valid++;
        expect(ours.data).toEqual(zods.data);
      }
    }
    // Both outcomes are exercised.
    expect(valid).toBeGreaterThan(1_000);
    expect(valid).toBeLessThan(4_900);
  });

  it('names the path of the first value that is not JSON', () => {
    const result = z.object({ data: jsonValue }).safeParse({ data: { a: [1, { b: undefined }] } });
    expect(result.error?.issues).toMatchObject([{ code: 'custom', path: ['data', 'a', 1, 'b'] }]);
    expect(z.object({ data: jsonValue }).safeParse({}).success).toBe(false);
  });
});
