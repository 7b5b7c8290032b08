/**
 * Messages (seed 004, "messages" and its "Typical Queries"): append one, page a
 * conversation's history, count the tasks the assistant created, a user's recent activity.
 * The hot paths run drizzle prepared statements built once per handle.
 */
import { and, asc, count, desc, eq, getTableColumns, sql } from 'drizzle-orm';
import { createInsertSchema } from 'drizzle-zod';
import { z } from 'zod';
import { ChatstoreError } from '../../errors';
import { conversationMetadata, conversations, type messageRoles, messages, users } from '../../schema/todo';
import { parseInput } from '../shared';
import { ConversationId } from './conversations';
import { mapped, notFound, preparedPerHandle, type TodoDb } from './internal';
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

export const CountTasksCreatedInput = z.object({ conversationId: ConversationId, userId: UserId });
export type CountTasksCreatedInput = z.input<typeof CountTasksCreatedInput>;

export const RecentActivityInput = z.object({ userId: UserId, limit: z.number().int().min(1).max(500).default(50) });
export type RecentActivityInput = z.input<typeof RecentActivityInput>;
export type RecentActivity = Pick<Message, 'id' | 'conversationId' | 'createdAt' | 'role' | 'content' | 'toolUsed'>;

const ph = sql.placeholder;

const statements = preparedPerHandle((db) => {
  // appendMessage as ONE statement: one round trip, atomic without BEGIN/COMMIT. `conv`
  // both checks ownership and bumps updated_at; nothing is inserted when it matches no row.
  // clock_timestamp(), not the column default (transaction start): messages appended in one
  // transaction, say a question and its answer, then still sort in the order they were
  // written, and updated_at is exactly the new message's created_at.
  const conv = db.$with('conv', { id: conversations.id, updatedAt: conversations.updatedAt }).as(
    db
      .update(conversations)
      .set({ updatedAt: sql`clock_timestamp()` })
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
  const byConversation = and(eq(messages.conversationId, ph('conversationId')), eq(messages.userId, ph('userId')));
  return {
    append: db.with(conv, inserted, meta).select().from(inserted).prepare('todo_append_message'),
    history: db
      .select()
      .from(messages)
      .where(byConversation)
      .orderBy(asc(messages.createdAt), asc(messages.id))
      .limit(ph('limit'))
      .prepare('todo_load_history'),
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
      .limit(ph('limit'))
      .prepare('todo_load_history_after'),
    tasksCreated: db
      .select({ n: count() })
      .from(messages)
      .where(and(byConversation, eq(messages.role, 'assistant'), eq(messages.toolUsed, taskTools.created)))
      .prepare('todo_count_tasks_created'),
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
      .limit(ph('limit'))
      .prepare('todo_recent_activity'),
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
