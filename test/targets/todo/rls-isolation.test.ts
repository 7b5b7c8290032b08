/**
 * Row-level security isolates users (decision 019): as the application's role — on a server a
 * non-owner LOGIN role connected as itself, on PGlite a non-superuser role `SET ROLE`d to —
 * user A can neither read nor write anything of user B's, on every table, through the
 * repositories and through raw SQL. `asUser` refuses roles that bypass RLS, and table owners
 * are bound too (FORCE ROW LEVEL SECURITY).
 */
import { type SQL, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { toChatstoreError } from '../../../src/errors';
import {
  appendMessage,
  archiveConversations,
  asUser,
  type Conversation,
  createTask,
  deleteUserData,
  exportConversation,
  getUser,
  importMessages,
  listConversations,
  listTasks,
  loadConversationHistory,
  searchMessages,
  startConversation,
  type TodoTx,
  type User,
  unarchiveConversation,
} from '../../../src/targets/todo';
import { type AppRole, createAppRole } from '../../support/app-role';
import { pgBackends } from '../../support/backends';
import { expectChatstoreError, newUser, rowCounts, useTodoDatabase } from './fixtures';

const tables = ['users', 'tasks', 'conversations', 'messages', 'conversation_metadata'] as const;

function rowsOf<R>(result: unknown): R[] {
  return (Array.isArray(result) ? result : (result as { rows: R[] }).rows) as R[];
}

describe.each(pgBackends)('todo: row-level security isolates users on $name', (backend) => {
  let app: AppRole<'todo'>;
  const t = useTodoDatabase(backend, { beforeClose: async () => app?.drop() });
  let a: User;
  let b: User;
  let aConversation: Conversation;
  let bConversation: Conversation;

  beforeAll(async () => {
    app = await createAppRole(t.conn, { login: backend.name === 'postgres' });
    a = await newUser(t.db, 'A');
    b = await newUser(t.db, 'B');
    aConversation = (await startConversation(t.db, { userId: a.id, topic: 'A topic' })).conversation;
    bConversation = (await startConversation(t.db, { userId: b.id, topic: 'B topic' })).conversation;
    for (const [user, conversation] of [
      [a, aConversation],
      [b, bConversation],
    ] as const) {
      await appendMessage(t.db, {
        conversationId: conversation.id,
        userId: user.id,
        role: 'user',
        content: 'buy milk',
      });
      await createTask(t.db, { userId: user.id, title: `${user.name} task` });
    }
  });

  /** Runs `fn` as the application acting for `userId`. */
  const as = <T>(userId: string, fn: (tx: TodoTx) => Promise<T>) => asUser(app.conn.db, userId, fn, app.options);
  /** Raw SQL as the application acting for `userId`; driver errors become ChatstoreErrors. */
  const raw = <R = Record<string, unknown>>(userId: string, query: SQL) =>
    as(userId, async (tx) =>
      rowsOf<R>(
        await tx.execute(query).catch((error: unknown) => {
          throw toChatstoreError(error, 'raw');
        }),
      ),
    );

  it('runs as a role that neither owns the tables nor bypasses RLS', async () => {
    const [role] = await raw<{ me: string; su: boolean; bypass: boolean; owns: boolean }>(
      a.id,
      sql`select current_user as me, r.rolsuper as su, r.rolbypassrls as bypass,
        exists (select 1 from pg_tables where schemaname = 'public' and tableowner = current_user) as owns
        from pg_roles r where r.rolname = current_user`,
    );
    expect(role).toEqual({ me: app.name, su: false, bypass: false, owns: false });
    if (app.login) expect(app.conn.location.kind).toBe('postgres');
  });

  it('shows A only A’s rows in every table, to unfiltered raw SQL', async () => {
    for (const table of tables) {
      const userColumn = table === 'users' ? 'id' : table === 'conversation_metadata' ? null : 'user_id';
      const rows = await raw<{ owner: string }>(
        a.id,
        userColumn
          ? sql.raw(`select ${userColumn} as owner from ${table}`)
          : sql.raw(`select c.user_id as owner from conversation_metadata m
              join conversations c on c.id = m.conversation_id`),
      );
      expect(rows.length, table).toBeGreaterThan(0);
      expect(new Set(rows.map((r) => r.owner)), table).toEqual(new Set([a.id]));
    }
    // conversation_metadata alone (not through conversations, which is filtered too).
    const metadata = await raw<{ conversation_id: string }>(
      a.id,
      sql`select conversation_id from conversation_metadata`,
    );
    expect(metadata.map((m) => m.conversation_id)).toEqual([aConversation.id]);
  });

  it('returns nothing of B’s through the repositories', async () => {
    const bRef = { conversationId: bConversation.id, userId: b.id };
    const seen = await as(a.id, async (tx) => ({
      user: await getUser(tx, b.id),
      conversations: await listConversations(tx, { userId: b.id }),
      history: await loadConversationHistory(tx, bRef),
      tasks: await listTasks(tx, { userId: b.id }),
      search: await searchMessages(tx, { userId: b.id, query: 'milk' }),
      own: await getUser(tx, a.id),
    }));
    expect(seen).toEqual({
      user: undefined,
      conversations: [],
      history: { messages: [], nextCursor: null },
      tasks: [],
      search: [],
      own: expect.objectContaining({ id: a.id }),
    });
    await expectChatstoreError(
      as(a.id, (tx) => exportConversation(tx, bRef)),
      'NOT_FOUND',
      'conversationId',
    );
    // B's conversation is invisible to A, and so is B: no conversation, no such user.
    await expectChatstoreError(
      as(a.id, (tx) =>
        appendMessage(tx, { conversationId: bConversation.id, userId: a.id, role: 'user', content: 'hi' }),
      ),
      'NOT_FOUND',
      'conversationId',
    );
    await expectChatstoreError(
      as(a.id, (tx) =>
        appendMessage(tx, { conversationId: bConversation.id, userId: b.id, role: 'user', content: 'hi' }),
      ),
      'FOREIGN_KEY',
      'userId',
    );
  });

  it('refuses every raw write of A into B’s data and changes none of B’s rows', async () => {
    const before = await rowCounts(t.conn);
    const bRef = { conversationId: bConversation.id, userId: b.id };
    const { exportedAt: _, ...bExportBefore } = await exportConversation(t.db, bRef);
    const denied = [
      // A's message into B's conversation: the parent is not A's.
      sql`insert into messages (conversation_id, user_id, role, content)
          values (${bConversation.id}, ${a.id}, 'user', 'forged')`,
      sql`insert into messages (conversation_id, user_id, role, content)
          values (${bConversation.id}, ${b.id}, 'user', 'forged')`,
      // B's message into A's conversation.
      sql`insert into messages (conversation_id, user_id, role, content)
          values (${aConversation.id}, ${b.id}, 'user', 'forged')`,
      sql`insert into conversation_metadata (conversation_id, topic) values (${bConversation.id}, 'forged')`,
      sql`insert into conversations (user_id) values (${b.id})`,
      sql`insert into tasks (user_id, title) values (${b.id}, 'forged')`,
      sql`insert into users (id, email) values ('mallory-by-a', 'mallory@example.com')`,
      // Moving A's own rows over to B.
      sql`update conversations set user_id = ${b.id} where id = ${aConversation.id}`,
      sql`update messages set conversation_id = ${bConversation.id} where conversation_id = ${aConversation.id}`,
      sql`update tasks set user_id = ${b.id} where user_id = ${a.id}`,
      sql`update users set id = 'renamed-by-a' where id = ${a.id}`,
    ];
    for (const query of denied) {
      await expectChatstoreError(raw(a.id, query), 'PERMISSION_DENIED');
    }
    // Writes aimed at B's rows find none.
    const touched = [
      sql`update users set email = 'x@example.com' where id = ${b.id} returning id`,
      sql`delete from users where id = ${b.id} returning id`,
      sql`update tasks set title = 'x' where user_id = ${b.id} returning id`,
      sql`delete from tasks where user_id = ${b.id} returning id`,
      sql`update conversations set archived_at = now() where id = ${bConversation.id} returning id`,
      sql`delete from conversations where id = ${bConversation.id} returning id`,
      sql`update messages set content = 'x' where conversation_id = ${bConversation.id} returning id`,
      sql`delete from messages where conversation_id = ${bConversation.id} returning id`,
      sql`update conversation_metadata set topic = 'x' where conversation_id = ${bConversation.id} returning id`,
      sql`delete from conversation_metadata where conversation_id = ${bConversation.id} returning id`,
    ];
    for (const query of touched) expect(await raw(a.id, query)).toEqual([]);
    expect(await rowCounts(t.conn)).toEqual(before);
    const { exportedAt: __, ...bExportAfter } = await exportConversation(t.db, bRef);
    expect(bExportAfter).toEqual(bExportBefore);
    expect((await getUser(t.db, b.id))?.email).toBe(b.email);
  });

  it('lets A write A’s own rows', async () => {
    const written = await as(a.id, async (tx) => {
      const { conversation } = await startConversation(tx, { userId: a.id, topic: 'mine' });
      await appendMessage(tx, { conversationId: conversation.id, userId: a.id, role: 'user', content: 'hello' });
      await createTask(tx, { userId: a.id, title: 'mine' });
      await tx.execute(sql`update users set name = 'A again' where id = ${a.id}`);
      return exportConversation(tx, { conversationId: conversation.id, userId: a.id });
    });
    expect(written.metadata).toMatchObject({ topic: 'mine', messageCount: 1 });
    expect((await getUser(t.db, a.id))?.name).toBe('A again');
  });

  it('fails closed without asUser: the role alone sees nothing', async () => {
    for (const table of tables) {
      const rows = await app.conn.db.transaction(async (tx) => {
        if (app.options.role) await tx.execute(sql.raw(`set local role ${app.options.role}`));
        return rowsOf(await tx.execute(sql.raw(`select * from ${table}`)));
      });
      expect(rows, table).toEqual([]);
    }
  });

  it('refuses work across users as the bound role, which would see no row and silently change nothing (decision 033)', async () => {
    /** `fn` as the application's role with no user set. */
    const alone = <T>(fn: (db: TodoTx) => Promise<T>) =>
      app.conn.db.transaction(async (tx) => {
        if (app.options.role) await tx.execute(sql.raw(`set local role ${app.options.role}`));
        return fn(tx);
      });
    const future = new Date(Date.now() + 3_600_000);
    const before = await rowCounts(t.conn);
    const archived = async () =>
      rowsOf<{ n: number }>(
        await t.db.execute(sql`select count(*)::int as n from conversations where archived_at is not null`),
      )[0]?.n;
    const archivedBefore = await archived();
    // One at a time (thunks): on a server's pool, promises made up front would run at once.
    for (const attempt of [
      () => alone((tx) => archiveConversations(tx, { inactiveSince: future })),
      () => alone((tx) => archiveConversations(tx, { inactiveSince: future, userId: a.id })),
      () => alone((tx) => deleteUserData(tx, b.id)),
      () =>
        alone((tx) =>
          importMessages(tx, [{ conversationId: bConversation.id, userId: b.id, role: 'user', content: 'hi' }]),
        ),
      // Acting for another user is refused the same way; acting for the user itself goes ahead (below).
      () => as(a.id, (tx) => deleteUserData(tx, b.id)),
      () => as(a.id, (tx) => archiveConversations(tx, { inactiveSince: future, userId: b.id })),
    ]) {
      await expectChatstoreError(attempt(), 'PERMISSION_DENIED', 'role');
    }
    expect(await rowCounts(t.conn)).toEqual(before);
    expect(await archived()).toBe(archivedBefore);
    const aLive = rowsOf<{ id: string }>(
      await t.db.execute(sql`select id from conversations where user_id = ${a.id} and archived_at is null`),
    ).map((r) => r.id);
    expect(aLive.length).toBeGreaterThan(0);
    expect(await as(a.id, (tx) => archiveConversations(tx, { inactiveSince: future, userId: a.id }))).toBe(
      aLive.length,
    );
    for (const conversationId of aLive)
      await as(a.id, (tx) => unarchiveConversation(tx, { conversationId, userId: a.id }));
    const c = await newUser(t.db, 'C');
    await startConversation(t.db, { userId: c.id });
    expect(await as(c.id, (tx) => deleteUserData(tx, c.id))).toMatchObject({ conversations: 1, users: 1 });
    // The owner's own connection (a superuser here) needs no setting.
    const d = await newUser(t.db, 'D');
    expect(await deleteUserData(t.db, d.id)).toMatchObject({ users: 1 });
  });

  it('binds table owners too (FORCE ROW LEVEL SECURITY)', async () => {
    const forced = await t.conn.client.query<{ relname: string; rls: boolean; force: boolean }>(
      `select relname, relrowsecurity as rls, relforcerowsecurity as force from pg_class
       where relname in (${tables.map((n) => `'${n}'`).join(', ')}) and relkind = 'r' order by relname`,
    );
    expect(forced).toEqual([...tables].sort().map((relname) => ({ relname, rls: true, force: true })));
    // An owner that is not a superuser sees only the acting user's rows (all of it rolled back).
    let owned: { users: string[]; tasks: string[] } | undefined;
    const rolledBack = new Error('roll back');
    await t.db
      .transaction(async (tx) => {
        await tx.execute(sql.raw(`create role ${app.name}_owner nologin`));
        for (const table of tables) await tx.execute(sql.raw(`alter table ${table} owner to ${app.name}_owner`));
        await tx.execute(sql.raw(`set local role ${app.name}_owner`));
        await tx.execute(sql`select set_config('chatstore.user_id', ${a.id}, true)`);
        owned = {
          users: rowsOf<{ id: string }>(await tx.execute(sql`select id from users`)).map((r) => r.id),
          tasks: rowsOf<{ user_id: string }>(await tx.execute(sql`select user_id from tasks`)).map((r) => r.user_id),
        };
        throw rolledBack;
      })
      .catch((error: unknown) => {
        if (error !== rolledBack) throw error;
      });
    if (!owned) throw new Error('not run');
    expect(owned.users).toEqual([a.id]);
    expect(new Set(owned.tasks)).toEqual(new Set([a.id]));
  });

  it('refuses to act as a role that bypasses RLS: superuser, BYPASSRLS, or the session’s own superuser', async () => {
    // The suite's own connection is a superuser (postgres on the server, PGlite's only user).
    await expectChatstoreError(
      asUser(t.db, a.id, async () => 1),
      'RLS_BYPASSED',
      'role',
    );
    await expectChatstoreError(
      asUser(t.db, a.id, async () => 1, { role: 'postgres' }),
      'RLS_BYPASSED',
      'role',
    );
    const bypass = `${app.name}_bypass`;
    await t.conn.client.query(`create role ${bypass} nologin bypassrls`);
    try {
      await expectChatstoreError(
        asUser(t.db, a.id, async () => 1, { role: bypass }),
        'RLS_BYPASSED',
        'role',
      );
    } finally {
      await t.conn.client.query(`drop role ${bypass}`);
    }
  });

  it('trusts the session setting: a role that runs raw SQL can claim any user (the documented limit)', async () => {
    const claimed = await raw<{ id: string }>(
      a.id,
      sql`select u.id from (select set_config('chatstore.user_id', ${b.id}, true)) s, users u`,
    );
    expect(claimed.map((r) => r.id)).toEqual([b.id]);
  });
});
