/**
 * Tasks (seed 004, "tasks", phase 2): what the chatbot's `add_task` / `complete_task` tools
 * act on. `updated_at` moves on every change; `completed_at` is set when a task is completed
 * and cleared when it is reopened.
 */
import { and, asc, eq, type SQL, sql } from 'drizzle-orm';
import { createInsertSchema } from 'drizzle-zod';
import { z } from 'zod';
import { ChatstoreError } from '../../errors';
import { parseInput } from '../../kit';
import { tasks } from '../../schema/todo';
import { mapped, notFound, type TodoDb } from './internal';
import { UserId } from './users';

export type Task = typeof tasks.$inferSelect;

export const TaskId = z.number().int().positive().max(2_147_483_647);

export const CreateTaskInput = createInsertSchema(tasks, {
  userId: UserId,
  title: (s) => s.trim().min(1),
}).pick({ userId: true, title: true, description: true });
export type CreateTaskInput = z.input<typeof CreateTaskInput>;

export const TaskRef = z.object({ taskId: TaskId, userId: UserId });
export type TaskRef = z.input<typeof TaskRef>;

export const ListTasksInput = z.object({ userId: UserId, completed: z.boolean().optional() });
export type ListTasksInput = z.input<typeof ListTasksInput>;

export const UpdateTaskInput = TaskRef.extend({
  title: CreateTaskInput.shape.title.optional(),
  description: z.string().nullable().optional(),
  completed: z.boolean().optional(),
}).refine((v) => v.title !== undefined || v.description !== undefined || v.completed !== undefined, {
  message: 'nothing to update: give title, description or completed',
});
export type UpdateTaskInput = z.input<typeof UpdateTaskInput>;

const owned = (taskId: number, userId: string) => and(eq(tasks.id, taskId), eq(tasks.userId, userId));

/**
 * Creates a task for a user (`completed` false, `updated_at` = `created_at`). An unknown
 * user is `FOREIGN_KEY` on `userId`; a title over 200 characters is `VALIDATION` on `title`.
 *
 * @example
 * const task = await createTask(db, { userId: 'u1', title: 'Buy milk' });
 */
export async function createTask(db: TodoDb, input: CreateTaskInput): Promise<Task> {
  const values = parseInput(CreateTaskInput, input, 'tasks');
  const [task] = await mapped('tasks', () =>
    db
      .insert(tasks)
      .values({ ...values, updatedAt: sql`current_timestamp` })
      .returning(),
  );
  return task as Task;
}

/**
 * A task of the given user; a missing one (or someone else's) is `NOT_FOUND` on `taskId`.
 *
 * @example
 * const task = await getTaskOrThrow(db, { taskId: 7, userId: 'u1' });
 */
export async function getTaskOrThrow(db: TodoDb, input: TaskRef): Promise<Task> {
  const { taskId, userId } = parseInput(TaskRef, input, 'tasks');
  const [task] = await mapped('tasks', () => db.select().from(tasks).where(owned(taskId, userId)).limit(1));
  if (!task) throw notFound('tasks', 'taskId', taskId);
  return task;
}

/**
 * A user's tasks in creation order, optionally only open (`completed: false`) or done ones.
 *
 * @example
 * const open = await listTasks(db, { userId: 'u1', completed: false });
 */
export async function listTasks(db: TodoDb, input: ListTasksInput): Promise<Task[]> {
  const { userId, completed } = parseInput(ListTasksInput, input, 'tasks');
  const filters: SQL[] = [eq(tasks.userId, userId)];
  // `completed` is nullable in the seed; treat NULL as "not completed".
  if (completed === true) filters.push(sql`${tasks.completed} is true`);
  if (completed === false) filters.push(sql`${tasks.completed} is not true`);
  return mapped('tasks', () =>
    db
      .select()
      .from(tasks)
      .where(and(...filters))
      .orderBy(asc(tasks.createdAt), asc(tasks.id)),
  );
}

/**
 * Changes a task's title, description or completion. Completing sets `completed_at` (kept
 * if it was already set); reopening clears it. `updated_at` is set to now.
 *
 * @example
 * const task = await updateTask(db, { taskId: 7, userId: 'u1', title: 'Buy oat milk' });
 */
export async function updateTask(db: TodoDb, input: UpdateTaskInput): Promise<Task> {
  const { taskId, userId, title, description, completed } = parseInput(UpdateTaskInput, input, 'tasks');
  const [task] = await mapped('tasks', () =>
    db
      .update(tasks)
      .set({
        title,
        description,
        completed,
        completedAt:
          completed === undefined
            ? undefined
            : completed
              ? sql`coalesce(${tasks.completedAt}, current_timestamp)`
              : null,
        updatedAt: sql`current_timestamp`,
      })
      .where(owned(taskId, userId))
      .returning(),
  );
  if (!task) throw notFound('tasks', 'taskId', taskId);
  return task;
}

/**
 * Completes an open task: `completed = true`, `completed_at` and `updated_at` = now. The
 * update is conditional, so of two racing calls one wins and the other gets
 * `INVALID_TRANSITION` on `completed`, as does completing a completed task.
 *
 * @example
 * const done = await completeTask(db, { taskId: 7, userId: 'u1' });
 */
export async function completeTask(db: TodoDb, input: TaskRef): Promise<Task> {
  const { taskId, userId } = parseInput(TaskRef, input, 'tasks');
  const [task] = await mapped('tasks', () =>
    db
      .update(tasks)
      .set({ completed: true, completedAt: sql`current_timestamp`, updatedAt: sql`current_timestamp` })
      .where(and(owned(taskId, userId), sql`${tasks.completed} is not true`))
      .returning(),
  );
  if (task) return task;
  await getTaskOrThrow(db, { taskId, userId });
  throw new ChatstoreError('INVALID_TRANSITION', `Task ${taskId} is already completed`, {
    entity: 'tasks',
    field: 'completed',
  });
}

/**
 * Deletes a task and returns it; a missing one is `NOT_FOUND` on `taskId`.
 *
 * @example
 * await deleteTask(db, { taskId: 7, userId: 'u1' });
 */
export async function deleteTask(db: TodoDb, input: TaskRef): Promise<Task> {
  const { taskId, userId } = parseInput(TaskRef, input, 'tasks');
  const [task] = await mapped('tasks', () => db.delete(tasks).where(owned(taskId, userId)).returning());
  if (!task) throw notFound('tasks', 'taskId', taskId);
  return task;
}
