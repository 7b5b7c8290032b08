/**
 * What every telegram repository module shares: the handle types, the prepared-statement cache,
 * and the mapping of driver errors to `ChatstoreError`s that name input fields.
 */
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { PgDb } from '../../connect';
import { ChatstoreError, toChatstoreError } from '../../errors';
import type * as schema from '../../schema/telegram';

export type TelegramSchema = typeof schema;
/**
 * What repository functions accept: `connect('telegram')`'s `db` (PGlite or postgres.js), any
 * drizzle PostgreSQL handle made with the telegram schema, or a transaction opened on one.
 */
export type TelegramDb = PgDb<TelegramSchema>;
export type TelegramTx = PgTransaction<PgQueryResultHKT, TelegramSchema, ExtractTablesWithRelations<TelegramSchema>>;

/**
 * Builds a set of prepared statements once per handle. Statements are bound to the session
 * they were built on, so a transaction handle gets its own set (built on first use in it).
 */
export function preparedPerHandle<T>(build: (db: TelegramDb) => T): (db: TelegramDb) => T {
  const cache = new WeakMap<TelegramDb, T>();
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
  users_telegram_id_key: 'telegramId',
  dialogs_user_id_fkey: 'userId',
  dialogs_user_id_telegram_dialog_id_key: 'telegramDialogId',
  processed_responses_dialog_id_fkey: 'dialogId',
  uq_processed_responses_active_dialog: 'dialogId',
  sessions_user_id_fkey: 'userId',
  sessions_token_key: 'accessToken',
  sessions_refresh_token_key: 'refreshToken',
  session_rotated_tokens_pkey: 'refreshToken',
  authentication_data_user_id_fkey: 'userId',
  uq_authentication_data_active_user: 'userId',
  user_selected_models_user_id_fkey: 'userId',
  tasks_dialog_id_fkey: 'dialogId',
  tasks_user_id_fkey: 'userId',
  tasks_attempts_check: 'maxAttempts',
};

const camelCase = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** `toChatstoreError` plus field names callers know (`userId` rather than `dialogs_user_id_fkey`). */
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

export function notFound(entity: string, field: string, id: unknown): ChatstoreError {
  return new ChatstoreError('NOT_FOUND', `No ${entity} row with ${field} ${String(id)}`, { entity, field });
}

export function invalidTransition(entity: string, field: string, message: string): ChatstoreError {
  return new ChatstoreError('INVALID_TRANSITION', message, { entity, field });
}
