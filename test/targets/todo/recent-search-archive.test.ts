/**
 * The operations seed 004 lists beyond its typical queries: the latest N messages for the
 * model, editing and deleting one message, full-text search, archiving old conversations.
 */
import { describe, expect, it } from 'vitest';
import {
  appendMessage,
  archiveConversations,
  deleteMessage,
  editMessage,
  exportConversation,
  getConversationOrThrow,
  listConversations,
  loadConversationHistory,
  loadRecentMessages,
  type Message,
  searchMessages,
  startConversation,
  type TodoDb,
  touchConversation,
  unarchiveConversation,
} from '../../../src/targets/todo';
import { pgBackends } from '../../support/backends';
import { expectChatstoreError, newUser, rowCounts, sleep, useTodoDatabase } from './fixtures';

const missingId = '00000000-0000-4000-8000-000000000000';

async function conversationOf(db: TodoDb, userId?: string) {
  const id = userId ?? (await newUser(db)).id;
  const { conversation } = await startConversation(db, { userId: id });
  return { conversation, ref: { conversationId: conversation.id, userId: id } };
}

describe.each(pgBackends)('todo recent messages, edits, search and archival on $name', (backend) => {
  const t = useTodoDatabase(backend);

  /** The plan of `query` with sequential scans and sorts priced out, so only a fitting index avoids them. */
  async function plan(query: string, params: unknown[]): Promise<string> {
    return t.conn.client.transaction(async (tx) => {
      await tx.query('set local enable_seqscan = off');
      await tx.query('set local enable_sort = off');
      const rows = await tx.query<{ 'QUERY PLAN': string }>(`explain ${query}`, params);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
  }

  it('loads the latest N messages oldest first, where the seed’s query gives the first N', async () => {
    const { ref } = await conversationOf(t.db);
    const appended: Message[] = [];
    for (let i = 0; i < 30; i++) {
      appended.push(await appendMessage(t.db, { ...ref, role: i % 2 ? 'assistant' : 'user', content: `m${i}` }));
      await sleep(2); // PGlite's clock has millisecond resolution
    }
    const recent = await loadRecentMessages(t.db, ref);
    expect(recent.map((m) => m.content)).toEqual(appended.slice(10).map((m) => m.content));
    expect(recent).toEqual(appended.slice(10));
    const first = await loadConversationHistory(t.db, ref);
    expect(first.messages.map((m) => m.content)).toEqual(appended.slice(0, 20).map((m) => m.content));
    expect((await loadRecentMessages(t.db, { ...ref, limit: 3 })).map((m) => m.content)).toEqual(['m27', 'm28', 'm29']);
    expect(await loadRecentMessages(t.db, { ...ref, limit: 100 })).toHaveLength(30);
    // Someone else's conversation, or none: nothing.
    const stranger = await newUser(t.db);
    expect(await loadRecentMessages(t.db, { ...ref, userId: stranger.id })).toEqual([]);
    expect(await loadRecentMessages(t.db, { ...ref, conversationId: missingId })).toEqual([]);
    await expectChatstoreError(loadRecentMessages(t.db, { ...ref, limit: 0 }), 'VALIDATION', 'limit');
    await expectChatstoreError(
      loadRecentMessages(t.db, { ...ref, conversationId: 'x' }),
      'VALIDATION',
      'conversationId',
    );
  });

  it('reads the latest N with one backward scan of (conversation_id, created_at, id), no sort', async () => {
    const { ref } = await conversationOf(t.db);
    const text = `select * from messages where conversation_id = $1 and user_id = $2
      order by created_at desc, id desc limit 20`;
    const explained = await plan(text, [ref.conversationId, ref.userId]);
    expect(explained).toMatch(/Index Scan Backward using idx_messages_conversation_recent/);
    expect(explained).not.toMatch(/Sort/);
  });

  it('edits one message’s text, only for its user, and validates it', async () => {
    const { ref } = await conversationOf(t.db);
    const message = await appendMessage(t.db, { ...ref, role: 'user', content: 'Add mlik', toolUsed: null });
    const other = await appendMessage(t.db, { ...ref, role: 'assistant', content: 'Added', toolUsed: 'add_task' });
    const edited = await editMessage(t.db, { messageId: message.id, userId: ref.userId, content: 'Add milk' });
    expect(edited).toEqual({ ...message, content: 'Add milk' });
    expect((await loadConversationHistory(t.db, ref)).messages).toEqual([edited, other]);

    const stranger = await newUser(t.db);
    const before = await exportConversation(t.db, ref);
    await expectChatstoreError(
      editMessage(t.db, { messageId: message.id, userId: stranger.id, content: 'mine now' }),
      'NOT_FOUND',
      'messageId',
    );
    await expectChatstoreError(
      editMessage(t.db, { messageId: message.id, userId: ref.userId, content: '  ' }),
      'VALIDATION',
      'content',
    );
    await expectChatstoreError(
      editMessage(t.db, { messageId: 'nope', userId: ref.userId, content: 'x' }),
      'VALIDATION',
      'messageId',
    );
    expect({ ...(await exportConversation(t.db, ref)), exportedAt: '' }).toEqual({ ...before, exportedAt: '' });
  });

  it('deletes one message and takes it off the conversation’s counters', async () => {
    const { ref } = await conversationOf(t.db);
    const ask = await appendMessage(t.db, { ...ref, role: 'user', content: 'Add milk' });
    const added = await appendMessage(t.db, { ...ref, role: 'assistant', content: 'Added', toolUsed: 'add_task' });
    const done = await appendMessage(t.db, { ...ref, role: 'assistant', content: 'Done', toolUsed: 'complete_task' });
    expect((await exportConversation(t.db, ref)).metadata).toMatchObject({
      messageCount: 3,
      taskCountCreated: 1,
      taskCountCompleted: 1,
    });

    expect(await deleteMessage(t.db, { messageId: added.id, userId: ref.userId })).toEqual(added);
    expect((await exportConversation(t.db, ref)).metadata).toMatchObject({
      messageCount: 2,
      taskCountCreated: 0,
      taskCountCompleted: 1,
    });
    await deleteMessage(t.db, { messageId: done.id, userId: ref.userId });
    await deleteMessage(t.db, { messageId: ask.id, userId: ref.userId });
    const emptied = await exportConversation(t.db, ref);
    expect(emptied.messages).toEqual([]);
    expect(emptied.metadata).toMatchObject({ messageCount: 0, taskCountCreated: 0, taskCountCompleted: 0 });

    const kept = await appendMessage(t.db, { ...ref, role: 'user', content: 'stays' });
    const stranger = await newUser(t.db);
    const before = await rowCounts(t.conn);
    await expectChatstoreError(
      deleteMessage(t.db, { messageId: kept.id, userId: stranger.id }),
      'NOT_FOUND',
      'messageId',
    );
    await expectChatstoreError(
      deleteMessage(t.db, { messageId: ask.id, userId: ref.userId }),
      'NOT_FOUND',
      'messageId',
    );
    await expectChatstoreError(deleteMessage(t.db, { messageId: kept.id, userId: '' }), 'VALIDATION', 'userId');
    expect(await rowCounts(t.conn)).toEqual(before);
    expect((await exportConversation(t.db, ref)).metadata).toMatchObject({ messageCount: 1 });
  });

  it('searches a user’s messages by words with stemming, best match first, never another user’s', async () => {
    const user = await newUser(t.db);
    const a = await conversationOf(t.db, user.id);
    const b = await conversationOf(t.db, user.id);
    const other = await conversationOf(t.db);
    const milk = await appendMessage(t.db, {
      ...a.ref,
      role: 'user',
      content: 'Please add buying oat milk to my list',
    });
    await appendMessage(t.db, { ...a.ref, role: 'user', content: 'Walk the dog' });
    const twice = await appendMessage(t.db, {
      ...b.ref,
      role: 'assistant',
      content: 'Milk added. Milk is on the list.',
    });
    await appendMessage(t.db, { ...other.ref, role: 'user', content: 'buy milk for someone else' });
    await archiveConversations(t.db, { userId: user.id, inactiveSince: new Date(Date.now() + 60_000) });

    const hits = await searchMessages(t.db, { userId: user.id, query: 'milk' });
    expect(hits.map((h) => h.id)).toEqual([twice.id, milk.id]);
    expect(hits[0]?.rank).toBeGreaterThan(hits[1]?.rank ?? Infinity);
    expect(hits[1]).toMatchObject({ ...milk, rank: expect.any(Number) });
    // English stemming: "buy" finds "buying"; web-search syntax: phrases and exclusions.
    expect((await searchMessages(t.db, { userId: user.id, query: 'buy' })).map((h) => h.id)).toEqual([milk.id]);
    expect((await searchMessages(t.db, { userId: user.id, query: '"oat milk"' })).map((h) => h.id)).toEqual([milk.id]);
    expect((await searchMessages(t.db, { userId: user.id, query: 'milk -oat' })).map((h) => h.id)).toEqual([twice.id]);
    expect(await searchMessages(t.db, { userId: user.id, query: 'the' })).toEqual([]);
    expect(await searchMessages(t.db, { userId: user.id, query: 'milk', limit: 1 })).toHaveLength(1);
    await expectChatstoreError(searchMessages(t.db, { userId: user.id, query: '  ' }), 'VALIDATION', 'query');
    await expectChatstoreError(searchMessages(t.db, { userId: user.id, query: 'x', limit: 0 }), 'VALIDATION', 'limit');
  });

  it('searches with the expression of the GIN index, so PostgreSQL can use it', async () => {
    // No user filter here: with it, a small table is read through idx_messages_user_id instead.
    const explained = await plan(
      `select id from messages where to_tsvector('english'::regconfig, content) @@ websearch_to_tsquery('english'::regconfig, $1)`,
      ['milk'],
    );
    expect(explained).toMatch(/Bitmap Index Scan on idx_messages_content_fts/);
  });

  it('archives idle conversations, lists them apart, and brings one back on new activity', async () => {
    const user = await newUser(t.db);
    const old = await conversationOf(t.db, user.id);
    const older = await conversationOf(t.db, user.id);
    const fresh = await conversationOf(t.db, user.id);
    const someoneElses = await conversationOf(t.db);
    await appendMessage(t.db, { ...old.ref, role: 'user', content: 'old news' });
    const setIdle = (id: string, days: number) =>
      t.conn.client.query(`update conversations set updated_at = now() - make_interval(days => $2) where id = $1`, [
        id,
        days,
      ]);
    await setIdle(old.conversation.id, 100);
    await setIdle(older.conversation.id, 200);
    await setIdle(someoneElses.conversation.id, 300);
    const cutoff = new Date(Date.now() - 90 * 86_400_000);

    expect(await archiveConversations(t.db, { userId: user.id, inactiveSince: cutoff })).toBe(2);
    expect(await archiveConversations(t.db, { userId: user.id, inactiveSince: cutoff })).toBe(0);
    const ids = async (archived?: boolean) =>
      (await listConversations(t.db, { userId: user.id, archived })).map((c) => c.id);
    expect(await ids(false)).toEqual([fresh.conversation.id]);
    expect(await ids(true)).toEqual([old.conversation.id, older.conversation.id]);
    expect(await ids()).toHaveLength(3);
    expect((await getConversationOrThrow(t.db, someoneElses.ref)).archivedAt).toBeNull();
    // Messages of an archived conversation are kept and readable.
    expect((await loadRecentMessages(t.db, old.ref)).map((m) => m.content)).toEqual(['old news']);

    await appendMessage(t.db, { ...old.ref, role: 'user', content: 'back again' });
    expect((await getConversationOrThrow(t.db, old.ref)).archivedAt).toBeNull();
    await touchConversation(t.db, older.ref);
    expect(await ids(true)).toEqual([]);

    // Without userId: every user's idle conversations.
    expect(await archiveConversations(t.db, { inactiveSince: cutoff })).toBeGreaterThanOrEqual(1);
    const archived = await getConversationOrThrow(t.db, someoneElses.ref);
    expect(archived.archivedAt).toBeInstanceOf(Date);
    expect(await unarchiveConversation(t.db, someoneElses.ref)).toEqual({ ...archived, archivedAt: null });
    await expectChatstoreError(
      unarchiveConversation(t.db, { ...old.ref, userId: `${user.id}x` }),
      'NOT_FOUND',
      'conversationId',
    );
    await expectChatstoreError(
      archiveConversations(t.db, { inactiveSince: 'yesterday' as unknown as Date }),
      'VALIDATION',
      'inactiveSince',
    );
  });
});
