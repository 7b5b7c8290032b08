import { describe, expect, it } from 'vitest';
import { completeTask, createTask, deleteTask, getTaskOrThrow, listTasks, updateTask } from '../../../src/targets/todo';
import { pgBackends } from '../../support/backends';
import { expectChatstoreError, newUser, rowCounts, sleep, useTodoDatabase } from './fixtures';

describe.each(pgBackends)('todo tasks on $name', (backend) => {
  const t = useTodoDatabase(backend);

  it('creates an open task with updated_at = created_at', async () => {
    const user = await newUser(t.db);
    const task = await createTask(t.db, { userId: user.id, title: 'Buy milk', description: '2 litres' });
    expect(task).toEqual({
      id: expect.any(Number),
      userId: user.id,
      title: 'Buy milk',
      description: '2 litres',
      completed: false,
      createdAt: expect.any(Date),
      updatedAt: task.createdAt,
      completedAt: null,
    });
    expect(await getTaskOrThrow(t.db, { taskId: task.id, userId: user.id })).toEqual(task);
  });

  it('rejects bad titles and unknown users with the field, writing nothing', async () => {
    const user = await newUser(t.db);
    const before = await rowCounts(t.conn);
    await expectChatstoreError(createTask(t.db, { userId: user.id, title: 'x'.repeat(201) }), 'VALIDATION', 'title');
    await expectChatstoreError(createTask(t.db, { userId: user.id, title: '' }), 'VALIDATION', 'title');
    await expectChatstoreError(createTask(t.db, { userId: 'no-such-user', title: 'orphan' }), 'FOREIGN_KEY', 'userId');
    expect(await rowCounts(t.conn)).toEqual(before);
    expect((await createTask(t.db, { userId: user.id, title: 'y'.repeat(200) })).title).toHaveLength(200);
  });

  it('updates fields and maintains updated_at', async () => {
    const user = await newUser(t.db);
    const task = await createTask(t.db, { userId: user.id, title: 'Draft' });
    await sleep(5);
    const renamed = await updateTask(t.db, { taskId: task.id, userId: user.id, title: 'Final', description: 'now' });
    expect(renamed).toMatchObject({ title: 'Final', description: 'now', completed: false, completedAt: null });
    expect(renamed.updatedAt?.getTime()).toBeGreaterThan(task.updatedAt?.getTime() ?? Infinity);
    expect(renamed.createdAt).toEqual(task.createdAt);
    const cleared = await updateTask(t.db, { taskId: task.id, userId: user.id, description: null });
    expect(cleared).toMatchObject({ title: 'Final', description: null });
    await expectChatstoreError(updateTask(t.db, { taskId: task.id, userId: user.id }), 'VALIDATION', 'input');
    await expectChatstoreError(
      updateTask(t.db, { taskId: task.id, userId: user.id, title: 'z'.repeat(201) }),
      'VALIDATION',
      'title',
    );
    expect((await getTaskOrThrow(t.db, { taskId: task.id, userId: user.id })).title).toBe('Final');
  });

  it('sets completed_at when completing and clears it when reopening', async () => {
    const user = await newUser(t.db);
    const task = await createTask(t.db, { userId: user.id, title: 'Toggle' });
    const ref = { taskId: task.id, userId: user.id };
    const done = await updateTask(t.db, { ...ref, completed: true });
    expect(done.completed).toBe(true);
    expect(done.completedAt).toBeInstanceOf(Date);
    await sleep(5);
    // Completing again keeps the original completion time.
    expect((await updateTask(t.db, { ...ref, completed: true })).completedAt).toEqual(done.completedAt);
    const reopened = await updateTask(t.db, { ...ref, completed: false });
    expect(reopened).toMatchObject({ completed: false, completedAt: null });
  });

  it('completes a task once; a second completion is INVALID_TRANSITION', async () => {
    const user = await newUser(t.db);
    const other = await newUser(t.db);
    const task = await createTask(t.db, { userId: user.id, title: 'Once' });
    await sleep(5);
    const done = await completeTask(t.db, { taskId: task.id, userId: user.id });
    expect(done.completed).toBe(true);
    expect(done.completedAt).toBeInstanceOf(Date);
    expect(done.updatedAt).toEqual(done.completedAt);
    expect(done.completedAt?.getTime()).toBeGreaterThan(task.createdAt?.getTime() ?? Infinity);
    await expectChatstoreError(
      completeTask(t.db, { taskId: task.id, userId: user.id }),
      'INVALID_TRANSITION',
      'completed',
    );
    await expectChatstoreError(completeTask(t.db, { taskId: task.id, userId: other.id }), 'NOT_FOUND', 'taskId');
    await expectChatstoreError(completeTask(t.db, { taskId: 0, userId: user.id }), 'VALIDATION', 'taskId');
  });

  it('lets exactly one of two racing completions win', async () => {
    const user = await newUser(t.db);
    const task = await createTask(t.db, { userId: user.id, title: 'Race' });
    const results = await Promise.allSettled([
      completeTask(t.db, { taskId: task.id, userId: user.id }),
      completeTask(t.db, { taskId: task.id, userId: user.id }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected');
    expect((rejected as PromiseRejectedResult).reason).toMatchObject({ code: 'INVALID_TRANSITION' });
  });

  it('lists a user’s tasks, optionally by completion, and deletes them', async () => {
    const user = await newUser(t.db);
    const other = await newUser(t.db);
    const a = await createTask(t.db, { userId: user.id, title: 'a' });
    const b = await createTask(t.db, { userId: user.id, title: 'b' });
    await createTask(t.db, { userId: other.id, title: 'not mine' });
    await completeTask(t.db, { taskId: b.id, userId: user.id });
    expect((await listTasks(t.db, { userId: user.id })).map((x) => x.title)).toEqual(['a', 'b']);
    expect((await listTasks(t.db, { userId: user.id, completed: true })).map((x) => x.title)).toEqual(['b']);
    expect((await listTasks(t.db, { userId: user.id, completed: false })).map((x) => x.title)).toEqual(['a']);

    await expectChatstoreError(deleteTask(t.db, { taskId: a.id, userId: other.id }), 'NOT_FOUND', 'taskId');
    expect((await deleteTask(t.db, { taskId: a.id, userId: user.id })).title).toBe('a');
    await expectChatstoreError(getTaskOrThrow(t.db, { taskId: a.id, userId: user.id }), 'NOT_FOUND', 'taskId');
    expect((await listTasks(t.db, { userId: user.id })).map((x) => x.title)).toEqual(['b']);
  });
});
