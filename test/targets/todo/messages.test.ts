import { describe, expect, it } from 'vitest';
import { messages } from '../../../src/schema/todo';
import {
  appendMessage,
  countTasksCreated,
  exportConversation,
  getConversationOrThrow,
  getRecentActivity,
  loadConversationHistory,
  type Message,
  startConversation,
  type TodoDb,
} from '../../../src/targets/todo';
import { pgBackends } from '../../support/backends';
import { expectChatstoreError, newUser, rowCounts, sleep, useTodoDatabase } from './fixtures';

const missingId = '00000000-0000-4000-8000-000000000000';

async function conversationOf(db: TodoDb) {
  const user = await newUser(db);
  const { conversation } = await startConversation(db, { userId: user.id });
  return { user, conversation, ref: { conversationId: conversation.id, userId: user.id } };
}

/** Every page of a conversation's history, following cursors. */
async function allPages(db: TodoDb, ref: { conversationId: string; userId: string }, limit: number) {
  const pages: Message[][] = [];
  let after: string | undefined;
  for (;;) {
    const page = await loadConversationHistory(db, { ...ref, after, limit });
    pages.push(page.messages);
    if (page.nextCursor === null) return pages;
    expect(page.nextCursor).toBe(page.messages.at(-1)?.id);
    after = page.nextCursor;
  }
}

const byTimeThenId = (a: Message, b: Message) =>
  (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

describe.each(pgBackends)('todo messages on $name', (backend) => {
  const t = useTodoDatabase(backend);

  it('appends a message, bumps updated_at to its time and counts it in the metadata', async () => {
    const { conversation, ref } = await conversationOf(t.db);
    const message = await appendMessage(t.db, { ...ref, role: 'user', content: 'Add buy milk' });
    expect(message).toEqual({
      id: expect.any(String),
      conversationId: conversation.id,
      userId: ref.userId,
      role: 'user',
      content: 'Add buy milk',
      toolUsed: null,
      actionTaken: null,
      createdAt: expect.any(Date),
    });
    const after = await getConversationOrThrow(t.db, ref);
    expect(after.updatedAt).toEqual(message.createdAt);
    expect(after.updatedAt?.getTime()).toBeGreaterThanOrEqual(conversation.updatedAt?.getTime() ?? Infinity);
    expect((await exportConversation(t.db, ref)).metadata).toMatchObject({
      messageCount: 1,
      taskCountCreated: 0,
      taskCountCompleted: 0,
    });
  });

  it('counts add_task and complete_task tool messages in the metadata', async () => {
    const { ref } = await conversationOf(t.db);
    const tools = ['add_task', 'add_task', 'complete_task', 'list_tasks', null, 'add_task'];
    for (const toolUsed of tools) {
      await appendMessage(t.db, { ...ref, role: 'assistant', content: `ran ${toolUsed}`, toolUsed });
    }
    expect((await exportConversation(t.db, ref)).metadata).toMatchObject({
      messageCount: 6,
      taskCountCreated: 3,
      taskCountCompleted: 1,
    });
  });

  it('rejects bad input with VALIDATION on the field and writes nothing', async () => {
    const { ref } = await conversationOf(t.db);
    const before = await rowCounts(t.conn);
    const conversationBefore = await getConversationOrThrow(t.db, ref);
    const good = { ...ref, role: 'user' as const, content: 'hello' };
    // @ts-expect-error role is 'user' | 'assistant'
    await expectChatstoreError(appendMessage(t.db, { ...good, role: 'system' }), 'VALIDATION', 'role');
    await expectChatstoreError(appendMessage(t.db, { ...good, content: '' }), 'VALIDATION', 'content');
    await expectChatstoreError(appendMessage(t.db, { ...good, content: ' \n ' }), 'VALIDATION', 'content');
    await expectChatstoreError(appendMessage(t.db, { ...good, toolUsed: 't'.repeat(51) }), 'VALIDATION', 'toolUsed');
    await expectChatstoreError(
      appendMessage(t.db, { ...good, conversationId: 'nope' }),
      'VALIDATION',
      'conversationId',
    );
    await expectChatstoreError(appendMessage(t.db, { ...good, userId: '' }), 'VALIDATION', 'userId');
    expect(await rowCounts(t.conn)).toEqual(before);
    expect(await getConversationOrThrow(t.db, ref)).toEqual(conversationBefore);
  });

  it('rejects an unknown user (FOREIGN_KEY), a stranger (PERMISSION_DENIED), an unknown conversation (NOT_FOUND)', async () => {
    const { ref } = await conversationOf(t.db);
    const stranger = await newUser(t.db);
    const before = await rowCounts(t.conn);
    const conversationBefore = await getConversationOrThrow(t.db, ref);
    const message = { role: 'user' as const, content: 'hello' };
    await expectChatstoreError(
      appendMessage(t.db, { ...message, conversationId: ref.conversationId, userId: 'no-such-user' }),
      'FOREIGN_KEY',
      'userId',
    );
    await expectChatstoreError(
      appendMessage(t.db, { ...message, conversationId: ref.conversationId, userId: stranger.id }),
      'PERMISSION_DENIED',
      'userId',
    );
    await expectChatstoreError(
      appendMessage(t.db, { ...message, conversationId: missingId, userId: ref.userId }),
      'NOT_FOUND',
      'conversationId',
    );
    expect(await rowCounts(t.conn)).toEqual(before);
    expect(await getConversationOrThrow(t.db, ref)).toEqual(conversationBefore);
  });

  it('keeps counts exact under concurrent appends', async () => {
    const { ref } = await conversationOf(t.db);
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        appendMessage(t.db, { ...ref, role: 'assistant', content: `n${i}`, toolUsed: i % 5 === 0 ? 'add_task' : null }),
      ),
    );
    const exported = await exportConversation(t.db, ref);
    expect(exported.messages).toHaveLength(25);
    expect(exported.metadata).toMatchObject({ messageCount: 25, taskCountCreated: 5 });
  });

  it('works inside a caller’s transaction and rolls back with it', async () => {
    const { ref } = await conversationOf(t.db);
    await appendMessage(t.db, { ...ref, role: 'user', content: 'kept' });
    const rollback = new Error('roll back');
    await expect(
      t.db.transaction(async (tx) => {
        await appendMessage(tx, { ...ref, role: 'user', content: 'discarded 1' });
        await appendMessage(tx, { ...ref, role: 'assistant', content: 'discarded 2', toolUsed: 'add_task' });
        expect((await loadConversationHistory(tx, ref)).messages).toHaveLength(3);
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    expect((await loadConversationHistory(t.db, ref)).messages.map((m) => m.content)).toEqual(['kept']);
    expect((await exportConversation(t.db, ref)).metadata).toMatchObject({ messageCount: 1, taskCountCreated: 0 });
  });

  it('pages history oldest first with a cursor, 20 per page by default', async () => {
    const { ref } = await conversationOf(t.db);
    const appended: Message[] = [];
    for (let i = 0; i < 45; i++) {
      appended.push(await appendMessage(t.db, { ...ref, role: i % 2 ? 'assistant' : 'user', content: `m${i}` }));
      await sleep(2); // PGlite's clock has millisecond resolution; keep insertion order unambiguous
    }
    const first = await loadConversationHistory(t.db, ref);
    expect(first.messages.map((m) => m.content)).toEqual(appended.slice(0, 20).map((m) => m.content));
    expect(first.nextCursor).toBe(appended[19]?.id);
    const second = await loadConversationHistory(t.db, { ...ref, after: first.nextCursor ?? undefined });
    expect(second.messages.map((m) => m.content)).toEqual(appended.slice(20, 40).map((m) => m.content));
    const third = await loadConversationHistory(t.db, { ...ref, after: second.nextCursor ?? undefined });
    expect(third.messages.map((m) => m.content)).toEqual(appended.slice(40).map((m) => m.content));
    expect(third.nextCursor).toBeNull();

    const pages = await allPages(t.db, ref, 7);
    expect(pages.map((p) => p.length)).toEqual([7, 7, 7, 7, 7, 7, 3]);
    expect(pages.flat()).toEqual(appended);
    // A full last page still says there is nothing more.
    expect((await allPages(t.db, ref, 15)).map((p) => p.length)).toEqual([15, 15, 15]);
  });

  it('stamps messages with the time they are written, even inside one transaction', async () => {
    const { ref } = await conversationOf(t.db);
    const [question, answer] = await t.db.transaction(async (tx) => {
      const q = await appendMessage(tx, { ...ref, role: 'user', content: 'what is due?' });
      await sleep(2);
      const a = await appendMessage(tx, { ...ref, role: 'assistant', content: 'nothing' });
      return [q, a];
    });
    expect(answer.createdAt?.getTime()).toBeGreaterThan(question.createdAt?.getTime() ?? Infinity);
    expect((await loadConversationHistory(t.db, ref)).messages.map((m) => m.content)).toEqual([
      'what is due?',
      'nothing',
    ]);
    expect((await getConversationOrThrow(t.db, ref)).updatedAt).toEqual(answer.createdAt);
  });

  it('breaks created_at ties by id, so equal timestamps never skip or repeat a message', async () => {
    const { ref } = await conversationOf(t.db);
    const at = new Date('2030-01-01T12:00:00.000Z');
    // Imported or bulk-written history can share a timestamp exactly.
    const tied = await t.db
      .insert(messages)
      .values(
        Array.from({ length: 9 }, (_, i) => ({ ...ref, role: 'user' as const, content: `tie ${i}`, createdAt: at })),
      )
      .returning();
    const pages = await allPages(t.db, ref, 2);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 2, 2, 1]);
    expect(pages.flat()).toEqual([...tied].sort(byTimeThenId));
    expect(pages.flat().every((m) => m.createdAt?.getTime() === at.getTime())).toBe(true);
  });

  it('returns nothing for another user’s conversation or a foreign cursor', async () => {
    const a = await conversationOf(t.db);
    const b = await conversationOf(t.db);
    const mine = await appendMessage(t.db, { ...a.ref, role: 'user', content: 'a1' });
    await appendMessage(t.db, { ...a.ref, role: 'user', content: 'a2' });
    await appendMessage(t.db, { ...b.ref, role: 'user', content: 'b1' });
    expect(await loadConversationHistory(t.db, { conversationId: a.conversation.id, userId: b.user.id })).toEqual({
      messages: [],
      nextCursor: null,
    });
    expect((await loadConversationHistory(t.db, { ...b.ref, after: mine.id })).messages).toEqual([]);
    expect((await loadConversationHistory(t.db, { ...a.ref, after: mine.id })).messages.map((m) => m.content)).toEqual([
      'a2',
    ]);
    await expectChatstoreError(loadConversationHistory(t.db, { ...a.ref, limit: 501 }), 'VALIDATION', 'limit');
    await expectChatstoreError(loadConversationHistory(t.db, { ...a.ref, after: 'x' }), 'VALIDATION', 'after');
  });

  it('counts tasks the assistant created in a conversation', async () => {
    const { ref } = await conversationOf(t.db);
    const other = await startConversation(t.db, { userId: ref.userId });
    const rows = [
      { role: 'assistant', toolUsed: 'add_task' },
      { role: 'assistant', toolUsed: 'add_task' },
      { role: 'user', toolUsed: 'add_task' },
      { role: 'assistant', toolUsed: 'complete_task' },
      { role: 'assistant', toolUsed: null },
      { role: 'assistant', toolUsed: 'add_task' },
    ] as const;
    for (const row of rows) await appendMessage(t.db, { ...ref, ...row, content: 'x' });
    await appendMessage(t.db, {
      conversationId: other.conversation.id,
      userId: ref.userId,
      role: 'assistant',
      content: 'elsewhere',
      toolUsed: 'add_task',
    });
    expect(await countTasksCreated(t.db, ref)).toBe(3);
    expect(await countTasksCreated(t.db, { conversationId: other.conversation.id, userId: ref.userId })).toBe(1);
    const stranger = await newUser(t.db);
    expect(await countTasksCreated(t.db, { conversationId: ref.conversationId, userId: stranger.id })).toBe(0);
  });

  it('returns a user’s last 50 messages across conversations, newest first', async () => {
    const a = await conversationOf(t.db);
    const second = await startConversation(t.db, { userId: a.user.id });
    const other = await conversationOf(t.db);
    const appended: Message[] = [];
    for (let i = 0; i < 55; i++) {
      const conversationId = i % 2 ? a.conversation.id : second.conversation.id;
      appended.push(await appendMessage(t.db, { conversationId, userId: a.user.id, role: 'user', content: `r${i}` }));
      await sleep(2);
    }
    await appendMessage(t.db, { ...other.ref, role: 'user', content: 'not mine' });
    const activity = await getRecentActivity(t.db, { userId: a.user.id });
    expect(activity).toHaveLength(50);
    // Appended milliseconds apart, so insertion order is (created_at, id) order.
    const expected = [...appended].reverse().slice(0, 50);
    expect(activity).toEqual(
      expected.map(({ id, conversationId, createdAt, role, content, toolUsed }) => ({
        id,
        conversationId,
        createdAt,
        role,
        content,
        toolUsed,
      })),
    );
    expect(activity[0]?.content).toBe('r54');
    expect((await getRecentActivity(t.db, { userId: a.user.id, limit: 3 })).map((m) => m.content)).toEqual([
      'r54',
      'r53',
      'r52',
    ]);
  });
});
