/**
 * todo, generation `phase3` (seed 004, "New Tables (Phase III)"): conversations, messages and
 * per-conversation metadata for the chatbot, on top of `phase2`'s users and tasks.
 * Frozen: a released generation never changes; add a new generation instead.
 *
 * Names of constraints and indexes are the ones the seed's SQL produces in PostgreSQL.
 * Row-level security lives in the custom migration `0002_phase3__rls` (drizzle-kit cannot
 * express policies that read a session setting the way the seed intends).
 */
import { sql } from 'drizzle-orm';
import { check, foreignKey, index, integer, pgTable, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';
import { oneOf } from '../checks';
import { users } from './phase2';

export { tasks, users } from './phase2';

export const messageRoles = ['user', 'assistant'] as const;

export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: varchar('user_id', { length: 255 }).notNull(),
    createdAt: timestamp('created_at').default(sql`CURRENT_TIMESTAMP`),
    updatedAt: timestamp('updated_at').default(sql`CURRENT_TIMESTAMP`),
  },
  (t) => [
    foreignKey({ name: 'conversations_user_id_fkey', columns: [t.userId], foreignColumns: [users.id] }),
    index('idx_conversations_user_id').on(t.userId),
    index('idx_conversations_created_at').on(t.createdAt),
  ],
);

export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    conversationId: uuid('conversation_id').notNull(),
    userId: varchar('user_id', { length: 255 }).notNull(),
    role: varchar('role', { length: 20, enum: messageRoles }).notNull(),
    content: text('content').notNull(),
    toolUsed: varchar('tool_used', { length: 50 }),
    actionTaken: text('action_taken'),
    createdAt: timestamp('created_at').default(sql`CURRENT_TIMESTAMP`),
  },
  (t) => [
    check('messages_role_check', oneOf('role', messageRoles)),
    foreignKey({
      name: 'messages_conversation_id_fkey',
      columns: [t.conversationId],
      foreignColumns: [conversations.id],
    }).onDelete('cascade'),
    foreignKey({ name: 'messages_user_id_fkey', columns: [t.userId], foreignColumns: [users.id] }),
    index('idx_messages_conversation_id').on(t.conversationId),
    index('idx_messages_user_id').on(t.userId),
    index('idx_messages_created_at').on(t.createdAt),
    index('idx_messages_role').on(t.role),
  ],
);

export const conversationMetadata = pgTable(
  'conversation_metadata',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    conversationId: uuid('conversation_id').notNull().unique('conversation_metadata_conversation_id_key'),
    topic: varchar('topic', { length: 200 }),
    taskCountCreated: integer('task_count_created').default(0),
    taskCountCompleted: integer('task_count_completed').default(0),
    messageCount: integer('message_count').default(0),
  },
  (t) => [
    foreignKey({
      name: 'conversation_metadata_conversation_id_fkey',
      columns: [t.conversationId],
      foreignColumns: [conversations.id],
    }).onDelete('cascade'),
    index('idx_conversation_metadata_conversation_id').on(t.conversationId),
  ],
);
