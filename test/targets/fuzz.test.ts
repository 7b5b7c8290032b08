/**
 * Property-based fuzz of every exported repository function of every target (fast-check): called
 * with hostile values — NUL bytes, lone surrogates, integers past int4, BigInt, dates outside any
 * column's range, circular and very deep JSON, null and undefined where an object belongs — and
 * with plausible objects that carry them, each call either succeeds or throws a `ChatstoreError`
 * with a specific code (never the catch-all `DATABASE_ERROR`, never a TypeError), and a call that
 * fails writes nothing. Bounded (a fixed seed, a few runs per function) to keep the suite quick.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlClient } from '../../src/connect';
import { isChatstoreError } from '../../src/errors';
import * as agent from '../../src/targets/agent';
import { type Connection, connect } from '../../src/targets/connect';
import * as letta from '../../src/targets/letta';
import type { TargetName } from '../../src/targets/registry';
import * as tatlockSystem from '../../src/targets/tatlock-system';
import * as tatlockUser from '../../src/targets/tatlock-user';
import * as telegram from '../../src/targets/telegram';
import * as todo from '../../src/targets/todo';

/** Exports that take no database handle; the rest take it first. */
const pure = new Set([
  'canonicalJson',
  'checkpointData',
  'rowsOf',
  'stateHash',
  'credentialsInfo',
  'decryptFor',
  'encryptFor',
  'tokenDigest',
  'sessionValues',
  'tokenExpiries',
  'sqliteTimestamp',
]);
/** Exports that open files of their own: covered by their suites, not called here on fuzzed paths. */
const opensFiles = new Set(['openSystemDatabase', 'openUserDatabase']);

const modules: [TargetName, Record<string, unknown>, string][] = [
  ['todo', todo, 'pglite:memory:'],
  ['agent', agent, 'pglite:memory:'],
  ['telegram', telegram, 'pglite:memory:'],
  ['letta', letta, ':memory:'],
  ['tatlock-system', tatlockSystem, ':memory:'],
  ['tatlock-user', tatlockUser, ':memory:'],
];

function circular(): Record<string, unknown> {
  const value: Record<string, unknown> = { name: 'loop' };
  value.self = value;
  return value;
}

function deep(levels: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < levels; i++) value = { next: value };
  return value;
}

const uuid = '00000000-0000-4000-8000-000000000001';
const hostile = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    undefined,
    'nul\u0000byte',
    'lone\ud800surrogate',
    'mallory\udfff',
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 63,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -1,
    10n ** 20n,
    new Date(8.64e15),
    new Date(Number.NaN),
    new Date(-8.64e15),
    '',
    ' ',
    'x'.repeat(100_000),
    uuid,
    [],
    {},
  ),
  fc.constant(0).map(() => circular()),
  fc.constantFrom(70, 5000).map(deep),
  fc.anything({ maxDepth: 2 }),
);
/** Field names the repositories take, so fuzzed objects reach past the first check. */
const fieldNames = [
  'id',
  'userId',
  'conversationId',
  'sessionId',
  'agentId',
  'messageId',
  'content',
  'role',
  'title',
  'topic',
  'metadata',
  'username',
  'email',
  'name',
  'password',
  'limit',
  'totalTokens',
  'createdAt',
  'expiresAt',
  'embedding',
  'state',
  'data',
  'query',
  'telegramId',
  'platform',
  'platformUserId',
  'key',
  'value',
  'keyring',
  'status',
];
const plausible = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.constant(uuid), hostile);
const fuzzedObject = fc.dictionary(fc.constantFrom(...fieldNames), plausible, { maxKeys: 6 });
const argument = fc.oneof(hostile, fuzzedObject, fuzzedObject);

/** Row counts of every table, in one statement. */
async function counts(client: SqlClient): Promise<string> {
  const tables = (
    client.dialect === 'postgresql'
      ? await client.query<{ name: string }>(
          "select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1",
        )
      : await client.query<{ name: string }>(
          "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by 1",
        )
  ).map((t) => t.name);
  const select = tables.map((t) => `(select count(*) from "${t}") as "${t}"`).join(', ');
  return JSON.stringify(await client.query(`select ${select}`));
}

describe.each(modules)('fuzzed calls into %s', (target, module, location) => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await connect(target, location, { migrate: true });
  });
  afterAll(async () => {
    await conn?.close();
  });

  const functions = Object.entries(module).filter(
    ([name, value]) => typeof value === 'function' && !opensFiles.has(name) && !/^[A-Z]/.test(name),
  ) as [string, (...args: unknown[]) => unknown][];

  it('exports functions to fuzz', () => {
    expect(functions.length).toBeGreaterThan(5);
  });

  it.each(functions)('%s: success or a specific ChatstoreError, nothing written on error', async (name, fn) => {
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(argument, argument, async (a, b) => {
        const before = await counts(conn.client);
        try {
          await (pure.has(name) ? fn(a, b) : fn(conn.db, a, b));
          return;
        } catch (error) {
          if (!isChatstoreError(error) || error.code === 'DATABASE_ERROR') {
            const what = isChatstoreError(error) ? `DATABASE_ERROR: ${error.message}` : String(error);
            failures.push(`${name}(${shown(a)}, ${shown(b)}) threw ${what.slice(0, 200)}`);
          }
        }
        expect(await counts(conn.client), `${name} wrote rows and failed`).toBe(before);
      }),
      { numRuns: 25, seed: 20261130, endOnFailure: true },
    );
    expect(failures).toEqual([]);
  });
});

function shown(value: unknown): string {
  try {
    return fc.stringify(value).slice(0, 120);
  } catch {
    return typeof value;
  }
}
