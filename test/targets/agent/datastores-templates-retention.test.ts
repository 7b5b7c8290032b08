/** agent_datastores, context templates (list, update) and checkpoint retention on every vector backend. */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { stateCheckpoints } from '../../../src/schema/agent';
import {
  commitState,
  createCheckpoint,
  createContextTemplate,
  expireCheckpoints,
  linkDatastore,
  listAgentDatastores,
  listContextTemplates,
  listDatastoreAgents,
  restore,
  unlinkDatastore,
  updateContextTemplate,
  useContextTemplate,
} from '../../../src/targets/agent';
import { vectorBackends } from '../../support/vector-backends';
import { expectChatstoreError, newAgent, rowCounts, useAgentDatabase } from './fixtures';

describe.each(vectorBackends)('agent datastores, templates and checkpoint retention on $name', (backend) => {
  const t = useAgentDatabase(backend);
  let agentId: string;

  beforeAll(async () => {
    agentId = (await newAgent(t.db)).id;
  });

  it('links datastores to agents, idempotently, and lists both ways', async () => {
    const other = (await newAgent(t.db)).id;
    const [s1, s2] = [randomUUID(), randomUUID()].sort();
    expect(await linkDatastore(t.db, { agentId, datastoreId: s2 as string })).toMatchObject({ created: true });
    expect((await linkDatastore(t.db, { agentId, datastoreId: s1 as string })).created).toBe(true);
    expect((await linkDatastore(t.db, { agentId, datastoreId: s1 as string })).created).toBe(false);
    await linkDatastore(t.db, { agentId: other, datastoreId: s1 as string });
    expect(await listAgentDatastores(t.db, agentId)).toEqual([s1, s2]);
    expect(await listDatastoreAgents(t.db, s1 as string)).toEqual([agentId, other].sort());
    expect(await unlinkDatastore(t.db, { agentId, datastoreId: s1 as string })).toEqual({ agentId, datastoreId: s1 });
    expect(await listAgentDatastores(t.db, agentId)).toEqual([s2]);

    const before = await rowCounts(t.conn);
    await expectChatstoreError(
      unlinkDatastore(t.db, { agentId, datastoreId: s1 as string }),
      'NOT_FOUND',
      'datastoreId',
    );
    await expectChatstoreError(
      linkDatastore(t.db, { agentId: randomUUID(), datastoreId: s1 as string }),
      'FOREIGN_KEY',
      'agentId',
    );
    await expectChatstoreError(linkDatastore(t.db, { agentId, datastoreId: 'x' }), 'VALIDATION', 'datastoreId');
    await expectChatstoreError(listAgentDatastores(t.db, 'x'), 'VALIDATION', 'agentId');
    expect(await rowCounts(t.conn)).toEqual(before);
  });

  it('lists context templates by use case and agent type, and updates one', async () => {
    const prefix = randomUUID().slice(0, 8);
    const support = await createContextTemplate(t.db, {
      name: `${prefix}-support`,
      segments: [{ kind: 'system', content: 'You help.' }],
      useCases: ['support'],
      agentTypes: ['assistant'],
    });
    await createContextTemplate(t.db, {
      name: `${prefix}-sales`,
      segments: [{ kind: 'system', content: 'You sell.' }],
      useCases: ['sales'],
      agentTypes: ['assistant'],
    });
    const mine = async (input?: Parameters<typeof listContextTemplates>[1]) =>
      (await listContextTemplates(t.db, input)).map((x) => x.name).filter((n) => n.startsWith(prefix));
    expect(await mine()).toEqual([`${prefix}-sales`, `${prefix}-support`]);
    expect(await mine({ useCase: 'support' })).toEqual([`${prefix}-support`]);
    expect(await mine({ agentType: 'assistant', useCase: 'sales' })).toEqual([`${prefix}-sales`]);
    expect(await mine({ agentType: 'router' })).toEqual([]);

    await useContextTemplate(t.db, support.name);
    const updated = await updateContextTemplate(t.db, {
      name: support.name,
      segments: [{ kind: 'system', content: 'You help, briefly.' }],
      description: 'short answers',
    });
    expect(updated).toMatchObject({
      description: 'short answers',
      segments: [{ kind: 'system', content: 'You help, briefly.' }],
      useCount: 1,
      useCases: ['support'],
    });
    expect(updated.updatedAt?.getTime()).toBeGreaterThan(support.updatedAt?.getTime() ?? Infinity);
    expect((await updateContextTemplate(t.db, { name: support.name, useCases: null })).useCases).toBeNull();

    await expectChatstoreError(
      updateContextTemplate(t.db, { name: `${prefix}-nope`, description: 'x' }),
      'NOT_FOUND',
      'name',
    );
    await expectChatstoreError(updateContextTemplate(t.db, { name: support.name }), 'VALIDATION', 'input');
    await expectChatstoreError(
      updateContextTemplate(t.db, { name: support.name, segments: [] as never }),
      'VALIDATION',
      'segments',
    );
  });

  it('deletes expired temporary checkpoints, archives expired archive ones (still restorable), keeps permanent', async () => {
    const { state } = await commitState(t.db, { agentId, localState: { step: 1 } });
    await commitState(t.db, { agentId, localState: { step: 2 } });
    const past = new Date(Date.now() - 60_000);
    const future = new Date(Date.now() + 3_600_000);
    const temporary = await createCheckpoint(t.db, {
      agentId,
      stateId: state.id,
      retentionPolicy: 'temporary',
      expiresAt: past,
    });
    const notYet = await createCheckpoint(t.db, {
      agentId,
      stateId: state.id,
      retentionPolicy: 'temporary',
      expiresAt: future,
    });
    const archive = await createCheckpoint(t.db, {
      agentId,
      stateId: state.id,
      retentionPolicy: 'archive',
      expiresAt: past,
    });
    const permanent = await createCheckpoint(t.db, {
      agentId,
      stateId: state.id,
      retentionPolicy: 'permanent',
      expiresAt: past,
    });

    expect(await expireCheckpoints(t.db, { agentId })).toEqual({ deleted: 1, archived: 1 });
    const rows = await t.db.select().from(stateCheckpoints).where(eq(stateCheckpoints.agentId, agentId));
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.has(temporary.id)).toBe(false);
    expect(byId.get(notYet.id)).toEqual(notYet);
    expect(byId.get(permanent.id)).toEqual(permanent);
    const archived = byId.get(archive.id);
    expect(archived).toMatchObject({ compressionType: 'gzip', stateData: { gzip: expect.any(String) } });
    // Archiving twice does nothing more; the archived checkpoint still restores its state.
    expect(await expireCheckpoints(t.db, { agentId })).toEqual({ deleted: 0, archived: 0 });
    const restored = await restore(t.db, { agentId, checkpointId: archive.id });
    expect(restored.state.localState).toEqual({ step: 1 });
    expect(restored.state.stateHash).toBe(state.stateHash);

    expect(await expireCheckpoints(t.db, { agentId, at: new Date(future.getTime() + 1000) })).toEqual({
      deleted: 1,
      archived: 0,
    });
    await expectChatstoreError(expireCheckpoints(t.db, { agentId: 'x' }), 'VALIDATION', 'agentId');
  });
});
