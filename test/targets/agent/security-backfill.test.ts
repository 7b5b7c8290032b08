/**
 * Row-level security through `asAgentUser`, the right to deletion, and the move from
 * chat_messages to chat_messages_v2 (backfill, validation, dual-write, CLI) on every vector backend.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq, inArray } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli';
import { toChatstoreError } from '../../../src/errors';
import {
  agentMemories,
  agentStates,
  channels,
  chatMessages,
  chatMessagesV2,
  conversationSessions,
  stateCheckpoints,
  stateTransitions,
  users,
} from '../../../src/schema/agent';
import {
  appendMessage,
  asAgentUser,
  backfillChatMessages,
  type ConversationSession,
  commitState,
  consolidateMemories,
  createCheckpoint,
  deleteUserData,
  dualWriteMessage,
  editMessage,
  expireCheckpoints,
  getCurrentState,
  mappedMessageId,
  saveContextSnapshot,
  searchMemories,
  startSession,
  stateHash,
  storeMemory,
  validateBackfill,
} from '../../../src/targets/agent';
import { connect } from '../../../src/targets/connect';
import { vectorBackends } from '../../support/vector-backends';
import { embedding, expectChatstoreError, newAgent, newChannel, newUser, useAgentDatabase } from './fixtures';

describe.each(vectorBackends)('agent security and backfill on $name', (backend) => {
  const role = `chatstore_agent_app_${randomBytes(5).toString('hex')}`;
  const t = useAgentDatabase(backend, {
    beforeClose: async (conn) => {
      await conn.client.query(`drop owned by ${role}`);
      await conn.client.query(`drop role ${role}`);
    },
  });
  let a: { userId: string; agentId: string; session: ConversationSession };
  let b: { userId: string; agentId: string; session: ConversationSession };

  beforeAll(async () => {
    await t.conn.client.query(`create role ${role} nologin`);
    await t.conn.client.query(`grant usage on schema public to ${role}`);
    await t.conn.client.query(`grant select, insert, update, delete on all tables in schema public to ${role}`);
    const make = async () => {
      const userId = (await newUser(t.db)).id;
      const agentId = (await newAgent(t.db)).id;
      const session = await startSession(t.db, { userId, agentId });
      const ref = { conversationId: session.conversationId, sessionId: session.id };
      await appendMessage(t.db, { ...ref, role: 'user', senderUserId: userId, content: { type: 'text', text: 'hi' } });
      await appendMessage(t.db, {
        ...ref,
        role: 'assistant',
        senderAgentId: agentId,
        content: { type: 'text', text: 'yo' },
      });
      await storeMemory(t.db, {
        agentId,
        memoryType: 'semantic',
        content: { concept: 'c', definition: 'd' },
        embedding: embedding(1),
      });
      await commitState(t.db, { agentId, localState: { owner: userId } });
      return { userId, agentId, session };
    };
    a = await make();
    b = await make();
  });

  const asA = <T>(fn: Parameters<typeof asAgentUser<T>>[2]) =>
    asAgentUser(t.db, { userId: a.userId, agentId: a.agentId }, fn, { role });

  it('shows the acting user their sessions and messages, and the acting agent its memories and state', async () => {
    const seen = await asA(async (tx) => ({
      sessions: await tx.select().from(conversationSessions),
      messages: await tx.select().from(chatMessagesV2),
      memories: await tx.select().from(agentMemories),
      hits: await searchMemories(tx, { agentId: b.agentId, embedding: embedding(1), recordAccess: false }),
      bState: await getCurrentState(tx, b.agentId),
      aState: await getCurrentState(tx, a.agentId),
    }));
    expect(seen.sessions.map((s) => s.id)).toEqual([a.session.id]);
    expect(seen.messages.map((m) => m.sessionId)).toEqual([a.session.id, a.session.id]);
    expect(seen.memories.map((m) => m.agentId)).toEqual([a.agentId]);
    expect(seen.hits).toEqual([]);
    expect(seen.bState).toBeUndefined();
    expect(seen.aState?.localState).toEqual({ owner: a.userId });
  });

  it('rejects writes into another user’s session or for another agent with PERMISSION_DENIED', async () => {
    const bRef = { conversationId: b.session.conversationId, sessionId: b.session.id };
    await expectChatstoreError(
      asA((tx) => appendMessage(tx, { ...bRef, role: 'user', content: { type: 'text', text: 'forged' } })),
      'PERMISSION_DENIED',
    );
    await expectChatstoreError(
      asA((tx) =>
        storeMemory(tx, { agentId: b.agentId, memoryType: 'semantic', content: { concept: 'x', definition: 'y' } }),
      ),
      'PERMISSION_DENIED',
    );
    await expectChatstoreError(
      asA((tx) => commitState(tx, { agentId: b.agentId, localState: { hijacked: true } })),
      'PERMISSION_DENIED',
    );
    const bMessage = (await t.db.select().from(chatMessagesV2)).find((m) => m.sessionId === b.session.id);
    await expectChatstoreError(
      asA((tx) => editMessage(tx, { messageId: bMessage?.id ?? '', content: { type: 'text', text: 'x' } })),
      'NOT_FOUND',
      'messageId',
    );
    const raw = asA((tx) =>
      tx
        .insert(conversationSessions)
        .values({ conversationId: b.session.conversationId, userId: b.userId })
        .then(
          () => undefined,
          (error: unknown) => {
            throw toChatstoreError(error, 'conversation_sessions');
          },
        ),
    );
    await expectChatstoreError(raw, 'PERMISSION_DENIED');
    expect((await getCurrentState(t.db, b.agentId))?.localState).toEqual({ owner: b.userId });
    // Own writes pass the policies.
    const own = await asA((tx) =>
      appendMessage(tx, {
        conversationId: a.session.conversationId,
        sessionId: a.session.id,
        role: 'user',
        content: { type: 'text', text: 'mine' },
      }),
    );
    expect(own.sessionId).toBe(a.session.id);
  });

  it('fails closed without the setting, and validates the actor', async () => {
    const none = await t.db.transaction(async (tx) => {
      await tx.execute(`set local role ${role}`);
      return tx.select().from(chatMessagesV2);
    });
    expect(none).toEqual([]);
    await expectChatstoreError(
      asAgentUser(t.db, {}, async () => 1),
      'VALIDATION',
      'input',
    );
    await expectChatstoreError(
      asAgentUser(t.db, { userId: 'x' }, async () => 1),
      'VALIDATION',
      'userId',
    );
  });

  it('deletes a user with the memories, state and context derived from them, leaving others', async () => {
    const userId = (await newUser(t.db)).id;
    const session = await startSession(t.db, { userId, agentId: a.agentId });
    const ref = { conversationId: session.conversationId, sessionId: session.id };
    const mine = await appendMessage(t.db, {
      ...ref,
      role: 'user',
      senderUserId: userId,
      content: { type: 'text', text: 'x' },
    });
    await editMessage(t.db, { messageId: mine.id, content: { type: 'text', text: 'y' }, changedBy: userId });
    const reply = await appendMessage(t.db, {
      ...ref,
      role: 'assistant',
      parentMessageId: mine.id,
      content: { type: 'text', text: 'z' },
    });
    await saveContextSnapshot(t.db, { messageId: mine.id, agentId: a.agentId, snapshotData: { said: 'y' } });
    const memory = await storeMemory(t.db, {
      agentId: a.agentId,
      memoryType: 'episodic',
      content: { event: 'talked', temporal: {} },
      sourceMessageId: mine.id,
    });
    const agentOwn = await storeMemory(t.db, {
      agentId: a.agentId,
      memoryType: 'semantic',
      content: { concept: 'tea', definition: 'a drink' },
    });
    const { memory: merged } = await consolidateMemories(t.db, {
      agentId: a.agentId,
      sourceMemoryIds: [memory.id, agentOwn.id],
      consolidationType: 'merge',
      memory: { memoryType: 'semantic', content: { concept: 'user likes tea', definition: 'from a chat' } },
      removeSources: false,
    });
    // Per-user state lives under the user's id; another key and another user's stay.
    const before = await commitState(t.db, {
      agentId: a.agentId,
      localState: { [userId]: { name: 'Ada' }, [b.userId]: { name: 'Bob' }, mood: 'calm' },
    });
    await createCheckpoint(t.db, { agentId: a.agentId, retentionPolicy: 'archive', expiresAt: new Date(0) });
    await expireCheckpoints(t.db, { agentId: a.agentId });
    const channel = await newChannel(t.db);
    await t.db.insert(chatMessages).values({ channelId: channel.id, content: 'legacy', senderUserId: userId });

    const removed = await deleteUserData(t.db, userId);
    expect(removed).toMatchObject({
      messageVersions: 1,
      contextSnapshots: 1,
      messages: 2,
      memories: 2,
      legacyMessages: 1,
      sessions: 1,
      users: 1,
    });
    // The state, its checkpoint and its transition each lost the user's key.
    expect(removed.scrubbedStates).toBeGreaterThanOrEqual(3);
    expect(await t.db.select().from(users).where(eqId(users.id, userId))).toEqual([]);
    expect((await t.db.select().from(chatMessagesV2).where(eqId(chatMessagesV2.id, reply.id))).length).toBe(0);
    const memoriesLeft = await t.db
      .select({ id: agentMemories.id })
      .from(agentMemories)
      .where(inArray(agentMemories.id, [memory.id, merged.id, agentOwn.id]));
    expect(memoriesLeft).toEqual([{ id: agentOwn.id }]);
    const current = await getCurrentState(t.db, a.agentId);
    expect(current?.localState).toEqual({ [b.userId]: { name: 'Bob' }, mood: 'calm' });
    expect(current?.stateHash).not.toBe(before.state.stateHash);
    expect(current?.stateHash).toBe(
      stateHash({
        localState: current?.localState ?? {},
        sharedState: current?.sharedState ?? {},
        sessionState: current?.sessionState ?? {},
        persistentState: current?.persistentState ?? {},
      }),
    );
    const everything = JSON.stringify([
      await t.db.select().from(agentStates),
      await t.db.select().from(stateCheckpoints),
      await t.db.select().from(stateTransitions),
    ]);
    expect(everything).not.toContain(userId);
    expect(everything).toContain(b.userId);
    expect(await deleteUserData(t.db, userId)).toMatchObject({ users: 0, messages: 0, memories: 0, scrubbedStates: 0 });
    expect(
      (await t.db.select().from(conversationSessions).where(eqId(conversationSessions.id, b.session.id))).length,
    ).toBe(1);
  });

  it('backfills chat_messages in resumable batches, validates per channel, and coexists with dual-write', async () => {
    const [c1, c2] = [await newChannel(t.db), await newChannel(t.db)];
    const userId = (await newUser(t.db)).id;
    const agentId = (await newAgent(t.db)).id;
    const rows = Array.from({ length: 25 }, (_, i) => ({
      channelId: (i % 2 ? c1 : c2).id,
      content: `legacy ${i} ✓`,
      senderUserId: i % 3 ? userId : null,
      senderAgentId: i % 3 ? null : agentId,
      createdAt: new Date(Date.UTC(2024, 0, 1, 0, 0, i)),
    }));
    await t.db.insert(chatMessages).values(rows);
    const dual = await dualWriteMessage(t.db, { channelId: c1.id, content: 'written twice', senderUserId: userId });
    expect(await mappedMessageId(t.db, dual.legacy.id)).toBe(dual.message.id);

    const progress: number[] = [];
    const partial = await backfillChatMessages(t.db, {
      batchSize: 10,
      maxBatches: 1,
      onProgress: (p) => progress.push(p.done),
    });
    expect(partial).toMatchObject({ copied: 10, complete: false });
    const before = await validateBackfill(t.db);
    expect(before.ok).toBe(false);
    expect(before.unmapped).toBe(15);

    const rest = await backfillChatMessages(t.db, { batchSize: 10, onProgress: (p) => progress.push(p.done) });
    expect(rest).toMatchObject({ copied: 15, complete: true, batches: 2 });
    expect(progress).toEqual([partial.done, partial.done + 10, partial.done + 15]);
    const report = await validateBackfill(t.db);
    expect(report.ok).toBe(true);
    const byChannel = new Map(report.channels.map((c) => [c.channelId, c]));
    expect(byChannel.get(c1.id)).toMatchObject({ legacyCount: 13, migratedCount: 13, ok: true });
    expect(byChannel.get(c2.id)).toMatchObject({ legacyCount: 13, migratedCount: 13, ok: true });

    const copies = await t.conn.client.query<{ role: string; text: string; typ: string }>(
      `select v.role, v.content->>'text' as text, jsonb_typeof(v.content) as typ from chat_messages c
       join chat_message_id_map x on x.old_id = c.id join chat_messages_v2 v on v.id = x.new_id
       where c.channel_id = $1 order by c.created_at limit 2`,
      [c2.id],
    );
    expect(copies).toEqual([
      { role: 'assistant', text: 'legacy 0 ✓', typ: 'object' },
      { role: 'user', text: 'legacy 2 ✓', typ: 'object' },
    ]);
    // Nothing left: a rerun copies nothing; a tampered copy fails validation for its channel only.
    expect((await backfillChatMessages(t.db)).copied).toBe(0);
    await t.conn.client.query(
      `update chat_messages_v2 set content = '{"type":"text","text":"tampered"}' where id = (select new_id from chat_message_id_map x join chat_messages c on c.id = x.old_id where c.channel_id = $1 limit 1)`,
      [c1.id],
    );
    const tampered = await validateBackfill(t.db);
    expect(tampered.ok).toBe(false);
    expect(tampered.channels.filter((c) => !c.ok).map((c) => c.channelId)).toEqual([c1.id]);
  });

  it('runs from the CLI: npx chatstore backfill agent --db L', async () => {
    // The CLI opens its own connection: a PGlite folder, used by one process at a time.
    if (backend.name !== 'pglite') return;
    const dir = mkdtempSync(path.join(tmpdir(), 'chatstore-agent-cli-'));
    try {
      const location = `pglite:${dir}`;
      const lines: string[] = [];
      const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), progress: false };
      expect(await main(['backfill', 'agent', '--db', location], io)).toBe(1);
      expect(lines.join('\n')).toContain(`run \`npx chatstore migrate agent --db ${location}\``);
      expect(await main(['migrate', 'agent', '--db', location, '--json'], io)).toBe(0);
      const conn = await connect('agent', location);
      try {
        const [channel] = await conn.db.insert(channels).values({ name: 'c' }).returning();
        await conn.db.insert(chatMessages).values([
          { channelId: channel?.id ?? '', content: 'one' },
          { channelId: channel?.id ?? '', content: 'two' },
        ]);
      } finally {
        await conn.close();
      }
      lines.length = 0;
      expect(await main(['backfill', 'agent', '--db', location, '--json'], io)).toBe(0);
      expect(JSON.parse(lines.join('\n'))).toMatchObject({
        result: { copied: 2, complete: true },
        validation: { ok: true, unmapped: 0 },
      });
      expect(await main(['backfill', 'todo', '--db', location], io)).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const eqId = (column: PgColumn, id: string) => eq(column, id);
