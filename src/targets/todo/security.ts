/**
 * Row-level security (migrations `0002_phase3__rls`, `0004_isolation__rls`): the policies compare each row's
 * `user_id` with the session setting `chatstore.user_id`. `asUser` sets it for one
 * transaction, so everything inside sees and writes only that user's rows.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { PgDb } from '../../connect';
import { parseInput } from '../../kit';
import { refuseRlsBypass, runTextOn } from '../../kit/rls';
import { mapped, type TodoSchema, type TodoTx } from './internal';
import { UserId } from './users';

export const AsUserOptions = z.object({
  /**
   * A role to `SET LOCAL ROLE` to for the transaction. Superusers and BYPASSRLS roles are not
   * bound by row-level security, so acting as one is refused (`RLS_BYPASSED`); an app that
   * connects as its non-owner application role needs no option (decision 019).
   */
  role: z
    .string()
    .regex(/^[a-z_][a-z0-9_$]{0,62}$/, 'must be a plain lower-case role name')
    .optional(),
});
export type AsUserOptions = z.input<typeof AsUserOptions>;

/**
 * Runs `fn` in a transaction in which row-level security acts for `userId`: reads return
 * only that user's conversations, messages, metadata and tasks, and writing a row for
 * another user fails with `PERMISSION_DENIED`. The setting is transaction-local
 * (`set_config(..., true)`); nested in an outer transaction it lasts until that one ends.
 *
 * @example
 * const mine = await asUser(db, 'u1', (tx) => listConversations(tx, { userId: 'u1' }), { role: 'chatstore_app' });
 */
export async function asUser<T, S extends Record<string, unknown> = TodoSchema>(
  db: PgDb<S>,
  userId: string,
  fn: (tx: TodoTx<S>) => Promise<T>,
  options: AsUserOptions = {},
): Promise<T> {
  const id = parseInput(UserId, userId, 'users');
  const { role } = parseInput(AsUserOptions, options, 'users');
  return mapped('users', () =>
    db.transaction(async (tx) => {
      if (role !== undefined) await tx.execute(sql`set local role ${sql.identifier(role)}`);
      await refuseRlsBypass(runTextOn(tx));
      await tx.execute(sql`select set_config('chatstore.user_id', ${id}, true)`);
      return fn(tx);
    }),
  );
}
