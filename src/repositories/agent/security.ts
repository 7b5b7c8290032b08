/**
 * Row-level security (migration `0003_v2__rls`) and the right to deletion (seed 003,
 * "Security Considerations"). `asAgentUser` sets `chatstore.user_id` and `chatstore.agent_id`
 * for one transaction: conversation data is scoped by user, an agent's own data by agent.
 */
import { eq, inArray, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { PgDb } from '../../connect';
import {
  agentMemories,
  chatMessages,
  chatMessagesV2,
  contextSnapshots,
  conversationSessions,
  messageVersions,
  users,
} from '../../schema/agent';
import { parseInput } from '../shared';
import { type AgentDb, type AgentSchema, type AgentTx, Id, mapped } from './internal';

export const ActAs = z
  .object({ userId: Id.optional(), agentId: Id.optional() })
  .refine((v) => v.userId !== undefined || v.agentId !== undefined, 'give userId, agentId or both');
export type ActAs = z.input<typeof ActAs>;

export const ActAsOptions = z.object({
  /**
   * A role to `SET LOCAL ROLE` to for the transaction. Owners and superusers bypass row-level
   * security, so an app connecting as the owner names a non-owner role here.
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
      await tx.execute(
        sql`select set_config('chatstore.user_id', ${userId ?? ''}, true), set_config('chatstore.agent_id', ${agentId ?? ''}, true)`,
      );
      return fn(tx as AgentTx);
    }),
  );
}

/** Rows removed (or detached) by `deleteUserData`, per table. */
export interface UserDataDeletion {
  messageVersions: number;
  contextSnapshots: number;
  messages: number;
  legacyMessages: number;
  sessions: number;
  users: number;
}

/**
 * The seed's "Right to Deletion": erases a user and what belongs to them, in one transaction —
 * their sessions and every message in them or sent by them (with the messages' versions and
 * context snapshots; replies from others are detached, memories that cite a message lose the
 * citation), their legacy `chat_messages`, then the user. Edits they made to others' messages
 * keep the version with `changed_by` cleared. Agent memories belong to agents and stay.
 * Erasing an unknown user is not an error: all counts are 0.
 *
 * @example const removed = await deleteUserData(db, userId);
 */
export async function deleteUserData(db: AgentDb, userId: string): Promise<UserDataDeletion> {
  const id = parseInput(Id, userId, 'users');
  return mapped('users', () =>
    db.transaction(async (tx) => {
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
        await tx
          .update(agentMemories)
          .set({ sourceMessageId: null })
          .where(inArray(agentMemories.sourceMessageId, doomed));
        messages = (
          await tx.delete(chatMessagesV2).where(inArray(chatMessagesV2.id, doomed)).returning({ id: chatMessagesV2.id })
        ).length;
      }
      await tx.update(messageVersions).set({ changedBy: null }).where(eq(messageVersions.changedBy, id));
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
        legacyMessages: legacy.length,
        sessions: sessions.length,
        users: deleted.length,
      };
    }),
  );
}
