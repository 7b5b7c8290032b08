/**
 * Processed responses (seed 002, "processed_responses" and "Response Management"): the AI's
 * latest suggested reply per dialog and its review lifecycle. The application keeps one row per
 * dialog (`uq_dialog_response`): a new suggestion replaces the dialog's row. The only
 * transitions are the seed's:
 *
 *   (stored) → PENDING_APPROVAL, or APPROVED directly in a dialog with auto-send on
 *   PENDING_APPROVAL → APPROVED (approve, optionally with an edited text; `approved_at`) | REJECTED
 *   APPROVED → SENT (`sent_at`) | FAILED (`error`), each counted in `send_attempts`
 *   FAILED → APPROVED again while attempts remain (`retryFailedSends`, or a claim with `retry`)
 *
 * Every transition is one conditional UPDATE (`… where status = <from>`), so of two racing
 * reviewers exactly one wins; the other, and any transition not listed, is
 * `INVALID_TRANSITION`.
 */
import { and, asc, desc, eq, getTableColumns, gte, inArray, lt, or, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { ChatstoreError } from '../../errors';
import { parseInput } from '../../kit';
import { dialogs, processedResponses, type processingStatuses } from '../../schema/telegram';
import {
  DialogId,
  floor,
  invalidTransition,
  mapped,
  notFound,
  ResponseId,
  type TelegramDb,
  type TelegramTx,
  UserId,
} from './internal';

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
  /** The LLM that wrote the suggestion. */
  modelName: z.string().trim().min(1).max(255),
});
export type StoreSuggestionInput = z.input<typeof StoreSuggestionInput>;

export interface StoredSuggestion {
  response: ProcessedResponse;
  /**
   * Id of the dialog's previous response, which this one replaced (a pending suggestion for an
   * older message, or one already rejected, sent or failed); `null` for the dialog's first.
   */
  replacedId: string | null;
}

export const ReviewInput = z.object({ responseId: ResponseId, userId: UserId });
export type ReviewInput = z.input<typeof ReviewInput>;
export const ApproveInput = ReviewInput.extend({ editedResponse: ResponseText.optional() });
export type ApproveInput = z.input<typeof ApproveInput>;

export const FailureInput = z.object({
  responseId: ResponseId,
  /** What went wrong sending it (kept in `error`). */
  error: z.string().trim().min(1).max(10_000),
});
export type FailureInput = z.input<typeof FailureInput>;

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

/** Statuses whose row a new suggestion may take over: the review and the sending are over. */
const settled = sql.raw(`'REJECTED', 'SENT', 'FAILED'`);

// Built by drizzle, executed at the driver's floor (kit `floor`, decision 026).
const statements = floor((db) => {
  // One statement, one round trip, atomic. The dialog's row (one per dialog) is taken over when
  // it is settled, or pending for an older message; it gets a new id, so a reviewer still
  // holding the old one gets NOT_FOUND instead of approving text they never saw. An approved
  // response awaiting sending, or a pending one at least as new, leaves the conflict's WHERE
  // false: no row comes back and nothing changes. `prior` reads the statement's snapshot, so it
  // sees the replaced row's old id.
  const prior = db
    .$with('prior', { id: processedResponses.id })
    .as(sql`select "id" from ${processedResponses} where "dialog_id" = ${ph('dialogId')}::uuid`);
  // Auto-send: a dialog with `auto_send_enabled` has its suggestion approved as it is stored
  // (`approved_at` now), so the sender lists it at once; every other suggestion awaits review.
  // A missing dialog falls back to PENDING_APPROVAL so that the foreign key reports it.
  const auto = db
    .$with('auto', { on: sql<boolean>`"on"` })
    .as(
      sql`select coalesce((select "auto_send_enabled" from ${dialogs} where "id" = ${ph('dialogId')}::uuid), false) as "on"`,
    );
  const stored = db
    .$with('stored', {
      ...getTableColumns(processedResponses),
      replacedId: sql<string | null>`replaced_id`.as('replaced_id'),
    })
    .as(
      sql`insert into ${processedResponses} as "current"
        ("id", "dialog_id", "last_message_id", "last_message_timestamp", "suggested_response", "status", "model_name", "approved_at")
      values (gen_random_uuid(), ${ph('dialogId')}::uuid, ${ph('lastMessageId')}::varchar,
        ${ph('lastMessageTimestamp')}::timestamptz, ${ph('suggestedResponse')}::text,
        (case when (select "on" from ${auto}) then 'APPROVED' else 'PENDING_APPROVAL' end)::processingstatus,
        ${ph('modelName')}::varchar, case when (select "on" from ${auto}) then now() end)
      on conflict ("dialog_id") do update set
        "id" = excluded."id", "last_message_id" = excluded."last_message_id",
        "last_message_timestamp" = excluded."last_message_timestamp",
        "suggested_response" = excluded."suggested_response", "edited_response" = null,
        "status" = excluded."status", "model_name" = excluded."model_name", "processed_at" = now(),
        "approved_at" = excluded."approved_at", "sent_at" = null, "error" = null, "send_attempts" = 0,
        "created_at" = now(), "updated_at" = now()
      where "current"."status" in (${settled})
        or ("current"."status" = 'PENDING_APPROVAL'
          and "current"."last_message_timestamp" < excluded."last_message_timestamp")
      returning *, (select "id" from ${prior}) as "replaced_id"`,
    );
  return {
    store: db.with(prior, auto, stored).select().from(stored),
  };
});

/**
 * Stores the AI's suggestion for a dialog (one prepared statement) as the dialog's one response
 * row. It replaces the previous response when that one is settled (rejected, sent or failed) or
 * pending for an older message — the seed's "automatic response invalidation"; the new response
 * has a new id, so a reviewer holding the old one gets `NOT_FOUND` rather than approving text
 * they never saw. If the dialog has an approved response not yet sent, or a pending one for a
 * message at least as new, it is `CONFLICT` on `dialogId` and nothing changes. A missing dialog
 * is `FOREIGN_KEY` on `dialogId`.
 *
 * Auto-send (`dialogs.auto_send_enabled`, seed 002: "whether to auto-send approved
 * responses"): in a dialog with auto-send on, the suggestion is stored `APPROVED` (with
 * `approved_at`), so `listApprovedToSend` lists it at once and no review is needed; with
 * auto-send off it is stored `PENDING_APPROVAL` and is listed for sending only after
 * `approveResponse`. The setting is read when the suggestion is stored: turning auto-send off
 * later does not recall a reply already approved; the next suggestion awaits review.
 *
 * @example
 * const { response, replacedId } = await storeSuggestion(db, {
 *   dialogId, lastMessageId: '9001', lastMessageTimestamp: new Date(msg.date * 1000),
 *   suggestedResponse: 'Sounds good, see you at 6!', modelName: 'gpt-4o-mini',
 * });
 */
export async function storeSuggestion(db: TelegramDb, input: StoreSuggestionInput): Promise<StoredSuggestion> {
  const values = parseInput(StoreSuggestionInput, input, 'processed_responses');
  const [row] = await mapped('processed_responses', () =>
    statements(db).store.execute({
      ...values,
      lastMessageTimestamp: values.lastMessageTimestamp.toISOString(),
    }),
  );
  if (row) {
    const { replacedId, ...response } = row;
    return { response, replacedId };
  }
  const [current] = await mapped('processed_responses', () =>
    db
      .select({ id: processedResponses.id, status: processedResponses.status })
      .from(processedResponses)
      .where(eq(processedResponses.dialogId, values.dialogId))
      .limit(1),
  );
  const why =
    current?.status === 'APPROVED'
      ? `an approved response (${current.id}) is waiting to be sent`
      : `the pending response ${current?.id ?? ''} answers a message at least as new`;
  throw new ChatstoreError('CONFLICT', `Dialog ${values.dialogId} already has an active response: ${why}`, {
    entity: 'processed_responses',
    field: 'dialogId',
  });
}

async function transition(
  db: TelegramDb,
  responseId: string,
  from: ProcessingStatus,
  to: ProcessingStatus,
  userId: string | undefined,
  changes: Partial<Pick<typeof processedResponses.$inferInsert, 'editedResponse' | 'error'>> & {
    approvedAt?: SQL;
    sentAt?: SQL;
    sendAttempts?: SQL;
  } = {},
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
      .set({ status: to, ...changes, updatedAt: sql`now()` })
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
  return transition(db, responseId, 'PENDING_APPROVAL', 'APPROVED', userId, {
    ...(editedResponse === undefined ? {} : { editedResponse }),
    approvedAt: sql`now()`,
  });
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

/** One more send tried (delivered or failed). */
const oneMoreAttempt = () => sql`${processedResponses.sendAttempts} + 1`;

/**
 * The sender records a delivered response: APPROVED → SENT, with `sent_at`, one more
 * `send_attempts`, and `error` (a previous attempt's) cleared. Anything else is
 * `INVALID_TRANSITION` on `status` (so a response is never marked sent twice).
 *
 * @example
 * await markResponseSent(db, responseId);
 */
export async function markResponseSent(db: TelegramDb, responseId: string): Promise<ProcessedResponse> {
  return transition(db, parseInput(ResponseId, responseId, 'processed_responses'), 'APPROVED', 'SENT', undefined, {
    sentAt: sql`now()`,
    error: null,
    sendAttempts: oneMoreAttempt(),
  });
}

/**
 * The sender records a failed delivery: APPROVED → FAILED, keeping what went wrong in `error`
 * and counting the attempt in `send_attempts` (`retryFailedSends` requeues it while attempts
 * remain). Anything else is `INVALID_TRANSITION` on `status`.
 *
 * @example
 * await markResponseFailed(db, { responseId, error: 'FloodWaitError: retry in 30 s' });
 */
export async function markResponseFailed(db: TelegramDb, input: FailureInput): Promise<ProcessedResponse> {
  const { responseId, error } = parseInput(FailureInput, input, 'processed_responses');
  return transition(db, responseId, 'APPROVED', 'FAILED', undefined, { error, sendAttempts: oneMoreAttempt() });
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
  return mapped('processed_responses', () => approvedToSend(db, limit, userId));
}

/**
 * How failed sends are retried: up to `maxAttempts` sends in all, retry n waiting
 * `min(baseSeconds · 2^(n-1), maxSeconds)` after the failure, as tasks do.
 */
export const SendRetryPolicy = z.object({
  /** Sends tried in all (the first included) before a reply stays FAILED for good. Default 3. */
  maxAttempts: z.number().int().min(1).max(100).default(3),
  backoff: z
    .object({
      baseSeconds: z.number().min(0).max(86_400).default(30),
      maxSeconds: z
        .number()
        .min(0)
        .max(7 * 86_400)
        .default(3600),
    })
    .default({ baseSeconds: 30, maxSeconds: 3600 }),
});
export type SendRetryPolicy = z.input<typeof SendRetryPolicy>;

/** FAILED replies with attempts left whose backoff has passed (a failure is their last update). */
function dueForRetry({ maxAttempts, backoff }: z.output<typeof SendRetryPolicy>): SQL {
  const delay = sql`least(${backoff.baseSeconds}::float8 * power(2, greatest(${processedResponses.sendAttempts} - 1, 0)), ${backoff.maxSeconds}::float8)`;
  return and(
    eq(processedResponses.status, 'FAILED'),
    lt(processedResponses.sendAttempts, maxAttempts),
    sql`${processedResponses.updatedAt} <= now() - make_interval(secs => ${delay})`,
  ) as SQL;
}

/** The user's dialogs' responses, or every response. */
const ofUser = (db: TelegramDb | TelegramTx, userId: string | undefined) =>
  userId === undefined
    ? undefined
    : inArray(
        processedResponses.dialogId,
        db.select({ id: dialogs.id }).from(dialogs).where(eq(dialogs.userId, userId)),
      );

/**
 * Approved replies in sending order (auto-send dialogs first, then the longest waiting), with the
 * text to send; with `retry`, failed replies due for another attempt too.
 */
function approvedToSend(
  db: TelegramDb | TelegramTx,
  limit: number,
  userId: string | undefined,
  retry?: z.output<typeof SendRetryPolicy>,
) {
  return db
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
      and(
        retry === undefined
          ? eq(processedResponses.status, 'APPROVED')
          : or(eq(processedResponses.status, 'APPROVED'), dueForRetry(retry)),
        userId === undefined ? undefined : eq(dialogs.userId, userId),
      ),
    )
    .orderBy(desc(dialogs.autoSendEnabled), asc(processedResponses.approvedAt), asc(processedResponses.id))
    .limit(limit);
}

export const ClaimForSendingInput = z.object({
  /** How many approved replies one claim takes at most. */
  limit: z.number().int().min(1).max(100).default(10),
  userId: UserId.optional(),
  /**
   * The lease: on a PostgreSQL server, a sender silent for longer than this between two
   * statements (a `send` that hangs) has its transaction ended by the server
   * (`idle_in_transaction_session_timeout`), and its claims return to the queue. Default 60.
   */
  leaseSeconds: z.number().int().min(1).max(3600).default(60),
  /** Also claim FAILED replies due for another attempt under this policy (see `retryFailedSends`). */
  retry: SendRetryPolicy.optional(),
});
export type ClaimForSendingInput = z.input<typeof ClaimForSendingInput>;

/** What `claimApprovedForSending` did with each reply it claimed. */
export interface SendingOutcome {
  sent: ProcessedResponse[];
  failed: ProcessedResponse[];
}

/**
 * Claims approved replies for one sender and records each delivery, so concurrent senders never
 * send the same reply twice. In one transaction it takes up to `limit` `APPROVED` replies
 * (auto-send dialogs first, then the longest waiting, as `listApprovedToSend`) with
 * `FOR UPDATE SKIP LOCKED` — rows another sender holds are skipped, not waited for — calls
 * `send` for each, and marks it `SENT` (`sent_at`) or, when `send` throws, `FAILED` with the
 * error's message in `error`; either way `send_attempts` counts one more. With `retry`, FAILED
 * replies due for another attempt under that policy are claimed too (their `status` and
 * `error` tell `send` it is a retry). The claim is a lease held by the transaction: it ends at commit,
 * when the sender's connection dies (the server rolls back, the replies stay `APPROVED` for the
 * next claim), or on a server when `send` keeps the transaction idle past `leaseSeconds`.
 * No column records the claim, so the schema is unchanged. Delivery is at least once: a reply
 * sent just before its transaction is lost is sent again. Errors from the database are
 * `ChatstoreError`s and roll the whole claim back.
 *
 * @example
 * const { sent, failed } = await claimApprovedForSending(db, { limit: 20 }, async (r) => {
 *   await telegram.sendMessage(r.telegramDialogId, r.text); // throwing marks the reply FAILED
 * });
 */
export async function claimApprovedForSending(
  db: TelegramDb,
  input: ClaimForSendingInput,
  send: (response: ApprovedResponse) => Promise<void>,
): Promise<SendingOutcome> {
  const { limit, userId, leaseSeconds, retry } = parseInput(ClaimForSendingInput, input, 'processed_responses');
  if (typeof send !== 'function')
    throw new ChatstoreError('VALIDATION', 'send must be a function', {
      entity: 'processed_responses',
      field: 'send',
    });
  return mapped('processed_responses', () =>
    db.transaction(async (tx) => {
      await tx.execute(sql.raw(`set local idle_in_transaction_session_timeout = ${leaseSeconds * 1000}`));
      const claimed = await approvedToSend(tx, limit, userId, retry).for('update', {
        of: processedResponses,
        skipLocked: true,
      });
      const outcome: SendingOutcome = { sent: [], failed: [] };
      for (const response of claimed) {
        let error: string | undefined;
        try {
          await send(response);
        } catch (cause) {
          error = (cause instanceof Error ? cause.message : String(cause)).trim().slice(0, 10_000) || 'send failed';
        }
        const [row] = await tx
          .update(processedResponses)
          .set(
            error === undefined
              ? {
                  status: 'SENT',
                  sentAt: sql`now()`,
                  error: null,
                  sendAttempts: oneMoreAttempt(),
                  updatedAt: sql`now()`,
                }
              : { status: 'FAILED', error, sendAttempts: oneMoreAttempt(), updatedAt: sql`now()` },
          )
          .where(and(eq(processedResponses.id, response.id), eq(processedResponses.status, response.status)))
          .returning();
        if (row) (error === undefined ? outcome.sent : outcome.failed).push(row);
      }
      return outcome;
    }),
  );
}

export const RetryFailedSendsInput = SendRetryPolicy.extend({
  /** How many replies one call requeues (and reports as exhausted) at most. */
  limit: z.number().int().min(1).max(1000).default(100),
  userId: UserId.optional(),
});
export type RetryFailedSendsInput = z.input<typeof RetryFailedSendsInput>;

/** What `retryFailedSends` did. */
export interface RetryOutcome {
  /** FAILED replies put back to APPROVED for the next claim (their `error` is the last failure's). */
  requeued: ProcessedResponse[];
  /** FAILED replies that used up `maxAttempts`: they stay FAILED for good; report them. */
  exhausted: ProcessedResponse[];
}

/**
 * Requeues failed sends (seed 002, planned: "error handling and retry logic"): FAILED replies
 * with fewer than `maxAttempts` sends tried, whose backoff since the failure has passed
 * (`min(baseSeconds · 2^(n-1), maxSeconds)` after the n-th), go back to `APPROVED` in one
 * statement (rows another caller holds are skipped), keeping the last failure in `error`, so the
 * next `claimApprovedForSending` sends them again. Replies that used up their attempts stay
 * `FAILED` and are returned as `exhausted`, to be reported; a new suggestion for the dialog
 * replaces them. The same policy given to `claimApprovedForSending` as `retry` claims due
 * replies directly, without this step.
 *
 * @example
 * const { requeued, exhausted } = await retryFailedSends(db, { maxAttempts: 5, backoff: { baseSeconds: 60 } });
 * for (const r of exhausted) alert(`reply ${r.id} failed ${r.sendAttempts} times: ${r.error}`);
 */
export async function retryFailedSends(db: TelegramDb, input: RetryFailedSendsInput = {}): Promise<RetryOutcome> {
  const { limit, userId, ...policy } = parseInput(RetryFailedSendsInput, input, 'processed_responses');
  const requeued = await mapped('processed_responses', () =>
    db
      .update(processedResponses)
      .set({ status: 'APPROVED', updatedAt: sql`now()` })
      .where(
        and(
          eq(processedResponses.status, 'FAILED'),
          inArray(
            processedResponses.id,
            db
              .select({ id: processedResponses.id })
              .from(processedResponses)
              .where(and(dueForRetry(policy), ofUser(db, userId)))
              .orderBy(asc(processedResponses.updatedAt), asc(processedResponses.id))
              .limit(limit)
              .for('update', { skipLocked: true }),
          ),
        ),
      )
      .returning(),
  );
  const exhausted = await mapped('processed_responses', () =>
    db
      .select()
      .from(processedResponses)
      .where(
        and(
          eq(processedResponses.status, 'FAILED'),
          gte(processedResponses.sendAttempts, policy.maxAttempts),
          ofUser(db, userId),
        ),
      )
      .orderBy(asc(processedResponses.updatedAt), asc(processedResponses.id))
      .limit(limit),
  );
  return { requeued, exhausted };
}
