/**
 * The background worker's task queue (seed 002, "Background Worker System", generation
 * `task-queue`). Workers claim the next task by priority then age with
 * `FOR UPDATE SKIP LOCKED` (never the same task twice, never waiting on each other), keep it
 * with heartbeats, and complete or fail it; failures retry with exponential backoff until
 * `max_attempts`; tasks whose worker went silent are recovered.
 *
 *   PENDING → PROCESSING (claim) → COMPLETED | PENDING (fail, retries left; recover) | FAILED
 *   PENDING | PROCESSING → CANCELLED
 */
import { and, asc, desc, eq, getTableColumns, inArray, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import { ChatstoreError } from '../../errors';
import { parseInput } from '../../kit';
import { type TaskPayload, taskPriorities, taskStatuses, tasks, taskTypes } from '../../schema/telegram';
import { DialogId, floor, invalidTransition, mapped, notFound, TaskId, type TelegramDb, UserId } from './internal';

export type Task = typeof tasks.$inferSelect;
export type TaskStatus = (typeof taskStatuses)[number];
export type TaskPriority = (typeof taskPriorities)[number];
export type TaskType = (typeof taskTypes)[number];

const Payload = z.record(z.string(), z.unknown()) as z.ZodType<TaskPayload>;
/** Who holds a task: a worker's stable name, e.g. `host-1:pid-4242`. */
export const WorkerId = z.string().trim().min(1).max(255);

export const EnqueueTaskInput = z
  .object({
    type: z.enum(taskTypes),
    priority: z.enum(taskPriorities).default('NORMAL'),
    payload: Payload.default({}),
    dialogId: DialogId.optional(),
    userId: UserId.optional(),
    maxAttempts: z.number().int().min(1).max(100).default(3),
    /** Not before this time; default now. */
    runAt: z.date().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.type === 'DIALOG' && v.dialogId === undefined)
      ctx.addIssue({ code: 'custom', path: ['dialogId'], message: 'a DIALOG task needs the dialog it is for' });
    if (v.type === 'USER' && v.userId === undefined)
      ctx.addIssue({ code: 'custom', path: ['userId'], message: 'a USER task needs the user it is for' });
  });
export type EnqueueTaskInput = z.input<typeof EnqueueTaskInput>;

export const ClaimInput = z.object({ workerId: WorkerId });
export type ClaimInput = z.input<typeof ClaimInput>;
export const HeldTaskInput = z.object({ taskId: TaskId, workerId: WorkerId });
export type HeldTaskInput = z.input<typeof HeldTaskInput>;
export const FailTaskInput = HeldTaskInput.extend({
  error: z.string().min(1).max(10_000),
  /** Delay before retry n is `min(baseSeconds · 2^(n-1), maxSeconds)`. */
  backoff: z
    .object({ baseSeconds: z.number().min(0).max(86_400).default(30), maxSeconds: z.number().min(0).default(3600) })
    .default({ baseSeconds: 30, maxSeconds: 3600 }),
});
export type FailTaskInput = z.input<typeof FailTaskInput>;
export const RecoverInput = z.object({ staleAfterSeconds: z.number().int().min(1).default(300) });
export type RecoverInput = z.input<typeof RecoverInput>;
export const ListTasksInput = z.object({
  status: z.enum(taskStatuses).optional(),
  dialogId: DialogId.optional(),
  limit: z.number().int().min(1).max(1000).default(100),
});
export type ListTasksInput = z.input<typeof ListTasksInput>;

export interface EnqueuedTask {
  task: Task;
  /** False when a pending task of the same type for the same dialog already existed. */
  created: boolean;
}

const ph = sql.placeholder;
const releaseLock = { lockedBy: null, lockedAt: null, heartbeatAt: null } as const;

// Built by drizzle, executed at the driver's floor (kit `floor`, decision 026).
const statements = floor((db) => {
  // Highest priority first (enum order LOW < NORMAL < HIGH), then oldest: the order of the
  // partial index ix_tasks_claim, so the subquery reads one index entry per skipped lock.
  const next = db
    .select({ id: tasks.id })
    .from(tasks)
    .where(and(eq(tasks.status, 'PENDING'), sql`${tasks.runAt} <= now()`))
    .orderBy(sql`${tasks.priority} desc nulls last`, asc(tasks.createdAt), asc(tasks.id))
    .limit(1)
    .for('update', { skipLocked: true });
  return {
    claim: db
      .update(tasks)
      .set({
        status: 'PROCESSING',
        lockedBy: sql`${ph('workerId')}`,
        lockedAt: sql`now()`,
        heartbeatAt: sql`now()`,
        attempts: sql`${tasks.attempts} + 1`,
        updatedAt: sql`now()`,
      })
      .where(sql`${tasks.id} = (${next})`)
      .returning(),
    complete: db
      .update(tasks)
      .set({ status: 'COMPLETED', ...releaseLock, completedAt: sql`now()`, updatedAt: sql`now()` })
      .where(and(eq(tasks.id, ph('taskId')), eq(tasks.status, 'PROCESSING'), eq(tasks.lockedBy, ph('workerId'))))
      .returning(),
  };
});

/**
 * Queues a task. A pending task of the same type for the same dialog is not duplicated: the
 * existing one is returned (`created: false`), raised to the higher priority and the earlier
 * `runAt`; its payload is kept. An unknown dialog or user is `FOREIGN_KEY` on that field.
 *
 * @example
 * const { task, created } = await enqueueTask(db, { type: 'DIALOG', dialogId, priority: 'HIGH' });
 */
export async function enqueueTask(db: TelegramDb, input: EnqueueTaskInput): Promise<EnqueuedTask> {
  const values = parseInput(EnqueueTaskInput, input, 'tasks');
  const [row] = await mapped('tasks', () =>
    db
      .insert(tasks)
      .values({ ...values, runAt: values.runAt ?? sql`now()` })
      .onConflictDoUpdate({
        target: [tasks.dialogId, tasks.type],
        targetWhere: sql`status = 'PENDING' AND dialog_id IS NOT NULL`,
        set: {
          priority: sql`greatest(${tasks.priority}, excluded.priority)`,
          runAt: sql`least(${tasks.runAt}, excluded.run_at)`,
          updatedAt: sql`now()`,
        },
      })
      // xmax = 0 only on a freshly inserted row version.
      .returning({ ...getTableColumns(tasks), created: sql<boolean>`(xmax = 0)` }),
  );
  if (!row) throw new ChatstoreError('DATABASE_ERROR', 'enqueue returned no row', { entity: 'tasks' });
  const { created, ...task } = row;
  return { task, created };
}

/**
 * Claims the next runnable task for a worker (one prepared statement): the highest priority,
 * then the oldest, among PENDING tasks whose `run_at` has come, skipping rows other workers
 * are claiming. The task becomes PROCESSING, held by `workerId`, with `attempts` + 1.
 * `undefined` when nothing is runnable.
 *
 * @example
 * const task = await claimNextTask(db, { workerId: 'worker-1' });
 * if (task) { await run(task); await completeTask(db, { taskId: task.id, workerId: 'worker-1' }); }
 */
export async function claimNextTask(db: TelegramDb, input: ClaimInput): Promise<Task | undefined> {
  const { workerId } = parseInput(ClaimInput, input, 'tasks');
  const [task] = await mapped('tasks', () => statements(db).claim.execute({ workerId }));
  return task;
}

/** Why a held-task operation matched no row: missing, held by someone else, or wrong status. */
async function explainHeld(db: TelegramDb, taskId: string, workerId: string, action: string): Promise<never> {
  const [current] = await mapped('tasks', () =>
    db.select({ status: tasks.status, lockedBy: tasks.lockedBy }).from(tasks).where(eq(tasks.id, taskId)).limit(1),
  );
  if (!current) throw notFound('tasks', 'taskId', taskId);
  if (current.status === 'PROCESSING') {
    throw new ChatstoreError('CONFLICT', `Task ${taskId} is held by ${current.lockedBy}, not ${workerId}`, {
      entity: 'tasks',
      field: 'workerId',
    });
  }
  throw invalidTransition(
    'tasks',
    'status',
    `Task ${taskId} is ${current.status}; only a PROCESSING task can ${action}`,
  );
}

/**
 * Extends the holder's lease on a task. Not holding it (recovered meanwhile, or never claimed)
 * is `CONFLICT` on `workerId` or `INVALID_TRANSITION` on `status`: stop working on it.
 *
 * @example
 * const timer = setInterval(() => heartbeatTask(db, { taskId, workerId }), 30_000);
 */
export async function heartbeatTask(db: TelegramDb, input: HeldTaskInput): Promise<Task> {
  const { taskId, workerId } = parseInput(HeldTaskInput, input, 'tasks');
  const [task] = await mapped('tasks', () =>
    db
      .update(tasks)
      .set({ heartbeatAt: sql`now()`, updatedAt: sql`now()` })
      .where(and(eq(tasks.id, taskId), eq(tasks.status, 'PROCESSING'), eq(tasks.lockedBy, workerId)))
      .returning(),
  );
  return task ?? explainHeld(db, taskId, workerId, 'heartbeat');
}

/**
 * Completes a task the worker holds: COMPLETED, lock released. Completing a task one does not
 * hold is `CONFLICT` on `workerId`; one not PROCESSING (completed already, cancelled,
 * recovered) `INVALID_TRANSITION` on `status`. So each task is completed exactly once.
 *
 * @example
 * await completeTask(db, { taskId: task.id, workerId: 'worker-1' });
 */
export async function completeTask(db: TelegramDb, input: HeldTaskInput): Promise<Task> {
  const { taskId, workerId } = parseInput(HeldTaskInput, input, 'tasks');
  const [task] = await mapped('tasks', () => statements(db).complete.execute({ taskId, workerId }));
  return task ?? explainHeld(db, taskId, workerId, 'complete');
}

/**
 * Records a failed attempt of a held task: back to PENDING with `run_at` pushed back by the
 * backoff while attempts remain, FAILED once `attempts` reaches `max_attempts`; `last_error`
 * keeps the message. Errors as `completeTask`.
 *
 * @example
 * await failTask(db, { taskId, workerId, error: String(err), backoff: { baseSeconds: 10 } });
 */
export async function failTask(db: TelegramDb, input: FailTaskInput): Promise<Task> {
  const { taskId, workerId, error, backoff } = parseInput(FailTaskInput, input, 'tasks');
  const retry = sql`${tasks.attempts} < ${tasks.maxAttempts}`;
  const delay = sql`least(${backoff.baseSeconds}::float8 * power(2, ${tasks.attempts} - 1), ${backoff.maxSeconds}::float8)`;
  const [task] = await mapped('tasks', () =>
    db
      .update(tasks)
      .set({
        status: sql`case when ${retry} then 'PENDING'::taskstatus else 'FAILED'::taskstatus end`,
        runAt: sql`case when ${retry} then now() + make_interval(secs => ${delay}) else ${tasks.runAt} end`,
        lastError: error,
        ...releaseLock,
        updatedAt: sql`now()`,
      })
      .where(and(eq(tasks.id, taskId), eq(tasks.status, 'PROCESSING'), eq(tasks.lockedBy, workerId)))
      .returning(),
  );
  return task ?? explainHeld(db, taskId, workerId, 'fail');
}

/**
 * Cancels a PENDING or PROCESSING task (its holder's next heartbeat or completion then fails).
 * A finished task is `INVALID_TRANSITION` on `status`; a missing one `NOT_FOUND` on `taskId`.
 *
 * @example
 * await cancelTask(db, taskId);
 */
export async function cancelTask(db: TelegramDb, taskId: string): Promise<Task> {
  const id = parseInput(TaskId, taskId, 'tasks');
  const [task] = await mapped('tasks', () =>
    db
      .update(tasks)
      .set({ status: 'CANCELLED', ...releaseLock, updatedAt: sql`now()` })
      .where(and(eq(tasks.id, id), inArray(tasks.status, ['PENDING', 'PROCESSING'])))
      .returning(),
  );
  if (task) return task;
  const current = await getTaskOrThrow(db, id);
  throw invalidTransition('tasks', 'status', `Task ${id} is ${current.status}; it can no longer be cancelled`);
}

/**
 * Recovers tasks whose holder went silent (no heartbeat for `staleAfterSeconds`): back to
 * PENDING, runnable at once, while attempts remain; FAILED otherwise. Returns them.
 *
 * @example
 * const recovered = await recoverStaleTasks(db, { staleAfterSeconds: 120 });
 */
export async function recoverStaleTasks(db: TelegramDb, input: RecoverInput = {}): Promise<Task[]> {
  const { staleAfterSeconds } = parseInput(RecoverInput, input, 'tasks');
  const retry = sql`${tasks.attempts} < ${tasks.maxAttempts}`;
  return mapped('tasks', () =>
    db
      .update(tasks)
      .set({
        status: sql`case when ${retry} then 'PENDING'::taskstatus else 'FAILED'::taskstatus end`,
        runAt: sql`now()`,
        lastError: sql`'worker ' || ${tasks.lockedBy} || ' went silent (no heartbeat since ' || ${tasks.heartbeatAt} || ')'`,
        ...releaseLock,
        updatedAt: sql`now()`,
      })
      .where(
        and(
          eq(tasks.status, 'PROCESSING'),
          lt(tasks.heartbeatAt, sql`now() - make_interval(secs => ${staleAfterSeconds})`),
        ),
      )
      .returning(),
  );
}

/**
 * A task by id; a missing one is `NOT_FOUND` on `taskId`.
 *
 * @example
 * const task = await getTaskOrThrow(db, taskId);
 */
export async function getTaskOrThrow(db: TelegramDb, taskId: string): Promise<Task> {
  const id = parseInput(TaskId, taskId, 'tasks');
  const [task] = await mapped('tasks', () => db.select().from(tasks).where(eq(tasks.id, id)).limit(1));
  if (!task) throw notFound('tasks', 'taskId', id);
  return task;
}

/**
 * Tasks for monitoring, newest first, optionally by status and dialog.
 *
 * @example
 * const failed = await listTasks(db, { status: 'FAILED' });
 */
export async function listTasks(db: TelegramDb, input: ListTasksInput = {}): Promise<Task[]> {
  const { status, dialogId, limit } = parseInput(ListTasksInput, input, 'tasks');
  return mapped('tasks', () =>
    db
      .select()
      .from(tasks)
      .where(
        and(
          status === undefined ? undefined : eq(tasks.status, status),
          dialogId === undefined ? undefined : eq(tasks.dialogId, dialogId),
        ),
      )
      .orderBy(desc(tasks.createdAt), desc(tasks.id))
      .limit(limit),
  );
}
