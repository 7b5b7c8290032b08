/**
 * telegram, generation `initial` (seed 002, "Current Implementation"): the Telegram dialog
 * processor's users, dialogs, the AI's suggested responses, web sessions, encrypted Telegram
 * credentials and model preferences, with the enums the seed's SQLAlchemy models declare.
 * Frozen: a released generation never changes; add a new generation instead.
 *
 * The seed describes SQLAlchemy models, not DDL. Names are what SQLAlchemy and PostgreSQL give
 * them: enum types are the lower-cased class names (`dialogtype`), enum labels the member
 * names (`PENDING_APPROVAL`), constraints PostgreSQL's defaults (`dialogs_user_id_fkey`),
 * indexes SQLAlchemy's `ix_<table>_<column>`. So a database the Python app created adopts
 * exactly (test/engine/telegram-migrations.test.ts).
 *
 * Extensions: none are created here (decision 005): `gen_random_uuid()` is core PostgreSQL
 * since 13, and no column uses `vector` yet.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  foreignKey,
  index,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';

export const sessionStatuses = ['PENDING', 'AUTHENTICATED', 'ERROR', 'EXPIRED'] as const;
export const tokenTypes = ['ACCESS', 'REFRESH'] as const;
export const dialogTypes = ['PRIVATE', 'GROUP', 'CHANNEL'] as const;
export const processingStatuses = ['PENDING_APPROVAL', 'APPROVED', 'REJECTED', 'SENT', 'FAILED'] as const;

export const sessionStatus = pgEnum('sessionstatus', sessionStatuses);
/** Declared by the seed for JWT token types; no column uses it (the repositories take it as input). */
export const tokenType = pgEnum('tokentype', tokenTypes);
export const dialogType = pgEnum('dialogtype', dialogTypes);
export const processingStatus = pgEnum('processingstatus', processingStatuses);

/** Statuses in which a response still counts as the dialog's one active response. */
export const activeProcessingStatuses = ['PENDING_APPROVAL', 'APPROVED'] as const;

/** PostgreSQL `bytea` as a Node Buffer (drizzle 0.45 has no built-in bytea column). */
export const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  // PGlite returns Uint8Array, postgres.js Buffer: callers always get a Buffer.
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

/** JSON objects only: what `session_metadata` and `device_info` hold. */
export type JsonObject = { [key: string]: unknown };

const createdAt = () => timestamp('created_at', { withTimezone: true }).defaultNow().notNull();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).defaultNow().notNull();

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  // Telegram user ids have at most 52 significant bits: a JS number holds them exactly.
  telegramId: bigint('telegram_id', { mode: 'number' }).notNull().unique('users_telegram_id_key'),
  username: varchar('username', { length: 255 }),
  firstName: varchar('first_name', { length: 255 }),
  lastName: varchar('last_name', { length: 255 }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const dialogs = pgTable(
  'dialogs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull(),
    telegramDialogId: varchar('telegram_dialog_id', { length: 255 }).notNull(),
    type: dialogType('type').notNull(),
    isProcessingEnabled: boolean('is_processing_enabled').default(false).notNull(),
    autoSendEnabled: boolean('auto_send_enabled').default(false).notNull(),
    // Telegram message ids grow per chat; BIGINT so "only forward" is a numeric comparison.
    lastProcessedMessageId: bigint('last_processed_message_id', { mode: 'number' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    foreignKey({ name: 'dialogs_user_id_fkey', columns: [t.userId], foreignColumns: [users.id] }).onDelete('cascade'),
    // "A dialog once per user."
    unique('dialogs_user_id_telegram_dialog_id_key').on(t.userId, t.telegramDialogId),
    index('ix_dialogs_user_id').on(t.userId),
  ],
);

export const processedResponses = pgTable(
  'processed_responses',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    dialogId: uuid('dialog_id').notNull(),
    lastMessageId: varchar('last_message_id', { length: 255 }).notNull(),
    lastMessageTimestamp: timestamp('last_message_timestamp', { withTimezone: true }).notNull(),
    suggestedResponse: text('suggested_response').notNull(),
    editedResponse: text('edited_response'),
    status: processingStatus('status').default('PENDING_APPROVAL').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    foreignKey({
      name: 'processed_responses_dialog_id_fkey',
      columns: [t.dialogId],
      foreignColumns: [dialogs.id],
    }).onDelete('cascade'),
    index('ix_processed_responses_dialog_id').on(t.dialogId),
    index('ix_processed_responses_status').on(t.status),
    // "Single active response per dialog": at most one awaiting review or sending. sql``,
    // not eq(): drizzle-kit would write a bind parameter into the DDL.
    uniqueIndex('uq_processed_responses_active_dialog')
      .on(t.dialogId)
      .where(sql`status IN ('PENDING_APPROVAL', 'APPROVED')`),
  ],
);

export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull(),
    status: sessionStatus('status').default('PENDING').notNull(),
    // chatstore stores the sha-256 hex digest of each token here, never the token itself.
    token: varchar('token', { length: 500 }).notNull().unique('sessions_token_key'),
    refreshToken: varchar('refresh_token', { length: 500 }).unique('sessions_refresh_token_key'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    sessionMetadata: jsonb('session_metadata').$type<JsonObject>(),
    deviceInfo: jsonb('device_info').$type<JsonObject>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    foreignKey({ name: 'sessions_user_id_fkey', columns: [t.userId], foreignColumns: [users.id] }).onDelete('cascade'),
    index('ix_sessions_user_id').on(t.userId),
    index('ix_sessions_expires_at').on(t.expiresAt),
  ],
);

export const authenticationData = pgTable(
  'authentication_data',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull(),
    encryptedCredentials: bytea('encrypted_credentials').notNull(),
    isActive: boolean('is_active').default(true).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    foreignKey({ name: 'authentication_data_user_id_fkey', columns: [t.userId], foreignColumns: [users.id] }).onDelete(
      'cascade',
    ),
    index('ix_authentication_data_user_id').on(t.userId),
    // One set of valid credentials per user; older ones stay, inactive, until cleaned up.
    uniqueIndex('uq_authentication_data_active_user').on(t.userId).where(sql`is_active = true`),
  ],
);

export const userSelectedModels = pgTable(
  'user_selected_models',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull().unique('user_selected_models_user_id_key'),
    modelName: varchar('model_name', { length: 255 }).notNull(),
    systemPrompt: text('system_prompt'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    foreignKey({ name: 'user_selected_models_user_id_fkey', columns: [t.userId], foreignColumns: [users.id] }).onDelete(
      'cascade',
    ),
  ],
);
