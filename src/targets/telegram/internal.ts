/**
 * What every telegram repository module shares: the handle types, the prepared-statement cache,
 * and the mapping of driver errors to `ChatstoreError`s that name input fields.
 */
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { PgDb } from '../../connect';
import { ChatstoreError } from '../../errors';
import { postgresqlKit } from '../../kit/postgresql';
import * as schema from '../../schema/telegram';

export type TelegramSchema = typeof schema;
/**
 * What repository functions accept: `connect('telegram')`'s `db` (PGlite or postgres.js), any
 * drizzle PostgreSQL handle made with the telegram schema, or a transaction opened on one.
 */
export type TelegramDb = PgDb<TelegramSchema>;
export type TelegramTx = PgTransaction<PgQueryResultHKT, TelegramSchema, ExtractTablesWithRelations<TelegramSchema>>;

/**
 * The repository kit: prepared statements per handle, and driver errors naming input fields.
 * Constraint names and their fields come from the schema; by hand only what it cannot say.
 */
export const kit = postgresqlKit<TelegramDb>(schema, {
  // (user_id, telegram_dialog_id): the user exists; the dialog id is what clashes.
  uq_dialog_user_telegram: 'telegramDialogId',
  // Tokens are stored from the input the caller passes: `accessToken`, `refreshToken` (digested).
  sessions_token_key: 'accessToken',
  session_rotated_tokens_pkey: 'refreshToken',
  // attempts >= 0 AND max_attempts >= 1: callers set only maxAttempts.
  tasks_attempts_check: 'maxAttempts',
});
export const { dbError, floor, mapped, notFound, prepared } = kit;

export function invalidTransition(entity: string, field: string, message: string): ChatstoreError {
  return new ChatstoreError('INVALID_TRANSITION', message, { entity, field });
}

/** Ids every telegram repository module validates. */
export const UserId = z.guid();
export const DialogId = z.guid();
export const ResponseId = z.guid();
export const TaskId = z.guid();
export const SessionId = z.guid();
/** Telegram user ids are positive and have at most 52 significant bits. */
export const TelegramId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
