/**
 * Shared set-up for the todo suites: one migrated database per backend per file, unique ids,
 * and row counts for "nothing was written" assertions.
 */
import { randomBytes } from 'node:crypto';
import type { Connection } from '../../../src/targets/connect';
import { createUser, type TodoDb, type User } from '../../../src/targets/todo';
import type { Backend } from '../../support/backends';
import {
  type DatabaseFixture,
  type DatabaseOptions,
  expectChatstoreError,
  rowCountsOf,
  useTargetDatabase,
} from '../../support/database';

export type TodoFixture = DatabaseFixture<'todo'>;

/** Opens one migrated todo database for the enclosing `describe`, closed and dropped after it. */
export const useTodoDatabase = (backend: Backend, options?: DatabaseOptions<'todo'>): TodoFixture =>
  useTargetDatabase('todo', backend, options);

export const uniqueId = (prefix: string) => `${prefix}-${randomBytes(5).toString('hex')}`;

export function newUser(db: TodoDb, name?: string): Promise<User> {
  const id = uniqueId('user');
  return createUser(db, { id, email: `${id}@example.com`, name });
}

/** Row counts of every todo table, to show a failed call wrote nothing. */
export async function rowCounts(conn: Connection<'todo'>): Promise<Record<string, number>> {
  const tables = ['users', 'tasks', 'conversations', 'messages', 'conversation_metadata'];
  const { conversation_metadata: metadata, ...counts } = await rowCountsOf(conn.client, tables);
  return { ...counts, metadata: metadata ?? 0 };
}

export { expectChatstoreError };

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
