/**
 * Conversation sessions (seed 003, "conversation_sessions"): start one, move it through
 * active → paused → active … → completed | abandoned, and read its counters (kept current by
 * `appendMessage`).
 */
import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { ChatstoreError } from '../../errors';
import { parseInput } from '../../kit';
import { conversationSessions, JsonObject, type sessionStatuses } from '../../schema/agent';
import { type AgentDb, Id, mapped, notFound } from './internal';

export type ConversationSession = typeof conversationSessions.$inferSelect;
export type SessionStatus = (typeof sessionStatuses)[number];

export const StartSessionInput = z.object({
  /** Omit to start a new conversation; its id is the session's `conversationId`. */
  conversationId: Id.optional(),
  userId: Id.optional(),
  agentId: Id.optional(),
  sessionState: JsonObject.optional(),
});
export type StartSessionInput = z.input<typeof StartSessionInput>;

export const PauseSessionInput = z.object({ sessionId: Id, interruptionContext: JsonObject.optional() });
export type PauseSessionInput = z.input<typeof PauseSessionInput>;

/** Which statuses each transition leaves from (the seed's lifecycle; terminal states stay). */
const transitions = {
  pause: { from: ['active'], to: 'paused' },
  resume: { from: ['paused'], to: 'active' },
  complete: { from: ['active', 'paused'], to: 'completed' },
  abandon: { from: ['active', 'paused'], to: 'abandoned' },
} as const satisfies Record<string, { from: readonly SessionStatus[]; to: SessionStatus }>;

/**
 * Starts an active session. Without `conversationId` a new conversation id is generated.
 * An unknown user or agent is `FOREIGN_KEY` on `userId` / `agentId`.
 *
 * @example const session = await startSession(db, { userId, agentId });
 */
export async function startSession(db: AgentDb, input: StartSessionInput): Promise<ConversationSession> {
  const s = parseInput(StartSessionInput, input, 'conversation_sessions');
  const [row] = await mapped('conversation_sessions', () =>
    db
      .insert(conversationSessions)
      .values({
        conversationId: s.conversationId ?? sql`gen_random_uuid()`,
        userId: s.userId ?? null,
        agentId: s.agentId ?? null,
        sessionState: s.sessionState ?? {},
        status: 'active',
      })
      .returning(),
  );
  return row as ConversationSession;
}

/**
 * A session by id; a missing one is `NOT_FOUND` on `sessionId`.
 *
 * @example const session = await getSessionOrThrow(db, sessionId);
 */
export async function getSessionOrThrow(db: AgentDb, sessionId: string): Promise<ConversationSession> {
  const id = parseInput(Id, sessionId, 'conversation_sessions');
  const [row] = await mapped('conversation_sessions', () =>
    db.select().from(conversationSessions).where(eq(conversationSessions.id, id)).limit(1),
  );
  if (!row) throw notFound('conversation_sessions', 'sessionId', id);
  return row;
}

async function move(
  db: AgentDb,
  sessionId: string,
  transition: keyof typeof transitions,
  extra: { interruptionContext?: ConversationSession['interruptionContext']; endedAt?: SQL } = {},
): Promise<ConversationSession> {
  const { from, to } = transitions[transition];
  // Conditional update: of two racing transitions one wins, the other sees the new status.
  const [row] = await mapped('conversation_sessions', () =>
    db
      .update(conversationSessions)
      .set({ ...extra, status: to, lastActive: sql`clock_timestamp()` })
      .where(and(eq(conversationSessions.id, sessionId), inArray(conversationSessions.status, [...from])))
      .returning(),
  );
  if (row) return row;
  const current = await getSessionOrThrow(db, sessionId);
  throw new ChatstoreError(
    'INVALID_TRANSITION',
    `Session ${sessionId} is ${current.status}; cannot ${transition} (needs ${from.join(' or ')})`,
    { entity: 'conversation_sessions', field: 'status' },
  );
}

/**
 * Pauses an active session, keeping what the agent needs to pick up (`interruption_context`).
 *
 * @example await pauseSession(db, { sessionId, interruptionContext: { pendingTool: 'search' } });
 */
export async function pauseSession(db: AgentDb, input: PauseSessionInput): Promise<ConversationSession> {
  const { sessionId, interruptionContext } = parseInput(PauseSessionInput, input, 'conversation_sessions');
  return move(db, sessionId, 'pause', { interruptionContext: interruptionContext ?? null });
}

/**
 * Resumes a paused session.
 *
 * @example await resumeSession(db, sessionId);
 */
export async function resumeSession(db: AgentDb, sessionId: string): Promise<ConversationSession> {
  return move(db, parseInput(Id, sessionId, 'conversation_sessions'), 'resume');
}

/**
 * Ends a session as `completed` (or `abandoned` with `{ abandoned: true }`), setting `ended_at`.
 * Ending an ended session is `INVALID_TRANSITION` on `status`.
 *
 * @example await endSession(db, sessionId);
 */
export async function endSession(
  db: AgentDb,
  sessionId: string,
  options: { abandoned?: boolean } = {},
): Promise<ConversationSession> {
  const id = parseInput(Id, sessionId, 'conversation_sessions');
  return move(db, id, options.abandoned ? 'abandon' : 'complete', { endedAt: sql`clock_timestamp()` });
}
