/**
 * tatlock-user, generation `0.3.20` (seed 001, "Migration: 0.3.19 → 0.3.20"): messages move to
 * `conversation_messages` (one row per message, numbered within the conversation);
 * `conversations` gains `schema_version` (1 = its messages are in `memories`, 2 = in
 * `conversation_messages`) and the compact tracking columns.
 * Frozen: a released generation never changes; add a new generation instead.
 */
import { sql } from 'drizzle-orm';
import { check, foreignKey, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { oneOf } from '../checks';
import { seedKey, timestamp } from '../sqlite-columns';

export {
  conversationCompacts,
  conversationTopics,
  memories,
  memoryTopics,
  personalVariables,
  personalVariablesKeys,
  shortTermStorage,
  topics,
} from './v0-3-19';

export const messageRoles = ['user', 'assistant'] as const;

// Columns in the order the seed's ALTER TABLE … ADD COLUMN statements leave them.
export const conversations = sqliteTable('conversations', {
  conversationId: seedKey(text('conversation_id').primaryKey()),
  title: text('title'),
  startedAt: timestamp('started_at').default(sql`CURRENT_TIMESTAMP`),
  lastActivity: timestamp('last_activity').default(sql`CURRENT_TIMESTAMP`),
  messageCount: integer('message_count').default(0),
  schemaVersion: integer('schema_version').default(1),
  compactSummary: text('compact_summary'),
  compactedUpTo: integer('compacted_up_to').default(0),
});

export const conversationMessages = sqliteTable(
  'conversation_messages',
  {
    messageId: seedKey(text('message_id').primaryKey()),
    conversationId: text('conversation_id').notNull(),
    messageNumber: integer('message_number').notNull(),
    role: text('role', { enum: messageRoles }).notNull(),
    content: text('content').notNull(),
    timestamp: text('timestamp').notNull(),
  },
  (t) => [
    check('conversation_messages_role_check', oneOf('role', messageRoles)),
    foreignKey({ columns: [t.conversationId], foreignColumns: [conversations.conversationId] }).onDelete('cascade'),
    index('idx_messages_conversation_number').on(t.conversationId, t.messageNumber),
    index('idx_messages_timestamp').on(t.timestamp),
  ],
);
