/**
 * Values no column can hold as given are refused at the edge, before zod and before any driver:
 * the classes an audit fuzzed through every repository (NUL, lone surrogates, circular and deep
 * JSON, BigInt, unrepresentable dates), and what they did before: a driver error, a stack
 * overflow, or two ids that collide once the driver replaces a lone surrogate with U+FFFD.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUnstorable, maxDepth } from '../../src/kit/storable';
import { type Connection, connect } from '../../src/targets/connect';
import { createUser, getUser, listTasks } from '../../src/targets/todo';
import { expectChatstoreError } from '../support/database';

function nested(levels: number): unknown {
  let value: unknown = 'x';
  for (let i = 0; i < levels; i++) value = { next: value };
  return value;
}

describe('findUnstorable', () => {
  it('names the path and the rule of the first value no column holds', () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(findUnstorable({ content: 'a\u0000b' })).toEqual({
      path: ['content'],
      rule: 'must not contain NUL characters (U+0000)',
    });
    expect(findUnstorable({ tags: ['ok', 'mallory\ud800'] })?.path).toEqual(['tags', 1]);
    expect(findUnstorable({ meta: { 'k\u0000': 1 } })?.rule).toMatch(/has a key that must not contain NUL/);
    expect(findUnstorable({ meta: loop })?.rule).toMatch(/circular/);
    expect(findUnstorable(nested(maxDepth + 1))?.rule).toMatch(/nested deeper than 64/);
    expect(findUnstorable({ n: 10n })?.rule).toMatch(/BigInt/);
    expect(findUnstorable({ n: Number.NaN })?.rule).toMatch(/finite/);
    expect(findUnstorable({ at: new Date(8.64e15) })?.rule).toMatch(/between the years 1 and 9999/);
    expect(findUnstorable({ at: new Date(Number.NaN) })?.rule).toMatch(/valid date/);
  });

  it('passes what columns hold: text with emoji, pairs, deep but bounded JSON, byte arrays, callbacks', () => {
    for (const ok of [
      { content: 'Kyoto 🗾 — “quotes”', meta: nested(maxDepth - 1) },
      { vector: new Float32Array(4), bytes: Buffer.from([0, 1]), onProgress: () => {} },
      { at: new Date('2026-11-30T00:00:00Z'), n: 2 ** 53, none: null, missing: undefined },
      'plain',
      [],
    ]) {
      expect(findUnstorable(ok)).toBeUndefined();
    }
  });
});

describe('repositories refuse them with VALIDATION naming the field, writing nothing', () => {
  let conn: Connection<'todo'>;
  beforeAll(async () => {
    conn = await connect('todo', 'pglite:memory:', { migrate: true });
  });
  afterAll(() => conn?.close());

  it('a lone surrogate cannot make two ids collide', async () => {
    await expectChatstoreError(
      createUser(conn.db, { id: 'mallory\ud800', email: 'm@example.com' }),
      'VALIDATION',
      'id',
    );
    await createUser(conn.db, { id: 'mallory', email: 'm@example.com' });
    await expect(getUser(conn.db, 'mallory\udfff')).rejects.toMatchObject({ code: 'VALIDATION' });
    await expectChatstoreError(listTasks(conn.db, { userId: 'mallory\u0000' }), 'VALIDATION', 'userId');
    const [row] = await conn.client.query<{ n: number }>('select count(*)::int as n from users');
    expect(row?.n).toBe(1);
  });
});
