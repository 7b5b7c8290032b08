/**
 * telegram, generation `task-queue` (seed 002, "Planned Implementations"): the background
 * worker's task queue with the planned `TaskStatus`, `TaskPriority` and `TaskType` enums, plus
 * what chatstore's repositories need beyond the application's tables (decision 005):
 * `authentication_data.key_id` (which key encrypted the credentials, so keys can rotate) and
 * `session_rotated_tokens` (digests of refresh tokens already rotated, to detect their reuse).
 * Frozen: a released generation never changes; add a new generation instead.
 */
import { sql } from 'drizzle-orm';
import {
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';
import { authenticationDataColumns, authenticationDataRules, dialogs, sessions, users } from './hardening';

export {
  activeProcessingStatuses,
  bytea,
  dialogs,
  dialogType,
  dialogTypes,
  type JsonObject,
  processedResponses,
  processingStatus,
  processingStatuses,
  sessionStatus,
  sessionStatuses,
  sessions,
  tokenType,
  tokenTypes,
  userSelectedModels,
  users,
} from './hardening';

export const taskStatuses = ['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
/** Oldest first: PostgreSQL orders enum values by declaration, so `priority DESC` is HIGH first. */
export const taskPriorities = ['LOW', 'NORMAL', 'HIGH'] as const;
export const taskTypes = ['DIALOG', 'USER', 'SYSTEM'] as const;

export const taskStatus = pgEnum('taskstatus', taskStatuses);
export const taskPriority = pgEnum('taskpriority', taskPriorities);
export const taskType = pgEnum('tasktype', taskTypes);

const createdAt = () => timestamp('created_at', { withTimezone: true }).defaultNow().notNull();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).defaultNow().notNull();

/** `hardening`'s table plus `key_id`: NULL on rows written before chatstore (not readable by it). */
export const authenticationData = pgTable(
  'authentication_data',
  { ...authenticationDataColumns(), keyId: varchar('key_id', { length: 64 }) },
  authenticationDataRules,
);

/** Refresh tokens a session has rotated away from (sha-256 digests); presenting one revokes it. */
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

/** Free-form task input, validated by the repositories as a JSON object. */
export type TaskPayload = { [key: string]: unknown };

export const tasks = pgTable(
  'tasks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    type: taskType('type').notNull(),
    priority: taskPriority('priority').default('NORMAL').notNull(),
    status: taskStatus('status').default('PENDING').notNull(),
    payload: jsonb('payload').$type<TaskPayload>().default({}).notNull(),
    dialogId: uuid('dialog_id'),
    userId: uuid('user_id'),
    attempts: integer('attempts').default(0).notNull(),
    maxAttempts: integer('max_attempts').default(3).notNull(),
    /** Not before this time: set on enqueue, and pushed back by a failure's backoff. */
    runAt: timestamp('run_at', { withTimezone: true }).defaultNow().notNull(),
    lockedBy: varchar('locked_by', { length: 255 }),
    lockedAt: timestamp('locked_at', { withTimezone: true }),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }),
    lastError: text('last_error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [
    foreignKey({ name: 'tasks_dialog_id_fkey', columns: [t.dialogId], foreignColumns: [dialogs.id] }).onDelete(
      'cascade',
    ),
    foreignKey({ name: 'tasks_user_id_fkey', columns: [t.userId], foreignColumns: [users.id] }).onDelete('cascade'),
    check('tasks_attempts_check', sql`attempts >= 0 AND max_attempts >= 1`),
    // A task is held exactly while it is PROCESSING.
    check(
      'tasks_lock_check',
      sql`(status = 'PROCESSING') = (locked_by IS NOT NULL AND locked_at IS NOT NULL AND heartbeat_at IS NOT NULL)`,
    ),
    // Claim order: highest priority, then oldest; only PENDING rows are in the index.
    index('ix_tasks_claim').on(t.priority.desc(), t.createdAt, t.id).where(sql`status = 'PENDING'`),
    index('ix_tasks_heartbeat').on(t.heartbeatAt).where(sql`status = 'PROCESSING'`),
    index('ix_tasks_dialog_id').on(t.dialogId),
    index('ix_tasks_user_id').on(t.userId),
    // No duplicate pending task for the same dialog and type.
    uniqueIndex('uq_tasks_pending_dialog_type')
      .on(t.dialogId, t.type)
      .where(sql`status = 'PENDING' AND dialog_id IS NOT NULL`),
  ],
);
