/**
 * Row-level security through `asUser`. Superusers bypass RLS (and `asUser` refuses them), so the suite
 * creates a plain role, grants it the tables, and has `asUser` `SET LOCAL ROLE` to it, as an
 * app connecting as a non-owner role would be.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { toChatstoreError } from '../../../src/errors';
import { conversationMetadata, conversations, messages, tasks } from '../../../src/schema/todo';
import {
  appendMessage,
  asUser,
  type Conversation,
  completeTask,
  countTasksCreated,
  createTask,
  deleteTask,
  exportConversation,
  getConversation,
  getRecentActivity,
  listConversations,
  listTasks,
  loadConversationHistory,
  startConversation,
  type Task,
  type User,
  updateTask,
} from '../../../src/targets/todo';
import { pgBackends } from '../../support/backends';
import { expectChatstoreError, newUser, useTodoDatabase } from './fixtures';

describe.each(pgBackends)('todo row-level security on $name', (backend) => {
  const role = `chatstore_app_${randomBytes(5).toString('hex')}`;
  const t = useTodoDatabase(backend, {
    // Roles are cluster-wide on a server: revoke what was granted here, then drop the role.
    beforeClose: async (conn) => {
      await conn.client.query(`drop owned by ${role}`);
      await conn.client.query(`drop role ${role}`);
    },
  });
  let a: User;
  let b: User;
  let aConversation: Conversation;
  let bConversation: Conversation;
  let bTask: Task;

  beforeAll(async () => {
    await t.conn.client.query(`create role ${role} nologin`);
    await t.conn.client.query(`grant usage on schema public to ${role}`);
    await t.conn.client.query(`grant select, insert, update, delete on all tables in schema public to ${role}`);
    await t.conn.client.query(`grant usage on all sequences in schema public to ${role}`);
    a = await newUser(t.db, 'A');
    b = await newUser(t.db, 'B');
    aConversation = (await startConversation(t.db, { userId: a.id, topic: 'A topic' })).conversation;
    bConversation = (await startConversation(t.db, { userId: b.id, topic: 'B topic' })).conversation;
    for (const [user, conversation] of [
      [a, aConversation],
      [b, bConversation],
    ] as const) {
      await appendMessage(t.db, { conversationId: conversation.id, userId: user.id, role: 'user', content: 'add x' });
      await appendMessage(t.db, {
        conversationId: conversation.id,
        userId: user.id,
        role: 'assistant',
        content: 'added x',
        toolUsed: 'add_task',
      });
    }
    await createTask(t.db, { userId: a.id, title: 'A task' });
    bTask = await createTask(t.db, { userId: b.id, title: 'B task' });
  });

  const asA = <T>(fn: Parameters<typeof asUser<T>>[2]) => asUser(t.db, a.id, fn, { role });

  it('shows the acting user only their own rows, even to unfiltered queries', async () => {
    const seen = await asA(async (tx) => ({
      messages: await tx.select().from(messages),
      conversations: await tx.select().from(conversations),
      metadata: await tx.select().from(conversationMetadata),
      tasks: await tx.select().from(tasks),
    }));
    expect(seen.messages.map((m) => m.userId)).toEqual([a.id, a.id]);
    expect(seen.conversations.map((c) => c.id)).toEqual([aConversation.id]);
    expect(seen.metadata.map((m) => m.topic)).toEqual(['A topic']);
    expect(seen.tasks.map((task) => task.title)).toEqual(['A task']);
  });

  it('returns nothing from the repositories for another user’s data', async () => {
    const bRef = { conversationId: bConversation.id, userId: b.id };
    const seen = await asA(async (tx) => ({
      conversations: await listConversations(tx, { userId: b.id }),
      conversation: await getConversation(tx, bRef),
      history: await loadConversationHistory(tx, bRef),
      activity: await getRecentActivity(tx, { userId: b.id }),
      created: await countTasksCreated(tx, bRef),
      tasks: await listTasks(tx, { userId: b.id }),
      ownHistory: await loadConversationHistory(tx, { conversationId: aConversation.id, userId: a.id }),
    }));
    expect(seen).toEqual({
      conversations: [],
      conversation: undefined,
      history: { messages: [], nextCursor: null },
      activity: [],
      created: 0,
      tasks: [],
      ownHistory: { messages: expect.any(Array), nextCursor: null },
    });
    expect(seen.ownHistory.messages.map((m) => m.content)).toEqual(['add x', 'added x']);
    await expectChatstoreError(
      asA((tx) => exportConversation(tx, bRef)),
      'NOT_FOUND',
      'conversationId',
    );
  });

  it('rejects writes for another user with PERMISSION_DENIED and changes none of their rows', async () => {
    await expectChatstoreError(
      asA((tx) => createTask(tx, { userId: b.id, title: 'sneaky' })),
      'PERMISSION_DENIED',
    );
    await expectChatstoreError(
      asA((tx) => startConversation(tx, { userId: b.id })),
      'PERMISSION_DENIED',
    );
    // A raw drizzle insert hits the policy too; the mapped error is the same.
    const raw = asA((tx) =>
      tx
        .insert(messages)
        .values({ conversationId: bConversation.id, userId: b.id, role: 'user', content: 'forged' })
        .then(
          () => undefined,
          (error: unknown) => {
            throw toChatstoreError(error, 'messages');
          },
        ),
    );
    await expectChatstoreError(raw, 'PERMISSION_DENIED');
    // B's conversation is invisible to A, and so is B: no conversation, no such user.
    await expectChatstoreError(
      asA((tx) => appendMessage(tx, { conversationId: bConversation.id, userId: a.id, role: 'user', content: 'hi' })),
      'NOT_FOUND',
      'conversationId',
    );
    await expectChatstoreError(
      asA((tx) => appendMessage(tx, { conversationId: bConversation.id, userId: b.id, role: 'user', content: 'hi' })),
      'FOREIGN_KEY',
      'userId',
    );
    const bTaskRef = { taskId: bTask.id, userId: b.id };
    await expectChatstoreError(
      asA((tx) => updateTask(tx, { ...bTaskRef, title: 'renamed' })),
      'NOT_FOUND',
      'taskId',
    );
    await expectChatstoreError(
      asA((tx) => completeTask(tx, bTaskRef)),
      'NOT_FOUND',
      'taskId',
    );
    await expectChatstoreError(
      asA((tx) => deleteTask(tx, bTaskRef)),
      'NOT_FOUND',
      'taskId',
    );
    // Unfiltered bulk writes reach only A's rows.
    await asA(async (tx) => {
      await tx.update(tasks).set({ description: 'touched by A' });
      await tx.delete(messages);
    });

    const bExport = await exportConversation(t.db, { conversationId: bConversation.id, userId: b.id });
    expect(bExport.messages.map((m) => m.content)).toEqual(['add x', 'added x']);
    expect(bExport.metadata).toMatchObject({ messageCount: 2, taskCountCreated: 1 });
    expect(await listTasks(t.db, { userId: b.id })).toEqual([bTask]);
    expect((await listTasks(t.db, { userId: a.id })).map((task) => task.description)).toEqual(['touched by A']);
    expect(await loadConversationHistory(t.db, { conversationId: aConversation.id, userId: a.id })).toEqual({
      messages: [],
      nextCursor: null,
    });
  });

  it('lets the acting user write their own rows, metadata counters included', async () => {
    const result = await asA(async (tx) => {
      const { conversation, metadata } = await startConversation(tx, { userId: a.id, topic: 'under RLS' });
      const ref = { conversationId: conversation.id, userId: a.id };
      await appendMessage(tx, { ...ref, role: 'assistant', content: 'added', toolUsed: 'add_task' });
      await appendMessage(tx, { ...ref, role: 'assistant', content: 'done', toolUsed: 'complete_task' });
      const task = await createTask(tx, { userId: a.id, title: 'mine' });
      const done = await completeTask(tx, { taskId: task.id, userId: a.id });
      return { metadata, exported: await exportConversation(tx, ref), done };
    });
    expect(result.metadata.topic).toBe('under RLS');
    expect(result.exported.metadata).toMatchObject({ messageCount: 2, taskCountCreated: 1, taskCountCompleted: 1 });
    expect(result.done.completed).toBe(true);
  });

  it('needs the role: asUser refuses the superuser, and the role alone sees nothing', async () => {
    await expectChatstoreError(
      asUser(t.db, a.id, (tx) => tx.select({ userId: conversations.userId }).from(conversations)),
      'RLS_BYPASSED',
      'role',
    );
    const noUser = await t.db.transaction(async (tx) => {
      await tx.execute(`set local role ${role}`);
      return tx.select().from(conversations);
    });
    expect(noUser).toEqual([]);
  });

  it('validates its input', async () => {
    await expectChatstoreError(
      asUser(t.db, '', async () => 1),
      'VALIDATION',
      'input',
    );
    await expectChatstoreError(
      asUser(t.db, a.id, async () => 1, { role: 'x; drop table users' }),
      'VALIDATION',
      'role',
    );
  });
});
