/**
 * Versioned agent state (seed 003, "agent_states", "state_checkpoints", "state_transitions"):
 * commits that close the previous state and open a new current one with a sha-256 hash and a
 * transition row carrying the changes and rollback data; checkpoints; restore from a
 * checkpoint or roll back a transition, each as a new state.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { and, desc, eq, getTableColumns, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { ChatstoreError } from '../../errors';
import { parseInput, refuseUnstorable } from '../../kit';
import { requireRowsVisible, runTextOn, scopedWork } from '../../kit/rls';
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
import { type AgentDb, floor, Id, mapped, notFound } from './internal';

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
  refuseUnstorable(value);
  return canonical(value);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
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

/**
 * Whether two JSON values are equal as canonical JSON. Primitives compare as values (their JSON
 * is equal exactly when they are, -0 and 0 included); objects and arrays by their canonical JSON.
 * The values were checked already: the new ones by `parseInput`, the old ones are a stored row.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return false;
  return canonical(a) === canonical(b);
}

function diff(before: StatePartitions, after: StatePartitions): StateChanges {
  const changes: StateChanges = {};
  for (const key of partitionKeys) {
    const set: JsonObject = {};
    for (const [k, v] of Object.entries(after[key])) {
      if (!sameJson(before[key][k], v)) set[k] = v;
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

const ph = sql.placeholder;
const json = (value: unknown) => (value === null ? null : JSON.stringify(value));

/** The CTE's columns, qualified by its name, under the table's field names. */
function fieldsOf(cte: object, table: typeof agentStates | typeof stateTransitions) {
  const columns = cte as Record<string, unknown>;
  return Object.fromEntries(Object.keys(getTableColumns(table)).map((k) => [k, columns[k]])) as never;
}

// A commit is three statements inside its transaction, each built once (decision 026):
// the advisory lock, the current state FOR UPDATE, and one write (close, insert, transition).
// Built by drizzle, executed at the driver's floor (kit `floor`, decision 026).
const statements = floor((db) => {
  // Its own statement, before the read: a statement's snapshot is taken when it starts, so a
  // lock taken inside the read would not see the state a racing commit just made current.
  const lock = db
    .select({ locked: sql<number>`1` })
    .from(sql`pg_advisory_xact_lock(hashtextextended(${ph('key')}, 0))`);
  const current = db
    .select()
    .from(agentStates)
    .where(and(eq(agentStates.agentId, ph('agentId')), sql`${agentStates.isCurrent} = true`))
    .for('update');
  // One statement: close the current state, insert the new one and its transition. The
  // insert reads "closed" first, so the old row leaves unique_current_state before the new
  // one enters it; clock_timestamp() as the separate statements had.
  const closed = db.$with('closed', { id: agentStates.id }).as(
    sql`update ${agentStates} set "is_current" = false, "valid_until" = clock_timestamp()
      where "id" = ${ph('currentId')}::uuid
      returning "id"`,
  );
  const inserted = db.$with('inserted', getTableColumns(agentStates)).as(
    sql`insert into ${agentStates} ("agent_id", "version", "local_state", "shared_state", "session_state",
        "persistent_state", "state_hash", "modification_count", "valid_from", "is_current", "last_modified")
      select ${ph('agentId')}::uuid, ${ph('version')}::varchar, ${ph('localState')}::jsonb, ${ph('sharedState')}::jsonb,
        ${ph('sessionState')}::jsonb, ${ph('persistentState')}::jsonb, ${ph('stateHash')}::varchar,
        ${ph('modificationCount')}::int, clock_timestamp(), true, clock_timestamp()
      where (select count(*) from "closed") >= 0
      returning *`,
  );
  const transition = db.$with('transition', getTableColumns(stateTransitions)).as(
    sql`insert into ${stateTransitions} ("agent_id", "from_state_id", "to_state_id", "transition_type", "trigger",
        "changes", "rollback_available", "rollback_data")
      select ${ph('agentId')}::uuid, ${ph('currentId')}::uuid, "inserted"."id", ${ph('transitionType')}::varchar,
        ${ph('trigger')}::varchar, ${ph('changes')}::jsonb, ${ph('rollbackAvailable')}::boolean, ${ph('rollbackData')}::jsonb
      from "inserted"
      returning *`,
  );
  const write = db
    .with(closed, inserted, transition)
    .select({
      state: fieldsOf(inserted, agentStates) as typeof agentStates._.columns,
      transition: fieldsOf(transition, stateTransitions) as typeof stateTransitions._.columns,
    })
    .from(inserted)
    .crossJoin(transition);
  return { lock, current, write };
});

// The whole commit, inside the caller's transaction. The advisory lock serialises commits of
// one agent across connections, so two racing commits both succeed, one after the other;
// the partial unique index unique_current_state stays as the backstop.
async function commit(
  tx: AgentDb,
  agentId: string,
  next: (current: StatePartitions) => StatePartitions,
  options: CommitOptions,
): Promise<{ state: AgentState; transition: StateTransition }> {
  // Bound to the transaction's session: its connection, built statements shared (decision 026).
  const prepared = statements(tx);
  await prepared.lock.execute({ key: `chatstore:agent-state:${agentId}` });
  const [current] = await prepared.current.execute({ agentId });
  if (options.expectedStateId !== undefined && (current?.id ?? null) !== options.expectedStateId) {
    throw new ChatstoreError(
      'CONFLICT',
      `Agent ${agentId}'s current state is ${current?.id ?? 'none'}, not ${options.expectedStateId}`,
      { entity: 'agent_states', field: 'expectedStateId' },
    );
  }
  const before = partitionsOf(current);
  const after = next(before);
  const [row] = await prepared.write.execute({
    agentId,
    currentId: current?.id ?? null,
    version: options.version,
    localState: json(after.localState),
    sharedState: json(after.sharedState),
    sessionState: json(after.sessionState),
    persistentState: json(after.persistentState),
    stateHash: stateHash(after),
    modificationCount: (current?.modificationCount ?? -1) + 1,
    transitionType: options.transitionType,
    trigger: options.trigger ?? null,
    changes: json(diff(before, after)),
    rollbackAvailable: current !== undefined,
    rollbackData: current ? json(before) : null,
  });
  if (!row) throw new ChatstoreError('DATABASE_ERROR', 'Inserting the new state returned no row');
  return row as { state: AgentState; transition: StateTransition };
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
        const { version, stateHash: _hash, ...partitions } = checkpointData(checkpoint);
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

export const ExpireCheckpointsInput = z
  .object({
    /** Only this agent's checkpoints; absent: every agent's (a scheduled job). */
    agentId: Id.optional(),
    /** The time to compare `expires_at` with; default now. */
    at: z.date().optional(),
  })
  .default({});
export type ExpireCheckpointsInput = z.input<typeof ExpireCheckpointsInput>;

/**
 * Applies the checkpoints' retention policies (seed: "Retention: temporary, permanent,
 * archive"; "States: Archive old checkpoints"): `temporary` checkpoints (and those without a
 * policy) whose `expires_at` has passed are deleted; `archive` checkpoints past `expires_at`
 * are archived — their `state_data` is gzip-compressed in place (`compression_type` `gzip`,
 * `size_bytes` the compressed size) and `restore` still reads them; `permanent` ones are never
 * touched. Returns how many were deleted and archived. Run it on a schedule.
 *
 * @example const { deleted, archived } = await expireCheckpoints(db);
 */
export async function expireCheckpoints(
  db: AgentDb,
  input?: ExpireCheckpointsInput,
): Promise<{ deleted: number; archived: number }> {
  const { agentId, at } = parseInput(ExpireCheckpointsInput, input, 'state_checkpoints');
  const now = at ?? new Date();
  const due = (...more: SQL[]) =>
    and(
      sql`${stateCheckpoints.expiresAt} <= ${now.toISOString()}::timestamptz`,
      agentId === undefined ? undefined : eq(stateCheckpoints.agentId, agentId),
      ...more,
    );
  return mapped('state_checkpoints', () =>
    db.transaction(async (tx) => {
      await requireRowsVisible(
        runTextOn(tx),
        scopedWork('Expiring checkpoints', 'agent', agentId, 'state_checkpoints'),
      );
      const deleted = await tx
        .delete(stateCheckpoints)
        .where(due(sql`coalesce(${stateCheckpoints.retentionPolicy}, 'temporary') = 'temporary'`))
        .returning({ id: stateCheckpoints.id });
      const toArchive = await tx
        .select({ id: stateCheckpoints.id, stateData: stateCheckpoints.stateData })
        .from(stateCheckpoints)
        .where(
          due(
            eq(stateCheckpoints.retentionPolicy, 'archive'),
            sql`coalesce(${stateCheckpoints.compressionType}, 'none') <> 'gzip'`,
          ),
        )
        .for('update');
      for (const row of toArchive) {
        const packed = gzipSync(JSON.stringify(row.stateData)).toString('base64');
        await tx
          .update(stateCheckpoints)
          .set({
            stateData: { gzip: packed } as unknown as CheckpointData,
            compressionType: 'gzip',
            sizeBytes: Buffer.byteLength(packed),
          })
          .where(eq(stateCheckpoints.id, row.id));
      }
      return { deleted: deleted.length, archived: toArchive.length };
    }),
  );
}

/** A checkpoint's state as saved, whether archived (gzip) or not. */
export function checkpointData(checkpoint: Pick<StateCheckpoint, 'stateData' | 'compressionType'>): CheckpointData {
  if (checkpoint.compressionType !== 'gzip') return checkpoint.stateData;
  const packed = (checkpoint.stateData as unknown as { gzip: string }).gzip;
  return JSON.parse(gunzipSync(Buffer.from(packed, 'base64')).toString('utf8')) as CheckpointData;
}
