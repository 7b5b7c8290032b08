import { describe, expect, it } from 'vitest';
import {
  advanceLastProcessedMessage,
  approveResponse,
  claimApprovedForSending,
  configureDialog,
  listApprovedToSend,
  listDialogs,
  listDialogsDueForProcessing,
  listPendingResponses,
  markResponseFailed,
  markResponseSent,
  rejectResponse,
  retryFailedSends,
  selectDialog,
  storeSuggestion,
  type TelegramDb,
} from '../../../src/targets/telegram';
import { pgBackends } from '../../support/backends';
import { expectChatstoreError, newUser, rowCounts, useTelegramDatabase } from './fixtures';

const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 12, minute));
let chat = 0;

async function newDialog(db: TelegramDb, userId: string, autoSendEnabled = false) {
  return selectDialog(db, {
    userId,
    telegramDialogId: `-100${++chat}`,
    name: `chat ${chat}`,
    type: 'GROUP',
    autoSendEnabled,
  });
}

describe.each(pgBackends)('telegram dialogs and responses on $name', (backend) => {
  const t = useTelegramDatabase(backend);

  it('selects a dialog once per user and configures it', async () => {
    const { user } = await newUser(t.db);
    const dialog = await selectDialog(t.db, {
      userId: user.id,
      telegramDialogId: '42',
      name: 'Ada',
      type: 'PRIVATE',
      unreadCount: 3,
      lastMessage: { text: 'hello', date: '2025-01-01T12:00:00Z' },
    });
    expect(dialog).toMatchObject({
      name: 'Ada',
      unreadCount: 3,
      lastMessage: { text: 'hello', date: '2025-01-01T12:00:00Z' },
      isProcessingEnabled: true,
      autoSendEnabled: false,
      lastProcessedMessageId: null,
      lastProcessedAt: null,
    });
    const [stored] = await t.conn.client.query<{ kind: string }>(
      'select jsonb_typeof(last_message) as kind from dialogs where id = $1',
      [dialog.id],
    );
    expect(stored?.kind).toBe('object');
    // Selecting again refreshes the name and settings; omitted counts and messages stay.
    const again = await selectDialog(t.db, {
      userId: user.id,
      telegramDialogId: '42',
      name: 'Ada Lovelace',
      type: 'PRIVATE',
      autoSendEnabled: true,
    });
    expect(again).toMatchObject({ id: dialog.id, name: 'Ada Lovelace', autoSendEnabled: true, unreadCount: 3 });
    expect(again.lastMessage).toEqual({ text: 'hello', date: '2025-01-01T12:00:00Z' });
    await expectChatstoreError(
      selectDialog(t.db, { userId: user.id, telegramDialogId: '43', name: ' ', type: 'PRIVATE' }),
      'VALIDATION',
      'name',
    );
    expect(await listDialogs(t.db, user.id)).toHaveLength(1);
    const off = await configureDialog(t.db, { dialogId: dialog.id, userId: user.id, isProcessingEnabled: false });
    expect(off).toMatchObject({ isProcessingEnabled: false, autoSendEnabled: true });
    const other = await newUser(t.db);
    await expectChatstoreError(
      configureDialog(t.db, { dialogId: dialog.id, userId: other.user.id, autoSendEnabled: false }),
      'NOT_FOUND',
      'dialogId',
    );
    await expectChatstoreError(configureDialog(t.db, { dialogId: dialog.id, userId: user.id }), 'VALIDATION', 'input');
    await expectChatstoreError(
      selectDialog(t.db, { userId: user.id, telegramDialogId: '1', name: 'x', type: 'SUPERGROUP' as never }),
      'VALIDATION',
      'type',
    );
  });

  it('advances last_processed_message_id only forward', async () => {
    const { user } = await newUser(t.db);
    const dialog = await newDialog(t.db, user.id);
    const first = await advanceLastProcessedMessage(t.db, { dialogId: dialog.id, messageId: 100 });
    expect(first).toMatchObject({ advanced: true, dialog: { lastProcessedMessageId: '100' } });
    expect(first.dialog.lastProcessedAt).toBeInstanceOf(Date);
    // Numeric, not textual order: '99' > '100' as text.
    const back = await advanceLastProcessedMessage(t.db, { dialogId: dialog.id, messageId: 99 });
    expect(back).toMatchObject({ advanced: false, dialog: { lastProcessedMessageId: '100' } });
    expect((await advanceLastProcessedMessage(t.db, { dialogId: dialog.id, messageId: 1000 })).advanced).toBe(true);
    expect((await advanceLastProcessedMessage(t.db, { dialogId: dialog.id, messageId: 100 })).advanced).toBe(false);
    expect((await advanceLastProcessedMessage(t.db, { dialogId: dialog.id, messageId: 2 ** 40 })).dialog).toMatchObject(
      {
        lastProcessedMessageId: String(2 ** 40),
      },
    );
    await expectChatstoreError(
      advanceLastProcessedMessage(t.db, { dialogId: dialog.id, messageId: 0 }),
      'VALIDATION',
      'messageId',
    );
    await expectChatstoreError(
      advanceLastProcessedMessage(t.db, { dialogId: '00000000-0000-4000-8000-000000000000', messageId: 5 }),
      'NOT_FOUND',
      'dialogId',
    );
  });

  it('replaces a pending suggestion when newer messages arrive, and refuses stale or blocked ones', async () => {
    const { user } = await newUser(t.db);
    const dialog = await newDialog(t.db, user.id);
    const first = await storeSuggestion(t.db, {
      dialogId: dialog.id,
      lastMessageId: '10',
      lastMessageTimestamp: at(0),
      suggestedResponse: 'Hi!',
      modelName: 'gpt-4o-mini',
    });
    expect(first.replacedId).toBeNull();
    expect(first.response).toMatchObject({
      status: 'PENDING_APPROVAL',
      lastMessageTimestamp: at(0),
      modelName: 'gpt-4o-mini',
      approvedAt: null,
      sentAt: null,
      error: null,
    });
    expect(first.response.processedAt).toBeInstanceOf(Date);

    const before = await rowCounts(t.conn);
    const stale = await expectChatstoreError(
      storeSuggestion(t.db, {
        dialogId: dialog.id,
        lastMessageId: '9',
        lastMessageTimestamp: at(0),
        suggestedResponse: 'x',
        modelName: 'gpt-4o-mini',
      }),
      'CONFLICT',
      'dialogId',
    );
    expect(stale.message).toContain('at least as new');
    expect(await rowCounts(t.conn)).toEqual(before);

    const second = await storeSuggestion(t.db, {
      dialogId: dialog.id,
      lastMessageId: '12',
      lastMessageTimestamp: at(5),
      suggestedResponse: 'Hi, both!',
      modelName: 'gpt-4o-mini',
    });
    expect(second.replacedId).toBe(first.response.id);
    // The replaced suggestion is gone: a reviewer who still sees it cannot approve unseen text.
    await expectChatstoreError(
      approveResponse(t.db, { responseId: first.response.id, userId: user.id }),
      'NOT_FOUND',
      'responseId',
    );
    expect(await listPendingResponses(t.db, { userId: user.id })).toEqual([
      { ...second.response, telegramDialogId: dialog.telegramDialogId },
    ]);

    await approveResponse(t.db, { responseId: second.response.id, userId: user.id });
    const blocked = await expectChatstoreError(
      storeSuggestion(t.db, {
        dialogId: dialog.id,
        lastMessageId: '13',
        lastMessageTimestamp: at(9),
        suggestedResponse: 'y',
        modelName: 'gpt-4o-mini',
      }),
      'CONFLICT',
      'dialogId',
    );
    expect(blocked.message).toContain('waiting to be sent');
    await expectChatstoreError(
      storeSuggestion(t.db, {
        dialogId: '00000000-0000-4000-8000-000000000000',
        lastMessageId: '1',
        lastMessageTimestamp: at(0),
        suggestedResponse: 'z',
        modelName: 'gpt-4o-mini',
      }),
      'FOREIGN_KEY',
      'dialogId',
    );
    await expectChatstoreError(
      storeSuggestion(t.db, {
        dialogId: dialog.id,
        lastMessageId: '1',
        lastMessageTimestamp: at(0),
        suggestedResponse: '  ',
        modelName: 'gpt-4o-mini',
      }),
      'VALIDATION',
      'suggestedResponse',
    );
  });

  it('allows only the seed transitions', async () => {
    const { user } = await newUser(t.db);
    const other = await newUser(t.db);
    const dialog = await newDialog(t.db, user.id);
    const store = (minute: number) =>
      storeSuggestion(t.db, {
        dialogId: dialog.id,
        lastMessageId: String(minute),
        lastMessageTimestamp: at(minute),
        suggestedResponse: `reply ${minute}`,
        modelName: 'gpt-4o-mini',
      }).then((s) => s.response);

    const a = await store(1);
    await expectChatstoreError(markResponseSent(t.db, a.id), 'INVALID_TRANSITION', 'status');
    await expectChatstoreError(
      approveResponse(t.db, { responseId: a.id, userId: other.user.id }),
      'NOT_FOUND',
      'responseId',
    );
    const approved = await approveResponse(t.db, { responseId: a.id, userId: user.id, editedResponse: 'edited 1' });
    expect(approved).toMatchObject({ status: 'APPROVED', editedResponse: 'edited 1', suggestedResponse: 'reply 1' });
    await expectChatstoreError(
      rejectResponse(t.db, { responseId: a.id, userId: user.id }),
      'INVALID_TRANSITION',
      'status',
    );
    await expectChatstoreError(
      approveResponse(t.db, { responseId: a.id, userId: user.id }),
      'INVALID_TRANSITION',
      'status',
    );
    expect(approved.approvedAt).toBeInstanceOf(Date);
    const sent = await markResponseSent(t.db, a.id);
    expect(sent).toMatchObject({ status: 'SENT', error: null });
    expect(sent.sentAt).toBeInstanceOf(Date);
    await expectChatstoreError(
      markResponseFailed(t.db, { responseId: a.id, error: 'x' }),
      'INVALID_TRANSITION',
      'status',
    );

    // The dialog keeps one response row: a new suggestion takes over a settled one, with a new id.
    const b = await store(2);
    expect(b).toMatchObject({ status: 'PENDING_APPROVAL', approvedAt: null, sentAt: null, editedResponse: null });
    expect(b.id).not.toBe(a.id);
    expect((await rejectResponse(t.db, { responseId: b.id, userId: user.id })).status).toBe('REJECTED');
    await expectChatstoreError(
      approveResponse(t.db, { responseId: b.id, userId: user.id }),
      'INVALID_TRANSITION',
      'status',
    );

    const c = await store(3);
    await approveResponse(t.db, { responseId: c.id, userId: user.id });
    await expectChatstoreError(markResponseFailed(t.db, { responseId: c.id, error: ' ' }), 'VALIDATION', 'error');
    const failed = await markResponseFailed(t.db, { responseId: c.id, error: 'FloodWaitError: retry in 30 s' });
    expect(failed).toMatchObject({ status: 'FAILED', error: 'FloodWaitError: retry in 30 s', sentAt: null });
    expect(
      await t.conn.client.query('select count(*)::int as n from processed_responses where dialog_id = $1', [dialog.id]),
    ).toEqual([{ n: 1 }]);
    await expectChatstoreError(markResponseSent(t.db, c.id), 'INVALID_TRANSITION', 'status');
    await expectChatstoreError(
      approveResponse(t.db, { responseId: c.id, userId: user.id, editedResponse: 'x'.repeat(4097) }),
      'VALIDATION',
      'editedResponse',
    );
  });

  it('honours auto-send: approved as stored with it on, listed only after review with it off', async () => {
    const { user } = await newUser(t.db);
    const manual = await newDialog(t.db, user.id, false);
    const auto = await newDialog(t.db, user.id, true);
    const store = (dialogId: string, minute: number, text: string) =>
      storeSuggestion(t.db, {
        dialogId,
        lastMessageId: String(minute),
        lastMessageTimestamp: at(minute),
        suggestedResponse: text,
        modelName: 'gpt-4o-mini',
      }).then((s) => s.response);
    const toSend = async () =>
      (await listApprovedToSend(t.db, { userId: user.id })).map((r) => [r.telegramDialogId, r.status, r.text]);

    const held = await store(manual.id, 1, 'manual');
    expect(held).toMatchObject({ status: 'PENDING_APPROVAL', approvedAt: null });
    const sentAlone = await store(auto.id, 1, 'auto');
    expect(sentAlone).toMatchObject({ status: 'APPROVED' });
    expect(sentAlone.approvedAt).toBeInstanceOf(Date);
    expect(await listPendingResponses(t.db, { userId: user.id })).toMatchObject([{ id: held.id }]);
    // Only the auto-send reply is ready; the other waits for its review.
    expect(await toSend()).toEqual([[auto.telegramDialogId, 'APPROVED', 'auto']]);
    // Already approved: a review has nothing to do.
    await expectChatstoreError(
      approveResponse(t.db, { responseId: sentAlone.id, userId: user.id }),
      'INVALID_TRANSITION',
      'status',
    );
    await approveResponse(t.db, { responseId: held.id, userId: user.id, editedResponse: 'manual!' });
    expect(await toSend()).toEqual([
      [auto.telegramDialogId, 'APPROVED', 'auto'],
      [manual.telegramDialogId, 'APPROVED', 'manual!'],
    ]);

    // After sending, the auto dialog's next suggestion is approved again; turned off, it is not.
    await markResponseSent(t.db, sentAlone.id);
    expect((await store(auto.id, 2, 'auto 2')).status).toBe('APPROVED');
    await markResponseSent(t.db, (await listApprovedToSend(t.db, { userId: user.id }))[0]?.id ?? '');
    await configureDialog(t.db, { dialogId: auto.id, userId: user.id, autoSendEnabled: false });
    expect(await store(auto.id, 3, 'auto 3')).toMatchObject({ status: 'PENDING_APPROVAL', approvedAt: null });
    expect(await toSend()).toEqual([[manual.telegramDialogId, 'APPROVED', 'manual!']]);
  });

  it('lists approved responses to send, auto-send dialogs first, and dialogs due for processing', async () => {
    const { user } = await newUser(t.db);
    const manual = await newDialog(t.db, user.id, false);
    const auto = await newDialog(t.db, user.id, true);
    const idle = await newDialog(t.db, user.id, false);
    for (const [dialog, text] of [
      [manual, 'manual'],
      [auto, 'auto'],
    ] as const) {
      const { response } = await storeSuggestion(t.db, {
        dialogId: dialog.id,
        lastMessageId: '1',
        lastMessageTimestamp: at(1),
        suggestedResponse: text,
        modelName: 'gpt-4o-mini',
      });
      // The auto-send dialog's suggestion is approved as it is stored.
      if (dialog === manual)
        await approveResponse(t.db, { responseId: response.id, userId: user.id, editedResponse: `${text}!` });
    }
    const ready = await listApprovedToSend(t.db, { userId: user.id });
    expect(ready.map((r) => [r.telegramDialogId, r.autoSendEnabled, r.text])).toEqual([
      [auto.telegramDialogId, true, 'auto'],
      [manual.telegramDialogId, false, 'manual!'],
    ]);
    // Due: processing enabled, credentials active, nothing approved waiting.
    expect((await listDialogsDueForProcessing(t.db, { userId: user.id })).map((d) => d.id)).toEqual([idle.id]);
    await configureDialog(t.db, { dialogId: idle.id, userId: user.id, isProcessingEnabled: false });
    expect(await listDialogsDueForProcessing(t.db, { userId: user.id })).toEqual([]);
  });

  it('claims approved replies for a sender, recording each as sent or failed', async () => {
    const { user } = await newUser(t.db);
    const auto = await newDialog(t.db, user.id, true);
    const manual = await newDialog(t.db, user.id);
    const flaky = await newDialog(t.db, user.id);
    const waiting = await newDialog(t.db, user.id);
    const store = (dialogId: string, text: string) =>
      storeSuggestion(t.db, {
        dialogId,
        lastMessageId: '1',
        lastMessageTimestamp: at(1),
        suggestedResponse: text,
        modelName: 'gpt-4o-mini',
      }).then((s) => s.response);
    await store(auto.id, 'auto');
    for (const dialog of [manual, flaky]) {
      const response = await store(dialog.id, dialog.name);
      await approveResponse(t.db, { responseId: response.id, userId: user.id, editedResponse: `${dialog.name}!` });
    }
    const pending = await store(waiting.id, 'not reviewed');

    await expectChatstoreError(
      claimApprovedForSending(t.db, { userId: user.id, limit: 0 }, async () => {}),
      'VALIDATION',
      'limit',
    );
    const delivered: string[] = [];
    const outcome = await claimApprovedForSending(t.db, { userId: user.id, leaseSeconds: 30 }, async (r) => {
      if (r.dialogId === flaky.id) throw new Error('FloodWaitError: retry in 30 s');
      delivered.push(`${r.telegramDialogId}:${r.text}`);
    });
    // Auto-send first; the pending reply is not claimed.
    expect(delivered).toEqual([`${auto.telegramDialogId}:auto`, `${manual.telegramDialogId}:${manual.name}!`]);
    expect(outcome.sent.map((r) => [r.dialogId, r.status])).toEqual([
      [auto.id, 'SENT'],
      [manual.id, 'SENT'],
    ]);
    expect(outcome.sent.every((r) => r.sentAt instanceof Date)).toBe(true);
    expect(outcome.failed).toMatchObject([
      { dialogId: flaky.id, status: 'FAILED', error: 'FloodWaitError: retry in 30 s', sentAt: null },
    ]);
    // Nothing is left to claim: each reply went out once.
    expect(await listApprovedToSend(t.db, { userId: user.id })).toEqual([]);
    const again = await claimApprovedForSending(t.db, { userId: user.id }, async () => {
      throw new Error('nothing should be sent');
    });
    expect(again).toEqual({ sent: [], failed: [] });
    expect(await listPendingResponses(t.db, { userId: user.id })).toMatchObject([
      { id: pending.id, status: 'PENDING_APPROVAL' },
    ]);
  });

  it('retries failed sends with attempt counts and backoff, up to maxAttempts, then reports them', async () => {
    const { user } = await newUser(t.db);
    const dialog = await newDialog(t.db, user.id, true);
    const { response } = await storeSuggestion(t.db, {
      dialogId: dialog.id,
      lastMessageId: '1',
      lastMessageTimestamp: at(1),
      suggestedResponse: 'hello',
      modelName: 'gpt-4o-mini',
    });
    expect(response).toMatchObject({ status: 'APPROVED', sendAttempts: 0 });
    const failing = async () => {
      throw new Error('FloodWaitError');
    };
    const claim = (send: Parameters<typeof claimApprovedForSending>[2], retry?: object) =>
      claimApprovedForSending(t.db, { userId: user.id, ...(retry ? { retry } : {}) }, send);
    const ago = (seconds: number) =>
      t.conn.client.query(
        `update processed_responses set updated_at = now() - make_interval(secs => $2) where id = $1`,
        [response.id, seconds],
      );

    // First attempt fails: FAILED, its error, one attempt.
    expect((await claim(failing)).failed).toMatchObject([
      { id: response.id, status: 'FAILED', error: 'FloodWaitError', sendAttempts: 1 },
    ]);
    // Backoff (default 30 s after the first failure) not over: nothing requeued.
    expect(await retryFailedSends(t.db, { userId: user.id })).toEqual({ requeued: [], exhausted: [] });
    await ago(31);
    const first = await retryFailedSends(t.db, { userId: user.id });
    expect(first.requeued).toMatchObject([{ id: response.id, status: 'APPROVED', error: 'FloodWaitError' }]);
    expect((await listApprovedToSend(t.db, { userId: user.id })).map((r) => r.id)).toEqual([response.id]);

    // Second failure: the backoff doubles (base 3600 s: 7200 s after the second failure).
    expect((await claim(failing)).failed).toMatchObject([{ id: response.id, sendAttempts: 2 }]);
    const hourly = { baseSeconds: 3600, maxSeconds: 86_400 };
    const slow = { userId: user.id, backoff: hourly };
    await ago(5400);
    expect((await retryFailedSends(t.db, slow)).requeued).toEqual([]);
    // A claim with the same retry policy does not take it either.
    expect(await claim(failing, { backoff: hourly })).toEqual({ sent: [], failed: [] });
    await ago(7300);
    // A claim with a retry policy picks the due reply up itself, without the requeue step.
    expect((await claim(failing, { backoff: hourly })).failed).toMatchObject([
      { id: response.id, status: 'FAILED', sendAttempts: 3 },
    ]);

    // Three attempts used up: it stays FAILED and is reported, never claimed again.
    await ago(86_400);
    const done = await retryFailedSends(t.db, { userId: user.id, maxAttempts: 3 });
    expect(done.requeued).toEqual([]);
    expect(done.exhausted).toMatchObject([{ id: response.id, status: 'FAILED', sendAttempts: 3 }]);
    expect(await claim(failing, { maxAttempts: 3, backoff: { baseSeconds: 0 } })).toEqual({ sent: [], failed: [] });

    // With a higher limit it goes out; SENT clears the last error and counts the attempt.
    expect((await retryFailedSends(t.db, { userId: user.id, maxAttempts: 4 })).requeued).toHaveLength(1);
    const sent: string[] = [];
    const ok = await claim(async (r) => {
      sent.push(r.id);
    });
    expect(ok.sent).toMatchObject([{ id: response.id, status: 'SENT', error: null, sendAttempts: 4 }]);
    expect(sent).toEqual([response.id]);
    expect(await retryFailedSends(t.db, { userId: user.id, maxAttempts: 1 })).toEqual({ requeued: [], exhausted: [] });

    // markResponseFailed / markResponseSent count attempts too; a new suggestion starts at 0.
    const next = await storeSuggestion(t.db, {
      dialogId: dialog.id,
      lastMessageId: '2',
      lastMessageTimestamp: at(2),
      suggestedResponse: 'again',
      modelName: 'gpt-4o-mini',
    });
    expect(next.response.sendAttempts).toBe(0);
    expect((await markResponseFailed(t.db, { responseId: next.response.id, error: 'timeout' })).sendAttempts).toBe(1);
    const requeued = await retryFailedSends(t.db, { userId: user.id, backoff: { baseSeconds: 0 } });
    expect(requeued.requeued.map((r) => r.id)).toEqual([next.response.id]);
    expect(await markResponseSent(t.db, next.response.id)).toMatchObject({ sendAttempts: 2, error: null });
  });

  it('refuses bad retry policies, writing nothing', async () => {
    const { user } = await newUser(t.db);
    const before = await rowCounts(t.conn);
    await expectChatstoreError(retryFailedSends(t.db, { maxAttempts: 0 }), 'VALIDATION', 'maxAttempts');
    await expectChatstoreError(
      retryFailedSends(t.db, { backoff: { baseSeconds: -1 } }),
      'VALIDATION',
      'backoff.baseSeconds',
    );
    await expectChatstoreError(retryFailedSends(t.db, { userId: 'nobody' }), 'VALIDATION', 'userId');
    await expectChatstoreError(retryFailedSends(t.db, { limit: 0 }), 'VALIDATION', 'limit');
    await expectChatstoreError(
      claimApprovedForSending(t.db, { userId: user.id, retry: { maxAttempts: 1.5 } }, async () => {}),
      'VALIDATION',
      'retry.maxAttempts',
    );
    expect(await rowCounts(t.conn)).toEqual(before);
  });
});
