/**
 * The migration engine on every backend: set-difference application, checksum refusal,
 * per-migration rollback, concurrent migrators, SQLite rebuilds, down/up.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRaw, type RawConnection } from '../../src/connect';
import { type MigrateResult, migrate, readStatus } from '../../src/migrate/engine';
import { userTables } from '../../src/migrate/introspect';
import { loadMigrations } from '../../src/migrate/migrations';
import { connect } from '../../src/targets/connect';
import { fixtureSet, notesRoot, notesTarget } from '../../support/fixtures';
import { type Backend, pgBackends, sqliteBackend } from '../support/backends';

const run = promisify(execFile);
const backends: Backend[] = [...pgBackends, sqliteBackend()];

const applied = (result: MigrateResult) => result.results.filter((r) => r.status === 'applied').map((r) => r.tag);

describe.each(backends)('migration engine on $name', (backend) => {
  let conn: RawConnection;
  const dialect = backend.name === 'sqlite' ? 'sqlite' : 'postgresql';
  // Tests share one database; each uses its own fixture target (ledger rows) and tables.
  beforeAll(async () => {
    conn = await connectRaw(await backend.create());
  });
  afterAll(async () => {
    await conn?.close();
    await backend.cleanup();
  });
  const tables = async () => userTables(conn.client);

  it('applies a migration merged late (older tag, newer merge) by set difference', async () => {
    const a: [string, string] = ['0000_g1', 'create table ooo_a (id integer primary key)'];
    const b: [string, string] = ['0001_g1__late', 'create table ooo_b (id integer primary key)'];
    const c: [string, string] = ['0002_g2', 'create table ooo_c (id integer primary key)'];
    const first = await migrate(conn.client, fixtureSet('ooo', dialect, [a, c]));
    expect(first.ok).toBe(true);
    expect(applied(first)).toEqual(['0000_g1', '0002_g2']);

    const full = fixtureSet('ooo', dialect, [a, b, c]);
    const second = await migrate(conn.client, full);
    expect(second.ok).toBe(true);
    expect(applied(second)).toEqual(['0001_g1__late']);
    expect(await tables()).toContain('ooo_b');
    const status = await readStatus(conn.client, full);
    expect(status.pending).toEqual([]);
    expect(status.generation).toBe('g2');
  });

  it('refuses to run when an applied migration was edited or removed, and applies nothing', async () => {
    const a: [string, string] = ['0000_g1', 'create table edit_a (id integer primary key)'];
    expect((await migrate(conn.client, fixtureSet('edit', dialect, [a]))).ok).toBe(true);

    const edited = fixtureSet('edit', dialect, [
      ['0000_g1', 'create table edit_a (id integer primary key, extra text)'],
      ['0001_g2', 'create table edit_b (id integer primary key)'],
    ]);
    const refused = await migrate(conn.client, edited);
    expect(refused.ok).toBe(false);
    expect(refused.error?.code).toBe('CHECKSUM_MISMATCH');
    expect(refused.error?.message).toContain('0000_g1');
    expect(refused.results).toEqual([]);
    expect(await tables()).not.toContain('edit_b');

    const removed = await migrate(conn.client, fixtureSet('edit', dialect, [['0001_g2', 'select 1']]));
    expect(removed.ok).toBe(false);
    expect(removed.error?.code).toBe('MISSING_MIGRATION');
  });

  it('rolls a failing migration back completely and reports the failing statement', async () => {
    const set = fixtureSet('fail', dialect, [
      ['0000_g1', 'create table fail_a (id integer primary key)'],
      [
        '0001_g2',
        [
          'create table fail_b (id integer primary key)',
          'insert into fail_b (id) values (1)',
          'insert into fail_missing (id) values (1)',
        ].join(';--> statement-breakpoint\n'),
      ],
      ['0002_g3', 'create table fail_c (id integer primary key)'],
    ]);
    const result = await migrate(conn.client, set);
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('MIGRATION_FAILED');
    const failed = result.results.find((r) => r.status === 'failed');
    expect(failed?.tag).toBe('0001_g2');
    expect(failed?.error?.statement).toBe(3);
    expect(failed?.error?.sql).toContain('fail_missing');
    expect(failed?.error?.message).toMatch(/fail_missing/);
    expect(applied(result)).toEqual(['0000_g1']);
    const now = await tables();
    expect(now).toContain('fail_a');
    expect(now).not.toContain('fail_b');
    expect(now).not.toContain('fail_c');
    const status = await readStatus(conn.client, set);
    expect(status.applied.map((r) => r.tag)).toEqual(['0000_g1']);
    expect(status.generation).toBe('g1');
  });

  it('goes down with a hand-written down migration, refusing data loss unless allowed, and up again', async () => {
    const set = fixtureSet(
      'round',
      dialect,
      [
        ['0000_g1', 'create table round_a (id integer primary key)'],
        ['0001_g2', 'create table round_b (id integer primary key)'],
      ],
      { g2: 'drop table round_b' },
    );
    expect((await migrate(conn.client, set)).ok).toBe(true);
    await conn.client.query('insert into round_a (id) values (1)');
    await conn.client.query('insert into round_b (id) values (7)');

    const refused = await migrate(conn.client, set, { to: 'g1' });
    expect(refused.ok).toBe(false);
    expect(refused.error?.code).toBe('DATA_LOSS');
    expect(refused.error?.message).toContain('1 row(s) in round_b');
    expect(await tables()).toContain('round_b');

    const down = await migrate(conn.client, set, { to: 'g1', allowDataLoss: true });
    expect(down.ok).toBe(true);
    expect(down.to).toBe('g1');
    expect(await tables()).not.toContain('round_b');
    expect(await conn.client.query('select id from round_a')).toHaveLength(1);

    const up = await migrate(conn.client, set);
    expect(applied(up)).toEqual(['0001_g2']);
    expect((await readStatus(conn.client, set)).generation).toBe('g2');
  });

  it('refuses to go down past a generation without a down migration', async () => {
    const set = fixtureSet('nodown', dialect, [
      ['0000_g1', 'create table nodown_a (id integer primary key)'],
      ['0001_g2', 'create table nodown_b (id integer primary key)'],
    ]);
    expect((await migrate(conn.client, set)).ok).toBe(true);
    const result = await migrate(conn.client, set, { to: 'g1' });
    expect(result.error?.code).toBe('NO_DOWN_MIGRATION');
    expect(await tables()).toContain('nodown_b');
  });

  it('asks for adopt when tables exist without a ledger, and writes nothing', async () => {
    const legacy = await connectRaw(await backend.create());
    try {
      await legacy.client.query('create table legacy_x (id integer primary key)');
      const result = await migrate(
        legacy.client,
        fixtureSet('legacy', dialect, [['0000_g1', 'create table y (id integer)']]),
      );
      expect(result.ok).toBe(false);
      expect(result.error?.code).toBe('NEEDS_ADOPT');
      expect(result.error?.message).toContain('chatstore adopt');
      expect(await userTables(legacy.client)).toEqual(['legacy_x']);
    } finally {
      await legacy.close();
    }
  });
});

describe.each(pgBackends)('concurrent migrators on $name', (backend) => {
  it('apply each migration exactly once', async () => {
    const location = await backend.create();
    const first = await connect('todo', location, { requireLatest: false });
    // PGlite is one in-process database: both migrators share it. A server gets two clients.
    const second = location.startsWith('pglite') ? first : await connect('todo', location, { requireLatest: false });
    try {
      const set = fixtureSet(
        'race',
        'postgresql',
        Array.from({ length: 6 }, (_, i): [string, string] => [
          `000${i}_g${i}`,
          `create table race_${i} (id integer primary key);--> statement-breakpoint\nselect pg_sleep(0.02)`,
        ]),
      );
      const results = await Promise.all([migrate(first.client, set), migrate(second.client, set)]);
      expect(results.every((r) => r.ok)).toBe(true);
      const all = results.flatMap(applied).sort();
      expect(all).toEqual(set.migrations.map((m) => m.tag));
      const ledger = await first.client.query(`select tag from chatstore_migrations where target = 'race'`);
      expect(ledger).toHaveLength(6);
    } finally {
      await first.close();
      await second.close();
      await backend.cleanup();
    }
  });
});

describe('SQLite specifics', () => {
  const backend = sqliteBackend();
  afterAll(() => backend.cleanup());

  it('keeps every child row when drizzle-kit rebuilds a parent table with ON DELETE CASCADE children', async () => {
    const file = await backend.create();
    const raw = await connectRaw(file);
    const db = new Database(file);
    const client = raw.client;
    const set = loadMigrations(notesTarget, notesRoot);
    expect(set.migrations.find((m) => m.tag === '0001_v2')?.rebuildsTables).toBe(true);
    try {
      expect((await migrate(client, set, { to: 'v1' })).ok).toBe(true);
      for (let chat = 1; chat <= 3; chat++) {
        db.prepare('insert into chats (id, title) values (?, ?)').run(chat, `chat ${chat}`);
        for (let n = 0; n < 10; n++)
          db.prepare('insert into notes (chat_id, body) values (?, ?)').run(chat, `note ${n}`);
      }
      const up = await migrate(client, set);
      expect(up.ok).toBe(true);
      expect(db.prepare('select count(*) as n from notes').get()).toEqual({ n: 30 });
      // The migrating connection has its foreign keys back on.
      expect(await client.query('pragma foreign_keys')).toEqual([{ foreign_keys: 1 }]);
      db.prepare('insert into chats (id) values (4)').run();
      expect(db.prepare('select title from chats where id = 4').get()).toEqual({ title: 'untitled' });

      // The down migration is a rebuild too: it copies chats back, so it loses nothing.
      const down = await migrate(client, set, { to: 'v1' });
      expect(down.ok).toBe(true);
      expect(db.prepare('select count(*) as n from notes').get()).toEqual({ n: 30 });
      expect(db.prepare('select count(*) as n from chats').get()).toEqual({ n: 4 });
    } finally {
      db.close();
      await raw.close();
    }
  });

  it('aborts a migration that leaves a foreign key violated', async () => {
    const file = await backend.create();
    const raw = await connectRaw(file);
    const db = new Database(file);
    const client = raw.client;
    try {
      const set = fixtureSet('fk', 'sqlite', [
        [
          '0000_g1',
          'create table p (id integer primary key);--> statement-breakpoint\ncreate table c (p_id integer references p(id))',
        ],
        [
          '0001_g2',
          ['PRAGMA foreign_keys=OFF;', 'insert into c (p_id) values (42)', 'PRAGMA foreign_keys=ON;'].join(
            '--> statement-breakpoint\n',
          ),
        ],
      ]);
      const result = await migrate(client, set);
      expect(result.ok).toBe(false);
      expect(result.results.at(-1)?.error?.message).toMatch(/violate foreign keys/);
      expect(db.prepare('select count(*) as n from c').get()).toEqual({ n: 0 });
      expect(await client.query('pragma foreign_keys')).toEqual([{ foreign_keys: 1 }]);
    } finally {
      db.close();
      await raw.close();
    }
  });

  it('lets two processes migrate one file at once; each migration is applied once', async () => {
    const file = await backend.create();
    const worker = new URL('../fixtures/engine/migrate-worker.ts', import.meta.url).pathname;
    const outputs = await Promise.all(
      [1, 2].map(() => run(process.execPath, ['--import', 'tsx', worker, file], { timeout: 60_000 })),
    );
    const results = outputs.map((o) => JSON.parse(o.stdout) as MigrateResult);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.flatMap(applied).sort()).toEqual(['0000_v1', '0001_v2']);
  });
});
