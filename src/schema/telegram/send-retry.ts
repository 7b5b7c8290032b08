/**
 * telegram, generation `send-retry` (decision 018): what the seed's token types and its
 * "error handling and retry logic" need beyond `task-queue`:
 * - `sessions.refresh_expires_at`: the refresh token's own expiry (seed 002: REFRESH is
 *   "long-lived", ACCESS "short-lived"; "refresh tokens handled for longer sessions"), while
 *   `expires_at` stays the access token's. NULL on rows written before it (and on sessions
 *   without a refresh token): such a refresh token expires with `expires_at`, as before.
 * - `processed_responses.send_attempts`: how many times the reply was handed to a sender (sent
 *   or failed), so a FAILED reply is retried up to a limit and then stays FAILED.
 * Frozen: a released generation never changes; add a new generation instead.
 */
import { sql } from 'drizzle-orm';
import { check, foreignKey, index, integer, pgTable, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';
import { processedResponsesColumns, processedResponsesRules, sessionsColumns, sessionsRules } from './hardening';

export {
  activeProcessingStatuses,
  authenticationData,
  bytea,
  dialogs,
  dialogType,
  dialogTypes,
  type JsonObject,
  processingStatus,
  processingStatuses,
  sessionStatus,
  sessionStatuses,
  type TaskPayload,
  taskPriorities,
  taskPriority,
  taskStatus,
  taskStatuses,
  tasks,
  taskType,
  taskTypes,
  tokenType,
  tokenTypes,
  userSelectedModels,
  users,
} from './task-queue';

export const sessions = pgTable(
  'sessions',
  {
    ...sessionsColumns(),
    /** When the refresh token expires; NULL: with `expires_at` (rows from before `send-retry`). */
    refreshExpiresAt: timestamp('refresh_expires_at', { withTimezone: true }),
  },
  (t) => [
    ...sessionsRules(t),
    // A refresh expiry belongs to a refresh token.
    check('sessions_refresh_expires_at_check', sql`refresh_expires_at IS NULL OR refresh_token IS NOT NULL`),
  ],
);

/** `task-queue`'s table, referencing this generation's `sessions` (the same SQL table). */
export const sessionRotatedTokens = pgTable(
  'session_rotated_tokens',
  {
    tokenDigest: varchar('token_digest', { length: 64 }).primaryKey(),
    sessionId: uuid('session_id').notNull(),
    rotatedAt: timestamp('rotated_at', { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [
    foreignKey({
      name: 'session_rotated_tokens_session_id_fkey',
      columns: [t.sessionId],
      foreignColumns: [sessions.id],
    }).onDelete('cascade'),
    index('ix_session_rotated_tokens_session_id').on(t.sessionId),
  ],
);

export const processedResponses = pgTable(
  'processed_responses',
  {
    ...processedResponsesColumns(),
    /** Sends tried (delivered or failed); a new suggestion starts again at 0. */
    sendAttempts: integer('send_attempts').default(0).notNull(),
  },
  (t) => [...processedResponsesRules(t), check('processed_responses_send_attempts_check', sql`send_attempts >= 0`)],
);
