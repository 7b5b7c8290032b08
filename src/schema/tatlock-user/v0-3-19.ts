/**
 * tatlock-user, generation `0.3.19` (seed 001, "User Database Schema (0.3.19)"): one
 * `{username}_longterm.db` per user — memories (one row per prompt and reply), topics and their
 * links, conversations and their compacts, personal variables, short-term storage.
 * Frozen: a released generation never changes; add a new generation instead.
 *
 * Exactly the seed's DDL, including its flaw: `conversation_topics.conversation_id` references
 * `memories(conversation_id)`, which is not unique, so SQLite rejects writes to
 * `conversation_topics` while foreign keys are on. Generation `0.3.21` fixes it
 * (docs/seed-deviations.md).
 */
import { sql } from 'drizzle-orm';
import { foreignKey, index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { seedKey, timestamp } from '../sqlite-columns';

export const memories = sqliteTable('memories', {
  interactionId: seedKey(text('interaction_id').primaryKey()),
  conversationId: text('conversation_id').notNull(),
  timestamp: text('timestamp').notNull(),
  userPrompt: text('user_prompt').notNull(),
  llmReply: text('llm_reply').notNull(),
  fullConversationHistory: text('full_conversation_history'),
});

export const topics = sqliteTable('topics', {
  topicId: seedKey(integer('topic_id').primaryKey({ autoIncrement: true })),
  topicName: text('topic_name').unique().notNull(),
});

export const memoryTopics = sqliteTable(
  'memory_topics',
  {
    interactionId: text('interaction_id'),
    topicId: integer('topic_id'),
  },
  (t) => [
    primaryKey({ columns: [t.interactionId, t.topicId] }),
    foreignKey({ columns: [t.interactionId], foreignColumns: [memories.interactionId] }).onDelete('cascade'),
    foreignKey({ columns: [t.topicId], foreignColumns: [topics.topicId] }).onDelete('cascade'),
  ],
);

export const conversationTopics = sqliteTable(
  'conversation_topics',
  {
    conversationId: text('conversation_id'),
    topicId: integer('topic_id'),
    firstOccurrence: text('first_occurrence').notNull(),
    lastOccurrence: text('last_occurrence').notNull(),
    topicCount: integer('topic_count').default(1),
  },
  (t) => [
    primaryKey({ columns: [t.conversationId, t.topicId] }),
    // The seed's flaw, kept so that databases it created adopt: see the module comment.
    foreignKey({ columns: [t.conversationId], foreignColumns: [memories.conversationId] }).onDelete('cascade'),
    foreignKey({ columns: [t.topicId], foreignColumns: [topics.topicId] }).onDelete('cascade'),
  ],
);

export const conversations = sqliteTable('conversations', {
  conversationId: seedKey(text('conversation_id').primaryKey()),
  title: text('title'),
  startedAt: timestamp('started_at').default(sql`CURRENT_TIMESTAMP`),
  lastActivity: timestamp('last_activity').default(sql`CURRENT_TIMESTAMP`),
  messageCount: integer('message_count').default(0),
});

export const conversationCompacts = sqliteTable(
  'conversation_compacts',
  {
    compactId: seedKey(text('compact_id').primaryKey()),
    conversationId: text('conversation_id').notNull(),
    compactTimestamp: text('compact_timestamp').notNull(),
    messagesUpTo: integer('messages_up_to').notNull(),
    compactSummary: text('compact_summary').notNull(),
    topicsCovered: text('topics_covered'),
  },
  (t) => [
    foreignKey({ columns: [t.conversationId], foreignColumns: [conversations.conversationId] }).onDelete('cascade'),
    index('idx_compacts_conversation').on(t.conversationId),
    index('idx_compacts_timestamp').on(t.compactTimestamp),
  ],
);

export const personalVariables = sqliteTable('personal_variables', {
  id: seedKey(integer('id').primaryKey({ autoIncrement: true })),
  key: text('key').notNull(),
  value: text('value').notNull(),
  createdAt: timestamp('created_at').default(sql`CURRENT_TIMESTAMP`),
  updatedAt: timestamp('updated_at').default(sql`CURRENT_TIMESTAMP`),
});

export const personalVariablesKeys = sqliteTable('personal_variables_keys', {
  id: seedKey(integer('id').primaryKey({ autoIncrement: true })),
  key: text('key').notNull(),
});

export const shortTermStorage = sqliteTable('short_term_storage', {
  id: seedKey(integer('id').primaryKey({ autoIncrement: true })),
  storageKey: text('storage_key').unique().notNull(),
  storageValue: text('storage_value').notNull(),
  createdAt: timestamp('created_at').default(sql`CURRENT_TIMESTAMP`),
  expiresAt: timestamp('expires_at'),
});
