/** Memories (vector search, decay, expiry, consolidation) and versioned state on every vector backend. */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  commitState,
  consolidateMemories,
  createCheckpoint,
  decayMemories,
  getCurrentState,
  getMemory,
  listStates,
  purgeExpiredMemories,
  restore,
  searchMemories,
  stateHash,
  storeMemory,
} from '../../../src/targets/agent';
import { vectorBackends } from '../../support/vector-backends';
import { embedding, expectChatstoreError, newAgent, rowCounts, useAgentDatabase } from './fixtures';

describe.each(vectorBackends)('agent memories and state on $name', (backend) => {
  const t = useAgentDatabase(backend);
  let agentId: string;
  let otherAgentId: string;

  beforeAll(async () => {
    agentId = (await newAgent(t.db)).id;
    otherAgentId = (await newAgent(t.db)).id;
  });

  it('validates memory content per type, naming the field, writing nothing', async () => {
    const before = await rowCounts(t.conn);
    await expectChatstoreError(
      storeMemory(t.db, { agentId, memoryType: 'semantic', content: { concept: 'x' } }),
      'VALIDATION',
      'content.definition',
    );
    await expectChatstoreError(
      storeMemory(t.db, { agentId, memoryType: 'episodic', content: { event: 'met' } }),
      'VALIDATION',
      'content.temporal',
    );
    await expectChatstoreError(
      storeMemory(t.db, { agentId, memoryType: 'working', content: { items: [1, 2], capacity: 1 } }),
      'VALIDATION',
      'content.items',
    );
    await expectChatstoreError(
      storeMemory(t.db, { agentId, memoryType: 'procedural', content: { skill: 's', steps: ['a'] }, importance: 1.5 }),
      'VALIDATION',
      'importance',
    );
    await expectChatstoreError(
      storeMemory(t.db, {
        agentId,
        memoryType: 'procedural',
        content: { skill: 's', steps: ['a'] },
        embedding: [1, 2, 3],
      }),
      'VALIDATION',
      'embedding',
    );
    expect(await rowCounts(t.conn)).toEqual(before);
  });

  it('finds the nearest memories by cosine, filtered by agent, type and importance, recording access', async () => {
    const stored = [];
    for (let i = 0; i < 12; i++) {
      stored.push(
        await storeMemory(t.db, {
          agentId,
          memoryType: i % 2 === 0 ? 'semantic' : 'episodic',
          content: i % 2 === 0 ? { concept: `c${i}`, definition: `d${i}` } : { event: `e${i}`, temporal: { i } },
          embedding: embedding(i + 1),
          importance: i / 12,
        }),
      );
    }
    await storeMemory(t.db, {
      agentId: otherAgentId,
      memoryType: 'semantic',
      content: { concept: 'x', definition: 'y' },
      embedding: embedding(3),
    });
    const target = stored[2];
    if (!target) throw new Error('no memory');
    const hits = await searchMemories(t.db, { agentId, embedding: embedding(3), k: 3 });
    expect(hits[0]?.id).toBe(target.id);
    expect(hits[0]?.similarity).toBeCloseTo(1, 5);
    expect(hits).toHaveLength(3);
    expect(hits.every((h, i) => i === 0 || h.distance >= (hits[i - 1]?.distance ?? 0))).toBe(true);
    expect(hits[0]?.accessCount).toBe(1);
    expect((await getMemory(t.db, target.id))?.accessCount).toBe(1);

    const filtered = await searchMemories(t.db, {
      agentId,
      embedding: embedding(3),
      k: 12,
      memoryTypes: ['episodic'],
      minImportance: 0.5,
      recordAccess: false,
    });
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered.every((h) => h.memoryType === 'episodic' && (h.importance ?? 0) >= 0.5)).toBe(true);
    expect(filtered.every((h) => h.agentId === agentId)).toBe(true);
    expect((await getMemory(t.db, target.id))?.accessCount).toBe(1);
  });

  it('leaves the embedding out of hits unless asked, and returns it exactly as stored when asked', async () => {
    const bare = await searchMemories(t.db, { agentId, embedding: embedding(5), k: 2, recordAccess: false });
    expect(bare).toHaveLength(2);
    for (const hit of bare) expect(Object.hasOwn(hit, 'embedding')).toBe(false);
    for (const recordAccess of [false, true]) {
      const full = await searchMemories(t.db, {
        agentId,
        embedding: embedding(5),
        k: 2,
        recordAccess,
        includeEmbedding: true,
      });
      expect(full.map((h) => h.id)).toEqual(bare.map((h) => h.id));
      for (const hit of full) {
        const stored = await getMemory(t.db, hit.id);
        expect(hit.embedding).toHaveLength(1536);
        expect(hit.embedding).toEqual(stored?.embedding);
        const { embedding: _, ...rest } = hit;
        const without = bare.find((h) => h.id === hit.id);
        expect(Object.keys(rest).sort()).toEqual(Object.keys(without ?? {}).sort());
      }
    }
  });

  it('decays idle memories, purges expired ones, and consolidates several into one', async () => {
    const idle = await storeMemory(t.db, {
      agentId,
      memoryType: 'semantic',
      content: { concept: 'idle', definition: 'old' },
      importance: 0.8,
      decayRate: 0.5,
    });
    await t.conn.client.query(`update agent_memories set last_accessed = now() - interval '3 days' where id = $1`, [
      idle.id,
    ]);
    const fresh = await storeMemory(t.db, {
      agentId,
      memoryType: 'semantic',
      content: { concept: 'fresh', definition: 'new' },
      importance: 0.8,
    });
    expect(await decayMemories(t.db, { agentId, idleDays: 2 })).toBe(1);
    expect((await getMemory(t.db, idle.id))?.importance).toBeCloseTo(0.8 * Math.exp(-1), 6);
    expect((await getMemory(t.db, fresh.id))?.importance).toBe(0.8);

    const expired = await storeMemory(t.db, {
      agentId,
      memoryType: 'working',
      content: { items: ['x'], capacity: 3 },
      expiresAt: new Date(Date.now() - 1000),
    });
    expect(await purgeExpiredMemories(t.db, { agentId })).toBe(1);
    expect(await getMemory(t.db, expired.id)).toBeUndefined();

    const { memory, consolidation } = await consolidateMemories(t.db, {
      agentId,
      sourceMemoryIds: [idle.id, fresh.id],
      consolidationType: 'summarize',
      memory: { memoryType: 'semantic', content: { concept: 'both', definition: 'old and new' } },
    });
    expect(memory.relatedMemories).toEqual([idle.id, fresh.id]);
    expect(memory.importance).toBe(0.8);
    expect(consolidation).toMatchObject({ consolidatedMemoryId: memory.id, sourceMemories: [idle.id, fresh.id] });
    expect(consolidation.tokensSaved).toBeGreaterThan(0);
    expect(await getMemory(t.db, idle.id)).toBeUndefined();

    const before = await rowCounts(t.conn);
    await expectChatstoreError(
      consolidateMemories(t.db, {
        agentId: otherAgentId,
        sourceMemoryIds: [memory.id, fresh.id],
        consolidationType: 'merge',
        memory: { memoryType: 'semantic', content: { concept: 'x', definition: 'y' } },
      }),
      'NOT_FOUND',
      'sourceMemoryIds',
    );
    expect(await rowCounts(t.conn)).toEqual(before);
  });

  it('commits states: previous closed, new current with hash, transition with changes and rollback data', async () => {
    const first = await commitState(t.db, { agentId, localState: { step: 1 }, persistentState: { name: 'Ada' } });
    expect(first.state).toMatchObject({ isCurrent: true, modificationCount: 0, validUntil: null });
    expect(first.transition).toMatchObject({ fromStateId: null, rollbackAvailable: false });
    const second = await commitState(t.db, { agentId, localState: { step: 2, tool: 'search' }, trigger: 'tool' });
    expect(second.state.persistentState).toEqual({ name: 'Ada' });
    expect(second.state.stateHash).toBe(
      stateHash({
        localState: { tool: 'search', step: 2 },
        sharedState: {},
        sessionState: {},
        persistentState: { name: 'Ada' },
      }),
    );
    expect(second.transition.changes).toEqual({ localState: { set: { step: 2, tool: 'search' }, removed: [] } });
    expect(second.transition.rollbackData?.localState).toEqual({ step: 1 });
    const history = await listStates(t.db, agentId);
    expect(history.map((s) => s.isCurrent)).toEqual([true, false]);
    expect(history[1]?.validUntil).toBeInstanceOf(Date);
    // JSONB stored as objects, not JSON strings.
    const types = await t.conn.client.query<{ l: string; p: string; c: string; r: string }>(
      `select jsonb_typeof(s.local_state) as l, jsonb_typeof(s.persistent_state) as p,
         jsonb_typeof(x.changes) as c, jsonb_typeof(x.rollback_data) as r
       from agent_states s join state_transitions x on x.to_state_id = s.id where s.id = $1`,
      [second.state.id],
    );
    expect(types).toEqual([{ l: 'object', p: 'object', c: 'object', r: 'object' }]);

    await expectChatstoreError(
      commitState(t.db, { agentId, localState: {}, expectedStateId: first.state.id }),
      'CONFLICT',
      'expectedStateId',
    );
  });

  it('keeps exactly one current state when commits race', async () => {
    const racer = (await newAgent(t.db)).id;
    await Promise.all(Array.from({ length: 6 }, (_, i) => commitState(t.db, { agentId: racer, localState: { i } })));
    const states = await listStates(t.db, racer);
    expect(states).toHaveLength(6);
    expect(states.filter((s) => s.isCurrent)).toHaveLength(1);
    expect(states.map((s) => s.modificationCount).sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('restores a checkpoint and rolls back a transition, each as a new state', async () => {
    const a = (await newAgent(t.db)).id;
    await commitState(t.db, { agentId: a, localState: { v: 1 } });
    const checkpoint = await createCheckpoint(t.db, { agentId: a, checkpointType: 'milestone' });
    expect(checkpoint.sizeBytes).toBeGreaterThan(0);
    const bad = await commitState(t.db, { agentId: a, localState: { v: 2 } });
    const rolledBack = await restore(t.db, { agentId: a, transitionId: bad.transition.id });
    expect(rolledBack.state.localState).toEqual({ v: 1 });
    expect(rolledBack.transition.transitionType).toBe('restore');
    await expectChatstoreError(
      restore(t.db, { agentId: a, transitionId: bad.transition.id }),
      'INVALID_TRANSITION',
      'transitionId',
    );
    await commitState(t.db, { agentId: a, localState: { v: 3 } });
    const restored = await restore(t.db, { agentId: a, checkpointId: checkpoint.id });
    expect(restored.state.localState).toEqual({ v: 1 });
    expect((await getCurrentState(t.db, a))?.id).toBe(restored.state.id);
    expect((await listStates(t.db, a)).length).toBe(5);
    await expectChatstoreError(
      restore(t.db, { agentId: agentId, checkpointId: checkpoint.id }),
      'NOT_FOUND',
      'checkpointId',
    );
  });
});
