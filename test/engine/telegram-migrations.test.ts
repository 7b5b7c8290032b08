/**
 * The `telegram` target's migrations against databases as they exist in the field: created by
 * the seed's SQLAlchemy models (adopt), with or without the extensions the Python app installed,
 * and down to `initial` and back up with rows in place.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { connectRaw, type SqlClient } from '../../src/connect';
import { adopt } from '../../src/migrate/adopt';
import { migrate, readStatus } from '../../src/migrate/engine';
import { ledgerExists } from '../../src/migrate/ledger';
import { loadMigrations } from '../../src/migrate/migrations';
import { targets } from '../../src/targets';
import { pgBackends } from '../support/backends';
import { readFixture, runScript } from '../support/fixtures';

const set = loadMigrations(targets.telegram);

/** What the seed's init script installs, where the server has it (PGlite: vector; PG 15 here: pgcrypto). */
async function installSeedExtensions(client: SqlClient): Promise<string[]> {
  const available = await client.query<{ name: string }>(
    `select name from pg_available_extensions where name in ('pgcrypto', 'vector') order by 1`,
  );
  for (const { name } of available) await client.query(`create extension if not exists ${name}`);
  return available.map((r) => r.name);
}

describe.each(pgBackends)('telegram migrations on $name', (backend) => {
  afterAll(() => backend.cleanup());

  async function legacyDatabase() {
    const conn = await connectRaw(await backend.create());
    await runScript(conn.client, readFixture('telegram/initial.sql'));
    return conn;
  }

  it('creates both generations on an empty database without any extension', async () => {
    const conn = await connectRaw(await backend.create());
    try {
      const result = await migrate(conn.client, set);
      expect(result.ok, result.error?.message).toBe(true);
      expect(result.results.map((r) => r.tag)).toEqual(['0000_initial', '0001_task-queue']);
      const enums = await conn.client.query<{ name: string }>(
        `select typname as name from pg_type where typtype = 'e' order by 1`,
      );
      expect(enums.map((e) => e.name)).toEqual([
        'dialogtype',
        'processingstatus',
        'sessionstatus',
        'taskpriority',
        'taskstatus',
        'tasktype',
        'tokentype',
      ]);
      expect(await conn.client.query(`select extname from pg_extension where extname <> 'plpgsql'`)).toEqual([]);
    } finally {
      await conn.close();
    }
  });

  it("adopts a database created by the seed's models (with its extensions) and upgrades it, keeping rows", async () => {
    const conn = await legacyDatabase();
    try {
      const extensions = await installSeedExtensions(conn.client);
      expect(extensions.length).toBeGreaterThan(0);
      const [user] = await conn.client.query<{ id: string }>(
        `insert into users (telegram_id, username) values (42, 'ada') returning id`,
      );
      await conn.client.query(
        `insert into authentication_data (user_id, encrypted_credentials) values ($1, '\\x00ff'::bytea)`,
        [user?.id],
      );
      expect((await migrate(conn.client, set)).error?.code).toBe('NEEDS_ADOPT');

      const adopted = await adopt(conn.client, set);
      expect(adopted.error?.message).toBeUndefined();
      expect(adopted.recorded).toEqual(['0000_initial']);
      expect(adopted.generation).toBe('initial');

      const up = await migrate(conn.client, set);
      expect(up.ok).toBe(true);
      expect(up.to).toBe('task-queue');
      // Credentials written by the Python app keep their bytes; their key id is unknown (NULL).
      expect(
        await conn.client.query(`select encode(encrypted_credentials, 'hex') as hex, key_id from authentication_data`),
      ).toEqual([{ hex: '00ff', key_id: null }]);
    } finally {
      await conn.close();
    }
  });

  it('refuses to adopt a database that lacks the single-active-response index, writing nothing', async () => {
    const conn = await legacyDatabase();
    try {
      await conn.client.query('drop index uq_processed_responses_active_dialog');
      await conn.client.query(`alter type dialogtype add value 'SUPERGROUP'`);
      const result = await adopt(conn.client, set);
      expect(result.ok).toBe(false);
      expect(result.error?.code).toBe('ADOPT_MISMATCH');
      expect(result.error?.closest).toBe('initial');
      expect(result.error?.message).toContain(
        'missing   table processed_responses / index uq_processed_responses_active_dialog',
      );
      expect(result.error?.message).toContain('enum dialogtype');
      expect(await ledgerExists(conn.client)).toBe(false);
    } finally {
      await conn.close();
    }
  });

  it('goes down to initial (refusing while key ids or tasks hold data unless allowed) and back up', async () => {
    const conn = await connectRaw(await backend.create());
    try {
      expect((await migrate(conn.client, set)).ok).toBe(true);
      const [user] = await conn.client.query<{ id: string }>(`insert into users (telegram_id) values (7) returning id`);
      await conn.client.query(
        `insert into authentication_data (user_id, encrypted_credentials, key_id) values ($1, '\\x01'::bytea, 'k1')`,
        [user?.id],
      );
      await conn.client.query(`insert into tasks (type, user_id) values ('USER', $1)`, [user?.id]);

      const refused = await migrate(conn.client, set, { to: 'initial' });
      expect(refused.error?.code).toBe('DATA_LOSS');
      expect(refused.error?.message).toContain('tasks');

      const down = await migrate(conn.client, set, { to: 'initial', allowDataLoss: true });
      expect(down.ok, down.error?.message).toBe(true);
      expect(await conn.client.query(`select count(*)::int as n from authentication_data`)).toEqual([{ n: 1 }]);
      expect(await conn.client.query(`select to_regclass('tasks') as t, to_regtype('taskstatus') as e`)).toEqual([
        { t: null, e: null },
      ]);

      const up = await migrate(conn.client, set);
      expect(up.ok).toBe(true);
      expect((await readStatus(conn.client, set)).generation).toBe('task-queue');
    } finally {
      await conn.close();
    }
  });
});
