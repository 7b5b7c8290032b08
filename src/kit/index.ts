import { type SQL, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { ChatstoreError, toChatstoreError } from '../errors';

/**
 * Throws `RLS_BYPASSED` when the transaction's current role is one row-level security does not
 * bind: a superuser, or a role with BYPASSRLS (decision 019). Call it after any `SET LOCAL
 * ROLE`, before acting for a user. Table owners are bound (FORCE ROW LEVEL SECURITY).
 */
export async function refuseRlsBypass(tx: { execute(query: SQL): PromiseLike<unknown> }): Promise<void> {
  const result = await tx.execute(
    sql`select current_user::text as role, r.rolsuper as superuser, r.rolbypassrls as bypass
        from pg_roles r where r.rolname = current_user`,
  );
  const [row] = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as {
    role: string;
    superuser: boolean;
    bypass: boolean;
  }[];
  if (!row || row.superuser || row.bypass) {
    const why = !row ? 'is not in pg_roles' : row.superuser ? 'is a superuser' : 'has BYPASSRLS';
    throw new ChatstoreError(
      'RLS_BYPASSED',
      `Refusing to act for a user as role "${row?.role ?? '?'}": it ${why}, so row-level security would not apply ` +
        "and every user's rows would be visible. Connect as (or pass `role:` naming) a non-owner role without " +
        'SUPERUSER or BYPASSRLS (docs/decisions/019-rls-isolates-users.md).',
      { field: 'role', entity: 'users' },
    );
  }
}

/**
 * Parses repository input with its zod schema before anything touches the database.
 * The first issue becomes a `VALIDATION` error naming the field (`title`, `messages.0.role`).
 *
 * @example const input = parseInput(StartConversationInput, args);
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, entity?: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw validationError(parsed.error, [], entity);
}

/**
 * `parseInput` for a single argument (`getUser(db, username)`): a bad value is a `VALIDATION`
 * error naming `field`, as if it had been passed as `{ [field]: value }`.
 *
 * @example const username = parseField(Username, input, 'username', 'users');
 */
export function parseField<S extends z.ZodType>(
  schema: S,
  value: unknown,
  field: string,
  entity?: string,
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw validationError(parsed.error, [field], entity);
}

/** The first zod issue as a `VALIDATION` error whose field is its path (after `prefix`). */
function validationError(error: z.ZodError, prefix: string[], entity?: string): ChatstoreError {
  const issue = error.issues[0];
  const field = [...prefix, ...(issue?.path.map(String) ?? [])].join('.') || 'input';
  return new ChatstoreError('VALIDATION', `Invalid ${field}: ${issue?.message ?? 'invalid input'}`, {
    field,
    entity,
    cause: error,
  });
}

/**
 * Builds a set of prepared statements once per drizzle handle. On PostgreSQL statements are bound
 * to the session they were built on, so a transaction handle gets its own set (built on first
 * use in it); better-sqlite3 prepares each statement once.
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
export function sqliteError(error: unknown, entity: string, fields: Record<string, string> = {}): ChatstoreError {
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

/** Runs a synchronous SQLite call and maps whatever it throws; ChatstoreErrors pass through. */
export function sqliteMapped<T>(entity: string, run: () => T, fields?: Record<string, string>): T {
  try {
    return run();
  } catch (error) {
    throw sqliteError(error, entity, fields);
  }
}

/**
 * The PostgreSQL error mapping of one target: `toChatstoreError` plus field names callers know
 * (`userId` rather than `tasks_user_id_fkey`); PostgreSQL reports constraint names, not fields.
 */
export function pgErrors(constraintFields: Record<string, string>) {
  const dbError = (error: unknown, entity: string): ChatstoreError => {
    const mapped = toChatstoreError(error, entity);
    if (mapped.field === undefined) return mapped;
    const field = constraintFields[mapped.field] ?? camelCase(mapped.field);
    if (field === mapped.field) return mapped;
    return new ChatstoreError(mapped.code, mapped.message, { field, entity: mapped.entity, cause: mapped.cause });
  };
  /** Runs a database call and maps whatever it throws; ChatstoreErrors pass through. */
  const mapped = async <T>(entity: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw dbError(error, entity);
    }
  };
  return { dbError, mapped };
}

export function notFound(entity: string, field: string, id: unknown): ChatstoreError {
  return new ChatstoreError('NOT_FOUND', `No ${entity} row with ${field} ${String(id)}`, { entity, field });
}
