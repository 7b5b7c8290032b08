/**
 * The `letta` target's generations against databases made from seed 000's own SQL: both
 * generations match it table by table, adopt recognises both, the v1 → v2 move keeps every row
 * (checked field by field), a failed verification rolls the move back leaving v1 untouched, and
 * the seed's discard path is taken only on request, saying what it deletes.
 */
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli';
import { connectRaw, type RawConnection } from '../../../src/connect';
import { adopt } from '../../../src/migrate/adopt';
import { migrate, readStatus } from '../../../src/migrate/engine';
import { diffSchemas, introspect } from '../../../src/migrate/introspect';
import { loadMigrations, type MigrationSet, migrationFromSql } from '../../../src/migrate/migrations';
import { targets } from '../../../src/targets/registry';
import { readFixture, runScript } from '../../../support/fixtures';
import { fillV1, type V1Snapshot } from '../../../support/letta-v1-data';
import { sqliteBackend } from '../../support/backends';

const set = loadMigrations(targets.letta);
const backend = sqliteBackend();
afterAll(() => backend.cleanup());

/** A database made by the seed's SQL: v1, or v2 (the seed's plan: drop v1, create v2). */
async function seedDatabase(...fixtures: string[]): Promise<{ conn: RawConnection; file: string }> {
  const file = await backend.create();
  const conn = await connectRaw(file);
  for (const fixture of fixtures) await runScript(conn.client, readFixture(fixture));
  return { conn, file };
}

async function migrated(to?: string): Promise<RawConnection> {
  const conn = await connectRaw(await backend.create());
  const result = await migrate(conn.client, set, { to });
  expect(result.ok, result.error?.message).toBe(true);
  return conn;
}

async function schemaDiff(a: RawConnection, b: RawConnection) {
  return diffSchemas(await introspect(a.client), await introspect(b.client));
}

/** A v1 database from the seed's SQL, filled with a bot's worth of data, adopted by chatstore. */
async function filledV1(options: Parameters<typeof fillV1>[1] = {}) {
  const { conn, file } = await seedDatabase('letta/v1.sql');
  const db = new Database(file);
  const before = fillV1(db, options);
  const adopted = await adopt(conn.client, set);
  expect(adopted.recorded).toEqual(['0000_v1']);
  return { conn, db, before, file };
}

/** What v2 must hold after the move, derived from the v1 rows in TypeScript, not SQL. */
function expectedV2(before: V1Snapshot) {
  const known = new Set<number>(before.users.map((u) => u.user_id));
  for (const row of [...before.messages, ...before.queue]) if (row.user_id !== null) known.add(row.user_id);
  const ids = [...known].sort((a, b) => a - b);
  const newId = new Map(ids.map((telegramId, i) => [telegramId, i + 1]));
  const mapped = (telegramId: number | null) => (telegramId === null ? null : (newId.get(telegramId) ?? null));
  const firstSeen = (telegramId: number) =>
    before.messages.find((m) => m.user_id === telegramId && m.timestamp !== null)?.timestamp ?? null;
  const now = expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  const users = ids.map((telegramId) => {
    const v1 = before.users.find((u) => u.user_id === telegramId);
    const createdAt = firstSeen(telegramId) ?? v1?.last_active ?? now;
    return {
      user: {
        id: newId.get(telegramId),
        created_at: createdAt,
        last_active: v1?.last_active ?? null,
        agent_preferences: null,
        conversation_history_limit: 10,
        custom_instructions: null,
        is_active: 1,
      },
      profile: {
        id: newId.get(telegramId),
        letta_user_id: newId.get(telegramId),
        platform: 'telegram',
        platform_user_id: String(telegramId),
        username: v1?.username ?? null,
        display_name: v1?.first_name ?? null,
        metadata: v1 && v1.message_count !== null ? JSON.stringify({ v1MessageCount: v1.message_count }) : null,
        created_at: createdAt,
        last_active: v1?.last_active ?? null,
      },
    };
  });
  return {
    users: users.map((u) => u.user),
    profiles: users.map((u) => u.profile),
    messages: before.messages.map(({ user_id, ...m }) => ({
      id: m.id,
      letta_user_id: mapped(user_id),
      platform_profile_id: mapped(user_id),
      role: m.role,
      message: m.message,
      timestamp: m.timestamp,
      processed: m.processed,
      agent_response: m.agent_response,
    })),
    queue: before.queue.map((q) => ({
      id: q.id,
      letta_user_id: mapped(q.user_id),
      message_id: q.message_id,
      status: q.status,
      attempt_count: q.attempts,
      timestamp: q.timestamp,
    })),
  };
}

const all = (db: Database.Database, table: string) => db.prepare(`select * from ${table} order by id`).all();

describe('letta generations', () => {
  it.each(['v1', 'v2'])("%s, as chatstore creates it, equals the seed's SQL table by table", async (generation) => {
    const seed = await seedDatabase(`letta/${generation}.sql`);
    const ours = await migrated(generation);
    try {
      expect(await schemaDiff(seed.conn, ours)).toEqual([]);
      // The facts compared include nullability, defaults, keys and the UNIQUE constraint.
      const facts = await introspect(ours.client);
      if (generation === 'v2') {
        expect(facts.get('table platform_profiles / unique (platform, platform_user_id)')).toBe('constraint');
        expect(facts.get('table letta_users / column is_active')).toBe('#6 boolean null default true');
        expect(facts.get('table queue / column attempt_count')).toBe('#4 integer null default 0');
      } else {
        expect(facts.get('table users / column user_id')).toBe('#0 integer null pk 1');
        expect(facts.get('table messages')).toBe('table autoincrement');
      }
    } finally {
      await seed.conn.close();
      await ours.close();
    }
  });

  it.each([
    ['v1', ['letta/v1.sql'], ['0000_v1']],
    ['v2', ['letta/v2.sql'], ['0000_v1', '0001_v2__move']],
  ])("adopts a %s database built from the seed's SQL", async (generation, fixtures, recorded) => {
    const { conn } = await seedDatabase(...fixtures);
    try {
      expect((await migrate(conn.client, set)).error?.code).toBe('NEEDS_ADOPT');
      const adopted = await adopt(conn.client, set);
      expect(adopted).toMatchObject({ ok: true, generation, recorded });
    } finally {
      await conn.close();
    }
  });

  it('refuses to adopt a v2 database whose UNIQUE(platform, platform_user_id) is missing', async () => {
    const { conn } = await seedDatabase();
    try {
      const v2 = readFixture('letta/v2.sql').replace(/,\s*UNIQUE\(platform, platform_user_id\)/, '');
      await runScript(conn.client, v2);
      const result = await adopt(conn.client, set);
      expect(result.ok).toBe(false);
      expect(result.error?.closest).toBe('v2');
      expect(result.error?.message).toContain(
        'missing   table platform_profiles / unique (platform, platform_user_id)',
      );
    } finally {
      await conn.close();
    }
  });
});

describe('letta v1 → v2 move', () => {
  it('keeps every user, message and queue entry, field by field', async () => {
    const { conn, db, before } = await filledV1();
    try {
      expect(before.users.length).toBeGreaterThanOrEqual(12);
      expect(before.messages.length).toBeGreaterThan(300);
      expect(new Set(before.queue.map((q) => q.status))).toEqual(new Set(['pending', 'processing', 'done', 'failed']));
      const result = await migrate(conn.client, set);
      expect(result.ok, result.error?.message).toBe(true);
      expect(result.results.map((r) => `${r.tag}:${r.status}`)).toEqual(['0001_v2__move:applied']);

      const expected = expectedV2(before);
      expect(all(db, 'letta_users')).toEqual(expected.users);
      expect(all(db, 'platform_profiles')).toEqual(expected.profiles);
      expect(all(db, 'messages')).toEqual(expected.messages);
      expect(all(db, 'queue')).toEqual(expected.queue);
      // Ids are never reused: the counters continue above the rows v1 deleted.
      const sequence = db.prepare('select name, seq from sqlite_sequence').all() as { name: string; seq: number }[];
      const seq = Object.fromEntries(sequence.map((r) => [r.name, r.seq]));
      expect(seq.messages).toBe(before.sequence.messages);
      expect(seq.queue).toBe(before.sequence.queue);
      expect(seq.messages).toBeGreaterThan(Math.max(...before.messages.map((m) => m.id)));
      // No helper table is left behind, and the result is the seed's v2 exactly.
      expect(db.prepare(`select name from sqlite_temp_master where type = 'table'`).all()).toEqual([]);
      const seed = await seedDatabase('letta/v2.sql');
      expect(await schemaDiff(seed.conn, conn)).toEqual([]);
      await seed.conn.close();
      expect((await readStatus(conn.client, set)).generation).toBe('v2');
    } finally {
      db.close();
      await conn.close();
    }
  });

  it('moves an empty v1 database too, and a database created by migrate on the way to v2', async () => {
    const { conn } = await seedDatabase('letta/v1.sql');
    try {
      await adopt(conn.client, set);
      expect((await migrate(conn.client, set)).ok).toBe(true);
      expect(await conn.client.query('select count(*) as n from letta_users')).toEqual([{ n: 0 }]);
    } finally {
      await conn.close();
    }
  });

  it('rolls back when the verification fails: the v1 database is untouched', async () => {
    const { conn, db, before, file } = await filledV1({ users: 5, seed: 7 });
    const move = set.migrations.find((m) => m.tag === '0001_v2__move');
    if (!move) throw new Error('0001_v2__move missing');
    // A copy that loses one message before the counts are checked.
    const lossy = move.sql.replace(
      '-- 4. Verify before',
      'DELETE FROM `__new_messages` WHERE `id` = (SELECT max(`id`) FROM `__new_messages`);\n--> statement-breakpoint\n-- 4. Verify before',
    );
    expect(lossy).not.toBe(move.sql);
    const tampered: MigrationSet = {
      ...set,
      migrations: set.migrations.map((m) => (m === move ? migrationFromSql(m.tag, m.index, lossy) : m)),
    };
    try {
      const seedV1 = await seedDatabase('letta/v1.sql');
      const schemaBefore = await introspect(seedV1.conn.client);
      await seedV1.conn.close();
      const result = await migrate(conn.client, tampered);
      expect(result.ok).toBe(false);
      expect(result.error?.code).toBe('MIGRATION_FAILED');
      expect(result.error?.message).toContain('CHECK constraint failed: every v1 message was copied with its user');
      expect(result.results.at(-1)?.error?.sql).toContain('INSERT INTO `_letta_move_verified`');

      expect(diffSchemas(schemaBefore, await introspect(conn.client))).toEqual([]);
      const after = new Database(file, { readonly: true });
      expect(after.prepare('select * from users order by user_id').all()).toEqual(before.users);
      expect(after.prepare('select * from messages order by id').all()).toEqual(before.messages);
      expect(after.prepare('select * from queue order by id').all()).toEqual(before.queue);
      after.close();
      expect((await readStatus(conn.client, set)).generation).toBe('v1');
      // The real move then goes through.
      expect((await migrate(conn.client, set)).ok).toBe(true);
    } finally {
      db.close();
      await conn.close();
    }
  });

  it('has no way back to v1 (moving back would have to split users again)', async () => {
    const conn = await migrated();
    try {
      expect((await migrate(conn.client, set, { to: 'v1' })).error?.code).toBe('NO_DOWN_MIGRATION');
    } finally {
      await conn.close();
    }
  });
});

describe("letta: the seed's discard path", () => {
  it('is refused without --allow-data-loss, listing what it would delete, and writes nothing', async () => {
    const { conn, db, before } = await filledV1({ users: 4, seed: 11 });
    try {
      const result = await migrate(conn.client, set, { discardData: true });
      expect(result.ok).toBe(false);
      expect(result.error?.code).toBe('DATA_LOSS');
      expect(result.error?.message).toContain(`${before.users.length} row(s) in users`);
      expect(result.error?.message).toContain(`${before.messages.length} row(s) in messages`);
      expect(result.error?.message).toContain(`${before.queue.length} row(s) in queue`);
      expect(result.error?.message).toContain('0001_v2__move');
      expect(db.prepare('select count(*) as n from messages').get()).toEqual({ n: before.messages.length });
      expect((await readStatus(conn.client, set)).generation).toBe('v1');
    } finally {
      db.close();
      await conn.close();
    }
  });

  it("with --allow-data-loss runs the seed's drop-and-recreate and reports what it deleted", async () => {
    const { conn, db, before } = await filledV1({ users: 4, seed: 11 });
    try {
      const result = await migrate(conn.client, set, { discardData: true, allowDataLoss: true });
      expect(result.ok, result.error?.message).toBe(true);
      expect(result.results).toEqual([
        expect.objectContaining({
          tag: 'discard/v2',
          status: 'applied',
          deleted: [
            `${before.users.length} row(s) in users`,
            `${before.messages.length} row(s) in messages`,
            `${before.queue.length} row(s) in queue`,
          ],
        }),
      ]);
      const status = await readStatus(conn.client, set);
      expect(status.generation).toBe('v2');
      expect(status.pending).toEqual([]);
      for (const table of ['letta_users', 'platform_profiles', 'messages', 'queue']) {
        expect(db.prepare(`select count(*) as n from ${table}`).get()).toEqual({ n: 0 });
      }
      // The same database as the seed's plan: its drops, then its v2 tables.
      const seed = await seedDatabase('letta/v1.sql', 'letta/discard.sql', 'letta/v2.sql');
      expect(await schemaDiff(seed.conn, conn)).toEqual([]);
      await seed.conn.close();
    } finally {
      db.close();
      await conn.close();
    }
  });

  it('is NO_DISCARD_PATH when no pending generation has one', async () => {
    const conn = await migrated();
    try {
      const result = await migrate(conn.client, set, { discardData: true, allowDataLoss: true });
      expect(result.error?.code).toBe('NO_DISCARD_PATH');
      expect(result.results).toEqual([]);
    } finally {
      await conn.close();
    }
  });

  it('is a CLI choice: --discard-data lists the rows and exits 1; with --allow-data-loss it says what it deleted', async () => {
    const { conn, db, before, file } = await filledV1({ users: 3, seed: 5 });
    db.close();
    await conn.close();
    const run = async (...argv: string[]) => {
      const lines: string[] = [];
      const code = await main(argv, { out: (l) => lines.push(l), err: (l) => lines.push(l), progress: false });
      return { code, text: lines.join('\n') };
    };
    const refused = await run('migrate', 'letta', '--db', file, '--discard-data');
    expect(refused.code).toBe(1);
    expect(refused.text).toContain(`would delete ${before.users.length} row(s) in users`);
    expect(refused.text).toContain('--allow-data-loss');
    const done = await run('migrate', 'letta', '--db', file, '--discard-data', '--allow-data-loss');
    expect(done.code).toBe(0);
    expect(done.text).toContain(
      `deleted ${before.users.length} row(s) in users; ${before.messages.length} row(s) in messages`,
    );
    expect(done.text).toContain('letta: v1 → v2');
    expect((await run('migrate', 'letta', '--help')).text).toContain('--discard-data');
  });
});
