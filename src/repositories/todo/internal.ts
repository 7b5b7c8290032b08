/**
 * What every todo repository module shares: the handle types, the prepared-statement cache
 * and the mapping of driver errors to `ChatstoreError`s that name input fields.
 * Not re-exported from `index.ts` except for the handle types.
 */
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { PgDb } from '../../connect';
import { ChatstoreError, toChatstoreError } from '../../errors';
import type * as schema from '../../schema/todo';

export type TodoSchema = typeof schema;
/** A drizzle handle typed with the todo schema, e.g. `drizzle({ client, schema })`. */
export type TypedTodoDb = PgDb<TodoSchema>;
/**
 * What repository functions accept: `connect('todo')`'s `db` (PGlite or postgres.js), any
 * drizzle PostgreSQL handle made with the todo schema, or a transaction opened on one.
 */
export type TodoDb = TypedTodoDb;
/** A transaction on a handle with schema `S`; usable wherever a `TodoDb` is. */
export type TodoTx<S extends Record<string, unknown> = TodoSchema> = PgTransaction<
  PgQueryResultHKT,
  S,
  ExtractTablesWithRelations<S>
>;

/**
 * Builds a set of prepared statements once per handle. Statements are bound to the session
 * they were built on, so a transaction handle gets its own set (built on first use in it).
 */
export function preparedPerHandle<T>(build: (db: TodoDb) => T): (db: TodoDb) => T {
  const cache = new WeakMap<TodoDb, T>();
  return (db) => {
    let statements = cache.get(db);
    if (statements === undefined) {
      statements = build(db);
      cache.set(db, statements);
    }
    return statements;
  };
}

// PostgreSQL reports constraint names, not input fields; callers branch on the field.
const constraintFields: Record<string, string> = {
  users_pkey: 'id',
  users_email_key: 'email',
  tasks_user_id_fkey: 'userId',
  conversations_user_id_fkey: 'userId',
  messages_user_id_fkey: 'userId',
  messages_conversation_id_fkey: 'conversationId',
  messages_role_check: 'role',
  conversation_metadata_conversation_id_fkey: 'conversationId',
  conversation_metadata_conversation_id_key: 'conversationId',
};

const camelCase = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * `toChatstoreError` plus field names callers know (`userId` rather than
 * `tasks_user_id_fkey`), so a missing user is `FOREIGN_KEY` on `userId` on every backend.
 */
export function dbError(error: unknown, entity: string): ChatstoreError {
  const mapped = toChatstoreError(error, entity);
  if (mapped.field === undefined) return mapped;
  const field = constraintFields[mapped.field] ?? camelCase(mapped.field);
  if (field === mapped.field) return mapped;
  return new ChatstoreError(mapped.code, mapped.message, { field, entity: mapped.entity, cause: mapped.cause });
}

/** Runs a database call and maps whatever it throws; ChatstoreErrors pass through. */
export async function mapped<T>(entity: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw dbError(error, entity);
  }
}

/** A row as JSON carries it: dates become ISO strings. */
export type Jsonified<T> = {
  [K in keyof T]: T[K] extends Date ? string : Date extends T[K] ? Exclude<T[K], Date> | string : T[K];
};

/** Converts a row's `Date` values to ISO strings, matching `Jsonified<T>`. */
export function jsonify<T extends Record<string, unknown>>(row: T): Jsonified<T> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) out[key] = value instanceof Date ? value.toISOString() : value;
  return out as Jsonified<T>;
}

export function notFound(entity: string, field: string, id: unknown): ChatstoreError {
  return new ChatstoreError('NOT_FOUND', `No ${entity} row with ${field} ${String(id)}`, { entity, field });
}
