/**
 * Row-level security and the role a transaction runs as (decision 019, 033). One question —
 * does RLS bind the current role, and for whom is it acting — asked of `pg_roles` and the
 * session settings, and three answers: `asUser` refuses a role that RLS does not bind (it would
 * see every user's rows); imports and work across users or agents refuse a role that RLS binds
 * (COPY is refused under RLS; a bound role without the right setting sees no rows and would
 * silently change nothing).
 */
import { type SQL, sql } from 'drizzle-orm';
import { ChatstoreError } from '../errors';

/** Runs one statement without parameters in a transaction (or on a handle); rows as objects. */
export type RunText = (text: string) => Promise<Record<string, unknown>[]>;

/** A drizzle PostgreSQL handle or transaction as a `RunText`. */
export function runTextOn(db: { execute(query: SQL): PromiseLike<unknown> }): RunText {
  return async (text) => {
    const result = await db.execute(sql.raw(text));
    return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Record<string, unknown>[];
  };
}

/** The session settings the policies read: who the transaction acts for. */
export type ActingSetting = 'chatstore.user_id' | 'chatstore.agent_id';

interface RoleUnderRls {
  role: string;
  superuser: boolean;
  bypass: boolean;
  /** The session setting asked for, `''` when unset. */
  acting: string;
}

async function roleUnderRls(run: RunText, setting: ActingSetting = 'chatstore.user_id'): Promise<RoleUnderRls> {
  // `setting` is one of two constants, never input.
  const [row] = await run(
    `select current_user::text as role, coalesce(r.rolsuper, false) as superuser,
       coalesce(r.rolbypassrls, false) as bypass, coalesce(current_setting('${setting}', true), '') as acting
     from (select 1) one left join pg_roles r on r.rolname = current_user`,
  );
  return row as unknown as RoleUnderRls;
}

const docs = 'docs/decisions/019-rls-isolates-users.md';

/**
 * Throws `RLS_BYPASSED` when the transaction's current role is one row-level security does not
 * bind: a superuser, or a role with BYPASSRLS. Call it after any `SET LOCAL ROLE`, before acting
 * for a user. Table owners are bound (FORCE ROW LEVEL SECURITY).
 */
export async function refuseRlsBypass(run: RunText): Promise<void> {
  const { role, superuser, bypass } = await roleUnderRls(run);
  if (!superuser && !bypass) return;
  throw new ChatstoreError(
    'RLS_BYPASSED',
    `Refusing to act for a user as role "${role}": it ${superuser ? 'is a superuser' : 'has BYPASSRLS'}, so row-level ` +
      "security would not apply and every user's rows would be visible. Connect as (or pass `role:` naming) a " +
      `non-owner role without SUPERUSER or BYPASSRLS (${docs}).`,
    { field: 'role', entity: 'users' },
  );
}

export interface RowsNeeded {
  /** What is refused, as the error's subject: `Archiving every user's conversations`. */
  action: string;
  /** Why a role that RLS binds cannot do it, after "is bound by row-level security": `so it would see none of them and archive nothing`. */
  because: string;
  entity: string;
  /**
   * The work is one user's or agent's: a bound role acting for exactly that one (`asUser`,
   * `asAgentUser`) sees all of it and may go ahead.
   */
  actingFor?: { setting: ActingSetting; id: string };
}

const settingOf = { user: 'chatstore.user_id', agent: 'chatstore.agent_id' } as const;

/**
 * What work on one user's or agent's rows (`id`), or on everyone's (`id` undefined), needs of its
 * role: every row, or that one's, seen by acting for it (`asUser`, `asAgentUser`).
 *
 * @example requireRowsVisible(runTextOn(tx), scopedWork('Purging expired memories', 'agent', agentId, 'agent_memories'))
 */
export function scopedWork(
  action: string,
  whose: keyof typeof settingOf,
  id: string | undefined,
  entity: string,
): RowsNeeded {
  return id === undefined
    ? {
        action: `${action} of every ${whose}`,
        because: 'so it would see none of their rows and change nothing',
        entity,
      }
    : {
        action: `${action} of ${whose} ${id}`,
        because: `so, acting for no ${whose} or another one, it would see none of that ${whose}'s rows`,
        entity,
        actingFor: { setting: settingOf[whose], id },
      };
}

/**
 * Throws `PERMISSION_DENIED` (field `role`) unless the current role sees every row the work
 * needs: a role RLS does not bind (superuser, BYPASSRLS), or a bound one acting for exactly the
 * user or agent the work is about. Checked before anything is written.
 */
export async function requireRowsVisible(run: RunText, needed: RowsNeeded): Promise<void> {
  const { role, superuser, bypass, acting } = await roleUnderRls(run, needed.actingFor?.setting);
  if (superuser || bypass) return;
  if (needed.actingFor !== undefined && acting === needed.actingFor.id) return;
  const instead =
    needed.actingFor === undefined
      ? 'Run it as the superuser or a BYPASSRLS role, such as the one that migrates the database'
      : `Run it as the superuser or a BYPASSRLS role, or inside \`asUser\` / \`asAgentUser\` acting for ${needed.actingFor.id}`;
  throw new ChatstoreError(
    'PERMISSION_DENIED',
    `${needed.action}: role "${role}" is bound by row-level security (table owners too: FORCE ROW LEVEL SECURITY), ` +
      `${needed.because}. ${instead} (${docs}).`,
    { field: 'role', entity: needed.entity },
  );
}
