/**
 * Messages (seed 004, "messages" and its "Typical Queries"): append one, page a
 * conversation's history, load the latest N for the model, count the tasks the assistant
 * created, a user's recent activity; edit or delete one message and search a user's messages
 * (the seed's "Future Enhancements"). The hot paths are drizzle-built statements executed at the
 * driver's floor (decision 026).
 */
import { and, asc, count, desc, eq, getTableColumns, sql } from 'drizzle-orm';
import { createInsertSchema } from 'drizzle-zod';
import { z } from 'zod';
import { ChatstoreError } from '../../errors';
import { parseInput } from '../../kit';
import {
  conversationMetadata,
  conversations,
  type messageRoles,
  messageSearchVector,
  messages,
  searchConfig,
  users,
} from '../../schema/todo';
import { ConversationId } from './conversations';
import { floor, mapped, notFound, type TodoDb } from './internal';
import { UserId } from './users';

export type Message = typeof messages.$inferSelect;
export type MessageRole = (typeof messageRoles)[number];

/** Tool names whose messages move `conversation_metadata`'s task counters. */
export const taskTools = { created: 'add_task', completed: 'complete_task' } as const;

const messageInsert = createInsertSchema(messages, {
  conversationId: ConversationId,
  userId: UserId,
  content: (s) => s.min(1).refine((v) => v.trim().length > 0, 'must not be blank'),
});
export const AppendMessageInput = messageInsert
  .pick({ conversationId: true, userId: true, role: true, content: true, toolUsed: true, actionTaken: true })
  // Here, not in createInsertSchema's refine: a refine callback there makes the column required.
  .extend({ toolUsed: messageInsert.shape.toolUsed.unwrap().unwrap().min(1).nullish() });
export type NewMessageInput = z.input<typeof AppendMessageInput>;

export const LoadHistoryInput = z.object({
  conversationId: ConversationId,
  userId: UserId,
  /** Id of the last message of the previous page: the page starts after it. */
  after: z.guid().optional(),
  limit: z.number().int().min(1).max(500).default(20),
});
export type LoadHistoryInput = z.input<typeof LoadHistoryInput>;

export interface HistoryPage {
  /** Oldest first: `created_at` ascending, then `id`. */
  messages: Message[];
  /** Pass as `after` to get the next page; `null` on the last page. */
  nextCursor: string | null;
}

export const LoadRecentInput = z.object({
  conversationId: ConversationId,
  userId: UserId,
  limit: z.number().int().min(1).max(500).default(20),
});
export type LoadRecentInput = z.input<typeof LoadRecentInput>;

export const MessageRef = z.object({ messageId: z.guid(), userId: UserId });
export type MessageRef = z.input<typeof MessageRef>;

export const EditMessageInput = MessageRef.extend({ content: AppendMessageInput.shape.content });
export type EditMessageInput = z.input<typeof EditMessageInput>;

export const SearchMessagesInput = z.object({
  userId: UserId,
  /** Words to find, in web-search syntax: `milk eggs`, `"oat milk"`, `milk -soy`, `milk or eggs`. */
  query: z
    .string()
    .max(1000)
    .refine((v) => v.trim().length > 0, 'must not be blank'),
  limit: z.number().int().min(1).max(200).default(20),
});
export type SearchMessagesInput = z.input<typeof SearchMessagesInput>;

/** A search hit: the message and its `ts_rank` (higher is better). */
export interface MessageSearchHit extends Message {
  rank: number;
}

export const CountTasksCreatedInput = z.object({ conversationId: ConversationId, userId: UserId });
export type CountTasksCreatedInput = z.input<typeof CountTasksCreatedInput>;

export const RecentActivityInput = z.object({ userId: UserId, limit: z.number().int().min(1).max(500).default(50) });
export type RecentActivityInput = z.input<typeof RecentActivityInput>;
export type RecentActivity = Pick<Message, 'id' | 'conversationId' | 'createdAt' | 'role' | 'content' | 'toolUsed'>;

const ph = sql.placeholder;

// Built by drizzle, executed at the driver's floor (kit `floor`, decision 026).
const statements = floor((db) => {
  // appendMessage as ONE statement: one round trip, atomic without BEGIN/COMMIT. `conv`
  // both checks ownership and bumps updated_at; nothing is inserted when it matches no row.
  // clock_timestamp(), not the column default (transaction start): messages appended in one
  // transaction, say a question and its answer, then still sort in the order they were
  // written, and updated_at is exactly the new message's created_at.
  const conv = db.$with('conv', { id: conversations.id, updatedAt: conversations.updatedAt }).as(
    db
      .update(conversations)
      // A new message brings an archived conversation back. Its time is after the conversation's
      // last one even where the clock is coarse (PGlite's ticks in milliseconds): two messages
      // appended within one tick still sort in the order they were written.
      .set({
        updatedAt: sql`greatest(clock_timestamp(), ${conversations.updatedAt} + interval '1 microsecond')`,
        archivedAt: sql`null`,
      })
      .where(and(eq(conversations.id, ph('conversationId')), eq(conversations.userId, ph('userId'))))
      .returning({ id: conversations.id, updatedAt: conversations.updatedAt })
      .getSQL(),
  );
  const inserted = db.$with('inserted', getTableColumns(messages)).as(
    sql`insert into ${messages}
        ("conversation_id", "user_id", "role", "content", "tool_used", "action_taken", "created_at")
      select ${conv.id}, ${ph('userId')}::varchar, ${ph('role')}::varchar, ${ph('content')}::text,
        ${ph('toolUsed')}::varchar, ${ph('actionTaken')}::text, ${conv.updatedAt}
      from ${conv}
      returning *`,
  );
  // An upsert, so a conversation created outside startConversation still gets counted.
  const meta = db.$with('meta', { id: conversationMetadata.id }).as(
    sql`insert into ${conversationMetadata}
        ("conversation_id", "message_count", "task_count_created", "task_count_completed")
      select ${conv.id}, 1, ${ph('tasksCreated')}::int, ${ph('tasksCompleted')}::int from ${conv}
      on conflict ("conversation_id") do update set
        "message_count" = coalesce(${conversationMetadata.messageCount}, 0) + 1,
        "task_count_created" = coalesce(${conversationMetadata.taskCountCreated}, 0) + excluded."task_count_created",
        "task_count_completed" = coalesce(${conversationMetadata.taskCountCompleted}, 0) + excluded."task_count_completed"
      returning "id"`,
  );
  // The owner is checked once on conversations (a one-time filter), not per message row: a
  // user_id condition on messages let the planner combine two indexes and sort the whole
  // conversation instead of reading the (conversation_id, created_at, id) index in order for
  // `limit` rows (2× slower at 10M messages; decision 028). appendMessage writes the owner's id.
  const byConversation = and(
    eq(messages.conversationId, ph('conversationId')),
    sql`exists (select 1 from ${conversations} where ${conversations.id} = ${ph('conversationId')} and ${conversations.userId} = ${ph('userId')})`,
  );
  // deleteMessage as one statement: the row goes and its conversation's counters come down by
  // what appendMessage added for it.
  const removed = db.$with('removed', getTableColumns(messages)).as(
    db
      .delete(messages)
      .where(and(eq(messages.id, ph('messageId')), eq(messages.userId, ph('userId'))))
      .returning()
      .getSQL(),
  );
  const uncount = db.$with('uncount', { id: conversationMetadata.id }).as(
    sql`update ${conversationMetadata} set
        "message_count" = greatest(coalesce(${conversationMetadata.messageCount}, 0) - 1, 0),
        "task_count_created" = greatest(coalesce(${conversationMetadata.taskCountCreated}, 0)
          - (${removed.toolUsed} is not distinct from ${taskTools.created})::int, 0),
        "task_count_completed" = greatest(coalesce(${conversationMetadata.taskCountCompleted}, 0)
          - (${removed.toolUsed} is not distinct from ${taskTools.completed})::int, 0)
      from ${removed} where ${conversationMetadata.conversationId} = ${removed.conversationId}
      returning ${conversationMetadata.id}`,
  );
  const vector = messageSearchVector(messages.content);
  const tsquery = sql`websearch_to_tsquery(${sql.raw(`'${searchConfig}'::regconfig`)}, ${ph('query')})`;
  return {
    append: db.with(conv, inserted, meta).select().from(inserted),
    history: db
      .select()
      .from(messages)
      .where(byConversation)
      .orderBy(asc(messages.createdAt), asc(messages.id))
      .limit(ph('limit')),
    // Keyset pagination: compare (created_at, id) with the cursor row's, read in the same
    // statement so a cursor never depends on JS's millisecond dates.
    historyAfter: db
      .select()
      .from(messages)
      .where(
        and(
          byConversation,
          sql`(${messages.createdAt}, ${messages.id}) > (select "after"."created_at", "after"."id" from ${messages} "after"
            where "after"."id" = ${ph('after')} and "after"."conversation_id" = ${ph('conversationId')})`,
        ),
      )
      .orderBy(asc(messages.createdAt), asc(messages.id))
      .limit(ph('limit')),
    // Newest first, so the (conversation_id, created_at, id) index is read backwards for
    // exactly `limit` rows; the caller reverses them.
    recentInConversation: db
      .select()
      .from(messages)
      .where(byConversation)
      .orderBy(desc(messages.createdAt), desc(messages.id))
      .limit(ph('limit')),
    edit: db
      .update(messages)
      .set({ content: sql`${ph('content')}::text` })
      .where(and(eq(messages.id, ph('messageId')), eq(messages.userId, ph('userId'))))
      .returning(),
    remove: db.with(removed, uncount).select().from(removed),
    // The vector expression is the index's own (idx_messages_content_fts), so the GIN index
    // finds the candidates; the user filter and ranking run on those rows only.
    search: db
      .select({ ...getTableColumns(messages), rank: sql<number>`ts_rank(${vector}, ${tsquery})`.mapWith(Number) })
      .from(messages)
      .where(and(eq(messages.userId, ph('userId')), sql`${vector} @@ ${tsquery}`))
      .orderBy(sql`ts_rank(${vector}, ${tsquery}) desc`, desc(messages.createdAt), desc(messages.id))
      .limit(ph('limit')),
    tasksCreated: db
      .select({ n: count() })
      .from(messages)
      .where(and(byConversation, eq(messages.role, 'assistant'), eq(messages.toolUsed, taskTools.created))),
    recent: db
      .select({
        id: messages.id,
        conversationId: messages.conversationId,
        createdAt: messages.createdAt,
        role: messages.role,
        content: messages.content,
        toolUsed: messages.toolUsed,
      })
      .from(messages)
      .where(eq(messages.userId, ph('userId')))
      .orderBy(desc(messages.createdAt), desc(messages.id))
      .limit(ph('limit')),
  };
});

/**
 * Appends a message to a conversation in one atomic statement (prepared once per handle):
 * inserts the message stamped with `clock_timestamp()`, sets the conversation's
 * `updated_at` to that same time, and increments the metadata's
 * `message_count` (plus `task_count_created` for `tool_used = 'add_task'` and
 * `task_count_completed` for `'complete_task'`). The message's `userId` must own the
 * conversation: otherwise `PERMISSION_DENIED`; an unknown user is `FOREIGN_KEY` on `userId`;
 * an unknown conversation `NOT_FOUND` on `conversationId`. Nothing is written on error.
 *
 * @example
 * const message = await appendMessage(db, {
 *   conversationId, userId: 'u1', role: 'assistant', content: 'Added "milk".',
 *   toolUsed: 'add_task', actionTaken: 'created task 7',
 * });
 */
export async function appendMessage(db: TodoDb, input: NewMessageInput): Promise<Message> {
  const message = parseInput(AppendMessageInput, input, 'messages');
  const toolUsed = message.toolUsed ?? null;
  const [row] = await mapped('messages', () =>
    statements(db).append.execute({
      conversationId: message.conversationId,
      userId: message.userId,
      role: message.role,
      content: message.content,
      toolUsed,
      actionTaken: message.actionTaken ?? null,
      tasksCreated: toolUsed === taskTools.created ? 1 : 0,
      tasksCompleted: toolUsed === taskTools.completed ? 1 : 0,
    }),
  );
  if (row) return row;
  throw await whyNotAppended(db, message.conversationId, message.userId);
}

// Cold path: the statement matched no conversation; find out which input was wrong.
async function whyNotAppended(db: TodoDb, conversationId: string, userId: string): Promise<ChatstoreError> {
  const [user] = await mapped('users', () =>
    db.select({ id: users.id }).from(users).where(eq(users.id, userId)).limit(1),
  );
  if (!user) {
    return new ChatstoreError('FOREIGN_KEY', `User ${userId} does not exist`, { entity: 'users', field: 'userId' });
  }
  const [conversation] = await mapped('conversations', () =>
    db
      .select({ userId: conversations.userId })
      .from(conversations)
      .where(eq(conversations.id, conversationId))
      .limit(1),
  );
  if (!conversation) return notFound('conversations', 'conversationId', conversationId);
  return new ChatstoreError('PERMISSION_DENIED', `User ${userId} does not own conversation ${conversationId}`, {
    entity: 'conversations',
    field: 'userId',
  });
}

/**
 * One page of a conversation's history, oldest first (seed: "Load Conversation History"),
 * with keyset pagination: pass the previous page's `nextCursor` as `after`. Default 20 per
 * page. Prepared once per handle. An `after` that is not a message of this conversation
 * yields an empty page.
 *
 * @example
 * let page = await loadConversationHistory(db, { conversationId, userId: 'u1' });
 * while (page.nextCursor) {
 *   page = await loadConversationHistory(db, { conversationId, userId: 'u1', after: page.nextCursor });
 * }
 */
export async function loadConversationHistory(db: TodoDb, input: LoadHistoryInput): Promise<HistoryPage> {
  const { conversationId, userId, after, limit } = parseInput(LoadHistoryInput, input, 'messages');
  const prepared = statements(db);
  // One row more than asked tells whether another page exists without a count query.
  const rows = await mapped('messages', () =>
    after === undefined
      ? prepared.history.execute({ conversationId, userId, limit: limit + 1 })
      : prepared.historyAfter.execute({ conversationId, userId, after, limit: limit + 1 }),
  );
  const hasMore = rows.length > limit;
  if (hasMore) rows.length = limit;
  return { messages: rows, nextCursor: hasMore ? (rows.at(-1)?.id ?? null) : null };
}

/**
 * The latest `limit` messages of a conversation (default 20), returned oldest first: what a
 * chatbot sends its model. One backward read of the (conversation_id, created_at, id) index
 * for exactly `limit` rows. The seed's "Load Conversation History" (`ORDER BY created_at ASC
 * LIMIT 20`) returns the *first* 20 instead; that is `loadConversationHistory`'s first page.
 * Prepared once per handle. Someone else's or an unknown conversation yields `[]`.
 *
 * @example
 * const context = await loadRecentMessages(db, { conversationId, userId: 'u1', limit: 20 });
 * await model.chat(context.map((m) => ({ role: m.role, content: m.content })));
 */
export async function loadRecentMessages(db: TodoDb, input: LoadRecentInput): Promise<Message[]> {
  const { conversationId, userId, limit } = parseInput(LoadRecentInput, input, 'messages');
  const rows = await mapped('messages', () =>
    statements(db).recentInConversation.execute({ conversationId, userId, limit }),
  );
  return rows.reverse();
}

/**
 * Replaces a message's text; role, tool, action and time stay (the counters do not change).
 * Only the message's user may edit it: an unknown message or someone else's is `NOT_FOUND`
 * on `messageId`. Returns the edited message.
 *
 * @example
 * const fixed = await editMessage(db, { messageId, userId: 'u1', content: 'Add oat milk' });
 */
export async function editMessage(db: TodoDb, input: EditMessageInput): Promise<Message> {
  const { messageId, userId, content } = parseInput(EditMessageInput, input, 'messages');
  const [row] = await mapped('messages', () => statements(db).edit.execute({ messageId, userId, content }));
  if (!row) throw notFound('messages', 'messageId', messageId);
  return row;
}

/**
 * Deletes one message in one statement: the row goes and its conversation's metadata counts
 * come down by what `appendMessage` added for it (`message_count`, and `task_count_created` /
 * `task_count_completed` for `add_task` / `complete_task` messages). Returns the deleted
 * message; an unknown message or someone else's is `NOT_FOUND` on `messageId`.
 *
 * @example
 * await deleteMessage(db, { messageId, userId: 'u1' });
 */
export async function deleteMessage(db: TodoDb, input: MessageRef): Promise<Message> {
  const { messageId, userId } = parseInput(MessageRef, input, 'messages');
  const [row] = await mapped('messages', () => statements(db).remove.execute({ messageId, userId }));
  if (!row) throw notFound('messages', 'messageId', messageId);
  return row;
}

/**
 * Full-text search over a user's messages in every conversation, archived ones included:
 * PostgreSQL's `websearch_to_tsquery('english', query)` against the GIN index
 * `idx_messages_content_fts` (English stemming: "buying" finds "buy"). Best match first
 * (`ts_rank`), then newest. A query of stop words only (`the`) finds nothing. Prepared once
 * per handle.
 *
 * @example
 * const hits = await searchMessages(db, { userId: 'u1', query: 'oat milk -soy' });
 * // [{ id, conversationId, content: 'Add oat milk', rank: 0.0991, … }]
 */
export async function searchMessages(db: TodoDb, input: SearchMessagesInput): Promise<MessageSearchHit[]> {
  const { userId, query, limit } = parseInput(SearchMessagesInput, input, 'messages');
  return mapped('messages', () => statements(db).search.execute({ userId, query, limit }));
}

/**
 * How many tasks the assistant created in a conversation: messages with role `assistant`
 * and `tool_used = 'add_task'` (seed: "Count User's Tasks Created This Session").
 *
 * @example
 * const created = await countTasksCreated(db, { conversationId, userId: 'u1' }); // 3
 */
export async function countTasksCreated(db: TodoDb, input: CountTasksCreatedInput): Promise<number> {
  const { conversationId, userId } = parseInput(CountTasksCreatedInput, input, 'messages');
  const [row] = await mapped('messages', () => statements(db).tasksCreated.execute({ conversationId, userId }));
  return row?.n ?? 0;
}

/**
 * A user's most recent messages across conversations, newest first (seed: "Get Recent
 * Activity"). Default 50.
 *
 * @example
 * const activity = await getRecentActivity(db, { userId: 'u1' });
 */
export async function getRecentActivity(db: TodoDb, input: RecentActivityInput): Promise<RecentActivity[]> {
  const { userId, limit } = parseInput(RecentActivityInput, input, 'messages');
  return mapped('messages', () => statements(db).recent.execute({ userId, limit }));
}
