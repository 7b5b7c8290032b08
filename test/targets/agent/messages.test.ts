/** Messages, versions, threads, windows, sessions and context on every vector backend. */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  appendMessage,
  type ConversationSession,
  createContextTemplate,
  editMessage,
  endSession,
  getSessionOrThrow,
  listContextSnapshots,
  listMessageVersions,
  loadConversationWindow,
  loadThread,
  pauseSession,
  resumeSession,
  saveContextSnapshot,
  startSession,
  useContextTemplate,
} from '../../../src/targets/agent';
import { vectorBackends } from '../../support/vector-backends';
import { expectChatstoreError, newAgent, newUser, rowCounts, useAgentDatabase } from './fixtures';

describe.each(vectorBackends)('agent messages and sessions on $name', (backend) => {
  const t = useAgentDatabase(backend);
  let userId: string;
  let agentId: string;
  let session: ConversationSession;

  beforeAll(async () => {
    userId = (await newUser(t.db)).id;
    agentId = (await newAgent(t.db)).id;
    session = await startSession(t.db, { userId, agentId });
  });

  const ref = () => ({ conversationId: session.conversationId, sessionId: session.id });

  it('appends structured messages, stores JSONB as objects, and keeps the session counters', async () => {
    const question = await appendMessage(t.db, {
      ...ref(),
      role: 'user',
      senderUserId: userId,
      content: { type: 'text', text: 'What is pgvector?' },
      metadata: { tokens: 7 },
    });
    const answer = await appendMessage(t.db, {
      ...ref(),
      role: 'assistant',
      senderAgentId: agentId,
      parentMessageId: question.id,
      content: { type: 'tool_result', toolCallId: 'call-1', result: { hits: 3 } },
      tools: [{ id: 'call-1', name: 'search', arguments: { q: 'pgvector' } }],
      metadata: { tokens: 30, model: 'gpt' },
      memoryRefs: [question.id],
    });
    expect(answer.content).toEqual({ type: 'tool_result', toolCallId: 'call-1', result: { hits: 3 } });
    expect(answer.memoryRefs).toEqual([question.id]);
    expect(answer.createdAt?.getTime()).toBeGreaterThanOrEqual(question.createdAt?.getTime() ?? 0);
    const types = await t.conn.client.query<{ c: string; m: string; t: string }>(
      'select jsonb_typeof(content) as c, jsonb_typeof(metadata) as m, jsonb_typeof(tools) as t from chat_messages_v2 where id = $1',
      [answer.id],
    );
    expect(types).toEqual([{ c: 'object', m: 'object', t: 'array' }]);
    const counters = await getSessionOrThrow(t.db, session.id);
    expect(counters).toMatchObject({ messageCount: 2, totalTokensUsed: 37, toolCallsCount: 1 });

    const thread = await loadThread(t.db, answer.id);
    expect(thread.path.map((m) => m.id)).toEqual([question.id, answer.id]);
    expect((await loadThread(t.db, question.id)).replies.map((m) => m.id)).toEqual([answer.id]);
  });

  it('rejects bad content naming the field, writing nothing', async () => {
    const before = await rowCounts(t.conn);
    await expectChatstoreError(
      appendMessage(t.db, { ...ref(), role: 'user', content: { type: 'html', text: 'x' } as never }),
      'VALIDATION',
      'content.type',
    );
    await expectChatstoreError(
      appendMessage(t.db, { ...ref(), role: 'user', content: { type: 'text' } as never }),
      'VALIDATION',
      'content.text',
    );
    await expectChatstoreError(
      appendMessage(t.db, { ...ref(), role: 'robot' as never, content: { type: 'text', text: 'x' } }),
      'VALIDATION',
      'role',
    );
    await expectChatstoreError(
      appendMessage(t.db, { ...ref(), sessionId: 'nope', role: 'user', content: { type: 'text', text: 'x' } }),
      'VALIDATION',
      'sessionId',
    );
    await expectChatstoreError(
      appendMessage(t.db, {
        ...ref(),
        role: 'user',
        parentMessageId: '00000000-0000-4000-8000-000000000000',
        content: { type: 'text', text: 'x' },
      }),
      'FOREIGN_KEY',
      'parentMessageId',
    );
    expect(await rowCounts(t.conn)).toEqual(before);
  });

  it('edits keep every earlier content as a numbered version with who and why', async () => {
    const original = await appendMessage(t.db, { ...ref(), role: 'user', content: { type: 'text', text: 'helo' } });
    const first = await editMessage(t.db, {
      messageId: original.id,
      content: { type: 'text', text: 'hello' },
      changedBy: userId,
      changeReason: 'typo',
    });
    expect(first.version).toMatchObject({
      versionNumber: 1,
      content: { type: 'text', text: 'helo' },
      changedBy: userId,
    });
    expect(first.message.content).toEqual({ type: 'text', text: 'hello' });
    // Concurrent edits serialise on the row lock: consecutive numbers, no duplicate.
    await Promise.all(
      ['a', 'b', 'c'].map((text) => editMessage(t.db, { messageId: original.id, content: { type: 'text', text } })),
    );
    const versions = await listMessageVersions(t.db, original.id);
    expect(versions.map((v) => v.versionNumber)).toEqual([1, 2, 3, 4]);
    expect(versions[1]?.content).toEqual({ type: 'text', text: 'hello' });
    await expectChatstoreError(
      editMessage(t.db, { messageId: '00000000-0000-4000-8000-000000000000', content: { type: 'text', text: 'x' } }),
      'NOT_FOUND',
      'messageId',
    );
  });

  it('loads a conversation window oldest first, and scrolls back', async () => {
    const other = await startSession(t.db, { userId, agentId });
    const r = { conversationId: other.conversationId, sessionId: other.id };
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      ids.push((await appendMessage(t.db, { ...r, role: 'user', content: { type: 'text', text: `m${i}` } })).id);
    }
    // The order of the calls, even where several appends fall in one tick of PGlite's
    // millisecond clock: each message is stamped after the conversation's last one.
    const all = (await loadConversationWindow(t.db, { conversationId: other.conversationId })).map((m) => m.id);
    expect(all).toEqual(ids);
    const window = await loadConversationWindow(t.db, { conversationId: other.conversationId, limit: 3 });
    expect(window.map((m) => m.id)).toEqual(all.slice(-3));
    const earlier = await loadConversationWindow(t.db, {
      conversationId: other.conversationId,
      before: window[0]?.id,
      limit: 3,
    });
    expect(earlier.map((m) => m.id)).toEqual(all.slice(-6, -3));
  });

  it('moves sessions active → paused → active → completed, refusing other moves', async () => {
    const s = await startSession(t.db, { userId, agentId });
    expect(s.status).toBe('active');
    const paused = await pauseSession(t.db, { sessionId: s.id, interruptionContext: { pending: 'tool' } });
    expect(paused).toMatchObject({ status: 'paused', interruptionContext: { pending: 'tool' } });
    await expectChatstoreError(pauseSession(t.db, { sessionId: s.id }), 'INVALID_TRANSITION', 'status');
    expect((await resumeSession(t.db, s.id)).status).toBe('active');
    const done = await endSession(t.db, s.id);
    expect(done.status).toBe('completed');
    expect(done.endedAt).toBeInstanceOf(Date);
    await expectChatstoreError(endSession(t.db, s.id, { abandoned: true }), 'INVALID_TRANSITION', 'status');
    const other = await startSession(t.db, { agentId });
    expect((await endSession(t.db, other.id, { abandoned: true })).status).toBe('abandoned');
    await expectChatstoreError(
      startSession(t.db, { userId: '00000000-0000-4000-8000-000000000000' }),
      'FOREIGN_KEY',
      'userId',
    );
  });

  it('saves context snapshots and counts template uses', async () => {
    const message = await appendMessage(t.db, { ...ref(), role: 'user', content: { type: 'text', text: 'ctx' } });
    await saveContextSnapshot(t.db, {
      messageId: message.id,
      agentId,
      snapshotData: { segments: ['system', 'history'] },
      totalTokens: 1200,
      compressionRatio: 0.6,
      segmentCount: 2,
    });
    expect((await listContextSnapshots(t.db, { messageId: message.id })).map((s) => s.totalTokens)).toEqual([1200]);
    await createContextTemplate(t.db, {
      name: 'support',
      segments: [{ kind: 'system', content: 'You help.' }],
      useCases: ['support'],
    });
    await Promise.all([useContextTemplate(t.db, 'support'), useContextTemplate(t.db, 'support')]);
    expect((await useContextTemplate(t.db, 'support')).useCount).toBe(3);
    await expectChatstoreError(
      createContextTemplate(t.db, { name: 'support', segments: [{ kind: 'x' }] }),
      'CONFLICT',
      'name',
    );
    await expectChatstoreError(useContextTemplate(t.db, 'missing'), 'NOT_FOUND', 'name');
    await expectChatstoreError(createContextTemplate(t.db, { name: 'empty', segments: [] }), 'VALIDATION', 'segments');
  });
});
