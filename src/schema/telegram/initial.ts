/**
 * telegram, generation `initial`: the schema the Telegram Dialog AI Processor's own SQLAlchemy
 * models create (BoomMccloud/Telegram_Dialog_AI_Processor at de38a4a, `backend/app/db/models/`,
 * `Base.metadata.create_all`); seed 002 is an excerpt of that commit's README. Every type,
 * nullability, default and constraint name is the application's, so a database it created adopts
 * here exactly (decision 013, test/targets/telegram/migrations.test.ts).
 * Frozen: a released generation never changes; add a new generation instead.
 *
 * What SQLAlchemy does and this module therefore does too: enum types are the lower-cased class
 * names (`dialogtype`) with the member names as labels (`PENDING_APPROVAL`); primary, unique and
 * foreign keys get PostgreSQL's default names except where the models name them
 * (`uq_dialog_user_telegram`, `uq_dialog_response`); the models declare no index. Defaults the
 * models compute in Python (`default=uuid4`, `default=False`, `default=dict`, enum defaults) are
 * not in the database: no server default here. chatstore's own rules come with `hardening`.
 *
 * Extensions: none are created here (decision 005).
 */
import {
  type AnyPgColumn,
  bigint,
  boolean,
  customType,
  foreignKey,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';

export const sessionStatuses = ['PENDING', 'AUTHENTICATED', 'ERROR', 'EXPIRED'] as const;
export const tokenTypes = ['ACCESS', 'REFRESH'] as const;
export const dialogTypes = ['PRIVATE', 'GROUP', 'CHANNEL'] as const;
export const processingStatuses = ['PENDING_APPROVAL', 'APPROVED', 'REJECTED', 'SENT', 'FAILED'] as const;

export const sessionStatus = pgEnum('sessionstatus', sessionStatuses);
/** The kind of JWT a session's `token` holds; chatstore's sessions hold access tokens. */
export const tokenType = pgEnum('tokentype', tokenTypes);
export const dialogType = pgEnum('dialogtype', dialogTypes);
export const processingStatus = pgEnum('processingstatus', processingStatuses);

/** Statuses in which a response still awaits review or sending. */
export const activeProcessingStatuses = ['PENDING_APPROVAL', 'APPROVED'] as const;

/** PostgreSQL `bytea` as a Node Buffer (drizzle 0.45 has no built-in bytea column). */
export const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  // PGlite returns Uint8Array, postgres.js Buffer: callers always get a Buffer.
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

/** JSON objects only: what `session_metadata`, `device_info`, `session_data` and `last_message` hold. */
export type JsonObject = { [key: string]: unknown };

const createdAt = () => timestamp('created_at', { withTimezone: true }).defaultNow().notNull();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).defaultNow().notNull();
const cascadeToUser = (name: string, column: AnyPgColumn) =>
  foreignKey({ name, columns: [column], foreignColumns: [users.id] }).onDelete('cascade');

export const users = pgTable('users', {
  id: uuid('id').primaryKey(),
  // Telegram user ids have at most 52 significant bits: a JS number holds them exactly.
  telegramId: bigint('telegram_id', { mode: 'number' }).notNull().unique('users_telegram_id_key'),
  username: varchar('username', { length: 255 }),
  firstName: varchar('first_name', { length: 255 }),
  lastName: varchar('last_name', { length: 255 }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const authenticationData = pgTable(
  'authentication_data',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id').notNull(),
    // One row per Telegram account: the application keys credentials by it.
    telegramId: bigint('telegram_id', { mode: 'number' }).notNull().unique('authentication_data_telegram_id_key'),
    sessionData: jsonb('session_data').$type<JsonObject>(),
    encryptedCredentials: bytea('encrypted_credentials'),
    createdAt: createdAt(),
    lastActiveAt: timestamp('last_active_at', { withTimezone: true }),
    isActive: boolean('is_active'),
  },
  (t) => [cascadeToUser('authentication_data_user_id_fkey', t.userId)],
);

export const dialogs = pgTable(
  'dialogs',
  {
    id: uuid('id').primaryKey(),
    telegramDialogId: varchar('telegram_dialog_id', { length: 255 }).notNull(),
    userId: uuid('user_id').notNull(),
    name: varchar('name', { length: 255 }).notNull(),
    type: dialogType('type').notNull(),
    unreadCount: integer('unread_count'),
    lastMessage: jsonb('last_message').$type<JsonObject>(),
    isProcessingEnabled: boolean('is_processing_enabled').notNull(),
    autoSendEnabled: boolean('auto_send_enabled').notNull(),
    // Telegram message id as text, as the application stores it.
    lastProcessedMessageId: varchar('last_processed_message_id', { length: 255 }),
    lastProcessedAt: timestamp('last_processed_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    cascadeToUser('dialogs_user_id_fkey', t.userId),
    // "A dialog once per user."
    unique('uq_dialog_user_telegram').on(t.userId, t.telegramDialogId),
  ],
);

export const processedResponses = pgTable(
  'processed_responses',
  {
    id: uuid('id').primaryKey(),
    dialogId: uuid('dialog_id').notNull(),
    lastMessageId: varchar('last_message_id', { length: 255 }).notNull(),
    lastMessageTimestamp: timestamp('last_message_timestamp', { withTimezone: true }).notNull(),
    suggestedResponse: text('suggested_response').notNull(),
    editedResponse: text('edited_response'),
    status: processingStatus('status').notNull(),
    modelName: varchar('model_name', { length: 255 }).notNull(),
    processedAt: timestamp('processed_at', { withTimezone: true }).defaultNow().notNull(),
    approvedAt: timestamp('approved_at', { withTimezone: true }),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    error: text('error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    foreignKey({
      name: 'processed_responses_dialog_id_fkey',
      columns: [t.dialogId],
      foreignColumns: [dialogs.id],
    }).onDelete('cascade'),
    // "The latest AI response for each dialog": one row per dialog.
    unique('uq_dialog_response').on(t.dialogId),
  ],
);

export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id').notNull(),
    status: sessionStatus('status').notNull(),
    // chatstore stores the sha-256 hex digest of each token here, never the token itself.
    token: varchar('token', { length: 500 }).notNull().unique('sessions_token_key'),
    refreshToken: varchar('refresh_token', { length: 500 }).unique('sessions_refresh_token_key'),
    tokenType: tokenType('token_type').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    lastActivity: timestamp('last_activity', { withTimezone: true }).defaultNow().notNull(),
    sessionMetadata: jsonb('session_metadata').$type<JsonObject>().notNull(),
    deviceInfo: jsonb('device_info').$type<JsonObject>().notNull(),
  },
  (t) => [cascadeToUser('sessions_user_id_fkey', t.userId)],
);

export const userSelectedModels = pgTable(
  'user_selected_models',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id').notNull(),
    modelName: varchar('model_name', { length: 255 }).notNull(),
    systemPrompt: text('system_prompt'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [cascadeToUser('user_selected_models_user_id_fkey', t.userId)],
);
