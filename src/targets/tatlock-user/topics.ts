/**
 * Topics (seed 001, `topics` and `conversation_topics`): link a topic to a conversation, keeping
 * its first and last occurrence and how often it came up.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { parseField, parseInput } from '../../kit';
import { conversations, conversationTopics, topics } from '../../schema/tatlock-user';
import { ConversationId, Moment, mapped, notFound, type UserDb } from './internal';

export type Topic = typeof topics.$inferSelect;
export interface ConversationTopic {
  conversationId: string;
  topicId: number;
  topicName: string;
  firstOccurrence: string;
  lastOccurrence: string;
  topicCount: number;
}

export const TopicName = z.string().trim().min(1).max(200);

export const LinkTopicInput = z.object({
  conversationId: ConversationId,
  topic: TopicName,
  /** When the topic came up. Default: now. */
  at: Moment,
});
export type LinkTopicInput = z.input<typeof LinkTopicInput>;

/**
 * Links a topic (created if new) to a conversation, in one transaction: the first link sets
 * first and last occurrence to `at` and the count to 1; later ones widen the occurrences and
 * add 1 to the count. An unknown conversation is `NOT_FOUND` on `conversationId`.
 *
 * @example const link = linkTopic(db, { conversationId, topic: 'travel' });
 */
export function linkTopic(db: UserDb, input: LinkTopicInput): ConversationTopic {
  const { conversationId, topic, at } = parseInput(LinkTopicInput, input, 'conversation_topics');
  return mapped('conversation_topics', () =>
    db.transaction((tx) => {
      const conversation = tx
        .select({ id: conversations.conversationId })
        .from(conversations)
        .where(eq(conversations.conversationId, conversationId))
        .get();
      if (!conversation) throw notFound('conversations', 'conversationId', conversationId);
      tx.insert(topics).values({ topicName: topic }).onConflictDoNothing().run();
      const { topicId } = tx
        .select({ topicId: topics.topicId })
        .from(topics)
        .where(eq(topics.topicName, topic))
        .get() as { topicId: number };
      const link = tx
        .insert(conversationTopics)
        .values({ conversationId, topicId, firstOccurrence: at, lastOccurrence: at, topicCount: 1 })
        .onConflictDoUpdate({
          target: [conversationTopics.conversationId, conversationTopics.topicId],
          set: {
            firstOccurrence: sql`min(${conversationTopics.firstOccurrence}, excluded.first_occurrence)`,
            lastOccurrence: sql`max(${conversationTopics.lastOccurrence}, excluded.last_occurrence)`,
            topicCount: sql`coalesce(${conversationTopics.topicCount}, 0) + 1`,
          },
        })
        .returning()
        .get();
      return {
        conversationId,
        topicId,
        topicName: topic,
        firstOccurrence: link.firstOccurrence,
        lastOccurrence: link.lastOccurrence,
        topicCount: link.topicCount ?? 1,
      };
    }),
  );
}

const linkColumns = {
  conversationId: sql<string>`${conversationTopics.conversationId}`,
  topicId: sql<number>`${conversationTopics.topicId}`,
  topicName: topics.topicName,
  firstOccurrence: conversationTopics.firstOccurrence,
  lastOccurrence: conversationTopics.lastOccurrence,
  topicCount: sql<number>`coalesce(${conversationTopics.topicCount}, 1)`,
};

/**
 * A conversation's topics, the most frequent first.
 *
 * @example const topics = listConversationTopics(db, conversationId);
 */
export function listConversationTopics(db: UserDb, conversationId: string): ConversationTopic[] {
  const id = parseField(ConversationId, conversationId, 'conversationId', 'conversation_topics');
  return mapped('conversation_topics', () =>
    db
      .select(linkColumns)
      .from(conversationTopics)
      .innerJoin(topics, eq(topics.topicId, conversationTopics.topicId))
      .where(eq(conversationTopics.conversationId, id))
      .orderBy(desc(conversationTopics.topicCount), topics.topicName)
      .all(),
  );
}

/**
 * The conversations a topic came up in, most recent occurrence first.
 *
 * @example const links = findConversationsByTopic(db, 'travel');
 */
export function findConversationsByTopic(db: UserDb, topic: string): ConversationTopic[] {
  const name = parseField(TopicName, topic, 'topic', 'topics');
  return mapped('conversation_topics', () =>
    db
      .select(linkColumns)
      .from(conversationTopics)
      .innerJoin(topics, and(eq(topics.topicId, conversationTopics.topicId), eq(topics.topicName, name)))
      .orderBy(desc(conversationTopics.lastOccurrence))
      .all(),
  );
}

/**
 * Every topic, by name.
 *
 * @example const all = listTopics(db);
 */
export function listTopics(db: UserDb): Topic[] {
  return mapped('topics', () => db.select().from(topics).orderBy(topics.topicName).all());
}
