/**
 * The processing queue (seed 000, v2 `queue`: pending/processing/done/failed): workers claim
 * the oldest pending entry, then complete it with the agent's response or fail it, which
 * retries until a maximum number of attempts; entries stuck in `processing` are recovered.
 *
 * `timestamp` is the time of an entry's last change of status (enqueued, claimed, retried,
 * finished): `recoverStuckEntries` reads it as the claim time. The message keeps its own time.
 */
import { and, eq, notExists, sql } from 'drizzle-orm';
import { z } from 'zod';
import { ChatstoreError } from '../../errors';
import { parseInput } from '../../kit';
import { lettaUsers, messages, queue } from '../../schema/letta';
import { RowId } from './identity';
import { floor, type LettaDb, mapped, notFound, prepared, sqliteTimestamp } from './internal';
import type { Message, QueueEntry } from './messages';

/** Attempts before an entry is `failed`, when the caller does not say. */
export const defaultMaxAttempts = 3;

export interface ClaimedEntry {
  /** The entry, now `processing`, stamped with the claim time. */
  entry: QueueEntry;
  /** Its message (`null` if the row is gone). */
  message: Message | null;
}

export interface CompletedEntry {
  /** The entry, now `done`. */
  entry: QueueEntry;
  /** Its message with the agent response stored and `processed` = 1 (`null` if the row is gone). */
  message: Message | null;
}

export interface FailedEntry {
  /** The entry, back to `pending` for another attempt, or `failed` after the last one. */
  entry: QueueEntry;
  willRetry: boolean;
}

const At = z.date().optional();
const MaxAttempts = z.int().min(1).max(100).default(defaultMaxAttempts);

// Optional rather than `.default({})`, which clones its default on every claim.
export const ClaimInput = z.object({ at: At }).optional();
export type ClaimInput = z.input<typeof ClaimInput>;

export const CompleteInput = z.object({ queueId: RowId, agentResponse: z.string().max(1_000_000), at: At });
export type CompleteInput = z.input<typeof CompleteInput>;

export const FailInput = z.object({ queueId: RowId, maxAttempts: MaxAttempts, at: At });
export type FailInput = z.input<typeof FailInput>;

export const RecoverInput = z.object({
  /** How long an entry may stay `processing` before it counts as abandoned by its worker. */
  olderThanMs: z.int().positive(),
  maxAttempts: MaxAttempts,
  at: At,
});
export type RecoverInput = z.input<typeof RecoverInput>;

const ph = sql.placeholder;

// One attempt more; the last one allowed ends in `failed`. SET reads the row as it was.
const retryOrFail = {
  attemptCount: sql`coalesce(${queue.attemptCount}, 0) + 1`,
  status: sql`case when coalesce(${queue.attemptCount}, 0) + 1 >= ${ph('maxAttempts')} then 'failed' else 'pending' end`,
  timestamp: sql`${ph('at')}`,
};

// Built by drizzle, executed at the driver's floor (kit `floor`, decision 026).
const hot = floor((db) => {
  // The oldest pending entry of an active user, in one statement; the IMMEDIATE transaction
  // holds the write lock from before the read, so two workers (or processes) never get the same
  // entry. `is_active = 0` skips the entry (it stays pending); NULL or no user row counts as active.
  const inactive = db
    .select({ id: lettaUsers.id })
    .from(lettaUsers)
    .where(and(eq(lettaUsers.id, queue.lettaUserId), sql`${lettaUsers.isActive} = 0`));
  const claim = db
    .update(queue)
    .set({ status: 'processing', timestamp: sql`${ph('at')}` })
    .where(
      eq(
        queue.id,
        db
          .select({ id: queue.id })
          .from(queue)
          .where(and(eq(queue.status, 'pending'), notExists(inactive)))
          .orderBy(queue.id)
          .limit(1),
      ),
    )
    .returning();
  const message = db
    .select()
    .from(messages)
    .where(eq(messages.id, ph('id')));
  const entry = db
    .select()
    .from(queue)
    .where(eq(queue.id, ph('id')));
  const finish = db
    .update(queue)
    .set({ status: 'done', timestamp: sql`${ph('at')}` })
    .where(and(eq(queue.id, ph('id')), eq(queue.status, 'processing')))
    .returning();
  const answer = db
    .update(messages)
    .set({ agentResponse: sql`${ph('response')}`, processed: 1 })
    .where(eq(messages.id, ph('id')))
    .returning();
  const fail = db
    .update(queue)
    .set(retryOrFail)
    .where(and(eq(queue.id, ph('id')), eq(queue.status, 'processing')))
    .returning();
  // An unreadable or missing claim time counts as stuck: nothing else could tell.
  const recover = db
    .update(queue)
    .set(retryOrFail)
    .where(
      and(eq(queue.status, 'processing'), sql`coalesce(julianday(${queue.timestamp}), 0) < julianday(${ph('cutoff')})`),
    )
    .returning();
  return { claim, message, entry, finish, answer, fail, recover };
});

const statements = prepared((db, client) => {
  const { claim, message, entry, finish, answer, fail, recover } = hot(db);
  /** Why an entry could not move on from `processing`. */
  const notProcessing = (queueId: number): ChatstoreError => {
    const found = entry.get({ id: queueId });
    if (!found) return notFound('queue', 'queueId', queueId);
    return new ChatstoreError(
      'INVALID_TRANSITION',
      `Queue entry ${queueId} is ${found.status ?? 'without status'}, not processing`,
      { entity: 'queue', field: 'queueId' },
    );
  };

  return {
    claim: client.transaction((at: string): ClaimedEntry | null => {
      const claimed = claim.get({ at });
      if (!claimed) return null;
      return { entry: claimed, message: message.get({ id: claimed.messageId }) ?? null };
    }),
    complete: client.transaction((queueId: number, response: string, at: string): CompletedEntry => {
      const done = finish.get({ id: queueId, at });
      if (!done) throw notProcessing(queueId);
      const answered = done.messageId === null ? undefined : answer.get({ id: done.messageId, response });
      return { entry: done, message: answered ?? null };
    }),
    fail: client.transaction((queueId: number, maxAttempts: number, at: string): FailedEntry => {
      const failed = fail.get({ id: queueId, maxAttempts, at });
      if (!failed) throw notProcessing(queueId);
      return { entry: failed, willRetry: failed.status === 'pending' };
    }),
    recover: client.transaction((cutoff: string, maxAttempts: number, at: string): QueueEntry[] =>
      recover.all({ cutoff, maxAttempts, at }),
    ),
  };
});

/**
 * Claims the oldest `pending` entry of an active user: sets it `processing`, stamped now, and
 * returns it with its message; `null` when nothing is pending. Entries of a user with
 * `is_active = false` are skipped and stay `pending` until the user is active again. Runs in a `BEGIN IMMEDIATE` transaction, so exactly
 * one worker gets each entry, also with several processes on the same file.
 *
 * @example
 * const claimed = claimNextQueueEntry(db);
 * if (claimed) {
 *   const reply = await agent.answer(claimed.message?.message ?? '');
 *   completeQueueEntry(db, { queueId: claimed.entry.id, agentResponse: reply });
 * }
 */
export function claimNextQueueEntry(db: LettaDb, input?: ClaimInput): ClaimedEntry | null {
  const at = sqliteTimestamp(parseInput(ClaimInput, input, 'queue')?.at);
  return mapped('queue', () => statements(db).claim.immediate(at));
}

/**
 * Completes a claimed entry in one transaction: the agent's response goes on the message, which
 * becomes `processed`, and the entry `done`. An entry that is not `processing` (completed
 * twice, or recovered meanwhile) is `INVALID_TRANSITION`; an unknown one `NOT_FOUND`.
 *
 * @example completeQueueEntry(db, { queueId: claimed.entry.id, agentResponse: 'Hello Ada!' });
 */
export function completeQueueEntry(db: LettaDb, input: CompleteInput): CompletedEntry {
  const { queueId, agentResponse, at } = parseInput(CompleteInput, input, 'queue');
  return mapped('queue', () => statements(db).complete.immediate(queueId, agentResponse, sqliteTimestamp(at)));
}

/**
 * Fails a claimed entry: one attempt more, then back to `pending` for a retry, or `failed` once
 * `attempt_count` reaches `maxAttempts` (default 3). Not `processing`: `INVALID_TRANSITION`.
 *
 * @example
 * const { willRetry } = failQueueEntry(db, { queueId: claimed.entry.id, maxAttempts: 5 });
 */
export function failQueueEntry(db: LettaDb, input: FailInput): FailedEntry {
  const { queueId, maxAttempts, at } = parseInput(FailInput, input, 'queue');
  return mapped('queue', () => statements(db).fail.immediate(queueId, maxAttempts, sqliteTimestamp(at)));
}

/**
 * Recovers entries stuck in `processing` (their worker died) for longer than `olderThanMs`: each
 * counts as a failed attempt, going back to `pending`, or to `failed` at `maxAttempts`.
 * Returns the recovered entries. Run it periodically, with a timeout longer than any agent call.
 *
 * @example
 * const recovered = recoverStuckEntries(db, { olderThanMs: 10 * 60_000 });
 */
export function recoverStuckEntries(db: LettaDb, input: RecoverInput): QueueEntry[] {
  const { olderThanMs, maxAttempts, at } = parseInput(RecoverInput, input, 'queue');
  const now = at ?? new Date();
  const cutoff = sqliteTimestamp(new Date(now.getTime() - olderThanMs));
  return mapped('queue', () => statements(db).recover.immediate(cutoff, maxAttempts, sqliteTimestamp(now)));
}
