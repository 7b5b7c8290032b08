/**
 * What every telegram repository module shares: the handle types, the prepared-statement cache,
 * and the mapping of driver errors to `ChatstoreError`s that name input fields.
 */
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { PgDb } from '../../connect';
import { ChatstoreError } from '../../errors';
import { pgErrors, preparedPerHandle as sharedPreparedPerHandle } from '../../kit';
import type * as schema from '../../schema/telegram';

export type TelegramSchema = typeof schema;
/**
 * What repository functions accept: `connect('telegram')`'s `db` (PGlite or postgres.js), any
 * drizzle PostgreSQL handle made with the telegram schema, or a transaction opened on one.
 */
export type TelegramDb = PgDb<TelegramSchema>;
export type TelegramTx = PgTransaction<PgQueryResultHKT, TelegramSchema, ExtractTablesWithRelations<TelegramSchema>>;

/** Prepared statements built once per handle (see `preparedPerHandle` in ../shared). */
export const preparedPerHandle = <T>(build: (db: TelegramDb) => T) => sharedPreparedPerHandle(build);

// PostgreSQL reports constraint names, not input fields; callers branch on the field.
const constraintFields: Record<string, string> = {
  users_telegram_id_key: 'telegramId',
  dialogs_user_id_fkey: 'userId',
  uq_dialog_user_telegram: 'telegramDialogId',
  processed_responses_dialog_id_fkey: 'dialogId',
  uq_dialog_response: 'dialogId',
  sessions_user_id_fkey: 'userId',
  sessions_token_key: 'accessToken',
  sessions_refresh_token_key: 'refreshToken',
  sessions_refresh_expires_at_check: 'refreshExpiresAt',
  session_rotated_tokens_pkey: 'refreshToken',
  authentication_data_user_id_fkey: 'userId',
  authentication_data_telegram_id_key: 'telegramId',
  uq_authentication_data_active_user: 'userId',
  user_selected_models_user_id_fkey: 'userId',
  user_selected_models_user_id_key: 'userId',
  tasks_dialog_id_fkey: 'dialogId',
  tasks_user_id_fkey: 'userId',
  tasks_attempts_check: 'maxAttempts',
  processed_responses_send_attempts_check: 'sendAttempts',
};

export const { dbError, mapped } = pgErrors(constraintFields);

export { notFound } from '../../kit';

export function invalidTransition(entity: string, field: string, message: string): ChatstoreError {
  return new ChatstoreError('INVALID_TRANSITION', message, { entity, field });
}
