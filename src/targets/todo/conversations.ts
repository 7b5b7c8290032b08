/**
 * Conversations and their metadata (seed 004, "conversations", "conversation_metadata"):
 * start one, list a user's by recency, keep `updated_at` current, set the topic, archive old
 * ones, export and delete. Every lookup is scoped by the owning user, as the seed's "Access
 * Control" asks.
 */
import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { parseInput } from '../../kit';
import { requireRowsVisible, runTextOn, scopedWork } from '../../kit/rls';
import { conversationMetadata, conversations, messages } from '../../schema/todo';
import { floor, type Jsonified, jsonify, mapped, notFound, type TodoDb } from './internal';
import { UserId } from './users';

export type Conversation = typeof conversations.$inferSelect;
export type ConversationMetadata = typeof conversationMetadata.$inferSelect;

/** PostgreSQL's uuid input format; checked here so a typo is VALIDATION, not a driver error. */
export const ConversationId = z.guid();
export const Topic = z.string().trim().min(1).max(200);

export const ConversationRef = z.object({ conversationId: ConversationId, userId: UserId });
export type ConversationRef = z.input<typeof ConversationRef>;

export const StartConversationInput = z.object({ userId: UserId, topic: Topic.optional() });
export type StartConversationInput = z.input<typeof StartConversationInput>;

export const ListConversationsInput = z.object({
  userId: UserId,
  limit: z.number().int().min(1).max(1000).default(50),
  /** `false`: live ones only; `true`: archived ones only; absent: all (the seed's query). */
  archived: z.boolean().optional(),
});
export type ListConversationsInput = z.input<typeof ListConversationsInput>;

export const ArchiveConversationsInput = z.object({
  /** Archive conversations with no activity (`updated_at`) since this time. */
  inactiveSince: z.date(),
  /** Only this user's; absent: every user's (an operator's scheduled job). */
  userId: UserId.optional(),
});
export type ArchiveConversationsInput = z.input<typeof ArchiveConversationsInput>;

export const SetConversationTopicInput = ConversationRef.extend({ topic: Topic.nullable() });
export type SetConversationTopicInput = z.input<typeof SetConversationTopicInput>;

// Hot paths: built by drizzle, executed at the driver's floor (kit `floor`, decision 026).
const statements = floor((db) => ({
  list: db
    .select()
    .from(conversations)
    .where(eq(conversations.userId, sql.placeholder('userId')))
    .orderBy(desc(conversations.updatedAt), desc(conversations.id))
    .limit(sql.placeholder('limit')),
  touch: db
    .update(conversations)
    // Activity brings an archived conversation back, as a new message does.
    .set({ updatedAt: sql`clock_timestamp()`, archivedAt: sql`null` })
    .where(
      and(eq(conversations.id, sql.placeholder('conversationId')), eq(conversations.userId, sql.placeholder('userId'))),
    )
    .returning(),
}));

/**
 * Starts a conversation for a user: the conversation row and its metadata row (counts at 0,
 * optional topic) in one transaction. An unknown user is `FOREIGN_KEY` on `userId`.
 *
 * @example
 * const { conversation, metadata } = await startConversation(db, { userId: 'u1', topic: 'Groceries' });
 */
export async function startConversation(
  db: TodoDb,
  input: StartConversationInput,
): Promise<{ conversation: Conversation; metadata: ConversationMetadata }> {
  const { userId, topic } = parseInput(StartConversationInput, input, 'conversations');
  return mapped('conversations', () =>
    db.transaction(async (tx) => {
      // Two statements, not one CTE: under row-level security the metadata policy must see
      // the new conversation, and a sibling CTE's insert is invisible to it.
      const [conversation] = await tx.insert(conversations).values({ userId }).returning();
      const [metadata] = await tx
        .insert(conversationMetadata)
        .values({ conversationId: (conversation as Conversation).id, topic: topic ?? null })
        .returning();
      return { conversation: conversation as Conversation, metadata: metadata as ConversationMetadata };
    }),
  );
}

/**
 * A user's conversations, most recently active first (seed: "Get User's Conversations").
 * Prepared once per handle. Default limit 50.
 *
 * @example
 * const recent = await listConversations(db, { userId: 'u1', limit: 20 });
 */
export async function listConversations(db: TodoDb, input: ListConversationsInput): Promise<Conversation[]> {
  const { userId, limit, archived } = parseInput(ListConversationsInput, input, 'conversations');
  if (archived === undefined) return mapped('conversations', () => statements(db).list.execute({ userId, limit }));
  const state = archived ? isNotNull(conversations.archivedAt) : isNull(conversations.archivedAt);
  return mapped('conversations', () =>
    db
      .select()
      .from(conversations)
      .where(and(eq(conversations.userId, userId), state))
      .orderBy(desc(conversations.updatedAt), desc(conversations.id))
      .limit(limit),
  );
}

/**
 * Archives conversations idle since `inactiveSince` (`updated_at` before it): sets their
 * `archived_at`, nothing is deleted or moved (the seed keeps all messages "indefinitely (for
 * audit)"). Archived conversations drop out of `listConversations({ archived: false })`, keep
 * their messages readable and searchable, and come back on the next `appendMessage` or
 * `touchConversation`. Returns how many were archived; run it on a schedule, for one user or
 * (without `userId`) for all.
 *
 * @example
 * const archived = await archiveConversations(db, { inactiveSince: new Date(Date.now() - 90 * 86_400_000) });
 */
export async function archiveConversations(db: TodoDb, input: ArchiveConversationsInput): Promise<number> {
  const { inactiveSince, userId } = parseInput(ArchiveConversationsInput, input, 'conversations');
  const filters: SQL[] = [isNull(conversations.archivedAt), lt(conversations.updatedAt, inactiveSince)];
  if (userId !== undefined) filters.push(eq(conversations.userId, userId));
  const rows = await mapped('conversations', async () => {
    await requireRowsVisible(runTextOn(db), scopedWork('Archiving the conversations', 'user', userId, 'conversations'));
    return db
      .update(conversations)
      .set({ archivedAt: sql`clock_timestamp()` })
      .where(and(...filters))
      .returning({ id: conversations.id });
  });
  return rows.length;
}

/**
 * Brings one archived conversation back without writing a message (its `updated_at` stays);
 * an unknown conversation or someone else's is `NOT_FOUND`. Returns it.
 *
 * @example
 * const conversation = await unarchiveConversation(db, { conversationId, userId: 'u1' });
 */
export async function unarchiveConversation(db: TodoDb, input: ConversationRef): Promise<Conversation> {
  const { conversationId, userId } = parseInput(ConversationRef, input, 'conversations');
  const [row] = await mapped('conversations', () =>
    db
      .update(conversations)
      .set({ archivedAt: null })
      .where(and(eq(conversations.id, conversationId), eq(conversations.userId, userId)))
      .returning(),
  );
  if (!row) throw notFound('conversations', 'conversationId', conversationId);
  return row;
}

/**
 * A conversation of the given user, or `undefined` (also when someone else owns it).
 *
 * @example
 * const conversation = await getConversation(db, { conversationId, userId: 'u1' });
 */
export async function getConversation(db: TodoDb, input: ConversationRef): Promise<Conversation | undefined> {
  const { conversationId, userId } = parseInput(ConversationRef, input, 'conversations');
  const [row] = await mapped('conversations', () =>
    db
      .select()
      .from(conversations)
      .where(and(eq(conversations.id, conversationId), eq(conversations.userId, userId)))
      .limit(1),
  );
  return row;
}

/**
 * Like `getConversation`, but a missing conversation is `NOT_FOUND` on `conversationId`.
 *
 * @example
 * const conversation = await getConversationOrThrow(db, { conversationId, userId: 'u1' });
 */
export async function getConversationOrThrow(db: TodoDb, input: ConversationRef): Promise<Conversation> {
  const row = await getConversation(db, input);
  if (!row) throw notFound('conversations', 'conversationId', input.conversationId);
  return row;
}

/**
 * Marks a conversation active now (`updated_at = clock_timestamp()`, as `appendMessage` stamps messages) and returns it.
 * Prepared once per handle; `appendMessage` already does this, so call it only for activity
 * that writes no message.
 *
 * @example
 * const conversation = await touchConversation(db, { conversationId, userId: 'u1' });
 */
export async function touchConversation(db: TodoDb, input: ConversationRef): Promise<Conversation> {
  const { conversationId, userId } = parseInput(ConversationRef, input, 'conversations');
  const [row] = await mapped('conversations', () => statements(db).touch.execute({ conversationId, userId }));
  if (!row) throw notFound('conversations', 'conversationId', conversationId);
  return row;
}

/**
 * Sets (or clears, with `null`) a conversation's topic.
 *
 * @example
 * const metadata = await setConversationTopic(db, { conversationId, userId: 'u1', topic: 'Trip' });
 */
export async function setConversationTopic(
  db: TodoDb,
  input: SetConversationTopicInput,
): Promise<ConversationMetadata> {
  const { conversationId, userId, topic } = parseInput(SetConversationTopicInput, input, 'conversation_metadata');
  const owned = db
    .select({ id: conversations.id })
    .from(conversations)
    .where(and(eq(conversations.id, conversationId), eq(conversations.userId, userId)));
  const [row] = await mapped('conversation_metadata', () =>
    db
      .update(conversationMetadata)
      .set({ topic })
      .where(inArray(conversationMetadata.conversationId, owned))
      .returning(),
  );
  if (!row) throw notFound('conversations', 'conversationId', conversationId);
  return row;
}

/**
 * Deletes a conversation; its messages and metadata go with it (`ON DELETE CASCADE`).
 * Returns the deleted row; a missing conversation is `NOT_FOUND`.
 *
 * @example
 * await deleteConversation(db, { conversationId, userId: 'u1' });
 */
export async function deleteConversation(db: TodoDb, input: ConversationRef): Promise<Conversation> {
  const { conversationId, userId } = parseInput(ConversationRef, input, 'conversations');
  const [row] = await mapped('conversations', () =>
    db
      .delete(conversations)
      .where(and(eq(conversations.id, conversationId), eq(conversations.userId, userId)))
      .returning(),
  );
  if (!row) throw notFound('conversations', 'conversationId', conversationId);
  return row;
}

/** A conversation as plain JSON: `JSON.stringify` round-trips it unchanged. */
export interface ConversationExport {
  format: 'chatstore.todo.conversation/1';
  exportedAt: string;
  conversation: Jsonified<Conversation>;
  metadata: Jsonified<ConversationMetadata> | null;
  /** Oldest first, as `loadConversationHistory` pages them. */
  messages: Jsonified<typeof messages.$inferSelect>[];
}

/**
 * Exports a conversation with its metadata and every message, read from one snapshot
 * (repeatable read) so counts and messages agree. Dates are ISO strings.
 *
 * @example
 * const file = JSON.stringify(await exportConversation(db, { conversationId, userId: 'u1' }));
 */
export async function exportConversation(db: TodoDb, input: ConversationRef): Promise<ConversationExport> {
  const { conversationId, userId } = parseInput(ConversationRef, input, 'conversations');
  return mapped('conversations', () =>
    db.transaction(
      async (tx) => {
        const [conversation] = await tx
          .select()
          .from(conversations)
          .where(and(eq(conversations.id, conversationId), eq(conversations.userId, userId)));
        if (!conversation) throw notFound('conversations', 'conversationId', conversationId);
        const [metadata] = await tx
          .select()
          .from(conversationMetadata)
          .where(eq(conversationMetadata.conversationId, conversationId));
        const rows = await tx
          .select()
          .from(messages)
          .where(eq(messages.conversationId, conversationId))
          .orderBy(asc(messages.createdAt), asc(messages.id));
        return {
          format: 'chatstore.todo.conversation/1' as const,
          exportedAt: new Date().toISOString(),
          conversation: jsonify(conversation),
          metadata: metadata ? jsonify(metadata) : null,
          messages: rows.map((row) => jsonify(row)),
        };
      },
      // Ignored when `db` is already a transaction (a savepoint cannot change isolation).
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    ),
  );
}
