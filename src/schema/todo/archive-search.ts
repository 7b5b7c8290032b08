/**
 * todo, generation `archive-search`: two of the seed's "Future Enhancements" that need the
 * schema — full-text search over messages ("Conversation search (full-text)") and archival of
 * old conversations ("Archival strategy for old conversations", "Optional archival").
 * Frozen once released: add a new generation instead.
 *
 * The same tables as `phase3` (copied, so `phase3` stays frozen), plus:
 * - `idx_messages_content_fts`: GIN on `to_tsvector('english', content)`; a search must use the
 *   same expression (`messageSearchVector`) for PostgreSQL to use the index;
 * - `idx_messages_conversation_recent` on (conversation_id, created_at, id): the latest N
 *   messages of a conversation (`loadRecentMessages`) and each history page are one index
 *   range read of N rows, not a read of the whole conversation and a sort;
 * - `conversations.archived_at`: NULL while a conversation is live.
 */
import { type AnyColumn, type SQL, sql } from 'drizzle-orm';
import { check, foreignKey, index, integer, pgTable, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';
import { oneOf } from '../checks';
import { users } from './phase2';

export { tasks, users } from './phase2';

/** The text-search configuration of the index; a query in another one cannot use it. */
export const searchConfig = 'english';

/** The indexed expression: `to_tsvector('english', content)`. */
export const messageSearchVector = (content: AnyColumn | SQL): SQL =>
  sql`to_tsvector('english'::regconfig, ${content})`;

export const messageRoles = ['user', 'assistant'] as const;

export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: varchar('user_id', { length: 255 }).notNull(),
    createdAt: timestamp('created_at').default(sql`CURRENT_TIMESTAMP`),
    updatedAt: timestamp('updated_at').default(sql`CURRENT_TIMESTAMP`),
    /** NULL while live; set by `archiveConversations`, cleared by a new message. */
    archivedAt: timestamp('archived_at'),
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
    index('idx_messages_conversation_recent').on(t.conversationId, t.createdAt, t.id),
    index('idx_messages_content_fts').using('gin', messageSearchVector(t.content)),
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
