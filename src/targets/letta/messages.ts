/**
 * Messages (seed 000, v2 `messages`): record what a user sends, queued for the agent in the
 * same transaction, record what the agent says on its own (role `assistant`), and give the
 * agent a user's recent history across every platform.
 *
 * `is_active = false` (seed: "Letta-agent specific metadata") means the agent does not answer
 * the user: their messages are still recorded (history is kept) but not queued, and entries
 * queued before the user was deactivated are skipped by the claim (queue.ts) until reactivated.
 */
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import { ChatstoreError } from '../../errors';
import { parseInput } from '../../kit';
import { lettaUsers, messages, platformProfiles, queue } from '../../schema/letta';
import { RowId } from './identity';
import { floor, type LettaDb, mapped, notFound, prepared, sqliteTimestamp } from './internal';
import { ConversationHistoryLimit } from './preferences';

export type Message = typeof messages.$inferSelect;
export type QueueEntry = typeof queue.$inferSelect;

/** A message of the agent's history, with the platform it came from. */
export interface HistoryMessage extends Message {
  platform: string | null;
}

/** A message's text as the seed stores it: not blank, at most 100,000 characters. */
export const MessageText = z
  .string()
  .min(1)
  .max(100_000)
  .refine((v) => v.trim().length > 0, 'must not be blank');

export const RecordIncomingMessageInput = z.object({
  /** The profile (platform presence) the message came from: `resolveIdentity(…).profile.id`. */
  profileId: RowId,
  message: MessageText,
  /** When it was sent; default now. */
  at: z.date().optional(),
});
export type RecordIncomingMessageInput = z.input<typeof RecordIncomingMessageInput>;

export interface RecordedMessage {
  message: Message;
  /**
   * The queue entry, `pending`, that hands the message to the agent; `null` when the Letta
   * user is inactive (`is_active = false`): the agent does not answer inactive users.
   */
  queueEntry: QueueEntry | null;
}

export const RecordAssistantMessageInput = z.object({
  lettaUserId: RowId,
  /** The profile (platform) the message was sent on; it must belong to the user. */
  profileId: RowId.optional(),
  message: MessageText,
  /** When it was sent; default now. */
  at: z.date().optional(),
});
export type RecordAssistantMessageInput = z.input<typeof RecordAssistantMessageInput>;

export const LoadHistoryInput = z.object({
  lettaUserId: RowId,
  /** How many messages; default the user's `conversation_history_limit`. */
  limit: ConversationHistoryLimit.optional(),
  /** Only messages before this one (e.g. the message being answered). */
  beforeMessageId: RowId.optional(),
});
export type LoadHistoryInput = z.input<typeof LoadHistoryInput>;

const ph = sql.placeholder;
// Built by drizzle, executed at the driver's floor (kit `floor`, decision 026).
const hot = floor((db) => ({
  owner: db
    .select({ lettaUserId: platformProfiles.lettaUserId, isActive: lettaUsers.isActive })
    .from(platformProfiles)
    .leftJoin(lettaUsers, eq(lettaUsers.id, platformProfiles.lettaUserId))
    .where(eq(platformProfiles.id, ph('profileId'))),
  insertAssistant: db
    .insert(messages)
    .values({
      lettaUserId: ph('lettaUserId'),
      platformProfileId: ph('profileId'),
      role: 'assistant',
      message: ph('message'),
      timestamp: ph('at'),
      // Nothing to process: the agent wrote it.
      processed: 1,
    })
    .returning(),
  insert: db
    .insert(messages)
    .values({
      lettaUserId: ph('lettaUserId'),
      platformProfileId: ph('profileId'),
      role: 'user',
      message: ph('message'),
      timestamp: ph('at'),
      processed: 0,
    })
    .returning(),
  enqueue: db
    .insert(queue)
    .values({
      lettaUserId: ph('lettaUserId'),
      messageId: ph('messageId'),
      status: 'pending',
      attemptCount: 0,
      timestamp: ph('at'),
    })
    .returning(),
  touchProfile: db
    .update(platformProfiles)
    .set({ lastActive: sql`${ph('at')}` })
    .where(eq(platformProfiles.id, ph('profileId'))),
  touchUser: db
    .update(lettaUsers)
    .set({ lastActive: sql`${ph('at')}` })
    .where(eq(lettaUsers.id, ph('lettaUserId'))),
  userExists: db
    .select({ id: lettaUsers.id })
    .from(lettaUsers)
    .where(eq(lettaUsers.id, ph('lettaUserId'))),
  historyLimit: db
    .select({ limit: lettaUsers.conversationHistoryLimit })
    .from(lettaUsers)
    .where(eq(lettaUsers.id, ph('lettaUserId'))),
  // Newest first so LIMIT keeps the latest; ids are the order messages were recorded in.
  history: db
    .select({ message: messages, platform: platformProfiles.platform })
    .from(messages)
    .leftJoin(platformProfiles, eq(platformProfiles.id, messages.platformProfileId))
    .where(and(eq(messages.lettaUserId, ph('lettaUserId')), lt(messages.id, ph('before'))))
    .orderBy(desc(messages.id))
    .limit(ph('limit')),
}));

const statements = prepared((db, client) => {
  const { owner, insertAssistant, insert, enqueue, touchProfile, touchUser, userExists } = hot(db);
  return {
    record: client.transaction((profileId: number, message: string, at: string): RecordedMessage => {
      const found = owner.get({ profileId });
      if (!found) throw notFound('platform_profiles', 'profileId', profileId);
      const { lettaUserId, isActive } = found;
      if (lettaUserId === null) {
        throw new ChatstoreError('NOT_FOUND', `Profile ${profileId} has no Letta user`, {
          entity: 'platform_profiles',
          field: 'profileId',
        });
      }
      const recorded = insert.get({ lettaUserId, profileId, message, at }) as Message;
      // NULL is_active (a row written by another tool) counts as active, the seed's default.
      const queueEntry =
        isActive === false ? null : (enqueue.get({ lettaUserId, messageId: recorded.id, at }) as QueueEntry);
      touchProfile.run({ profileId, at });
      touchUser.run({ lettaUserId, at });
      return { message: recorded, queueEntry };
    }),
    recordAssistant: client.transaction(
      (lettaUserId: number, profileId: number | null, message: string, at: string): Message => {
        if (!userExists.get({ lettaUserId })) throw notFound('letta_users', 'lettaUserId', lettaUserId);
        if (profileId !== null && owner.get({ profileId })?.lettaUserId !== lettaUserId) {
          throw new ChatstoreError('NOT_FOUND', `Profile ${profileId} is not a profile of Letta user ${lettaUserId}`, {
            entity: 'platform_profiles',
            field: 'profileId',
          });
        }
        return insertAssistant.get({ lettaUserId, profileId, message, at }) as Message;
      },
    ),
  };
});

/**
 * Records a message a user sent and queues it for the agent, in one transaction: the message
 * (role `user`, `processed` 0) on the profile and its Letta user, a `pending` queue entry for
 * it, and `last_active` of the profile and the user set to the message's time. An inactive
 * user's message is recorded without a queue entry (`queueEntry: null`). `NOT_FOUND` on
 * `profileId` for an unknown profile or one without a Letta user; nothing is written on error.
 *
 * @example
 * const { profile } = resolveIdentity(db, { platform: 'telegram', platformUserId: 123456789 });
 * const { message, queueEntry } = recordIncomingMessage(db, { profileId: profile.id, message: 'Hi!' });
 */
export function recordIncomingMessage(db: LettaDb, input: RecordIncomingMessageInput): RecordedMessage {
  const { profileId, message, at } = parseInput(RecordIncomingMessageInput, input, 'messages');
  return mapped('messages', () => statements(db).record.immediate(profileId, message, sqliteTimestamp(at)));
}

/**
 * Records a message the agent sent on its own (role `assistant`: a reminder, a greeting; the
 * answer to a user's message goes on that message through `completeQueueEntry`). It is not
 * queued, `processed` is 1, and `last_active` stays (it is the user's activity). `profileId`,
 * the platform it went out on, must belong to the user (`NOT_FOUND` on `profileId`); an unknown
 * user is `NOT_FOUND` on `lettaUserId`. It appears in `loadAgentHistory`.
 *
 * @example
 * const reminder = recordAssistantMessage(db, { lettaUserId: 7, profileId: 3, message: 'Your meeting starts in 10 minutes.' });
 */
export function recordAssistantMessage(db: LettaDb, input: RecordAssistantMessageInput): Message {
  const { lettaUserId, profileId, message, at } = parseInput(RecordAssistantMessageInput, input, 'messages');
  return mapped('messages', () =>
    statements(db).recordAssistant.immediate(lettaUserId, profileId ?? null, message, sqliteTimestamp(at)),
  );
}

/**
 * The agent's history for a Letta user across all platforms, oldest first: the last `limit`
 * messages (default the user's `conversation_history_limit`), each with its agent response and
 * the platform it came from. `NOT_FOUND` on `lettaUserId` for an unknown user.
 *
 * @example
 * const history = loadAgentHistory(db, { lettaUserId: 7, beforeMessageId: entry.messageId });
 * // [{ role: 'user', message: 'Hi!', agentResponse: 'Hello Ada', platform: 'telegram', … }, …]
 */
export function loadAgentHistory(db: LettaDb, input: LoadHistoryInput): HistoryMessage[] {
  const { lettaUserId, limit, beforeMessageId } = parseInput(LoadHistoryInput, input, 'messages');
  return mapped('messages', () => {
    const s = hot(db);
    const user = s.historyLimit.get({ lettaUserId });
    if (!user) throw notFound('letta_users', 'lettaUserId', lettaUserId);
    const rows = s.history.all({
      lettaUserId,
      before: beforeMessageId ?? Number.MAX_SAFE_INTEGER,
      limit: limit ?? user.limit ?? 10,
    });
    const history: HistoryMessage[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const { message, platform } = rows[i] as (typeof rows)[number];
      history[rows.length - 1 - i] = { ...message, platform };
    }
    return history;
  });
}
