/**
 * What every target's suites share: one open database per `describe`, "nothing was written"
 * row counts, and assertions on `ChatstoreError`s.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import type { SqlClient } from '../../src/connect';
import { type ErrorCode, isChatstoreError } from '../../src/errors';
import type { Connection } from '../../src/targets/connect';
import type { TargetName } from '../../src/targets/registry';

export interface DatabaseFixture<T extends TargetName> {
  readonly conn: Connection<T>;
  readonly db: Connection<T>['db'];
}

/**
 * Opens one database for the enclosing `describe` (in `beforeAll`), closed and cleaned up after
 * it. `beforeClose` runs while the connection is still open (e.g. to drop cluster-wide roles).
 */
export function useDatabase<T extends TargetName>(
  open: () => Promise<Connection<T>>,
  cleanup: () => Promise<void>,
  options: { beforeClose?: (conn: Connection<T>) => Promise<void> } = {},
): DatabaseFixture<T> {
  let conn: Connection<T> | undefined;
  beforeAll(async () => {
    conn = await open();
  });
  afterAll(async () => {
    try {
      if (conn && options.beforeClose) await options.beforeClose(conn);
    } finally {
      await conn?.close();
    }
    await cleanup();
  });
  const opened = () => {
    if (!conn) throw new Error('database not open yet: use the fixture inside a test');
    return conn;
  };
  return {
    get conn() {
      return opened();
    },
    get db() {
      return opened().db;
    },
  };
}

/** Row counts of `tables`, to show that a failed call wrote nothing. */
export async function rowCountsOf(client: SqlClient, tables: readonly string[]): Promise<Record<string, number>> {
  const [row] = await client.query<Record<string, number>>(
    `select ${tables.map((t) => `(select count(*) from ${t}) as ${t}`).join(', ')}`,
  );
  return Object.fromEntries(Object.entries(row ?? {}).map(([table, n]) => [table, Number(n)]));
}

/** Asserts that `promise` rejects with a ChatstoreError of this code and field; returns it. */
export async function expectChatstoreError(call: Promise<unknown> | (() => unknown), code: ErrorCode, field?: string) {
  // A synchronous repository (SQLite, decision 022) throws; pass it as `() => call(…)`.
  const error = await (async () => (typeof call === 'function' ? call() : call))().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a rejection').toBeDefined();
  if (!isChatstoreError(error)) throw new Error(`expected a ChatstoreError, got ${String(error)}`);
  expect({ code: error.code, field: error.field }, error.message).toEqual({ code, field });
  return error;
}
