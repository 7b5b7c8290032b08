/**
 * Row-level security (migration `0003_v2__rls`) and the right to deletion (seed 003,
 * "Security Considerations"). `asAgentUser` sets `chatstore.user_id` and `chatstore.agent_id`
 * for one transaction: conversation data is scoped by user, an agent's own data by agent.
 */
import { arrayOverlaps, eq, inArray, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { PgDb } from '../../connect';
import { parseInput } from '../../kit';
import { refuseRlsBypass, requireRowsVisible, runTextOn } from '../../kit/rls';
import {
  agentMemories,
  agentStates,
  type CheckpointData,
  chatMessages,
  chatMessagesV2,
  contextSnapshots,
  conversationSessions,
  memoryConsolidations,
  messageVersions,
  type StateChanges,
  type StatePartitions,
  stateCheckpoints,
  stateTransitions,
  users,
} from '../../schema/agent';
import { type AgentDb, type AgentSchema, type AgentTx, Id, mapped } from './internal';
import { checkpointData, stateHash } from './state';

export const ActAs = z
  .object({ userId: Id.optional(), agentId: Id.optional() })
  .refine((v) => v.userId !== undefined || v.agentId !== undefined, 'give userId, agentId or both');
export type ActAs = z.input<typeof ActAs>;

export const ActAsOptions = z.object({
  /**
   * A role to `SET LOCAL ROLE` to for the transaction. Superusers and BYPASSRLS roles are not
   * bound by row-level security, so acting as one is refused (`RLS_BYPASSED`); an app that
   * connects as its non-owner application role needs no option (decision 019).
   */
  role: z
    .string()
    .regex(/^[a-z_][a-z0-9_$]{0,62}$/, 'must be a plain lower-case role name')
    .optional(),
});
export type ActAsOptions = z.input<typeof ActAsOptions>;

/**
 * Runs `fn` in a transaction in which row-level security acts for a user and/or an agent:
 * sessions, messages and message versions are those of the user's sessions (or sent by the
 * user); memories, consolidations, states, checkpoints, transitions and context snapshots are
 * the agent's. Writing another's row fails with `PERMISSION_DENIED`. The settings are
 * transaction-local, so a pooled connection never carries them over.
 *
 * @example
 * const hits = await asAgentUser(db, { userId, agentId }, (tx) => searchMemories(tx, { agentId, embedding }), {
 *   role: 'chatstore_app',
 * });
 */
export async function asAgentUser<T>(
  db: PgDb<AgentSchema>,
  actor: ActAs,
  fn: (tx: AgentTx) => Promise<T>,
  options: ActAsOptions = {},
): Promise<T> {
  const { userId, agentId } = parseInput(ActAs, actor, 'users');
  const { role } = parseInput(ActAsOptions, options, 'users');
  return mapped('users', () =>
    db.transaction(async (tx) => {
      if (role !== undefined) await tx.execute(sql`set local role ${sql.identifier(role)}`);
      await refuseRlsBypass(runTextOn(tx));
      await tx.execute(
        sql`select set_config('chatstore.user_id', ${userId ?? ''}, true), set_config('chatstore.agent_id', ${agentId ?? ''}, true)`,
      );
      return fn(tx as AgentTx);
    }),
  );
}

/** Rows removed (or scrubbed) by `deleteUserData`, per table. */
export interface UserDataDeletion {
  messageVersions: number;
  contextSnapshots: number;
  messages: number;
  /** Memories derived from the user's messages, and memories consolidated from those. */
  memories: number;
  /** States, checkpoints and transitions from which the user's key was removed. */
  scrubbedStates: number;
  legacyMessages: number;
  sessions: number;
  users: number;
}

const partitionNames = ['localState', 'sharedState', 'sessionState', 'persistentState'] as const;

/** The partitions without the top-level key `key`; `null` when none had it. */
function withoutKey<P extends StatePartitions>(partitions: P, key: string): P | null {
  let changed = false;
  const out = { ...partitions };
  for (const name of partitionNames) {
    const partition = partitions[name];
    if (partition && Object.hasOwn(partition, key)) {
      const { [key]: _, ...rest } = partition;
      out[name] = rest;
      changed = true;
    }
  }
  return changed ? out : null;
}

/** A transition's changes without `key` set or removed in any partition; `null` if unchanged. */
function changesWithoutKey(changes: StateChanges, key: string): StateChanges | null {
  let changed = false;
  const out: StateChanges = {};
  for (const [name, change] of Object.entries(changes) as [keyof StateChanges, StateChanges[keyof StateChanges]][]) {
    if (!change) continue;
    const { [key]: gone, ...set } = change.set;
    const removed = change.removed.filter((k) => k !== key);
    if (gone !== undefined || removed.length !== change.removed.length) changed = true;
    out[name] = { set, removed };
  }
  return changed ? out : null;
}

/**
 * Removes the user's key from every state of every agent, current and past: the partitions of
 * `agent_states` (re-hashed), checkpoints (archived ones too) and transitions. Per-user state is
 * kept under the user's id as a top-level key of a partition (docs/targets/agent.md).
 */
async function scrubState(tx: AgentDb, userId: string): Promise<number> {
  const mentions = (column: unknown) => sql`${column}::text like ${`%"${userId}"%`}`;
  let scrubbed = 0;
  const states = await tx
    .select()
    .from(agentStates)
    .where(
      or(
        mentions(agentStates.localState),
        mentions(agentStates.sharedState),
        mentions(agentStates.sessionState),
        mentions(agentStates.persistentState),
      ),
    );
  for (const state of states) {
    const partitions = withoutKey(
      {
        localState: state.localState,
        sharedState: state.sharedState ?? {},
        sessionState: state.sessionState ?? {},
        persistentState: state.persistentState,
      },
      userId,
    );
    if (!partitions) continue;
    await tx
      .update(agentStates)
      .set({ ...partitions, stateHash: stateHash(partitions) })
      .where(eq(agentStates.id, state.id));
    scrubbed++;
  }
  const checkpoints = await tx
    .select()
    .from(stateCheckpoints)
    .where(or(mentions(stateCheckpoints.stateData), eq(stateCheckpoints.compressionType, 'gzip')));
  for (const checkpoint of checkpoints) {
    const data = checkpointData(checkpoint);
    const partitions = withoutKey(data, userId);
    if (!partitions) continue;
    // Stored uncompressed again: a scrubbed archive is rewritten anyway.
    const { localState, sharedState, sessionState, persistentState } = partitions;
    const stateData: CheckpointData = {
      ...partitions,
      stateHash: stateHash({ localState, sharedState, sessionState, persistentState }),
    };
    await tx
      .update(stateCheckpoints)
      .set({ stateData, compressionType: 'none', sizeBytes: Buffer.byteLength(JSON.stringify(stateData)) })
      .where(eq(stateCheckpoints.id, checkpoint.id));
    scrubbed++;
  }
  const transitions = await tx
    .select()
    .from(stateTransitions)
    .where(or(mentions(stateTransitions.changes), mentions(stateTransitions.rollbackData)));
  for (const transition of transitions) {
    const changes = changesWithoutKey(transition.changes, userId);
    const rollbackData = transition.rollbackData && withoutKey(transition.rollbackData, userId);
    if (!changes && !rollbackData) continue;
    await tx
      .update(stateTransitions)
      .set({ changes: changes ?? transition.changes, rollbackData: rollbackData ?? transition.rollbackData })
      .where(eq(stateTransitions.id, transition.id));
    scrubbed++;
  }
  return scrubbed;
}

/**
 * The seed's "Right to Deletion": erases a user and the personal data derived from them, in one
 * transaction —
 * - their sessions (with their session state) and every message in them or sent by them, with
 *   the messages' versions and context snapshots; replies from others are detached;
 * - agent memories derived from those messages (`source_message_id`), and memories consolidated
 *   from those (`memory_consolidations.source_memories`), with their consolidation rows;
 * - the user's key in agent state: a top-level key equal to the user's id is removed from every
 *   partition of every state (current and past, re-hashed), checkpoint and transition;
 * - their legacy `chat_messages`, then the user.
 * Edits they made to others' messages keep the version with `changed_by` cleared. Memories not
 * derived from the user's messages belong to the agent and stay. Erasing an unknown user is not
 * an error: all counts are 0.
 *
 * @example const removed = await deleteUserData(db, userId);
 */
export async function deleteUserData(db: AgentDb, userId: string): Promise<UserDataDeletion> {
  const id = parseInput(Id, userId, 'users');
  return mapped('users', () =>
    db.transaction(async (tx) => {
      await requireRowsVisible(runTextOn(tx), {
        action: `Erasing user ${id}`,
        because:
          "so it would see only the rows its setting allows and leave the rest of the user's data (agents' memories and states, other users' sessions) behind",
        entity: 'users',
      });
      const sessionIds = tx
        .select({ id: conversationSessions.id })
        .from(conversationSessions)
        .where(eq(conversationSessions.userId, id));
      const doomed = (
        await tx
          .select({ id: chatMessagesV2.id })
          .from(chatMessagesV2)
          .where(or(eq(chatMessagesV2.senderUserId, id), inArray(chatMessagesV2.sessionId, sessionIds)))
      ).map((r) => r.id);
      let versions = 0;
      let snapshots = 0;
      let messages = 0;
      let memories = 0;
      if (doomed.length > 0) {
        versions = (
          await tx
            .delete(messageVersions)
            .where(inArray(messageVersions.messageId, doomed))
            .returning({ id: messageVersions.id })
        ).length;
        snapshots = (
          await tx
            .delete(contextSnapshots)
            .where(inArray(contextSnapshots.messageId, doomed))
            .returning({ id: contextSnapshots.id })
        ).length;
        await tx
          .update(chatMessagesV2)
          .set({ parentMessageId: null })
          .where(inArray(chatMessagesV2.parentMessageId, doomed));
        const derived = (
          await tx
            .select({ id: agentMemories.id })
            .from(agentMemories)
            .where(inArray(agentMemories.sourceMessageId, doomed))
        ).map((r) => r.id);
        if (derived.length > 0) {
          // What was consolidated from a derived memory carries the same personal data.
          const consolidations = await tx
            .delete(memoryConsolidations)
            .where(
              or(
                arrayOverlaps(memoryConsolidations.sourceMemories, derived),
                inArray(memoryConsolidations.consolidatedMemoryId, derived),
              ),
            )
            .returning({ consolidated: memoryConsolidations.consolidatedMemoryId });
          const consolidated = consolidations.flatMap((c) => (c.consolidated ? [c.consolidated] : []));
          const gone = [...new Set([...derived, ...consolidated])];
          // Other consolidations that produced one of these memories lose their link to it.
          await tx
            .update(memoryConsolidations)
            .set({ consolidatedMemoryId: null })
            .where(inArray(memoryConsolidations.consolidatedMemoryId, gone));
          memories = (
            await tx.delete(agentMemories).where(inArray(agentMemories.id, gone)).returning({ id: agentMemories.id })
          ).length;
        }
        messages = (
          await tx.delete(chatMessagesV2).where(inArray(chatMessagesV2.id, doomed)).returning({ id: chatMessagesV2.id })
        ).length;
      }
      await tx.update(messageVersions).set({ changedBy: null }).where(eq(messageVersions.changedBy, id));
      const scrubbedStates = await scrubState(tx, id);
      const legacy = await tx
        .delete(chatMessages)
        .where(eq(chatMessages.senderUserId, id))
        .returning({ id: chatMessages.id });
      const sessions = await tx
        .delete(conversationSessions)
        .where(eq(conversationSessions.userId, id))
        .returning({ id: conversationSessions.id });
      const deleted = await tx.delete(users).where(eq(users.id, id)).returning({ id: users.id });
      return {
        messageVersions: versions,
        contextSnapshots: snapshots,
        messages,
        memories,
        scrubbedStates,
        legacyMessages: legacy.length,
        sessions: sessions.length,
        users: deleted.length,
      };
    }),
  );
}
