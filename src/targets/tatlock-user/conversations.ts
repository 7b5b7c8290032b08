/**
 * Conversations of one user (seed 001, `conversations`): start one, title it, list them by last
 * activity, delete one with every row that belongs to it. Conversations chatstore starts are on the new schema (`schema_version = 2`): their
 * messages live in `conversation_messages`.
 */
import { randomUUID } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { parseField, parseInput } from '../../kit';
import { conversationMessages, conversations, conversationTopics } from '../../schema/tatlock-user';
import { ConversationId, Moment, mapped, notFound, type UserDb } from './internal';

export type Conversation = typeof conversations.$inferSelect;

export const StartConversationInput = z.object({
  /** Default: a new uuid. */
  conversationId: ConversationId.optional(),
  title: z.string().trim().min(1).max(500).nullish(),
  startedAt: Moment,
});
export type StartConversationInput = z.input<typeof StartConversationInput>;

export const SetTitleInput = z.object({ conversationId: ConversationId, title: z.string().trim().min(1).max(500) });
export type SetTitleInput = z.input<typeof SetTitleInput>;

export const ListConversationsInput = z
  .object({ limit: z.number().int().min(1).max(500).default(50), offset: z.number().int().min(0).default(0) })
  .default({ limit: 50, offset: 0 });
export type ListConversationsInput = z.input<typeof ListConversationsInput>;

/**
 * Starts a conversation with no messages. A taken id is a `CONFLICT` on `conversationId`.
 *
 * @example const conversation = startConversation(db, { title: 'Trip to Kyoto' });
 */
export function startConversation(db: UserDb, input: StartConversationInput = {}): Conversation {
  const { conversationId, title, startedAt } = parseInput(StartConversationInput, input, 'conversations');
  return mapped('conversations', () =>
    db
      .insert(conversations)
      .values({
        conversationId: conversationId ?? randomUUID(),
        title: title ?? null,
        startedAt,
        lastActivity: startedAt,
        messageCount: 0,
        schemaVersion: 2,
        compactedUpTo: 0,
      })
      .returning()
      .get(),
  );
}

/**
 * Sets a conversation's title; an unknown conversation is `NOT_FOUND` on `conversationId`.
 *
 * @example setConversationTitle(db, { conversationId, title: 'Kyoto, April' });
 */
export function setConversationTitle(db: UserDb, input: SetTitleInput): Conversation {
  const { conversationId, title } = parseInput(SetTitleInput, input, 'conversations');
  const row = mapped('conversations', () =>
    db.update(conversations).set({ title }).where(eq(conversations.conversationId, conversationId)).returning().get(),
  );
  if (!row) throw notFound('conversations', 'conversationId', conversationId);
  return row;
}

/**
 * A conversation, or `undefined`.
 *
 * @example const conversation = getConversation(db, conversationId);
 */
export function getConversation(db: UserDb, conversationId: string): Conversation | undefined {
  const id = parseField(ConversationId, conversationId, 'conversationId', 'conversations');
  return mapped('conversations', () =>
    db.select().from(conversations).where(eq(conversations.conversationId, id)).get(),
  );
}

/**
 * The user's conversations, most recently active first (ties by id), `limit` (default 50) from
 * `offset`.
 *
 * @example const recent = listConversations(db, { limit: 20 });
 */
export function listConversations(db: UserDb, input: ListConversationsInput = {}): Conversation[] {
  const { limit, offset } = parseInput(ListConversationsInput, input, 'conversations');
  return mapped('conversations', () =>
    db
      .select()
      .from(conversations)
      .orderBy(desc(conversations.lastActivity), desc(conversations.conversationId))
      .limit(limit)
      .offset(offset)
      .all(),
  );
}

/** What `deleteConversation` removed, table by table. */
export interface DeletedConversation {
  /** `conversations` rows: 1, or 0 when there was no row (only rows left behind under its id). */
  conversations: number;
  /** `conversation_messages` rows. */
  messages: number;
  /** `conversation_topics` rows (the topics themselves stay: they are shared by conversations). */
  topicLinks: number;
}

/**
 * Deletes a conversation and every row that belongs to it — its `conversation_messages` and its
 * `conversation_topics` links — in one transaction, and returns how many rows of each went.
 * Rows under the id are deleted even when the `conversations` row is already gone (what the
 * application's own deletion can leave behind), so none is left orphaned; nothing under the id is
 * all zeros, not an error. Topics stay in `topics`, linked or not.
 *
 * @example
 * const { conversations, messages, topicLinks } = deleteConversation(db, conversationId);
 * if (conversations === 0 && messages === 0) console.log('nothing to delete');
 */
export function deleteConversation(db: UserDb, conversationId: string): DeletedConversation {
  const id = parseField(ConversationId, conversationId, 'conversationId', 'conversations');
  return mapped('conversations', () =>
    db.transaction((tx) => {
      const messages = tx.delete(conversationMessages).where(eq(conversationMessages.conversationId, id)).run().changes;
      const topicLinks = tx.delete(conversationTopics).where(eq(conversationTopics.conversationId, id)).run().changes;
      const removed = tx.delete(conversations).where(eq(conversations.conversationId, id)).run().changes;
      return { conversations: removed, messages, topicLinks };
    }),
  );
}
