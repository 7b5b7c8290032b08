/**
 * Versioned agent state (seed 003, "agent_states", "state_checkpoints", "state_transitions"):
 * commits that close the previous state and open a new current one with a sha-256 hash and a
 * transition row carrying the changes and rollback data; checkpoints; restore from a
 * checkpoint or roll back a transition, each as a new state.
 */
import { createHash } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { ChatstoreError } from '../../errors';
import {
  agentStates,
  type CheckpointData,
  checkpointTypes,
  JsonObject,
  retentionPolicies,
  type StateChanges,
  type StatePartitions,
  stateCheckpoints,
  stateTransitions,
  transitionTypes,
} from '../../schema/agent';
import { parseInput } from '../shared';
import { type AgentDb, Id, mapped, notFound } from './internal';

export type AgentState = typeof agentStates.$inferSelect;
export type StateCheckpoint = typeof stateCheckpoints.$inferSelect;
export type StateTransition = typeof stateTransitions.$inferSelect;

const partitionKeys = ['localState', 'sharedState', 'sessionState', 'persistentState'] as const;

export const CommitStateInput = z.object({
  agentId: Id,
  localState: JsonObject.optional(),
  sharedState: JsonObject.optional(),
  sessionState: JsonObject.optional(),
  persistentState: JsonObject.optional(),
  /** The state's format version (`agent_states.version`, at most 10 characters). */
  version: z.string().min(1).max(10).default('1.0.0'),
  trigger: z.string().min(1).max(50).optional(),
  /** `update` (default) carries partitions not given over; `reset` empties them. */
  transitionType: z.enum(transitionTypes).default('update'),
  /** Optimistic check: fail with `CONFLICT` unless this is still the current state's id. */
  expectedStateId: Id.nullable().optional(),
});
export type CommitStateInput = z.input<typeof CommitStateInput>;

export const CreateCheckpointInput = z.object({
  agentId: Id,
  /** Default: the agent's current state. */
  stateId: Id.optional(),
  checkpointType: z.enum(checkpointTypes).default('manual'),
  triggerReason: z.string().max(2000).optional(),
  retentionPolicy: z.enum(retentionPolicies).default('permanent'),
  expiresAt: z.date().optional(),
});
export type CreateCheckpointInput = z.input<typeof CreateCheckpointInput>;

export const RestoreInput = z.union([
  z.object({ agentId: Id, checkpointId: Id }),
  z.object({ agentId: Id, transitionId: Id }),
]);
export type RestoreInput = z.input<typeof RestoreInput>;

/** JSON with object keys sorted at every depth: equal states hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha-256 (hex) of the canonical JSON of the four partitions: `agent_states.state_hash`. */
export function stateHash(partitions: StatePartitions): string {
  return createHash('sha256').update(canonicalJson(partitions)).digest('hex');
}

function partitionsOf(state: AgentState | undefined): StatePartitions {
  return {
    localState: state?.localState ?? {},
    sharedState: state?.sharedState ?? {},
    sessionState: state?.sessionState ?? {},
    persistentState: state?.persistentState ?? {},
  };
}

function diff(before: StatePartitions, after: StatePartitions): StateChanges {
  const changes: StateChanges = {};
  for (const key of partitionKeys) {
    const set: JsonObject = {};
    for (const [k, v] of Object.entries(after[key])) {
      if (canonicalJson(before[key][k]) !== canonicalJson(v)) set[k] = v;
    }
    const removed = Object.keys(before[key]).filter((k) => !(k in after[key]));
    if (Object.keys(set).length > 0 || removed.length > 0) changes[key] = { set, removed };
  }
  return changes;
}

interface CommitOptions {
  version: string;
  trigger?: string;
  transitionType: (typeof transitionTypes)[number];
  expectedStateId?: string | null;
}

// The whole commit, inside the caller's transaction. The advisory lock serialises commits of
// one agent across connections, so two racing commits both succeed, one after the other;
// the partial unique index unique_current_state stays as the backstop.
async function commit(
  tx: AgentDb,
  agentId: string,
  next: (current: StatePartitions) => StatePartitions,
  options: CommitOptions,
): Promise<{ state: AgentState; transition: StateTransition }> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`chatstore:agent-state:${agentId}`}, 0))`);
  const [current] = await tx
    .select()
    .from(agentStates)
    .where(and(eq(agentStates.agentId, agentId), sql`${agentStates.isCurrent} = true`))
    .for('update');
  if (options.expectedStateId !== undefined && (current?.id ?? null) !== options.expectedStateId) {
    throw new ChatstoreError(
      'CONFLICT',
      `Agent ${agentId}'s current state is ${current?.id ?? 'none'}, not ${options.expectedStateId}`,
      { entity: 'agent_states', field: 'expectedStateId' },
    );
  }
  const before = partitionsOf(current);
  const after = next(before);
  if (current) {
    await tx
      .update(agentStates)
      .set({ isCurrent: false, validUntil: sql`clock_timestamp()` })
      .where(eq(agentStates.id, current.id));
  }
  const [state] = await tx
    .insert(agentStates)
    .values({
      agentId,
      version: options.version,
      ...after,
      stateHash: stateHash(after),
      modificationCount: (current?.modificationCount ?? -1) + 1,
      validFrom: sql`clock_timestamp()`,
      isCurrent: true,
      lastModified: sql`clock_timestamp()`,
    })
    .returning();
  if (!state) throw new ChatstoreError('DATABASE_ERROR', 'Inserting the new state returned no row');
  const [transition] = await tx
    .insert(stateTransitions)
    .values({
      agentId,
      fromStateId: current?.id ?? null,
      toStateId: state.id,
      transitionType: options.transitionType,
      trigger: options.trigger ?? null,
      changes: diff(before, after),
      rollbackAvailable: current !== undefined,
      rollbackData: current ? before : null,
    })
    .returning();
  return { state, transition: transition as StateTransition };
}

/**
 * Commits a new state for an agent, in one transaction: the current state is closed
 * (`is_current = false`, `valid_until` = now), the new one is current with a sha-256
 * `state_hash` of its canonical JSON and `modification_count` + 1, and a `state_transitions`
 * row records the changes (per partition: keys set and removed) and the previous partitions as
 * rollback data. Partitions not given carry over (`transitionType: 'reset'` empties them).
 * Concurrent commits for one agent are serialised: exactly one state stays current.
 *
 * @example
 * const { state } = await commitState(db, { agentId, localState: { step: 2 }, trigger: 'tool:search' });
 */
export async function commitState(
  db: AgentDb,
  input: CommitStateInput,
): Promise<{ state: AgentState; transition: StateTransition }> {
  const c = parseInput(CommitStateInput, input, 'agent_states');
  return mapped('agent_states', () =>
    db.transaction((tx) =>
      commit(
        tx,
        c.agentId,
        (before) => {
          const base = c.transitionType === 'reset' ? partitionsOf(undefined) : before;
          return {
            localState: c.localState ?? base.localState,
            sharedState: c.sharedState ?? base.sharedState,
            sessionState: c.sessionState ?? base.sessionState,
            persistentState: c.persistentState ?? base.persistentState,
          };
        },
        c,
      ),
    ),
  );
}

/**
 * The agent's current state, or `undefined` before its first commit.
 *
 * @example const state = await getCurrentState(db, agentId);
 */
export async function getCurrentState(db: AgentDb, agentId: string): Promise<AgentState | undefined> {
  const id = parseInput(Id, agentId, 'agent_states');
  const [row] = await mapped('agent_states', () =>
    db
      .select()
      .from(agentStates)
      .where(and(eq(agentStates.agentId, id), sql`${agentStates.isCurrent} = true`))
      .limit(1),
  );
  return row;
}

/**
 * An agent's states, newest first (the history commits leave behind).
 *
 * @example const history = await listStates(db, agentId);
 */
export async function listStates(db: AgentDb, agentId: string): Promise<AgentState[]> {
  const id = parseInput(Id, agentId, 'agent_states');
  return mapped('agent_states', () =>
    db.select().from(agentStates).where(eq(agentStates.agentId, id)).orderBy(desc(agentStates.modificationCount)),
  );
}

/**
 * Saves a checkpoint of a state (default: the current one): its partitions, version and hash
 * as `state_data`, with `size_bytes`. An agent without that state is `NOT_FOUND` on `stateId`.
 *
 * @example const checkpoint = await createCheckpoint(db, { agentId, checkpointType: 'milestone' });
 */
export async function createCheckpoint(db: AgentDb, input: CreateCheckpointInput): Promise<StateCheckpoint> {
  const c = parseInput(CreateCheckpointInput, input, 'state_checkpoints');
  return mapped('state_checkpoints', async () => {
    const [state] = await db
      .select()
      .from(agentStates)
      .where(
        and(
          eq(agentStates.agentId, c.agentId),
          c.stateId ? eq(agentStates.id, c.stateId) : sql`${agentStates.isCurrent} = true`,
        ),
      )
      .limit(1);
    if (!state) throw notFound('agent_states', 'stateId', c.stateId ?? `current of agent ${c.agentId}`);
    const stateData: CheckpointData = { ...partitionsOf(state), version: state.version, stateHash: state.stateHash };
    const [row] = await db
      .insert(stateCheckpoints)
      .values({
        agentId: c.agentId,
        stateId: state.id,
        checkpointType: c.checkpointType,
        triggerReason: c.triggerReason ?? null,
        stateData,
        compressionType: 'none',
        sizeBytes: Buffer.byteLength(JSON.stringify(stateData)),
        retentionPolicy: c.retentionPolicy,
        expiresAt: c.expiresAt ?? null,
      })
      .returning();
    return row as StateCheckpoint;
  });
}

/**
 * Restores an earlier state as a NEW current state (history is never rewritten), with a
 * `restore` transition: from a checkpoint (`checkpointId`; its `restoration_count` and
 * `restoration_time_ms` are updated) or by rolling back a transition (`transitionId`: the
 * state before it comes back; the transition's `rollback_available` becomes false). A
 * checkpoint or transition of another agent is `NOT_FOUND`; one already rolled back, or the
 * first commit (nothing before it), is `INVALID_TRANSITION` on `transitionId`.
 *
 * @example
 * const { state } = await restore(db, { agentId, checkpointId: checkpoint.id });
 * await restore(db, { agentId, transitionId: badCommit.transition.id });
 */
export async function restore(
  db: AgentDb,
  input: RestoreInput,
): Promise<{ state: AgentState; transition: StateTransition }> {
  const r = parseInput(RestoreInput, input, 'agent_states');
  const started = performance.now();
  return mapped('agent_states', () =>
    db.transaction(async (tx) => {
      if ('checkpointId' in r) {
        const [checkpoint] = await tx
          .select()
          .from(stateCheckpoints)
          .where(and(eq(stateCheckpoints.id, r.checkpointId), eq(stateCheckpoints.agentId, r.agentId)))
          .for('update');
        if (!checkpoint) throw notFound('state_checkpoints', 'checkpointId', r.checkpointId);
        const { version, stateHash: _hash, ...partitions } = checkpoint.stateData;
        const result = await commit(tx, r.agentId, () => partitions, {
          version,
          trigger: `checkpoint:${checkpoint.checkpointType ?? 'manual'}`,
          transitionType: 'restore',
        });
        await tx
          .update(stateCheckpoints)
          .set({
            restorationCount: sql`coalesce(${stateCheckpoints.restorationCount}, 0) + 1`,
            restorationTimeMs: Math.round(performance.now() - started),
          })
          .where(eq(stateCheckpoints.id, checkpoint.id));
        return result;
      }
      const [transition] = await tx
        .select()
        .from(stateTransitions)
        .where(and(eq(stateTransitions.id, r.transitionId), eq(stateTransitions.agentId, r.agentId)))
        .for('update');
      if (!transition) throw notFound('state_transitions', 'transitionId', r.transitionId);
      if (!transition.rollbackAvailable || !transition.rollbackData) {
        throw new ChatstoreError('INVALID_TRANSITION', `Transition ${r.transitionId} cannot be rolled back`, {
          entity: 'state_transitions',
          field: 'transitionId',
        });
      }
      const [from] = transition.fromStateId
        ? await tx.select().from(agentStates).where(eq(agentStates.id, transition.fromStateId))
        : [];
      const data = transition.rollbackData;
      const result = await commit(tx, r.agentId, () => data, {
        version: from?.version ?? '1.0.0',
        trigger: 'rollback',
        transitionType: 'restore',
      });
      await tx.update(stateTransitions).set({ rollbackAvailable: false }).where(eq(stateTransitions.id, transition.id));
      return result;
    }),
  );
}
