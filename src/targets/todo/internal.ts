/**
 * What every todo repository module shares: the handle types, the prepared-statement cache
 * and the mapping of driver errors to `ChatstoreError`s that name input fields.
 * Not re-exported from `index.ts` except for the handle types.
 */
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { PgDb } from '../../connect';
import { postgresqlKit } from '../../kit/postgresql';
import * as schema from '../../schema/todo';

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
 * The repository kit: prepared statements per handle, and driver errors naming input fields.
 * Constraint names and their fields come from the schema; the schema says them all.
 */
export const kit = postgresqlKit<TodoDb>(schema);
export const { dbError, floor, mapped, notFound, prepared } = kit;

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
