/**
 * Messages (seed 001, `conversation_messages`) and what the model sees of a conversation: the
 * latest compact summary plus the messages after it. The hot paths (`appendMessage`,
 * `loadModelContext`) are drizzle-built statements executed at the driver's floor (decision 026).
 */
import { randomUUID } from 'node:crypto';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { z } from 'zod';
import { ChatstoreError } from '../../errors';
import { parseInput } from '../../kit';
import { conversationMessages, conversations, messageRoles } from '../../schema/tatlock-user';
import { ConversationId, floor, Moment, mapped, notFound, prepared, type UserDb } from './internal';

export type Message = typeof conversationMessages.$inferSelect;
export type MessageRole = (typeof messageRoles)[number];

export const AppendMessageInput = z.object({
  conversationId: ConversationId,
  role: z.enum(messageRoles),
  content: z.string().min(1).max(1_000_000),
  /** Default: now. */
  timestamp: Moment,
});
export type AppendMessageInput = z.input<typeof AppendMessageInput>;

export const LoadContextInput = z.object({ conversationId: ConversationId });
export type LoadContextInput = z.input<typeof LoadContextInput>;

export const StoreCompactInput = z.object({
  conversationId: ConversationId,
  summary: z.string().trim().min(1),
  /** The last message number the summary covers. */
  upTo: z.number().int().min(1),
});
export type StoreCompactInput = z.input<typeof StoreCompactInput>;

/** What to send the model: the compact summary (if any), then every message after it. */
export interface ModelContext {
  conversationId: string;
  compactSummary: string | null;
  /** Messages up to this number are covered by `compactSummary`. */
  compactedUpTo: number;
  /** Messages after `compactedUpTo`, in order. */
  messages: Pick<Message, 'messageNumber' | 'role' | 'content' | 'timestamp'>[];
}

const ph = sql.placeholder;

// Built by drizzle, executed at the driver's floor (kit `floor`, decision 026).
const hot = floor((db) => ({
  touch: db
    .update(conversations)
    .set({ messageCount: sql`coalesce(${conversations.messageCount}, 0) + 1`, lastActivity: sql`${ph('timestamp')}` })
    .where(eq(conversations.conversationId, ph('conversationId')))
    .returning({ conversationId: conversations.conversationId }),
  // The next number is computed in the INSERT itself (idx_messages_conversation_number answers the max).
  insert: db
    .insert(conversationMessages)
    .select(
      db
        .select({
          messageId: sql`${ph('messageId')}`.as('message_id'),
          conversationId: sql`${ph('conversationId')}`.as('conversation_id'),
          messageNumber: sql`coalesce(max(${conversationMessages.messageNumber}), 0) + 1`.as('message_number'),
          role: sql`${ph('role')}`.as('role'),
          content: sql`${ph('content')}`.as('content'),
          timestamp: sql`${ph('timestamp')}`.as('timestamp'),
        })
        .from(conversationMessages)
        .where(eq(conversationMessages.conversationId, ph('conversationId'))),
    )
    .returning(),
  // Each row's message decodes as the object the context returns (null on the left join's
  // row for a conversation without messages): no second object per message.
  context: db
    .select({
      compactSummary: conversations.compactSummary,
      compactedUpTo: conversations.compactedUpTo,
      message: {
        messageNumber: conversationMessages.messageNumber,
        role: conversationMessages.role,
        content: conversationMessages.content,
        timestamp: conversationMessages.timestamp,
      },
    })
    .from(conversations)
    .leftJoin(
      conversationMessages,
      and(
        eq(conversationMessages.conversationId, conversations.conversationId),
        gt(conversationMessages.messageNumber, sql`coalesce(${conversations.compactedUpTo}, 0)`),
      ),
    )
    .where(eq(conversations.conversationId, ph('conversationId')))
    .orderBy(asc(conversationMessages.messageNumber)),
}));

const statements = prepared((db, client) => {
  const { touch, insert } = hot(db);
  type AppendArgs = { messageId: string; conversationId: string; role: string; content: string; timestamp: string };
  // One transaction: bump the conversation (which also proves it exists), then insert.
  // better-sqlite3's own transaction function, built once per connection; called inside a
  // transaction, it runs as a savepoint.
  const append = client.transaction((args: AppendArgs): Message | undefined =>
    touch.get(args) === undefined ? undefined : insert.get(args),
  );
  return { append };
});

/**
 * Appends a message to a conversation, in one transaction: it gets the next `message_number`
 * of the conversation, and the conversation's `message_count` and `last_activity` follow.
 * An unknown conversation is `NOT_FOUND` on `conversationId`; nothing is written then.
 *
 * @example
 * appendMessage(db, { conversationId, role: 'user', content: 'What is the weather in Lisbon?' });
 * appendMessage(db, { conversationId, role: 'assistant', content: 'Sunny, 24 °C.' });
 */
export function appendMessage(db: UserDb, input: AppendMessageInput): Message {
  const { conversationId, role, content, timestamp } = parseInput(AppendMessageInput, input, 'conversation_messages');
  const message = mapped('conversation_messages', () =>
    statements(db).append({ messageId: randomUUID(), conversationId, role, content, timestamp }),
  );
  if (!message) throw notFound('conversations', 'conversationId', conversationId);
  return message;
}

/**
 * The context for the model: the conversation's compact summary and the messages after
 * `compacted_up_to`, oldest first. One prepared statement. An unknown conversation is
 * `NOT_FOUND` on `conversationId`.
 *
 * @example
 * const { compactSummary, messages } = loadModelContext(db, { conversationId });
 */
export function loadModelContext(db: UserDb, input: LoadContextInput): ModelContext {
  const { conversationId } = parseInput(LoadContextInput, input, 'conversation_messages');
  const rows = mapped('conversation_messages', () => hot(db).context.all({ conversationId }));
  const first = rows[0];
  if (!first) throw notFound('conversations', 'conversationId', conversationId);
  const messages: ModelContext['messages'] = [];
  for (const { message } of rows) if (message !== null) messages.push(message);
  return { conversationId, compactSummary: first.compactSummary, compactedUpTo: first.compactedUpTo ?? 0, messages };
}

/**
 * Stores a compact: `summary` covers messages 1…`upTo`, and the model context then starts
 * after `upTo`. `upTo` may not exceed the conversation's last message (`VALIDATION` on `upTo`)
 * nor go back before the current compact (`INVALID_TRANSITION`); an unknown conversation is
 * `NOT_FOUND`.
 *
 * @example storeCompact(db, { conversationId, summary: 'TOPICS DISCUSSED: …', upTo: 50 });
 */
export function storeCompact(db: UserDb, input: StoreCompactInput): void {
  const { conversationId, summary, upTo } = parseInput(StoreCompactInput, input, 'conversations');
  mapped('conversations', () =>
    db.transaction((tx) => {
      const current = tx
        .select({
          compactedUpTo: conversations.compactedUpTo,
          // A bound id, not a column: drizzle leaves columns unqualified in a one-table select.
          last: sql<number>`(select coalesce(max(${conversationMessages.messageNumber}), 0) from ${conversationMessages}
            where ${conversationMessages.conversationId} = ${conversationId})`,
        })
        .from(conversations)
        .where(eq(conversations.conversationId, conversationId))
        .get();
      if (!current) throw notFound('conversations', 'conversationId', conversationId);
      if (upTo > current.last) {
        throw new ChatstoreError('VALIDATION', `Invalid upTo: the conversation's last message is ${current.last}`, {
          field: 'upTo',
          entity: 'conversations',
        });
      }
      if (upTo < (current.compactedUpTo ?? 0)) {
        throw new ChatstoreError(
          'INVALID_TRANSITION',
          `The conversation is already compacted up to ${current.compactedUpTo}; a compact up to ${upTo} would go back`,
          { field: 'upTo', entity: 'conversations' },
        );
      }
      tx.update(conversations)
        .set({ compactSummary: summary, compactedUpTo: upTo })
        .where(eq(conversations.conversationId, conversationId))
        .run();
    }),
  );
}

/**
 * Every message of a conversation, oldest first (for export or display; the model gets
 * `loadModelContext`).
 *
 * @example const all = listMessages(db, { conversationId });
 */
export function listMessages(db: UserDb, input: LoadContextInput): Message[] {
  const { conversationId } = parseInput(LoadContextInput, input, 'conversation_messages');
  return mapped('conversation_messages', () =>
    db
      .select()
      .from(conversationMessages)
      .where(eq(conversationMessages.conversationId, conversationId))
      .orderBy(asc(conversationMessages.messageNumber))
      .all(),
  );
}
