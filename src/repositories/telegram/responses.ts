/**
 * Processed responses (seed 002, "processed_responses" and "Response Management"): the AI's
 * suggested reply per dialog and its review lifecycle. The only transitions are the seed's:
 *
 *   PENDING_APPROVAL → APPROVED (approve, optionally with an edited text) | REJECTED
 *   APPROVED → SENT | FAILED
 *
 * Every transition is one conditional UPDATE (`… where status = <from>`), so of two racing
 * reviewers exactly one wins; the other, and any transition not listed, is
 * `INVALID_TRANSITION`. A dialog has at most one active (pending or approved) response.
 */
import { and, asc, desc, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { ChatstoreError } from '../../errors';
import { activeProcessingStatuses, dialogs, processedResponses, type processingStatuses } from '../../schema/telegram';
import { parseInput } from '../shared';
import { DialogId, ResponseId, UserId } from './ids';
import { dbError, invalidTransition, mapped, notFound, preparedPerHandle, type TelegramDb } from './internal';

export type ProcessedResponse = typeof processedResponses.$inferSelect;
export type ProcessingStatus = (typeof processingStatuses)[number];

const ResponseText = z
  .string()
  .max(4096, 'must fit a Telegram message (4096 characters)')
  .refine((v) => v.trim().length > 0, 'must not be blank');

export const StoreSuggestionInput = z.object({
  dialogId: DialogId,
  /** Id of the newest Telegram message the suggestion answers. */
  lastMessageId: z.string().trim().min(1).max(255),
  /** When that message was sent: a newer suggestion replaces a pending one for an older message. */
  lastMessageTimestamp: z.date(),
  suggestedResponse: ResponseText,
});
export type StoreSuggestionInput = z.input<typeof StoreSuggestionInput>;

export interface StoredSuggestion {
  response: ProcessedResponse;
  /** Id of the pending suggestion this one replaced (deleted), if any. */
  replacedId: string | null;
}

export const ReviewInput = z.object({ responseId: ResponseId, userId: UserId });
export type ReviewInput = z.input<typeof ReviewInput>;
export const ApproveInput = ReviewInput.extend({ editedResponse: ResponseText.optional() });
export type ApproveInput = z.input<typeof ApproveInput>;

export const ListPendingInput = z.object({ userId: UserId, limit: z.number().int().min(1).max(500).default(50) });
export type ListPendingInput = z.input<typeof ListPendingInput>;
export const ListApprovedInput = z.object({
  limit: z.number().int().min(1).max(1000).default(100),
  userId: UserId.optional(),
});
export type ListApprovedInput = z.input<typeof ListApprovedInput>;

export type PendingResponse = ProcessedResponse & { telegramDialogId: string };
export type ApprovedResponse = ProcessedResponse & {
  userId: string;
  telegramDialogId: string;
  autoSendEnabled: boolean;
  /** What to send: the user's edit if any, else the suggestion. */
  text: string;
};

const ph = sql.placeholder;
const active = inArray(processedResponses.status, [...activeProcessingStatuses]);

const statements = preparedPerHandle((db) => {
  // One statement, one round trip, atomic: delete the dialog's pending suggestion if it answers
  // an older message, then insert. The insert reads `replaced` first (the count), so the delete
  // has happened when the single-active index is checked; if an active response remains (an
  // approved one, or a pending one at least as new) the index rejects the insert and nothing
  // changes.
  const replaced = db.$with('replaced', { id: processedResponses.id }).as(
    db
      .delete(processedResponses)
      .where(
        and(
          eq(processedResponses.dialogId, ph('dialogId')),
          eq(processedResponses.status, 'PENDING_APPROVAL'),
          sql`${processedResponses.lastMessageTimestamp} < ${ph('lastMessageTimestamp')}::timestamptz`,
        ),
      )
      .returning({ id: processedResponses.id })
      .getSQL(),
  );
  const inserted = db
    .$with('inserted', {
      ...getTableColumns(processedResponses),
      replacedId: sql<string | null>`replaced_id`.as('replaced_id'),
    })
    .as(
      sql`insert into ${processedResponses}
        ("dialog_id", "last_message_id", "last_message_timestamp", "suggested_response")
      select ${ph('dialogId')}::uuid, ${ph('lastMessageId')}::varchar, ${ph('lastMessageTimestamp')}::timestamptz,
        ${ph('suggestedResponse')}::text
      from (select count(*) from ${replaced}) as "after_replace"
      returning *, (select "id" from ${replaced} limit 1) as "replaced_id"`,
    );
  return {
    store: db.with(replaced, inserted).select().from(inserted).prepare('telegram_store_suggestion'),
  };
});

/**
 * Stores the AI's suggestion for a dialog (one prepared statement). A pending suggestion for an
 * older message is replaced — deleted, so a reviewer holding its id gets `NOT_FOUND` rather
 * than approving text they never saw (the seed's "automatic response invalidation"). If the
 * dialog has an approved response not yet sent, or a pending one for a message at least as
 * new, it is `CONFLICT` on `dialogId` and nothing changes. A missing dialog is `FOREIGN_KEY`
 * on `dialogId`.
 *
 * @example
 * const { response, replacedId } = await storeSuggestion(db, {
 *   dialogId, lastMessageId: '9001', lastMessageTimestamp: new Date(msg.date * 1000),
 *   suggestedResponse: 'Sounds good, see you at 6!',
 * });
 */
export async function storeSuggestion(db: TelegramDb, input: StoreSuggestionInput): Promise<StoredSuggestion> {
  const values = parseInput(StoreSuggestionInput, input, 'processed_responses');
  try {
    const [row] = await statements(db).store.execute({
      ...values,
      lastMessageTimestamp: values.lastMessageTimestamp.toISOString(),
    });
    if (!row) throw new ChatstoreError('DATABASE_ERROR', 'storing a suggestion returned no row');
    const { replacedId, ...response } = row;
    return { response, replacedId };
  } catch (error) {
    const mappedError = dbError(error, 'processed_responses');
    if (mappedError.code === 'CONFLICT') {
      const [current] = await mapped('processed_responses', () =>
        db
          .select()
          .from(processedResponses)
          .where(and(eq(processedResponses.dialogId, values.dialogId), active))
          .limit(1),
      );
      const why =
        current?.status === 'APPROVED'
          ? `an approved response (${current.id}) is waiting to be sent`
          : `the pending response ${current?.id ?? ''} answers a message at least as new`;
      throw new ChatstoreError('CONFLICT', `Dialog ${values.dialogId} already has an active response: ${why}`, {
        entity: 'processed_responses',
        field: 'dialogId',
        cause: error,
      });
    }
    throw mappedError;
  }
}

async function transition(
  db: TelegramDb,
  responseId: string,
  from: ProcessingStatus,
  to: ProcessingStatus,
  userId: string | undefined,
  editedResponse?: string,
): Promise<ProcessedResponse> {
  const owned =
    userId === undefined
      ? undefined
      : inArray(
          processedResponses.dialogId,
          db.select({ id: dialogs.id }).from(dialogs).where(eq(dialogs.userId, userId)),
        );
  const [row] = await mapped('processed_responses', () =>
    db
      .update(processedResponses)
      .set({
        status: to,
        ...(editedResponse === undefined ? {} : { editedResponse }),
        updatedAt: sql`now()`,
      })
      .where(and(eq(processedResponses.id, responseId), eq(processedResponses.status, from), owned))
      .returning(),
  );
  if (row) return row;
  const [current] = await mapped('processed_responses', () =>
    db
      .select({ status: processedResponses.status })
      .from(processedResponses)
      .where(and(eq(processedResponses.id, responseId), owned))
      .limit(1),
  );
  if (!current) throw notFound('processed_responses', 'responseId', responseId);
  throw invalidTransition(
    'processed_responses',
    'status',
    `Response ${responseId} is ${current.status}; only ${from} can become ${to}`,
  );
}

/**
 * Approves a pending response, optionally with the user's edited text (seed: "Approve: status
 * → APPROVED", "Edit: edited_response updated, status → APPROVED"). Only the dialog's owner
 * may; a missing response or someone else's is `NOT_FOUND` on `responseId`; one that is not
 * pending (already reviewed, or lost a race) is `INVALID_TRANSITION` on `status`.
 *
 * @example
 * await approveResponse(db, { responseId, userId, editedResponse: 'See you at 7 instead!' });
 */
export async function approveResponse(db: TelegramDb, input: ApproveInput): Promise<ProcessedResponse> {
  const { responseId, userId, editedResponse } = parseInput(ApproveInput, input, 'processed_responses');
  return transition(db, responseId, 'PENDING_APPROVAL', 'APPROVED', userId, editedResponse);
}

/**
 * Rejects a pending response (seed: "Reject: status → REJECTED"); errors as `approveResponse`.
 *
 * @example
 * await rejectResponse(db, { responseId, userId });
 */
export async function rejectResponse(db: TelegramDb, input: ReviewInput): Promise<ProcessedResponse> {
  const { responseId, userId } = parseInput(ReviewInput, input, 'processed_responses');
  return transition(db, responseId, 'PENDING_APPROVAL', 'REJECTED', userId);
}

/**
 * The sender records a delivered response: APPROVED → SENT. Anything else is
 * `INVALID_TRANSITION` on `status` (so a response is never marked sent twice).
 *
 * @example
 * await markResponseSent(db, responseId);
 */
export async function markResponseSent(db: TelegramDb, responseId: string): Promise<ProcessedResponse> {
  return transition(db, parseInput(ResponseId, responseId, 'processed_responses'), 'APPROVED', 'SENT', undefined);
}

/**
 * The sender records a failed delivery: APPROVED → FAILED. Anything else is
 * `INVALID_TRANSITION` on `status`.
 *
 * @example
 * await markResponseFailed(db, responseId);
 */
export async function markResponseFailed(db: TelegramDb, responseId: string): Promise<ProcessedResponse> {
  return transition(db, parseInput(ResponseId, responseId, 'processed_responses'), 'APPROVED', 'FAILED', undefined);
}

/**
 * A user's responses awaiting review, oldest first, with their Telegram chat id.
 *
 * @example
 * const inbox = await listPendingResponses(db, { userId });
 */
export async function listPendingResponses(db: TelegramDb, input: ListPendingInput): Promise<PendingResponse[]> {
  const { userId, limit } = parseInput(ListPendingInput, input, 'processed_responses');
  return mapped('processed_responses', () =>
    db
      .select({ ...getTableColumns(processedResponses), telegramDialogId: dialogs.telegramDialogId })
      .from(processedResponses)
      .innerJoin(dialogs, eq(dialogs.id, processedResponses.dialogId))
      .where(and(eq(dialogs.userId, userId), eq(processedResponses.status, 'PENDING_APPROVAL')))
      .orderBy(asc(processedResponses.createdAt), asc(processedResponses.id))
      .limit(limit),
  );
}

/**
 * Approved responses ready to send: auto-send dialogs first, then the longest waiting. Each
 * carries the text to send (the edit if there is one) and where to send it.
 *
 * @example
 * for (const r of await listApprovedToSend(db, { limit: 20 })) {
 *   await telegram.sendMessage(r.telegramDialogId, r.text);
 *   await markResponseSent(db, r.id);
 * }
 */
export async function listApprovedToSend(db: TelegramDb, input: ListApprovedInput = {}): Promise<ApprovedResponse[]> {
  const { limit, userId } = parseInput(ListApprovedInput, input, 'processed_responses');
  return mapped('processed_responses', () =>
    db
      .select({
        ...getTableColumns(processedResponses),
        userId: dialogs.userId,
        telegramDialogId: dialogs.telegramDialogId,
        autoSendEnabled: dialogs.autoSendEnabled,
        text: sql<string>`coalesce(${processedResponses.editedResponse}, ${processedResponses.suggestedResponse})`,
      })
      .from(processedResponses)
      .innerJoin(dialogs, eq(dialogs.id, processedResponses.dialogId))
      .where(
        and(eq(processedResponses.status, 'APPROVED'), userId === undefined ? undefined : eq(dialogs.userId, userId)),
      )
      .orderBy(desc(dialogs.autoSendEnabled), asc(processedResponses.updatedAt), asc(processedResponses.id))
      .limit(limit),
  );
}
