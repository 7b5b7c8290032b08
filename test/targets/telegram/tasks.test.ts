import { describe, expect, it } from 'vitest';
import {
  cancelTask,
  claimNextTask,
  completeTask,
  enqueueTask,
  failTask,
  getTaskOrThrow,
  heartbeatTask,
  listTasks,
  recoverStaleTasks,
  selectDialog,
} from '../../../src/targets/telegram';
import { pgBackends } from '../../support/backends';
import { expectChatstoreError, newUser, rowCounts, useTelegramDatabase } from './fixtures';

describe.each(pgBackends)('telegram task queue on $name', (backend) => {
  const t = useTelegramDatabase(backend);

  /** Claims and completes whatever is runnable, so each test starts with an empty queue. */
  async function drain() {
    await t.conn.client.query(`update tasks set status = 'CANCELLED', locked_by = null, locked_at = null,
      heartbeat_at = null where status in ('PENDING', 'PROCESSING')`);
  }

  it('enqueues without duplicating a pending task for the same dialog and type', async () => {
    await drain();
    const { user } = await newUser(t.db);
    const dialog = await selectDialog(t.db, { userId: user.id, telegramDialogId: 'd1', name: 'chat', type: 'PRIVATE' });
    const first = await enqueueTask(t.db, { type: 'DIALOG', dialogId: dialog.id, payload: { reason: 'poll' } });
    expect(first).toMatchObject({ created: true, task: { status: 'PENDING', priority: 'NORMAL', attempts: 0 } });
    const [kind] = await t.conn.client.query(`select jsonb_typeof(payload) as k from tasks where id = $1`, [
      first.task.id,
    ]);
    expect(kind).toEqual({ k: 'object' });
    const again = await enqueueTask(t.db, { type: 'DIALOG', dialogId: dialog.id, priority: 'HIGH', payload: { x: 1 } });
    expect(again).toMatchObject({
      created: false,
      task: { id: first.task.id, priority: 'HIGH', payload: { reason: 'poll' } },
    });
    // Lower priority never lowers an existing task's.
    expect((await enqueueTask(t.db, { type: 'DIALOG', dialogId: dialog.id, priority: 'LOW' })).task.priority).toBe(
      'HIGH',
    );
    // Another type for the same dialog, and user/system tasks, are separate.
    expect((await enqueueTask(t.db, { type: 'USER', userId: user.id, dialogId: dialog.id })).created).toBe(true);
    expect((await enqueueTask(t.db, { type: 'SYSTEM' })).created).toBe(true);
    expect((await enqueueTask(t.db, { type: 'SYSTEM' })).created).toBe(true);

    const before = await rowCounts(t.conn);
    await expectChatstoreError(enqueueTask(t.db, { type: 'DIALOG' }), 'VALIDATION', 'dialogId');
    await expectChatstoreError(enqueueTask(t.db, { type: 'USER' }), 'VALIDATION', 'userId');
    await expectChatstoreError(
      enqueueTask(t.db, { type: 'SYSTEM', priority: 'URGENT' as never }),
      'VALIDATION',
      'priority',
    );
    await expectChatstoreError(enqueueTask(t.db, { type: 'SYSTEM', maxAttempts: 0 }), 'VALIDATION', 'maxAttempts');
    await expectChatstoreError(enqueueTask(t.db, { type: 'SYSTEM', payload: [1] as never }), 'VALIDATION', 'payload');
    await expectChatstoreError(
      enqueueTask(t.db, { type: 'DIALOG', dialogId: '00000000-0000-4000-8000-000000000000' }),
      'FOREIGN_KEY',
      'dialogId',
    );
    expect(await rowCounts(t.conn)).toEqual(before);
  });

  it('claims by priority then age, only runnable tasks, each once', async () => {
    await drain();
    const low = await enqueueTask(t.db, { type: 'SYSTEM', priority: 'LOW' });
    const normal1 = await enqueueTask(t.db, { type: 'SYSTEM' });
    const normal2 = await enqueueTask(t.db, { type: 'SYSTEM' });
    const high = await enqueueTask(t.db, { type: 'SYSTEM', priority: 'HIGH' });
    await enqueueTask(t.db, { type: 'SYSTEM', priority: 'HIGH', runAt: new Date(Date.now() + 3_600_000) });
    // Each enqueue is its own transaction, so created_at grows: HIGH first, then the NORMALs by age, then LOW.
    const expected = [high, normal1, normal2].map((e) => e.task);
    const claimed = [];
    for (let i = 0; i < 4; i++) claimed.push(await claimNextTask(t.db, { workerId: 'w1' }));
    expect(claimed.map((c) => c?.id)).toEqual([...expected.map((e) => e.id), low.task.id]);
    expect(claimed[0]).toMatchObject({ status: 'PROCESSING', lockedBy: 'w1', attempts: 1 });
    expect(await claimNextTask(t.db, { workerId: 'w1' })).toBeUndefined();
    await expectChatstoreError(claimNextTask(t.db, { workerId: ' ' }), 'VALIDATION', 'workerId');
  });

  it('completes, heartbeats and cancels only held tasks', async () => {
    await drain();
    const { task } = await enqueueTask(t.db, { type: 'SYSTEM' });
    const claimed = await claimNextTask(t.db, { workerId: 'w1' });
    expect(claimed?.id).toBe(task.id);
    await expectChatstoreError(completeTask(t.db, { taskId: task.id, workerId: 'w2' }), 'CONFLICT', 'workerId');
    expect((await heartbeatTask(t.db, { taskId: task.id, workerId: 'w1' })).heartbeatAt).toBeInstanceOf(Date);
    const done = await completeTask(t.db, { taskId: task.id, workerId: 'w1' });
    expect(done).toMatchObject({ status: 'COMPLETED', lockedBy: null, completedAt: expect.any(Date) });
    await expectChatstoreError(completeTask(t.db, { taskId: task.id, workerId: 'w1' }), 'INVALID_TRANSITION', 'status');
    await expectChatstoreError(
      heartbeatTask(t.db, { taskId: task.id, workerId: 'w1' }),
      'INVALID_TRANSITION',
      'status',
    );
    await expectChatstoreError(cancelTask(t.db, task.id), 'INVALID_TRANSITION', 'status');

    const other = await enqueueTask(t.db, { type: 'SYSTEM' });
    await claimNextTask(t.db, { workerId: 'w1' });
    expect((await cancelTask(t.db, other.task.id)).status).toBe('CANCELLED');
    await expectChatstoreError(
      completeTask(t.db, { taskId: other.task.id, workerId: 'w1' }),
      'INVALID_TRANSITION',
      'status',
    );
    await expectChatstoreError(
      completeTask(t.db, { taskId: '00000000-0000-4000-8000-000000000000', workerId: 'w1' }),
      'NOT_FOUND',
      'taskId',
    );
  });

  it('retries failures with exponential backoff until max_attempts, then fails', async () => {
    await drain();
    const { task } = await enqueueTask(t.db, { type: 'SYSTEM', maxAttempts: 2 });
    await claimNextTask(t.db, { workerId: 'w1' });
    const retry = await failTask(t.db, {
      taskId: task.id,
      workerId: 'w1',
      error: 'Telegram flood wait',
      backoff: { baseSeconds: 60, maxSeconds: 600 },
    });
    expect(retry).toMatchObject({ status: 'PENDING', attempts: 1, lastError: 'Telegram flood wait', lockedBy: null });
    const [delay] = await t.conn.client.query<{ s: number }>(
      `select extract(epoch from run_at - updated_at)::int as s from tasks where id = $1`,
      [task.id],
    );
    expect(delay?.s).toBe(60);
    expect(await claimNextTask(t.db, { workerId: 'w1' })).toBeUndefined(); // not runnable yet
    await t.conn.client.query(`update tasks set run_at = now() where id = $1`, [task.id]);
    expect((await claimNextTask(t.db, { workerId: 'w1' }))?.attempts).toBe(2);
    const failed = await failTask(t.db, { taskId: task.id, workerId: 'w1', error: 'again' });
    expect(failed).toMatchObject({ status: 'FAILED', attempts: 2, lastError: 'again' });
    expect((await listTasks(t.db, { status: 'FAILED' })).map((x) => x.id)).toContain(task.id);
    await expectChatstoreError(failTask(t.db, { taskId: task.id, workerId: 'w1', error: '' }), 'VALIDATION', 'error');
  });

  it('recovers tasks whose worker went silent', async () => {
    await drain();
    const a = await enqueueTask(t.db, { type: 'SYSTEM', maxAttempts: 3 });
    const b = await enqueueTask(t.db, { type: 'SYSTEM', maxAttempts: 1 });
    await claimNextTask(t.db, { workerId: 'gone' });
    await claimNextTask(t.db, { workerId: 'gone' });
    expect(await recoverStaleTasks(t.db, { staleAfterSeconds: 60 })).toEqual([]);
    await t.conn.client.query(`update tasks set heartbeat_at = now() - interval '5 minutes' where locked_by = 'gone'`);
    const recovered = await recoverStaleTasks(t.db, { staleAfterSeconds: 60 });
    expect(Object.fromEntries(recovered.map((r) => [r.id, r.status]))).toEqual({
      [a.task.id]: 'PENDING',
      [b.task.id]: 'FAILED',
    });
    expect((await getTaskOrThrow(t.db, a.task.id)).lastError).toContain('worker gone went silent');
    // The silent worker's late completion is refused; the task runs again elsewhere.
    await expectChatstoreError(
      completeTask(t.db, { taskId: a.task.id, workerId: 'gone' }),
      'INVALID_TRANSITION',
      'status',
    );
    expect((await claimNextTask(t.db, { workerId: 'w2' }))?.id).toBe(a.task.id);
  });

  it('drains a queue in-process with several workers, each task completed once', async () => {
    await drain();
    for (let i = 0; i < 60; i++) await enqueueTask(t.db, { type: 'SYSTEM', payload: { i } });
    const completed: string[] = [];
    // On PGlite (one connection) the calls interleave on one session; on a server they use the pool.
    await Promise.all(
      Array.from({ length: 4 }, async (_, w) => {
        for (let task = await claimNextTask(t.db, { workerId: `w${w}` }); task; ) {
          await completeTask(t.db, { taskId: task.id, workerId: `w${w}` });
          completed.push(task.id);
          task = await claimNextTask(t.db, { workerId: `w${w}` });
        }
      }),
    );
    expect(completed).toHaveLength(60);
    expect(new Set(completed).size).toBe(60);
  });
});
