/**
 * tatlock-user, generation `0.3.21` (seed 001, "Migration: 0.3.20 → 0.3.21 (Planned)"):
 * `memories.full_conversation_history` is dropped, after the custom migration
 * `0.3.21__move_to_messages` has moved every conversation still in `memories` to
 * `conversation_messages`.
 *
 * Also the seed fix (docs/seed-deviations.md): `conversation_topics.conversation_id` references
 * `conversations(conversation_id)` instead of the non-unique `memories(conversation_id)`, so
 * topic links can be written with foreign keys on, and survive `memories` being dropped in 0.3.23.
 * Frozen: a released generation never changes; add a new generation instead.
 */
import { foreignKey, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { seedKey } from '../sqlite-columns';
import { topics } from './v0-3-19';
import { conversations } from './v0-3-20';

export {
  conversationCompacts,
  memoryTopics,
  personalVariables,
  personalVariablesKeys,
  shortTermStorage,
  topics,
} from './v0-3-19';
export { conversationMessages, conversations, messageRoles } from './v0-3-20';

export const memories = sqliteTable('memories', {
  interactionId: seedKey(text('interaction_id').primaryKey()),
  conversationId: text('conversation_id').notNull(),
  timestamp: text('timestamp').notNull(),
  userPrompt: text('user_prompt').notNull(),
  llmReply: text('llm_reply').notNull(),
});

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
    foreignKey({ columns: [t.conversationId], foreignColumns: [conversations.conversationId] }).onDelete('cascade'),
    foreignKey({ columns: [t.topicId], foreignColumns: [topics.topicId] }).onDelete('cascade'),
  ],
);
