/**
 * What every target's suites share: one open database per `describe`, "nothing was written"
 * row counts, and assertions on `ChatstoreError`s.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import type { SqlClient } from '../../src/connect';
import { type ErrorCode, isChatstoreError } from '../../src/errors';
import type { Connection } from '../../src/targets/connect';
import type { TargetName } from '../../src/targets/registry';
import { type Backend, openMigrated } from './backends';

export interface DatabaseFixture<T extends TargetName> {
  readonly conn: Connection<T>;
  readonly db: Connection<T>['db'];
}

export interface DatabaseOptions<T extends TargetName> {
  /** Runs while the connection is still open, before it closes (e.g. to drop cluster-wide roles). */
  beforeClose?: (conn: Connection<T>) => Promise<void>;
  /** How long opening may take, in ms, when it is slower than vitest's default hook timeout. */
  openTimeoutMs?: number;
}

/**
 * Opens one database for the enclosing `describe` (in `beforeAll`), closed and cleaned up after
 * it.
 */
export function useDatabase<T extends TargetName>(
  open: () => Promise<Connection<T>>,
  cleanup: () => Promise<void>,
  options: DatabaseOptions<T> = {},
): DatabaseFixture<T> {
  let conn: Connection<T> | undefined;
  beforeAll(async () => {
    conn = await open();
  }, options.openTimeoutMs);
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

/**
 * One fresh database of `target` on `backend`, migrated to the latest generation, for the
 * enclosing `describe`; the backend drops it afterwards.
 *
 * @example const t = useTargetDatabase('todo', backend); // then t.db, t.conn inside tests
 */
export function useTargetDatabase<T extends TargetName>(
  target: T,
  backend: Backend,
  options: DatabaseOptions<T> = {},
): DatabaseFixture<T> {
  return useDatabase(
    () => openMigrated(target, backend),
    () => backend.cleanup(),
    options,
  );
}

/** The one row an `insert … returning` wrote (`what` names it when there is none). */
export function onlyRow<R>(rows: readonly R[], what: string): R {
  const [row] = rows;
  if (!row) throw new Error(`no ${what}`);
  return row;
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
  return asChatstoreError(error, code, field);
}

/** Asserts that `run` throws (synchronously) a ChatstoreError of this code and field; returns it. */
export function expectChatstoreErrorSync(run: () => unknown, code: ErrorCode, field?: string) {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error, 'expected a throw').toBeDefined();
  return asChatstoreError(error, code, field);
}

function asChatstoreError(error: unknown, code: ErrorCode, field?: string) {
  if (!isChatstoreError(error)) throw new Error(`expected a ChatstoreError, got ${String(error)}`);
  expect({ code: error.code, field: error.field }, error.message).toEqual({ code, field });
  return error;
}
