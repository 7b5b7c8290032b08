/**
 * What SQLite repositories share: a prepared-statement cache per handle and the mapping of
 * better-sqlite3 errors to `ChatstoreError`s that name the input field.
 */
import { ChatstoreError, toChatstoreError } from '../errors';

/**
 * Builds a set of prepared statements once per drizzle handle (better-sqlite3 prepares each
 * statement once; executing it again skips parsing and planning).
 *
 * @example const statements = preparedPerHandle((db: UserDb) => ({ one: db.select().from(t).prepare() }));
 */
export function preparedPerHandle<D extends object, T>(build: (db: D) => T): (db: D) => T {
  const cache = new WeakMap<D, T>();
  return (db) => {
    let statements = cache.get(db);
    if (statements === undefined) {
      statements = build(db);
      cache.set(db, statements);
    }
    return statements;
  };
}

const camelCase = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * `toChatstoreError` plus the field: SQLite names the failing column in its message
 * (`UNIQUE constraint failed: roles.role_name`), callers get `roleName`.
 */
export function dbError(error: unknown, entity: string, fields: Record<string, string> = {}): ChatstoreError {
  const mapped = toChatstoreError(error, entity);
  if (mapped.field !== undefined || mapped.code === 'DATABASE_ERROR') return mapped;
  const column = /constraint failed: (?:\w+\.)?(\w+)/.exec(mapped.message)?.[1];
  if (column === undefined) return mapped;
  return new ChatstoreError(mapped.code, mapped.message, {
    field: fields[column] ?? camelCase(column),
    entity: mapped.entity,
    cause: mapped.cause,
  });
}

/** Runs a database call and maps whatever it throws; ChatstoreErrors pass through. */
export function mapped<T>(entity: string, run: () => T, fields?: Record<string, string>): T {
  try {
    return run();
  } catch (error) {
    throw dbError(error, entity, fields);
  }
}

export function notFound(entity: string, field: string, id: unknown): ChatstoreError {
  return new ChatstoreError('NOT_FOUND', `No ${entity} row with ${field} ${String(id)}`, { entity, field });
}
