/**
 * The repository kit of the PostgreSQL targets (todo, telegram, agent): prepared statements
 * cached per handle, and driver errors mapped to `ChatstoreError`s naming the input field.
 * PostgreSQL reports a violated constraint by name (`tasks_user_id_fkey`); the names and the
 * fields they cover come from the target's schema module (`getTableConfig`).
 *
 * @example
 * export const { dbError, mapped, notFound, prepared } = postgresqlKit<TodoDb>(schema);
 */
import { is } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { ChatstoreError, toChatstoreError } from '../errors';
import {
  cachedPer,
  camelCase,
  constraintsOf,
  fieldsOf,
  type KitBase,
  notFound,
  type SchemaConstraint,
  tableFacts,
} from './index';

/** Every constraint and unique index of the PostgreSQL tables in a schema module. */
export function postgresqlConstraints(schema: Record<string, unknown>): SchemaConstraint[] {
  const tables = Object.values(schema).filter((value): value is PgTable => is(value, PgTable));
  return constraintsOf(tables.map((table) => tableFacts(table, getTableConfig(table))));
}

export interface PostgresqlKit<D extends object> extends KitBase {
  /** Runs a database call and maps whatever it throws; ChatstoreErrors pass through. */
  mapped<T>(entity: string, run: () => Promise<T>): Promise<T>;
  /**
   * Builds a set of prepared statements once per drizzle handle. Statements are bound to the
   * session they were built on, so a transaction handle gets its own set (built on first use).
   */
  prepared<T>(build: (db: D) => T): (db: D) => T;
}

/**
 * The kit of one PostgreSQL target: `schema` is its latest schema module, `handWritten` the
 * constraint → field names the schema cannot say (see `fieldsOf`).
 */
export function postgresqlKit<D extends object>(
  schema: Record<string, unknown>,
  handWritten: Record<string, string> = {},
): PostgresqlKit<D> {
  const constraints = postgresqlConstraints(schema);
  const fields = fieldsOf(constraints, handWritten);
  // toChatstoreError puts the constraint's name (or the column's, for NOT NULL) in `field`.
  const dbError = (error: unknown, entity: string): ChatstoreError => {
    const mapped = toChatstoreError(error, entity);
    if (mapped.field === undefined) return mapped;
    const field = (Object.hasOwn(fields, mapped.field) ? fields[mapped.field] : undefined) ?? camelCase(mapped.field);
    if (field === mapped.field) return mapped;
    return new ChatstoreError(mapped.code, mapped.message, { field, entity: mapped.entity, cause: mapped.cause });
  };
  return {
    fields,
    handWritten,
    constraints,
    dbError,
    notFound,
    async mapped<T>(entity: string, run: () => Promise<T>): Promise<T> {
      try {
        return await run();
      } catch (error) {
        throw dbError(error, entity);
      }
    },
    prepared: <T>(build: (db: D) => T) => cachedPer((db: D) => db, build),
  };
}
