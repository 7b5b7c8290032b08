/**
 * Shared set-up for the todo suites: one migrated database per backend per file, unique ids,
 * and row counts for "nothing was written" assertions.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Connection } from '../../src/connect';
import { type ErrorCode, isChatstoreError } from '../../src/errors';
import { createUser, type TodoDb, type User } from '../../src/repositories/todo';
import { type Backend, openMigrated } from '../support/backends';

export interface TodoFixture {
  readonly conn: Connection<'todo'>;
  readonly db: TodoDb;
}

/**
 * Opens one migrated todo database for the enclosing `describe`, closed and dropped after it.
 * `beforeClose` runs while the connection is still open (e.g. to drop cluster-wide roles).
 */
export function useTodoDatabase(
  backend: Backend,
  options: { beforeClose?: (conn: Connection<'todo'>) => Promise<void> } = {},
): TodoFixture {
  let conn: Connection<'todo'> | undefined;
  beforeAll(async () => {
    conn = await openMigrated('todo', backend);
  });
  afterAll(async () => {
    try {
      if (conn && options.beforeClose) await options.beforeClose(conn);
    } finally {
      await conn?.close();
    }
    await backend.cleanup();
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

export const uniqueId = (prefix: string) => `${prefix}-${randomBytes(5).toString('hex')}`;

export function newUser(db: TodoDb, name?: string): Promise<User> {
  const id = uniqueId('user');
  return createUser(db, { id, email: `${id}@example.com`, name });
}

/** Row counts of every todo table, to show a failed call wrote nothing. */
export async function rowCounts(conn: Connection<'todo'>): Promise<Record<string, number>> {
  const [row] = await conn.client.query<Record<string, number>>(
    `select (select count(*)::int from users) as users, (select count(*)::int from tasks) as tasks,
      (select count(*)::int from conversations) as conversations, (select count(*)::int from messages) as messages,
      (select count(*)::int from conversation_metadata) as metadata`,
  );
  return row ?? {};
}

/** Asserts that `promise` rejects with a ChatstoreError of this code and field; returns it. */
export async function expectChatstoreError(promise: Promise<unknown>, code: ErrorCode, field?: string) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a rejection').toBeDefined();
  if (!isChatstoreError(error)) throw new Error(`expected a ChatstoreError, got ${String(error)}`);
  expect({ code: error.code, field: error.field }).toEqual({ code, field });
  return error;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
