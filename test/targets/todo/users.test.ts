import { DrizzleQueryError } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  appendMessage,
  createTask,
  createUser,
  deleteUserData,
  getUser,
  getUserOrThrow,
  listConversations,
  listTasks,
  startConversation,
} from '../../../src/targets/todo';
import { pgBackends } from '../../support/backends';
import { expectChatstoreError, newUser, rowCounts, uniqueId, useTodoDatabase } from './fixtures';

describe.each(pgBackends)('todo users on $name', (backend) => {
  const t = useTodoDatabase(backend);

  it('creates a user and finds it by id', async () => {
    const id = uniqueId('ada');
    const user = await createUser(t.db, { id, email: `${id}@example.com`, name: 'Ada' });
    expect(user).toMatchObject({ id, email: `${id}@example.com`, name: 'Ada' });
    expect(user.createdAt).toBeInstanceOf(Date);
    expect(await getUser(t.db, id)).toEqual(user);
    expect(await getUserOrThrow(t.db, id)).toEqual(user);
  });

  it('reports a missing user as undefined or NOT_FOUND on userId', async () => {
    expect(await getUser(t.db, 'nobody-here')).toBeUndefined();
    await expectChatstoreError(getUserOrThrow(t.db, 'nobody-here'), 'NOT_FOUND', 'userId');
  });

  it('maps duplicate ids and emails to CONFLICT with the field, via DrizzleQueryError.cause', async () => {
    const user = await newUser(t.db);
    const before = await rowCounts(t.conn);
    const dupId = await expectChatstoreError(
      createUser(t.db, { id: user.id, email: `${uniqueId('x')}@example.com` }),
      'CONFLICT',
      'id',
    );
    // drizzle wraps the driver error; toChatstoreError found the pg code on .cause
    expect(dupId.cause).toBeInstanceOf(DrizzleQueryError);
    expect((dupId.cause as DrizzleQueryError).cause).toMatchObject({ code: '23505' });
    await expectChatstoreError(createUser(t.db, { id: uniqueId('y'), email: user.email }), 'CONFLICT', 'email');
    expect(await rowCounts(t.conn)).toEqual(before);
  });

  it('rejects bad input with VALIDATION on the field and writes nothing', async () => {
    const before = await rowCounts(t.conn);
    await expectChatstoreError(createUser(t.db, { id: uniqueId('u'), email: 'not-an-email' }), 'VALIDATION', 'email');
    await expectChatstoreError(createUser(t.db, { id: '', email: 'a@example.com' }), 'VALIDATION', 'id');
    await expectChatstoreError(createUser(t.db, { id: 'x'.repeat(256), email: 'a@example.com' }), 'VALIDATION', 'id');
    await expectChatstoreError(getUser(t.db, ''), 'VALIDATION', 'input');
    expect(await rowCounts(t.conn)).toEqual(before);
  });

  it('deletes all of a user’s data in one go and leaves other users alone', async () => {
    const gone = await newUser(t.db);
    const kept = await newUser(t.db);
    for (let i = 0; i < 2; i++) {
      const { conversation } = await startConversation(t.db, { userId: gone.id, topic: `topic ${i}` });
      for (let j = 0; j < 3; j++) {
        await appendMessage(t.db, { conversationId: conversation.id, userId: gone.id, role: 'user', content: `m${j}` });
      }
    }
    await createTask(t.db, { userId: gone.id, title: 'one' });
    await createTask(t.db, { userId: gone.id, title: 'two' });
    const keptConversation = await startConversation(t.db, { userId: kept.id });
    await appendMessage(t.db, {
      conversationId: keptConversation.conversation.id,
      userId: kept.id,
      role: 'user',
      content: 'still here',
    });
    await createTask(t.db, { userId: kept.id, title: 'kept' });
    const before = await rowCounts(t.conn);

    const removed = await deleteUserData(t.db, gone.id);

    expect(removed).toEqual({ messages: 6, conversationMetadata: 2, conversations: 2, tasks: 2, users: 1 });
    expect(await getUser(t.db, gone.id)).toBeUndefined();
    expect(await rowCounts(t.conn)).toEqual({
      users: (before.users ?? 0) - 1,
      tasks: (before.tasks ?? 0) - 2,
      conversations: (before.conversations ?? 0) - 2,
      messages: (before.messages ?? 0) - 6,
      metadata: (before.metadata ?? 0) - 2,
    });
    expect(await listConversations(t.db, { userId: kept.id })).toHaveLength(1);
    expect((await listTasks(t.db, { userId: kept.id })).map((task) => task.title)).toEqual(['kept']);
    // Repeating the erasure is harmless.
    expect(await deleteUserData(t.db, gone.id)).toEqual({
      messages: 0,
      conversationMetadata: 0,
      conversations: 0,
      tasks: 0,
      users: 0,
    });
  });
});
