/**
 * Floor statements (src/kit/floor.ts, decision 026): for the same drizzle-built query, the
 * rows the kit decodes from the driver's array rows equal what drizzle's own prepared query
 * returns — on PGlite, the PostgreSQL server (with DATABASE_URL) and better-sqlite3; inside
 * transactions; with errors wrapped as drizzle wraps them; logged through a handle's logger.
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { and, asc, count, DrizzleQueryError, desc, eq, getTableColumns, gt, lt, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { compileDecoder } from '../../src/kit/floor';
import { postgresqlKit } from '../../src/kit/postgresql';
import { sqliteKit } from '../../src/kit/sqlite';
import { agentMemories } from '../../src/schema/agent';
import * as lettaSchema from '../../src/schema/letta';
import * as todoSchema from '../../src/schema/todo';
import type { LettaDb } from '../../src/targets/letta';
import { recordIncomingMessage, resolveIdentity } from '../../src/targets/letta';
import type { TodoDb } from '../../src/targets/todo';
import { appendMessage, createUser, startConversation } from '../../src/targets/todo';
import { pgBackends, sqliteBackend } from '../support/backends';
import { useTargetDatabase } from '../support/database';

const ph = sql.placeholder;
const { conversations, conversationMetadata, messages, users } = todoSchema;

// Built once for every backend below: the shapes are shared, the statements bound per session.
const pg = postgresqlKit<TodoDb>(todoSchema);
const build = (db: TodoDb) => ({
  history: db
    .select()
    .from(messages)
    .where(and(eq(messages.conversationId, ph('conversationId')), eq(messages.userId, ph('userId'))))
    .orderBy(asc(messages.createdAt), asc(messages.id))
    .limit(ph('limit')),
  // A placeholder behind a column's encoder (a Date becomes the driver's text).
  before: db
    .select({ id: messages.id, createdAt: messages.createdAt })
    .from(messages)
    .where(and(eq(messages.userId, ph('userId')), lt(messages.createdAt, sql.param(ph('before'), messages.createdAt))))
    .orderBy(desc(messages.createdAt)),
  // Nested objects, a left join whose right side may be missing, and SQL mapped with mapWith.
  joined: db
    .select({
      conversation: conversations,
      meta: { count: conversationMetadata.messageCount, topic: conversationMetadata.topic },
      n: count(messages.id),
      constant: sql<number>`41 + 1`.mapWith(Number),
    })
    .from(conversations)
    .leftJoin(conversationMetadata, eq(conversationMetadata.conversationId, conversations.id))
    .leftJoin(messages, eq(messages.conversationId, conversations.id))
    .where(eq(conversations.userId, ph('userId')))
    .groupBy(conversations.id, conversationMetadata.id)
    .orderBy(asc(conversations.createdAt)),
  // A table that is missing entirely from a left join comes back null, as drizzle has it.
  orphan: db
    .select({ user: users, conversation: conversations })
    .from(users)
    .leftJoin(conversations, eq(conversations.userId, users.id))
    .where(eq(users.id, ph('userId'))),
  touch: db
    .update(conversations)
    .set({ updatedAt: sql`${ph('at')}::timestamptz` })
    .where(eq(conversations.id, ph('conversationId')))
    .returning(),
  // No RETURNING: the driver's own result, as drizzle gives it.
  rename: db
    .update(users)
    .set({ name: sql`${ph('name')}` })
    .where(eq(users.id, ph('userId'))),
  duplicate: db
    .insert(users)
    .values({ id: ph('userId'), email: ph('email'), name: 'dup' })
    .returning(),
});
const floor = pg.floor(build);

describe.each(pgBackends)('floor statements on $name', (backend) => {
  const t = useTargetDatabase('todo', backend);

  async function seed(db: TodoDb) {
    const id = `floor-${Math.random().toString(36).slice(2, 10)}`;
    await createUser(db, { id, email: `${id}@example.com`, name: 'Ada' });
    const { conversation } = await startConversation(db, { userId: id, topic: 'Groceries' });
    await startConversation(db, { userId: id });
    for (const content of ['one', 'two', 'three']) {
      await appendMessage(db, { conversationId: conversation.id, userId: id, role: 'user', content });
    }
    return { userId: id, conversationId: conversation.id };
  }

  it('decodes rows equal to drizzle prepared results, for every shape', async () => {
    const db = t.db as unknown as TodoDb;
    const { userId, conversationId } = await seed(db);
    const lonely = `lonely-${userId}`;
    await createUser(db, { id: lonely, email: `${lonely}@example.com`, name: 'Bob' });
    const drizzle = build(db);
    const cases: [keyof typeof drizzle, Record<string, unknown>][] = [
      ['history', { conversationId, userId, limit: 2 }],
      ['before', { userId, before: new Date(Date.now() + 60_000) }],
      ['joined', { userId }],
      ['orphan', { userId: lonely }],
      ['orphan', { userId }],
    ];
    // Twice: PGlite's first run of a shape decides how later runs parse (decision 026).
    for (const [name, values] of [...cases, ...cases]) {
      const mine = await floor(db)[name].execute(values);
      const theirs = await drizzle[name].prepare(`floor_test_${name}`).execute(values);
      expect(mine, name).toEqual(theirs);
      expect((mine as unknown[]).length, name).toBeGreaterThan(0);
    }
    const [orphan] = await floor(db).orphan.execute({ userId: lonely });
    expect(orphan?.conversation).toBeNull();
    const [first] = await floor(db).history.execute({ conversationId, userId, limit: 1 });
    expect(first?.createdAt).toBeInstanceOf(Date);
    expect(Object.keys(first ?? {})).toEqual(Object.keys(getTableColumns(messages)));
  });

  it('runs on a transaction handle, on its connection, and rolls back with it', async () => {
    const db = t.db as unknown as TodoDb;
    const { userId, conversationId } = await seed(db);
    const at = new Date('2030-01-02T03:04:05.678Z');
    await expect(
      db.transaction(async (tx) => {
        const [row] = await floor(tx).touch.execute({ conversationId, at: at.toISOString() });
        expect(row?.updatedAt).toEqual(at);
        const [inside] = await floor(tx).joined.execute({ userId });
        expect(inside?.conversation.updatedAt).toEqual(at);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const [after] = await floor(db).joined.execute({ userId });
    expect(after?.conversation.updatedAt).not.toEqual(at);
    expect(after?.conversation.id).toBe(conversationId);
  });

  it("returns the driver's result for a statement without RETURNING, and wraps errors as drizzle does", async () => {
    const db = t.db as unknown as TodoDb;
    const { userId } = await seed(db);
    const mine = await floor(db).rename.execute({ userId, name: 'Ada L.' });
    const theirs = await build(db).rename.prepare('floor_test_rename').execute({ userId, name: 'Ada L.' });
    expect(Array.isArray(mine)).toBe(Array.isArray(theirs));
    const error = await floor(db)
      .duplicate.execute({ userId, email: 'other@example.com' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DrizzleQueryError);
    expect((error as DrizzleQueryError).cause).toMatchObject({ code: '23505' });
    const mapped = pg.dbError(error, 'users');
    expect(mapped).toMatchObject({ code: 'CONFLICT', field: 'id' });
  });

  it("logs through the handle's drizzle logger", async () => {
    const db = t.db as unknown as TodoDb;
    const { userId, conversationId } = await seed(db);
    const log: { query: string; params: unknown[] }[] = [];
    const { $client } = db as unknown as { $client: unknown };
    const logger = { logQuery: (query: string, params: unknown[]) => log.push({ query, params }) };
    const logging =
      backend.name === 'pglite'
        ? (await import('drizzle-orm/pglite')).drizzle({ client: $client as never, schema: todoSchema, logger })
        : (await import('drizzle-orm/postgres-js')).drizzle({ client: $client as never, schema: todoSchema, logger });
    await floor(logging as unknown as TodoDb).history.execute({ conversationId, userId, limit: 5 });
    expect(log).toEqual([{ query: floor(db).history.text, params: [conversationId, userId, 5] }]);
  });
});

const sqlite = sqliteKit<LettaDb>(lettaSchema);
const { lettaUsers, platformProfiles, messages: lettaMessages } = lettaSchema;
const buildSqlite = (db: LettaDb) => ({
  identity: db
    .select({ user: lettaUsers, profile: platformProfiles })
    .from(platformProfiles)
    .innerJoin(lettaUsers, eq(lettaUsers.id, platformProfiles.lettaUserId))
    .where(eq(platformProfiles.platformUserId, ph('platformUserId'))),
  history: db
    .select({ message: lettaMessages, platform: platformProfiles.platform })
    .from(lettaMessages)
    .leftJoin(platformProfiles, eq(platformProfiles.id, lettaMessages.platformProfileId))
    .where(gt(lettaMessages.id, ph('after')))
    .orderBy(desc(lettaMessages.id)),
  users: db.select().from(lettaUsers).orderBy(lettaUsers.id),
  activate: db
    .update(lettaUsers)
    .set({ isActive: sql`${ph('active')}` })
    .where(eq(lettaUsers.id, ph('id'))),
  activateAll: db
    .update(lettaUsers)
    .set({ isActive: sql`${ph('active')}` })
    .returning({ id: lettaUsers.id, isActive: lettaUsers.isActive }),
});
const sqliteFloor = sqlite.floor(buildSqlite);

describe('floor statements on sqlite', () => {
  const backend = sqliteBackend();
  const t = useTargetDatabase('letta', backend);

  it('decodes rows equal to drizzle prepared results (all, get, run; in a transaction too)', () => {
    const db = t.db as unknown as LettaDb;
    const { user, profile } = resolveIdentity(db, {
      platform: 'telegram',
      platformUserId: '42',
      username: 'ada',
      metadata: { lang: 'pt' },
    });
    recordIncomingMessage(db, { profileId: profile.id, message: 'Olá' });
    recordIncomingMessage(db, { profileId: profile.id, message: 'Tudo bem?' });
    const drizzle = buildSqlite(db);
    const statements = sqliteFloor(db);
    expect(statements.identity.all({ platformUserId: '42' })).toEqual(
      drizzle.identity.prepare().all({ platformUserId: '42' }),
    );
    expect(statements.identity.get({ platformUserId: '42' })).toEqual(
      drizzle.identity.prepare().get({ platformUserId: '42' }),
    );
    expect(statements.identity.get({ platformUserId: 'nobody' })).toBeUndefined();
    expect(statements.history.all({ after: 0 })).toEqual(drizzle.history.prepare().all({ after: 0 }));
    expect(statements.users.all()).toEqual(drizzle.users.prepare().all());
    expect(statements.identity.get({ platformUserId: '42' })?.profile.metadata).toEqual({ lang: 'pt' });
    expect(typeof statements.users.all()[0]?.isActive).toBe('boolean');
    expect(() =>
      db.transaction((tx) => {
        expect(sqliteFloor(tx).activate.run({ id: user.id, active: 0 }).changes).toBe(1);
        expect(sqliteFloor(tx).users.all()[0]?.isActive).toBe(false);
        tx.rollback();
      }),
    ).toThrow('Rollback');
    expect(statements.users.all()[0]?.isActive).toBe(true);
  });

  it('a write with RETURNING makes every change on get, which returns its first row as drizzle does', () => {
    const db = t.db as unknown as LettaDb;
    for (const platformUserId of ['1', '2', '3']) resolveIdentity(db, { platform: 'telegram', platformUserId });
    const first = sqliteFloor(db).activateAll.get({ active: 0 });
    const users = sqliteFloor(db).users.all();
    expect(users.length).toBeGreaterThanOrEqual(3);
    expect(users.every((u) => u.isActive === false)).toBe(true);
    expect(buildSqlite(db).activateAll.prepare().get({ active: 0 })).toEqual(first);
    expect(first).toEqual({ id: expect.any(Number), isActive: false });
  });
});

describe('floor decoding of pgvector columns', () => {
  it("reads pgvector's text as drizzle's vector column does, extreme floats included", async () => {
    const pg = await PGlite.create({ extensions: { vector } });
    try {
      await pg.exec('create extension vector');
      const decode = compileDecoder<{ e: number[] }>([{ path: ['e'], field: agentMemories.embedding }]);
      const drizzleDecode = (text: string) => agentMemories.embedding.mapFromDriverValue(text);
      const floats = [
        0, -0, 1, -1, 0.1, 1e-7, -2.5e-5, 1.17549435e-38, 1.4e-45, 3.4028235e38, -3.4028235e38, 123456.79,
      ];
      const vectors = [floats, ...Array.from({ length: 50 }, (_, i) => floats.map((f) => f * Math.sin(i + 1)))];
      for (const v of vectors) {
        const { rows } = await pg.query<{ e: string }>('select $1::vector::text as e', [JSON.stringify(v)]);
        const text = rows[0]?.e as string;
        expect(decode([text]).e).toEqual(drizzleDecode(text));
      }
      expect(decode([null]).e).toBeNull();
    } finally {
      await pg.close();
    }
  });
});
