/**
 * tatlock-user repositories: conversations, messages and the model context, compacts, topics,
 * personal variables, short-term storage; zod at every entry; opening a user's file safely.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../../src/targets/connect';
import {
  appendMessage,
  deleteConversation,
  deletePersonalVariable,
  deleteShortTerm,
  findConversationsByTopic,
  getConversation,
  getPersonalVariable,
  getShortTerm,
  linkTopic,
  listConversations,
  listConversationTopics,
  listMessages,
  listPersonalVariableKeys,
  listPersonalVariables,
  listTopics,
  loadModelContext,
  openUserDatabase,
  purgeExpiredShortTerm,
  putShortTerm,
  setConversationTitle,
  setPersonalVariable,
  startConversation,
  storeCompact,
  type UserDb,
} from '../../../src/targets/tatlock-user';
import { createLegacyUserDatabase } from '../../../support/tatlock-legacy';
import { expectChatstoreError } from '../../support/database';

const dataDir = mkdtempSync(path.join(tmpdir(), 'chatstore-tatlock-user-'));
let conn: Connection<'tatlock-user'>;
let db: UserDb;
beforeAll(async () => {
  conn = await openUserDatabase('alice', { dataDir });
  db = conn.db;
});
afterAll(async () => {
  await conn?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function counts() {
  const [row] = await conn.client.query(
    `select (select count(*) from conversations) as conversations, (select count(*) from conversation_messages) as messages,
      (select count(*) from topics) as topics, (select count(*) from conversation_topics) as links,
      (select count(*) from personal_variables) as variables, (select count(*) from short_term_storage) as stored`,
  );
  return row;
}

describe('openUserDatabase', () => {
  it('creates {username}_longterm.db at the latest generation on first use', async () => {
    expect(existsSync(path.join(dataDir, 'alice_longterm.db'))).toBe(true);
    const [row] = await conn.client.query<{ n: number }>(
      `select count(*) as n from chatstore_migrations where target = 'tatlock-user'`,
    );
    expect(row?.n).toBe(9);
  });

  it('adopts and upgrades a file Tatlock created, keeping its conversations', async () => {
    createLegacyUserDatabase(path.join(dataDir, 'bob_longterm.db'), '0.3.19', { oldConversations: 2, memories: 6 });
    const bob = await openUserDatabase('bob', { dataDir });
    try {
      const context = await loadModelContext(bob.db, { conversationId: 'conv-1-old-0' });
      expect(context.messages.map((m) => m.role)).toEqual([
        'user',
        'assistant',
        'user',
        'assistant',
        'user',
        'assistant',
      ]);
    } finally {
      await bob.close();
    }
  });

  it.each([
    '../x',
    '../../etc/passwd',
    '/tmp/evil',
    'a/b',
    'a\\b',
    'nul\0byte',
    '..',
    '.hidden',
    '',
    'C:evil',
    'x'.repeat(65),
  ])('refuses the username %j before touching any file', async (username) => {
    const before = readdirSync(dataDir).sort();
    await expectChatstoreError(() => openUserDatabase(username, { dataDir }), 'VALIDATION', 'username');
    expect(readdirSync(dataDir).sort()).toEqual(before);
    expect(existsSync(path.join(dataDir, '..', 'x_longterm.db'))).toBe(false);
  });
});

describe('conversations and messages', () => {
  it('appends messages with the next number, updating the conversation in the same transaction', async () => {
    const conversation = await startConversation(db, { title: 'Trip to Kyoto', startedAt: '2025-10-01T09:00:00Z' });
    expect(conversation).toMatchObject({ title: 'Trip to Kyoto', messageCount: 0, schemaVersion: 2 });
    const { conversationId } = conversation;
    const first = await appendMessage(db, {
      conversationId,
      role: 'user',
      content: 'Plan three days in Kyoto',
      timestamp: '2025-10-01T09:00:05Z',
    });
    const second = await appendMessage(db, { conversationId, role: 'assistant', content: 'Day 1: Fushimi Inari…' });
    expect([first.messageNumber, second.messageNumber]).toEqual([1, 2]);
    const after = await getConversation(db, conversationId);
    expect(after).toMatchObject({ messageCount: 2, lastActivity: second.timestamp });
    expect((await listMessages(db, { conversationId })).map((m) => m.content)).toEqual([
      'Plan three days in Kyoto',
      'Day 1: Fushimi Inari…',
    ]);
  });

  it('numbers concurrent appends without gaps or repeats', async () => {
    const { conversationId } = await startConversation(db, {});
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        appendMessage(db, { conversationId, role: i % 2 ? 'assistant' : 'user', content: `m${i}` }),
      ),
    );
    const numbers = (await listMessages(db, { conversationId })).map((m) => m.messageNumber);
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('loads the model context: the compact summary and only the messages after it', async () => {
    const { conversationId } = await startConversation(db, { title: 'Long chat' });
    for (let i = 1; i <= 6; i++)
      await appendMessage(db, { conversationId, role: i % 2 ? 'user' : 'assistant', content: `message ${i}` });
    expect((await loadModelContext(db, { conversationId })).messages).toHaveLength(6);
    await storeCompact(db, { conversationId, summary: 'Messages 1–4: greetings and plans', upTo: 4 });
    const context = await loadModelContext(db, { conversationId });
    expect(context).toMatchObject({ compactSummary: 'Messages 1–4: greetings and plans', compactedUpTo: 4 });
    expect(context.messages.map((m) => [m.messageNumber, m.content])).toEqual([
      [5, 'message 5'],
      [6, 'message 6'],
    ]);
    await expectChatstoreError(
      () => storeCompact(db, { conversationId, summary: 'too far', upTo: 7 }),
      'VALIDATION',
      'upTo',
    );
    await expectChatstoreError(
      () => storeCompact(db, { conversationId, summary: 'backwards', upTo: 2 }),
      'INVALID_TRANSITION',
      'upTo',
    );
    const empty = await startConversation(db, {});
    expect(await loadModelContext(db, { conversationId: empty.conversationId })).toMatchObject({
      compactSummary: null,
      compactedUpTo: 0,
      messages: [],
    });
  });

  it('lists conversations by last activity and titles them', async () => {
    const older = await startConversation(db, { startedAt: '2020-01-01T00:00:00Z' });
    const newer = await startConversation(db, { startedAt: '2030-01-01T00:00:00Z' });
    const list = await listConversations(db, { limit: 500 });
    const ids = list.map((c) => c.conversationId);
    expect(ids.indexOf(newer.conversationId)).toBe(0);
    expect(ids.indexOf(older.conversationId)).toBe(ids.length - 1);
    expect(await setConversationTitle(db, { conversationId: older.conversationId, title: ' Renamed ' })).toMatchObject({
      title: 'Renamed',
    });
  });

  it('rejects bad input naming the field, writing nothing', async () => {
    const { conversationId } = await startConversation(db, {});
    const before = await counts();
    await expectChatstoreError(
      () => appendMessage(db, { conversationId, role: 'system' as 'user', content: 'x' }),
      'VALIDATION',
      'role',
    );
    await expectChatstoreError(
      () => appendMessage(db, { conversationId, role: 'user', content: '' }),
      'VALIDATION',
      'content',
    );
    await expectChatstoreError(
      () => appendMessage(db, { conversationId, role: 'user', content: 'x', timestamp: 'yesterday' }),
      'VALIDATION',
      'timestamp',
    );
    await expectChatstoreError(
      () => appendMessage(db, { conversationId: 'nope', role: 'user', content: 'x' }),
      'NOT_FOUND',
      'conversationId',
    );
    await expectChatstoreError(() => loadModelContext(db, { conversationId: '' }), 'VALIDATION', 'conversationId');
    await expectChatstoreError(() => loadModelContext(db, { conversationId: 'nope' }), 'NOT_FOUND', 'conversationId');
    await expectChatstoreError(() => startConversation(db, { conversationId }), 'CONFLICT', 'conversationId');
    await expectChatstoreError(
      () => setConversationTitle(db, { conversationId: 'nope', title: 't' }),
      'NOT_FOUND',
      'conversationId',
    );
    await expectChatstoreError(() => linkTopic(db, { conversationId, topic: '  ' }), 'VALIDATION', 'topic');
    await expectChatstoreError(
      () => linkTopic(db, { conversationId: 'nope', topic: 'x' }),
      'NOT_FOUND',
      'conversationId',
    );
    await expectChatstoreError(() => setPersonalVariable(db, { key: '', value: 'x' }), 'VALIDATION', 'key');
    await expectChatstoreError(
      () => putShortTerm(db, { key: 'k', value: 'v', ttlSeconds: -1 }),
      'VALIDATION',
      'ttlSeconds',
    );
    expect(await counts()).toEqual(before);
  });
});

describe('topics', () => {
  it('links a topic to a conversation, widening occurrences and counting', async () => {
    const { conversationId } = await startConversation(db, {});
    const first = await linkTopic(db, { conversationId, topic: 'travel', at: '2025-10-02T10:00:00Z' });
    expect(first).toMatchObject({ topicName: 'travel', topicCount: 1, firstOccurrence: '2025-10-02T10:00:00Z' });
    await linkTopic(db, { conversationId, topic: 'travel', at: '2025-10-01T08:00:00Z' });
    const third = await linkTopic(db, { conversationId, topic: 'travel', at: '2025-10-03T12:00:00Z' });
    expect(third).toMatchObject({
      topicCount: 3,
      firstOccurrence: '2025-10-01T08:00:00Z',
      lastOccurrence: '2025-10-03T12:00:00Z',
    });
    await linkTopic(db, { conversationId, topic: 'food' });
    expect((await listConversationTopics(db, conversationId)).map((t) => [t.topicName, t.topicCount])).toEqual([
      ['travel', 3],
      ['food', 1],
    ]);
    expect((await findConversationsByTopic(db, 'travel')).map((t) => t.conversationId)).toContain(conversationId);
    expect((await listTopics(db)).map((t) => t.topicName)).toEqual(expect.arrayContaining(['food', 'travel']));
  });
});

describe('personal variables and short-term storage', () => {
  it('keeps one value per key and remembers the keys', async () => {
    await setPersonalVariable(db, { key: 'hometown', value: 'Porto' });
    await setPersonalVariable(db, { key: 'hometown', value: 'Lisbon' });
    await setPersonalVariable(db, { key: 'pet', value: 'cat' });
    expect(await getPersonalVariable(db, 'hometown')).toBe('Lisbon');
    expect((await listPersonalVariables(db)).map((v) => [v.key, v.value])).toEqual([
      ['hometown', 'Lisbon'],
      ['pet', 'cat'],
    ]);
    expect(await deletePersonalVariable(db, 'pet')).toBe(true);
    expect(await getPersonalVariable(db, 'pet')).toBeUndefined();
    expect(await listPersonalVariableKeys(db)).toEqual(['hometown', 'pet']);
  });

  it('never returns an expired value, and purges expired ones', async () => {
    await putShortTerm(db, { key: 'location', value: 'Lisbon', ttlSeconds: 3600 });
    await putShortTerm(db, { key: 'otp', value: '123456', expiresAt: new Date(Date.now() - 1000) });
    await putShortTerm(db, { key: 'forever', value: 'yes' });
    // A value written by Tatlock in SQLite's own format, already expired.
    await conn.client.query(
      `insert into short_term_storage (storage_key, storage_value, expires_at) values ('legacy', 'old', '2000-01-01 00:00:00')`,
    );
    expect(await getShortTerm(db, 'location')).toBe('Lisbon');
    expect(await getShortTerm(db, 'forever')).toBe('yes');
    expect(await getShortTerm(db, 'otp')).toBeUndefined();
    expect(await getShortTerm(db, 'legacy')).toBeUndefined();
    await putShortTerm(db, { key: 'otp', value: '654321', ttlSeconds: 60 });
    expect(await getShortTerm(db, 'otp')).toBe('654321');
    await putShortTerm(db, { key: 'gone', value: 'x', expiresAt: new Date(Date.now() - 1) });
    expect(await purgeExpiredShortTerm(db)).toBe(2);
    expect(await deleteShortTerm(db, 'forever')).toBe(true);
    expect(await getShortTerm(db, 'forever')).toBeUndefined();
  });
});

describe('deleteConversation', () => {
  const rowsOf = async (conversationId: string) => {
    const [row] = await conn.client.query<{ conversations: number; messages: number; links: number }>(
      `select (select count(*) from conversations where conversation_id = ?) as conversations,
        (select count(*) from conversation_messages where conversation_id = ?) as messages,
        (select count(*) from conversation_topics where conversation_id = ?) as links`,
      [conversationId, conversationId, conversationId],
    );
    return row;
  };

  it('deletes the conversation, its messages and topic links in one go, leaving no orphan and the others alone', async () => {
    const doomed = await startConversation(db, { title: 'to delete' });
    const kept = await startConversation(db, { title: 'to keep' });
    for (const conversationId of [doomed.conversationId, kept.conversationId]) {
      await appendMessage(db, { conversationId, role: 'user', content: 'hello' });
      await appendMessage(db, { conversationId, role: 'assistant', content: 'hi' });
      await linkTopic(db, { conversationId, topic: 'deletion-shared' });
    }
    await appendMessage(db, { conversationId: doomed.conversationId, role: 'user', content: 'one more' });
    await linkTopic(db, { conversationId: doomed.conversationId, topic: 'deletion-only' });
    const keptBefore = await rowsOf(kept.conversationId);
    const topicsBefore = Number((await counts())?.topics);

    expect(await deleteConversation(db, doomed.conversationId)).toEqual({
      conversations: 1,
      messages: 3,
      topicLinks: 2,
    });
    expect(await rowsOf(doomed.conversationId)).toEqual({ conversations: 0, messages: 0, links: 0 });
    expect(await rowsOf(kept.conversationId)).toEqual(keptBefore);
    expect(Number((await counts())?.topics)).toBe(topicsBefore); // topics are shared and stay
    // No child row anywhere points at a missing conversation.
    const [orphans] = await conn.client.query<{ n: number }>(
      `select (select count(*) from conversation_messages where conversation_id not in (select conversation_id from conversations))
        + (select count(*) from conversation_topics where conversation_id not in (select conversation_id from conversations)) as n`,
    );
    expect(Number(orphans?.n)).toBe(0);
    expect(await deleteConversation(db, doomed.conversationId)).toEqual({
      conversations: 0,
      messages: 0,
      topicLinks: 0,
    });
  });

  it('deletes rows left under the id when the conversation row is already gone', async () => {
    const { conversationId } = await startConversation(db);
    await appendMessage(db, { conversationId, role: 'user', content: 'left behind' });
    await linkTopic(db, { conversationId, topic: 'deletion-left' });
    // What a deletion without chatstore leaves: the row gone, its children not (foreign keys off).
    await conn.client.query('pragma foreign_keys = off');
    try {
      await conn.client.query('delete from conversations where conversation_id = ?', [conversationId]);
    } finally {
      await conn.client.query('pragma foreign_keys = on');
    }
    expect(await deleteConversation(db, conversationId)).toEqual({ conversations: 0, messages: 1, topicLinks: 1 });
    expect(await rowsOf(conversationId)).toEqual({ conversations: 0, messages: 0, links: 0 });
  });

  it('rejects a bad id and writes nothing', async () => {
    const before = await counts();
    await expectChatstoreError(() => deleteConversation(db, ''), 'VALIDATION', 'conversationId');
    await expectChatstoreError(() => deleteConversation(db, 42 as never), 'VALIDATION', 'conversationId');
    expect(await counts()).toEqual(before);
  });
});
