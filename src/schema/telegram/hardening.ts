/**
 * telegram, generation `hardening`: chatstore's rules on top of the application's schema
 * (`initial`), kept apart so a database the application created adopts first and is then
 * checked before anything changes (decision 013):
 * - server-side defaults where the application defaults in Python (ids, flags, statuses, JSON
 *   objects), so rows written by any client are complete;
 * - one active set of credentials per user (`uq_authentication_data_active_user`) and one model
 *   preference per user (`user_selected_models_user_id_key`); the migration
 *   `hardening__check` stops and lists the rows that break either before they are created;
 * - indexes for the hot paths and for the cascades from `users`;
 * - `updated_at` on `authentication_data` and `sessions` (when credentials were replaced or
 *   deactivated, when a session was revoked).
 * Frozen: a released generation never changes; add a new generation instead.
 */
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';
import { bytea, dialogType, type JsonObject, processingStatus, sessionStatus, tokenType } from './initial';

export {
  activeProcessingStatuses,
  bytea,
  dialogType,
  dialogTypes,
  type JsonObject,
  processingStatus,
  processingStatuses,
  sessionStatus,
  sessionStatuses,
  tokenType,
  tokenTypes,
} from './initial';

const createdAt = () => timestamp('created_at', { withTimezone: true }).defaultNow().notNull();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).defaultNow().notNull();
const emptyObject = sql`'{}'::jsonb`;
const cascadeToUser = (name: string, column: AnyPgColumn) =>
  foreignKey({ name, columns: [column], foreignColumns: [users.id] }).onDelete('cascade');

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  telegramId: bigint('telegram_id', { mode: 'number' }).notNull().unique('users_telegram_id_key'),
  username: varchar('username', { length: 255 }),
  firstName: varchar('first_name', { length: 255 }),
  lastName: varchar('last_name', { length: 255 }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** The columns of `authentication_data` from `hardening` on (`task-queue` adds `key_id`). */
export const authenticationDataColumns = () => ({
  id: uuid('id').primaryKey().defaultRandom(),
  userId: uuid('user_id').notNull(),
  telegramId: bigint('telegram_id', { mode: 'number' }).notNull().unique('authentication_data_telegram_id_key'),
  sessionData: jsonb('session_data').$type<JsonObject>().default(emptyObject),
  encryptedCredentials: bytea('encrypted_credentials'),
  createdAt: createdAt(),
  lastActiveAt: timestamp('last_active_at', { withTimezone: true }),
  isActive: boolean('is_active').default(true),
  updatedAt: updatedAt(),
});

/** Keys and indexes of `authentication_data` from `hardening` on. */
export const authenticationDataRules = (t: { userId: AnyPgColumn }) => [
  cascadeToUser('authentication_data_user_id_fkey', t.userId),
  index('ix_authentication_data_user_id').on(t.userId),
  // One set of valid credentials per user. sql``, not eq(): drizzle-kit would write a bind parameter.
  uniqueIndex('uq_authentication_data_active_user').on(t.userId).where(sql`is_active = true`),
];

export const authenticationData = pgTable('authentication_data', authenticationDataColumns(), authenticationDataRules);

export const dialogs = pgTable(
  'dialogs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    telegramDialogId: varchar('telegram_dialog_id', { length: 255 }).notNull(),
    userId: uuid('user_id').notNull(),
    name: varchar('name', { length: 255 }).notNull(),
    type: dialogType('type').notNull(),
    unreadCount: integer('unread_count').default(0),
    lastMessage: jsonb('last_message').$type<JsonObject>().default(emptyObject),
    isProcessingEnabled: boolean('is_processing_enabled').default(false).notNull(),
    autoSendEnabled: boolean('auto_send_enabled').default(false).notNull(),
    lastProcessedMessageId: varchar('last_processed_message_id', { length: 255 }),
    lastProcessedAt: timestamp('last_processed_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    cascadeToUser('dialogs_user_id_fkey', t.userId),
    unique('uq_dialog_user_telegram').on(t.userId, t.telegramDialogId),
    // The worker's round: enabled dialogs, least recently processed first.
    index('ix_dialogs_due').on(t.lastProcessedAt.asc().nullsFirst(), t.id).where(sql`is_processing_enabled = true`),
  ],
);

/** The columns of `processed_responses` from `hardening` on (`send-retry` adds `send_attempts`). */
export const processedResponsesColumns = () => ({
  id: uuid('id').primaryKey().defaultRandom(),
  dialogId: uuid('dialog_id').notNull(),
  lastMessageId: varchar('last_message_id', { length: 255 }).notNull(),
  lastMessageTimestamp: timestamp('last_message_timestamp', { withTimezone: true }).notNull(),
  suggestedResponse: text('suggested_response').notNull(),
  editedResponse: text('edited_response'),
  status: processingStatus('status').default('PENDING_APPROVAL').notNull(),
  modelName: varchar('model_name', { length: 255 }).notNull(),
  processedAt: timestamp('processed_at', { withTimezone: true }).defaultNow().notNull(),
  approvedAt: timestamp('approved_at', { withTimezone: true }),
  sentAt: timestamp('sent_at', { withTimezone: true }),
  error: text('error'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Keys and indexes of `processed_responses` from `hardening` on. */
export const processedResponsesRules = (t: { dialogId: AnyPgColumn; status: AnyPgColumn }) => [
  foreignKey({
    name: 'processed_responses_dialog_id_fkey',
    columns: [t.dialogId],
    foreignColumns: [dialogs.id],
  }).onDelete('cascade'),
  unique('uq_dialog_response').on(t.dialogId),
  // The sender's queue (APPROVED) and the reviewers' inboxes (PENDING_APPROVAL).
  index('ix_processed_responses_status').on(t.status),
];

export const processedResponses = pgTable('processed_responses', processedResponsesColumns(), processedResponsesRules);

/** The columns of `sessions` from `hardening` on (`send-retry` adds `refresh_expires_at`). */
export const sessionsColumns = () => ({
  id: uuid('id').primaryKey().defaultRandom(),
  userId: uuid('user_id').notNull(),
  status: sessionStatus('status').default('PENDING').notNull(),
  token: varchar('token', { length: 500 }).notNull().unique('sessions_token_key'),
  refreshToken: varchar('refresh_token', { length: 500 }).unique('sessions_refresh_token_key'),
  tokenType: tokenType('token_type').default('ACCESS').notNull(),
  createdAt: createdAt(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  lastActivity: timestamp('last_activity', { withTimezone: true }).defaultNow().notNull(),
  sessionMetadata: jsonb('session_metadata').$type<JsonObject>().default(emptyObject).notNull(),
  deviceInfo: jsonb('device_info').$type<JsonObject>().default(emptyObject).notNull(),
  updatedAt: updatedAt(),
});

/** Keys and indexes of `sessions` from `hardening` on. */
export const sessionsRules = (t: { userId: AnyPgColumn; expiresAt: AnyPgColumn }) => [
  cascadeToUser('sessions_user_id_fkey', t.userId),
  index('ix_sessions_user_id').on(t.userId),
  // cleanupExpiredSessions.
  index('ix_sessions_expires_at').on(t.expiresAt),
];

export const sessions = pgTable('sessions', sessionsColumns(), sessionsRules);

export const userSelectedModels = pgTable(
  'user_selected_models',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    // One preference per user (the application's model allows several; the check lists them).
    userId: uuid('user_id').notNull().unique('user_selected_models_user_id_key'),
    modelName: varchar('model_name', { length: 255 }).notNull(),
    systemPrompt: text('system_prompt'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [cascadeToUser('user_selected_models_user_id_fkey', t.userId)],
);
