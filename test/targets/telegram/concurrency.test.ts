/**
 * Races on a real server: 8 workers on their own connections drain 10,000 tasks (each
 * completed exactly once, none lost, some failing and retried), 8 senders on their own
 * connections send a batch of approved replies (each SENT exactly once, failed sends retried),
 * and two reviewers race on one response (exactly one wins). PGlite is a single connection, so there the same logic runs
 * in-process (interleaved on one session): the race must still have exactly one winner.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isChatstoreError } from '../../../src/errors';
import { migrate } from '../../../src/migrate/engine';
import { loadMigrations } from '../../../src/migrate/migrations';
import { dialogs, processedResponses } from '../../../src/schema/telegram';
import { type Connection, connect } from '../../../src/targets/connect';
import { targets } from '../../../src/targets/registry';
import {
  approveResponse,
  claimApprovedForSending,
  claimNextTask,
  completeTask,
  failTask,
  rejectResponse,
  selectDialog,
  storeSuggestion,
  type TelegramDb,
} from '../../../src/targets/telegram';
import { pgBackends, postgresBackend, serverUrl } from '../../support/backends';
import { newUser, useTelegramDatabase } from './fixtures';

/** Approve and reject the same pending response at once, `rounds` times; returns the winners. */
async function raceReviews(dbs: [TelegramDb, TelegramDb], rounds: number) {
  const [a, b] = dbs;
  const { user } = await newUser(a);
  const dialog = await selectDialog(a, { userId: user.id, telegramDialogId: 'race', name: 'chat', type: 'PRIVATE' });
  const outcomes: string[] = [];
  for (let round = 0; round < rounds; round++) {
    const { response } = await storeSuggestion(a, {
      dialogId: dialog.id,
      lastMessageId: String(round),
      lastMessageTimestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, round)),
      suggestedResponse: `reply ${round}`,
      modelName: 'gpt-4o-mini',
    });
    const results = await Promise.allSettled([
      approveResponse(a, { responseId: response.id, userId: user.id }),
      rejectResponse(b, { responseId: response.id, userId: user.id }),
    ]);
    const winners = results.filter((r) => r.status === 'fulfilled').map((r) => r.value.status);
    const losers = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
    expect(winners).toHaveLength(1);
    expect(losers.every((e) => isChatstoreError(e, 'INVALID_TRANSITION'))).toBe(true);
    outcomes.push(winners[0] as string);
    // Leave the dialog without an active response for the next round.
    if (winners[0] === 'APPROVED')
      await a.execute(`update processed_responses set status = 'SENT' where id = '${response.id}'`);
  }
  return outcomes;
}

/**
 * `senders` senders claim and send `count` approved replies of one user until none is left; the
 * first attempt at about one reply in eight fails and is retried by a later claim. Returns each
 * delivery (reply id) as `send` saw it, the failed attempts and how many senders delivered any.
 */
async function sendConcurrently(setup: TelegramDb, senders: TelegramDb[], count: number) {
  const { user } = await newUser(setup);
  for (let i = 0; i < count; i++) {
    const dialog = await selectDialog(setup, {
      userId: user.id,
      telegramDialogId: `send-${i}`,
      name: `chat ${i}`,
      type: 'PRIVATE',
      autoSendEnabled: true,
    });
    // Auto-send: stored APPROVED, ready to send.
    await storeSuggestion(setup, {
      dialogId: dialog.id,
      lastMessageId: '1',
      lastMessageTimestamp: new Date(Date.UTC(2025, 0, 1)),
      suggestedResponse: `reply ${i}`,
      modelName: 'gpt-4o-mini',
    });
  }
  const delivered: string[] = [];
  const failedAttempts: string[] = [];
  const bySender = new Map<number, number>();
  await Promise.all(
    senders.map(async (db, s) => {
      for (;;) {
        const outcome = await claimApprovedForSending(
          db,
          { userId: user.id, limit: 4, retry: { maxAttempts: 3, backoff: { baseSeconds: 0 } } },
          async (r) => {
            // Let other senders run while this one "talks to Telegram".
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
            if (r.sendAttempts === 0 && Number.parseInt(r.id.slice(0, 2), 16) % 8 === 0) {
              failedAttempts.push(r.id);
              throw new Error('FloodWaitError');
            }
            delivered.push(r.id);
            bySender.set(s, (bySender.get(s) ?? 0) + 1);
          },
        );
        if (outcome.sent.length + outcome.failed.length === 0) break;
      }
    }),
  );
  return { userId: user.id, delivered, failedAttempts, senders: bySender.size };
}

/** Every reply of the user is SENT once: deliveries unique and complete, attempts counted. */
async function expectSentExactlyOnce(db: TelegramDb, run: Awaited<ReturnType<typeof sendConcurrently>>, count: number) {
  expect(run.delivered).toHaveLength(count);
  expect(new Set(run.delivered).size).toBe(count);
  expect(new Set(run.failedAttempts).size).toBe(run.failedAttempts.length);
  const list = await db
    .select({
      id: processedResponses.id,
      status: processedResponses.status,
      attempts: processedResponses.sendAttempts,
      sentAt: processedResponses.sentAt,
    })
    .from(processedResponses)
    .innerJoin(dialogs, eq(dialogs.id, processedResponses.dialogId))
    .where(eq(dialogs.userId, run.userId));
  expect(list).toHaveLength(count);
  expect(list.every((r) => r.status === 'SENT' && r.sentAt instanceof Date)).toBe(true);
  expect(new Set(list.map((r) => r.id))).toEqual(new Set(run.delivered));
  const failed = new Set(run.failedAttempts);
  expect(list.every((r) => r.attempts === (failed.has(r.id) ? 2 : 1))).toBe(true);
}

describe.each(pgBackends)('telegram races in-process on $name', (backend) => {
  const t = useTelegramDatabase(backend);

  it('lets exactly one of approve and reject win', async () => {
    const outcomes = await raceReviews([t.db, t.db], 20);
    expect(outcomes).toHaveLength(20);
  });

  it('SENT exactly once under 8 concurrent senders on one handle', { timeout: 120_000 }, async () => {
    const run = await sendConcurrently(
      t.db,
      Array.from({ length: 8 }, () => t.db),
      60,
    );
    await expectSentExactlyOnce(t.db, run, 60);
  });
});

describe.runIf(serverUrl)('telegram races across connections on PostgreSQL', () => {
  const backend = serverUrl ? postgresBackend(serverUrl) : undefined;
  let conns: Connection<'telegram'>[] = [];

  beforeAll(async () => {
    if (!backend) return;
    const location = await backend.create();
    const first = await connect('telegram', location, { maxConnections: 2, requireLatest: false });
    const result = await migrate(first.client, loadMigrations(targets.telegram));
    if (!result.ok) throw new Error(result.error?.message);
    conns = [first];
    // One pool of 1 per worker: every worker really is its own session.
    for (let i = 1; i < 8; i++)
      conns.push(await connect('telegram', location, { maxConnections: 1, requireLatest: false }));
  });
  afterAll(async () => {
    for (const conn of conns) await conn.close();
    await backend?.cleanup();
  });

  it('lets exactly one of approve and reject win on separate connections', async () => {
    const [a, b] = conns as [Connection<'telegram'>, Connection<'telegram'>];
    const outcomes = await raceReviews([a.db, b.db], 50);
    expect(outcomes).toHaveLength(50);
  });

  it('SENT exactly once under 8 concurrent senders on separate connections', { timeout: 120_000 }, async () => {
    const dbs = conns.map((c) => c.db);
    const run = await sendConcurrently(dbs[0] as TelegramDb, dbs, 200);
    await expectSentExactlyOnce(dbs[0] as TelegramDb, run, 200);
    console.log(`8 senders sent 200 replies (${run.failedAttempts.length} retried); ${run.senders} senders delivered`);
    expect(run.senders).toBeGreaterThan(1);
    expect(run.failedAttempts.length).toBeGreaterThan(0);
  });

  it('drains 10,000 tasks with 8 workers: each completed exactly once, none lost', { timeout: 120_000 }, async () => {
    const [first] = conns as [Connection<'telegram'>];
    await first.client.query(`delete from tasks`);
    await first.client.query(
      `insert into tasks (type, payload, max_attempts)
       select 'SYSTEM', jsonb_build_object('i', g), 5 from generate_series(1, 10000) g`,
    );
    const completed: string[] = [];
    let failures = 0;
    const started = performance.now();
    await Promise.all(
      conns.map(async (conn, w) => {
        const workerId = `worker-${w}`;
        for (let task = await claimNextTask(conn.db, { workerId }); task; ) {
          // About 2% of first attempts fail and go back to the queue at once.
          if (task.attempts === 1 && Math.random() < 0.02) {
            await failTask(conn.db, { taskId: task.id, workerId, error: 'flaky', backoff: { baseSeconds: 0 } });
            failures++;
          } else {
            await completeTask(conn.db, { taskId: task.id, workerId });
            completed.push(task.id);
          }
          task = await claimNextTask(conn.db, { workerId });
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(`8 workers drained 10,000 tasks (${failures} retried) in ${seconds.toFixed(1)} s`);
    expect(completed).toHaveLength(10_000);
    expect(new Set(completed).size).toBe(10_000);
    expect(failures).toBeGreaterThan(0);
    expect(
      await first.client.query(`select status, count(*)::int as n from tasks group by status order by status`),
    ).toEqual([{ status: 'COMPLETED', n: 10_000 }]);
    const [retried] = await first.client.query<{ n: number }>(
      `select count(*)::int as n from tasks where attempts = 2`,
    );
    expect(retried?.n).toBe(failures);
  });
});
