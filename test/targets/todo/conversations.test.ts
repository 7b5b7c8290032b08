import { describe, expect, it } from 'vitest';
import {
  appendMessage,
  deleteConversation,
  exportConversation,
  getConversation,
  getConversationOrThrow,
  listConversations,
  setConversationTopic,
  startConversation,
  touchConversation,
} from '../../../src/targets/todo';
import { pgBackends } from '../../support/backends';
import { expectChatstoreError, newUser, rowCounts, sleep, useTodoDatabase } from './fixtures';

const missingId = '00000000-0000-4000-8000-000000000000';

describe.each(pgBackends)('todo conversations on $name', (backend) => {
  const t = useTodoDatabase(backend);

  it('starts a conversation with its metadata row, topic optional', async () => {
    const user = await newUser(t.db);
    const { conversation, metadata } = await startConversation(t.db, { userId: user.id, topic: '  Groceries ' });
    expect(conversation.userId).toBe(user.id);
    expect(conversation.createdAt).toBeInstanceOf(Date);
    expect(conversation.updatedAt).toEqual(conversation.createdAt);
    expect(metadata).toEqual({
      id: expect.any(String),
      conversationId: conversation.id,
      topic: 'Groceries',
      taskCountCreated: 0,
      taskCountCompleted: 0,
      messageCount: 0,
    });
    const plain = await startConversation(t.db, { userId: user.id });
    expect(plain.metadata.topic).toBeNull();
    expect(await getConversation(t.db, { conversationId: conversation.id, userId: user.id })).toEqual(conversation);
  });

  it('rejects an unknown user with FOREIGN_KEY on userId and writes neither row', async () => {
    const before = await rowCounts(t.conn);
    await expectChatstoreError(
      startConversation(t.db, { userId: 'no-such-user', topic: 'x' }),
      'FOREIGN_KEY',
      'userId',
    );
    expect(await rowCounts(t.conn)).toEqual(before);
  });

  it('rejects a topic over 200 characters with VALIDATION on topic and writes nothing', async () => {
    const user = await newUser(t.db);
    const before = await rowCounts(t.conn);
    await expectChatstoreError(
      startConversation(t.db, { userId: user.id, topic: 'x'.repeat(201) }),
      'VALIDATION',
      'topic',
    );
    await expectChatstoreError(startConversation(t.db, { userId: user.id, topic: '   ' }), 'VALIDATION', 'topic');
    expect(await rowCounts(t.conn)).toEqual(before);
    const longest = await startConversation(t.db, { userId: user.id, topic: 'y'.repeat(200) });
    expect(longest.metadata.topic).toHaveLength(200);
  });

  it('lists a user’s conversations by recency, newest activity first', async () => {
    const user = await newUser(t.db);
    const other = await newUser(t.db);
    const started = [];
    for (let i = 0; i < 3; i++) {
      started.push((await startConversation(t.db, { userId: user.id })).conversation);
      await sleep(5);
    }
    await startConversation(t.db, { userId: other.id });
    const [first, second, third] = started as [(typeof started)[0], (typeof started)[0], (typeof started)[0]];

    expect((await listConversations(t.db, { userId: user.id })).map((c) => c.id)).toEqual([
      third.id,
      second.id,
      first.id,
    ]);
    // A new message makes the oldest conversation the most recent one.
    await appendMessage(t.db, { conversationId: first.id, userId: user.id, role: 'user', content: 'back again' });
    const listed = await listConversations(t.db, { userId: user.id });
    expect(listed.map((c) => c.id)).toEqual([first.id, third.id, second.id]);
    expect(listed.every((c) => c.userId === user.id)).toBe(true);
    expect((await listConversations(t.db, { userId: user.id, limit: 2 })).map((c) => c.id)).toEqual([
      first.id,
      third.id,
    ]);
    await expectChatstoreError(listConversations(t.db, { userId: user.id, limit: 0 }), 'VALIDATION', 'limit');
  });

  it('touches a conversation: updated_at moves forward, only for the owner', async () => {
    const user = await newUser(t.db);
    const other = await newUser(t.db);
    const { conversation } = await startConversation(t.db, { userId: user.id });
    await sleep(5);
    const touched = await touchConversation(t.db, { conversationId: conversation.id, userId: user.id });
    expect(touched.id).toBe(conversation.id);
    expect(touched.updatedAt?.getTime()).toBeGreaterThan(conversation.updatedAt?.getTime() ?? Infinity);
    expect(touched.createdAt).toEqual(conversation.createdAt);
    await expectChatstoreError(
      touchConversation(t.db, { conversationId: conversation.id, userId: other.id }),
      'NOT_FOUND',
      'conversationId',
    );
    await expectChatstoreError(
      touchConversation(t.db, { conversationId: missingId, userId: user.id }),
      'NOT_FOUND',
      'conversationId',
    );
    expect(
      (await getConversationOrThrow(t.db, { conversationId: conversation.id, userId: user.id })).updatedAt,
    ).toEqual(touched.updatedAt);
  });

  it('scopes lookups by owner and validates ids', async () => {
    const user = await newUser(t.db);
    const other = await newUser(t.db);
    const { conversation } = await startConversation(t.db, { userId: user.id });
    expect(await getConversation(t.db, { conversationId: conversation.id, userId: other.id })).toBeUndefined();
    await expectChatstoreError(
      getConversationOrThrow(t.db, { conversationId: conversation.id, userId: other.id }),
      'NOT_FOUND',
      'conversationId',
    );
    await expectChatstoreError(
      getConversation(t.db, { conversationId: 'not-a-uuid', userId: user.id }),
      'VALIDATION',
      'conversationId',
    );
  });

  it('sets and clears the topic', async () => {
    const user = await newUser(t.db);
    const other = await newUser(t.db);
    const { conversation } = await startConversation(t.db, { userId: user.id });
    const ref = { conversationId: conversation.id, userId: user.id };
    expect((await setConversationTopic(t.db, { ...ref, topic: 'Trip planning' })).topic).toBe('Trip planning');
    expect((await setConversationTopic(t.db, { ...ref, topic: null })).topic).toBeNull();
    await expectChatstoreError(
      setConversationTopic(t.db, { conversationId: conversation.id, userId: other.id, topic: 'mine now' }),
      'NOT_FOUND',
      'conversationId',
    );
    expect((await exportConversation(t.db, ref)).metadata?.topic).toBeNull();
  });

  it('exports a conversation as plain JSON: conversation, metadata and every message in order', async () => {
    const user = await newUser(t.db);
    const { conversation } = await startConversation(t.db, { userId: user.id, topic: 'Export me' });
    const contents = ['add milk', 'Added milk', 'done with milk', 'Completed milk'];
    const tools = [null, 'add_task', null, 'complete_task'];
    for (const [i, content] of contents.entries()) {
      await appendMessage(t.db, {
        conversationId: conversation.id,
        userId: user.id,
        role: i % 2 === 0 ? 'user' : 'assistant',
        content,
        toolUsed: tools[i],
        actionTaken: tools[i] ? `ran ${tools[i]}` : null,
      });
    }
    const exported = await exportConversation(t.db, { conversationId: conversation.id, userId: user.id });

    expect(JSON.parse(JSON.stringify(exported))).toEqual(exported);
    expect(exported.format).toBe('chatstore.todo.conversation/1');
    expect(exported.conversation.id).toBe(conversation.id);
    expect(exported.conversation.createdAt).toBe(conversation.createdAt?.toISOString());
    expect(exported.metadata).toMatchObject({
      topic: 'Export me',
      messageCount: 4,
      taskCountCreated: 1,
      taskCountCompleted: 1,
    });
    expect(exported.messages.map((m) => m.content)).toEqual(contents);
    expect(exported.messages.map((m) => m.toolUsed)).toEqual(tools);
    expect(typeof exported.messages[0]?.createdAt).toBe('string');
    // The last message's time is the conversation's last activity.
    expect(exported.conversation.updatedAt).toBe(exported.messages.at(-1)?.createdAt);
    const stranger = await newUser(t.db);
    await expectChatstoreError(
      exportConversation(t.db, { conversationId: conversation.id, userId: stranger.id }),
      'NOT_FOUND',
      'conversationId',
    );
  });

  it('deletes a conversation with its messages and metadata', async () => {
    const user = await newUser(t.db);
    const { conversation } = await startConversation(t.db, { userId: user.id });
    await appendMessage(t.db, { conversationId: conversation.id, userId: user.id, role: 'user', content: 'bye' });
    const before = await rowCounts(t.conn);
    const deleted = await deleteConversation(t.db, { conversationId: conversation.id, userId: user.id });
    expect(deleted.id).toBe(conversation.id);
    const after = await rowCounts(t.conn);
    expect(after).toMatchObject({
      conversations: (before.conversations ?? 0) - 1,
      messages: (before.messages ?? 0) - 1,
      metadata: (before.metadata ?? 0) - 1,
    });
    await expectChatstoreError(
      deleteConversation(t.db, { conversationId: conversation.id, userId: user.id }),
      'NOT_FOUND',
      'conversationId',
    );
  });
});
