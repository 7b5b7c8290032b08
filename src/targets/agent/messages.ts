/**
 * Structured messages (seed 003, "chat_messages_v2", "message_versions"): append to a
 * conversation and session, threads through `parent_message_id`, edits that keep every
 * earlier content as a numbered version, and a conversation window.
 */
import { and, asc, desc, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { ChatstoreError } from '../../errors';
import { parseInput } from '../../kit';
import {
  chatMessagesV2,
  conversationSessions,
  JsonObject,
  MessageContent,
  MessageMetadata,
  messageRoles,
  messageVersions,
  Tools,
} from '../../schema/agent';
import { type AgentDb, floor, Id, mapped, notFound } from './internal';

export type ChatMessage = typeof chatMessagesV2.$inferSelect;
export type MessageVersion = typeof messageVersions.$inferSelect;

export const AppendMessageInput = z.object({
  conversationId: Id,
  sessionId: Id,
  role: z.enum(messageRoles),
  content: MessageContent,
  parentMessageId: Id.optional(),
  channelId: Id.optional(),
  senderUserId: Id.optional(),
  senderAgentId: Id.optional(),
  metadata: MessageMetadata.optional(),
  context: JsonObject.optional(),
  tools: Tools.optional(),
  memoryRefs: z.array(Id).optional(),
  stateSnapshotId: Id.optional(),
  audit: JsonObject.optional(),
});
export type AppendMessageInput = z.input<typeof AppendMessageInput>;

export const EditMessageInput = z.object({
  messageId: Id,
  content: MessageContent,
  metadata: MessageMetadata.optional(),
  changedBy: Id.optional(),
  changeReason: z.string().trim().min(1).max(2000).optional(),
});
export type EditMessageInput = z.input<typeof EditMessageInput>;

export const ConversationWindowInput = z.object({
  conversationId: Id,
  /** Only messages created before this one (for scrolling back); default: the newest. */
  before: Id.optional(),
  limit: z.number().int().min(1).max(500).default(50),
});
export type ConversationWindowInput = z.input<typeof ConversationWindowInput>;

const ph = sql.placeholder;
const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

// Built by drizzle, executed at the driver's floor (kit `floor`, decision 026).
const statements = floor((db) => {
  const stamp = sql`greatest(clock_timestamp(), (select max(${chatMessagesV2.createdAt}) + interval '1 microsecond'
    from ${chatMessagesV2} where ${chatMessagesV2.conversationId} = ${ph('conversationId')}::uuid))`;
  // One statement: the message, stamped with clock_timestamp() so messages written in one
  // transaction keep their order — and after the conversation's last one, since a clock may tick
  // coarser than appends (PGlite's milliseconds) — and the session's counters, atomic without
  // BEGIN/COMMIT. The last time is one backward step of idx_messages_conversation.
  const inserted = db.$with('inserted', getTableColumns(chatMessagesV2)).as(
    sql`insert into ${chatMessagesV2} ("conversation_id", "session_id", "parent_message_id", "channel_id",
        "sender_user_id", "sender_agent_id", "role", "content", "metadata", "context", "tools", "memory_refs",
        "state_snapshot_id", "audit", "created_at", "updated_at")
      values (${ph('conversationId')}::uuid, ${ph('sessionId')}::uuid, ${ph('parentMessageId')}::uuid,
        ${ph('channelId')}::uuid, ${ph('senderUserId')}::uuid, ${ph('senderAgentId')}::uuid, ${ph('role')}::varchar,
        ${ph('content')}::jsonb, coalesce(${ph('metadata')}::jsonb, '{}'), coalesce(${ph('context')}::jsonb, '{}'),
        ${ph('tools')}::jsonb, ${ph('memoryRefs')}::uuid[], ${ph('stateSnapshotId')}::uuid, ${ph('audit')}::jsonb,
        ${stamp}, ${stamp})
      returning *`,
  );
  const bumped = db.$with('bumped', { id: conversationSessions.id }).as(
    sql`update ${conversationSessions} set
        "message_count" = coalesce("message_count", 0) + 1,
        "total_tokens_used" = coalesce("total_tokens_used", 0) + ${ph('tokens')}::int,
        "tool_calls_count" = coalesce("tool_calls_count", 0) + ${ph('toolCalls')}::int,
        "last_active" = clock_timestamp()
      where "id" = ${ph('sessionId')}::uuid
      returning "id"`,
  );
  const byConversation = eq(chatMessagesV2.conversationId, ph('conversationId'));
  return {
    append: db.with(inserted, bumped).select().from(inserted),
    // Newest first with a limit, reversed in JS: the window is the last N messages.
    window: db
      .select()
      .from(chatMessagesV2)
      .where(byConversation)
      .orderBy(desc(chatMessagesV2.createdAt), desc(chatMessagesV2.id))
      .limit(ph('limit')),
    windowBefore: db
      .select()
      .from(chatMessagesV2)
      .where(
        and(
          byConversation,
          sql`(${chatMessagesV2.createdAt}, ${chatMessagesV2.id}) < (select b."created_at", b."id" from ${chatMessagesV2} b
            where b."id" = ${ph('before')} and b."conversation_id" = ${ph('conversationId')})`,
        ),
      )
      .orderBy(desc(chatMessagesV2.createdAt), desc(chatMessagesV2.id))
      .limit(ph('limit')),
  };
});

/**
 * Appends a message to a conversation and session in one statement (prepared once per
 * handle), and bumps the session's `message_count`, `total_tokens_used` (from
 * `metadata.tokens`), `tool_calls_count` (from `tools`) and `last_active` when the session is
 * a `conversation_sessions` row. `parentMessageId` threads it under another message. Bad
 * content is `VALIDATION` on `content.…`; an unknown parent is `FOREIGN_KEY` on `parentMessageId`.
 *
 * @example
 * const message = await appendMessage(db, {
 *   conversationId, sessionId: session.id, role: 'user', senderUserId: userId,
 *   content: { type: 'text', text: 'What did we decide yesterday?' },
 * });
 */
export async function appendMessage(db: AgentDb, input: AppendMessageInput): Promise<ChatMessage> {
  const m = parseInput(AppendMessageInput, input, 'chat_messages_v2');
  const [row] = await mapped('chat_messages_v2', () =>
    statements(db).append.execute({
      conversationId: m.conversationId,
      sessionId: m.sessionId,
      parentMessageId: m.parentMessageId ?? null,
      channelId: m.channelId ?? null,
      senderUserId: m.senderUserId ?? null,
      senderAgentId: m.senderAgentId ?? null,
      role: m.role,
      content: json(m.content),
      metadata: json(m.metadata),
      context: json(m.context),
      tools: json(m.tools),
      memoryRefs: m.memoryRefs ? `{${m.memoryRefs.join(',')}}` : null,
      stateSnapshotId: m.stateSnapshotId ?? null,
      audit: json(m.audit),
      tokens: m.metadata?.tokens ?? 0,
      toolCalls: m.tools?.length ?? 0,
    }),
  );
  if (!row)
    throw new ChatstoreError('DATABASE_ERROR', 'Appending a message returned no row', { entity: 'chat_messages_v2' });
  return row;
}

/**
 * A message by id, or `undefined`.
 *
 * @example const message = await getMessage(db, messageId);
 */
export async function getMessage(db: AgentDb, messageId: string): Promise<ChatMessage | undefined> {
  const id = parseInput(Id, messageId, 'chat_messages_v2');
  const [row] = await mapped('chat_messages_v2', () =>
    db.select().from(chatMessagesV2).where(eq(chatMessagesV2.id, id)).limit(1),
  );
  return row;
}

/**
 * Edits a message's content: in one transaction, the current content and metadata become a
 * `message_versions` row with the next version number (1 for the first edit), recording who
 * changed it and why; the message gets the new content and `updated_at`. The row is locked,
 * so two concurrent edits get consecutive version numbers. A missing message is `NOT_FOUND`.
 *
 * @example
 * const { message, version } = await editMessage(db, {
 *   messageId, content: { type: 'text', text: 'Fixed typo' }, changedBy: userId, changeReason: 'typo',
 * });
 */
export async function editMessage(
  db: AgentDb,
  input: EditMessageInput,
): Promise<{ message: ChatMessage; version: MessageVersion }> {
  const e = parseInput(EditMessageInput, input, 'chat_messages_v2');
  return mapped('chat_messages_v2', () =>
    db.transaction(async (tx) => {
      const [current] = await tx.select().from(chatMessagesV2).where(eq(chatMessagesV2.id, e.messageId)).for('update');
      if (!current) throw notFound('chat_messages_v2', 'messageId', e.messageId);
      const [last] = await tx
        .select({ n: sql<number>`coalesce(max(${messageVersions.versionNumber}), 0)::int` })
        .from(messageVersions)
        .where(eq(messageVersions.messageId, e.messageId));
      const [version] = await tx
        .insert(messageVersions)
        .values({
          messageId: e.messageId,
          versionNumber: (last?.n ?? 0) + 1,
          content: current.content,
          metadata: current.metadata,
          changedBy: e.changedBy ?? null,
          changeReason: e.changeReason ?? null,
        })
        .returning();
      const [message] = await tx
        .update(chatMessagesV2)
        .set({ content: e.content, metadata: e.metadata ?? current.metadata, updatedAt: sql`clock_timestamp()` })
        .where(eq(chatMessagesV2.id, e.messageId))
        .returning();
      return { message: message as ChatMessage, version: version as MessageVersion };
    }),
  );
}

/**
 * A message's earlier versions, oldest first (version 1 is the original content).
 *
 * @example const history = await listMessageVersions(db, messageId);
 */
export async function listMessageVersions(db: AgentDb, messageId: string): Promise<MessageVersion[]> {
  const id = parseInput(Id, messageId, 'message_versions');
  return mapped('message_versions', () =>
    db
      .select()
      .from(messageVersions)
      .where(eq(messageVersions.messageId, id))
      .orderBy(asc(messageVersions.versionNumber)),
  );
}

/**
 * The last `limit` messages of a conversation (default 50), oldest first — what goes into a
 * model's context window. `before` scrolls back: the window ends just before that message.
 * Prepared once per handle.
 *
 * @example
 * const window = await loadConversationWindow(db, { conversationId, limit: 20 });
 * const earlier = await loadConversationWindow(db, { conversationId, before: window[0]?.id, limit: 20 });
 */
export async function loadConversationWindow(db: AgentDb, input: ConversationWindowInput): Promise<ChatMessage[]> {
  const { conversationId, before, limit } = parseInput(ConversationWindowInput, input, 'chat_messages_v2');
  const prepared = statements(db);
  const rows = await mapped('chat_messages_v2', () =>
    before === undefined
      ? prepared.window.execute({ conversationId, limit })
      : prepared.windowBefore.execute({ conversationId, before, limit }),
  );
  return rows.reverse();
}

/**
 * A message's thread: its ancestors through `parent_message_id`, root first, ending with the
 * message itself; and its direct replies, oldest first. A missing message is `NOT_FOUND`.
 *
 * @example const { path, replies } = await loadThread(db, messageId);
 */
export async function loadThread(
  db: AgentDb,
  messageId: string,
): Promise<{ path: ChatMessage[]; replies: ChatMessage[] }> {
  const id = parseInput(Id, messageId, 'chat_messages_v2');
  return mapped('chat_messages_v2', async () => {
    // Depth-limited: a cycle cannot be created through appendMessage, but a hand-edited row could.
    const ancestry = await db.execute<{ id: string; depth: number }>(sql`
      with recursive up(id, parent, depth) as (
        select "id", "parent_message_id", 0 from ${chatMessagesV2} where "id" = ${id}
        union all
        select m."id", m."parent_message_id", up.depth + 1 from ${chatMessagesV2} m join up on m."id" = up.parent
        where up.depth < 1000)
      select id, depth from up`);
    const ids = [...rowsOf<{ id: string; depth: number }>(ancestry)].sort((a, b) => b.depth - a.depth).map((r) => r.id);
    if (ids.length === 0) throw notFound('chat_messages_v2', 'messageId', id);
    const rows = await db.select().from(chatMessagesV2).where(inArray(chatMessagesV2.id, ids));
    const byId = new Map(rows.map((r) => [r.id, r]));
    const path = ids.map((i) => byId.get(i)).filter((r): r is ChatMessage => r !== undefined);
    const replies = await db
      .select()
      .from(chatMessagesV2)
      .where(eq(chatMessagesV2.parentMessageId, id))
      .orderBy(asc(chatMessagesV2.createdAt), asc(chatMessagesV2.id));
    return { path, replies };
  });
}

/** `db.execute` returns an array on postgres.js and `{ rows }` on PGlite. */
export function rowsOf<R>(result: unknown): R[] {
  return (Array.isArray(result) ? result : (result as { rows: R[] }).rows) as R[];
}
