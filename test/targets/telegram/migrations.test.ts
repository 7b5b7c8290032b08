/**
 * The `telegram` target against databases as they exist in the field: created by the
 * application's own models at de38a4a (test/fixtures/telegram/initial.sql), with its extensions
 * where the server has them and rows in every table. Such a database adopts at `initial`
 * (through the CLI, exit 0), migrates to the latest generation keeping every row, and ends with
 * the schema a new chatstore database has; `hardening` first checks the rows against its rules;
 * later application versions are named when refused; going down and back up keeps the rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli';
import { connectRaw, type SqlClient } from '../../../src/connect';
import { adopt } from '../../../src/migrate/adopt';
import { migrate, readStatus } from '../../../src/migrate/engine';
import { diffSchemas, introspect } from '../../../src/migrate/introspect';
import { ledgerExists, readLedger } from '../../../src/migrate/ledger';
import { loadMigrations } from '../../../src/migrate/migrations';
import { targets } from '../../../src/targets/registry';
import { readFixture, runScript } from '../../../support/fixtures';
import { type Backend, pgBackends } from '../../support/backends';
import { rowCountsOf } from '../../support/database';
import { app, appRows, createAppDatabase } from './fixtures';

const set = loadMigrations(targets.telegram);
// Each test starts PGlite one to three times, and adopt a scratch one: slow on a busy machine.
const slow = { timeout: 240_000 };
const appTables = Object.keys(appRows);
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Schema facts without extensions (which depend on the server, decision 005). */
async function schemaOf(client: SqlClient) {
  return new Map([...(await introspect(client))].filter(([key]) => !key.startsWith('extension ')));
}

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), progress: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A location several connections (and the CLI) can open one after the other. */
async function sharedLocation(backend: Backend): Promise<string> {
  if (backend.name !== 'pglite') return backend.create();
  const dir = mkdtempSync(path.join(tmpdir(), 'chatstore-telegram-'));
  dirs.push(dir);
  return `pglite:${dir}`;
}

describe.each(pgBackends)('telegram migrations on $name', (backend) => {
  afterAll(() => backend.cleanup());

  async function appDatabase() {
    const conn = await connectRaw(await backend.create());
    await createAppDatabase(conn.client);
    return conn;
  }

  it('creates every generation on an empty database without any extension', slow, async () => {
    const conn = await connectRaw(await backend.create());
    try {
      const result = await migrate(conn.client, set);
      expect(result.ok, result.error?.message).toBe(true);
      expect(result.results.map((r) => r.tag)).toEqual([
        '0000_initial',
        '0001_hardening__check',
        '0002_hardening',
        '0003_task-queue',
        '0004_send-retry',
      ]);
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

  it("`initial` is exactly the application's schema", slow, async () => {
    const ours = await connectRaw(await backend.create());
    const theirs = await connectRaw(await backend.create());
    try {
      expect((await migrate(ours.client, set, { to: 'initial' })).ok).toBe(true);
      await runScript(theirs.client, readFixture('telegram/initial.sql'));
      expect(diffSchemas(await schemaOf(ours.client), await schemaOf(theirs.client))).toEqual([]);
    } finally {
      await ours.close();
      await theirs.close();
    }
  });

  it("adopts the application's database at initial (exit 0) and migrates it to the latest generation, keeping every row", {
    timeout: 300_000,
  }, async () => {
    const location = await sharedLocation(backend);
    const legacy = await connectRaw(location);
    let extensions: string[];
    try {
      extensions = await createAppDatabase(legacy.client);
    } finally {
      await legacy.close();
    }
    expect(extensions.length).toBeGreaterThan(0);

    const refused = await cli('migrate', 'telegram', '--db', location);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('chatstore adopt telegram');
    const adopted = await cli('adopt', 'telegram', '--db', location, '--json');
    expect(adopted.code, adopted.err).toBe(0);
    expect(JSON.parse(adopted.out)).toMatchObject({ ok: true, generation: 'initial', recorded: ['0000_initial'] });
    const migrated = await cli('migrate', 'telegram', '--db', location, '--json');
    expect(migrated.code, migrated.err).toBe(0);

    const conn = await connectRaw(location);
    const fresh = await connectRaw(await backend.create());
    try {
      expect((await readStatus(conn.client, set)).generation).toBe('send-retry');
      expect(await rowCountsOf(conn.client, appTables)).toEqual(appRows);
      // send-retry: existing refresh tokens keep expiring with their session; no send tried yet.
      expect(
        await conn.client.query(
          `select count(*)::int as n from sessions where refresh_expires_at is not null
           union all select count(*)::int from processed_responses where send_attempts <> 0`,
        ),
      ).toEqual([{ n: 0 }, { n: 0 }]);
      // The application's values are untouched; chatstore's new columns are filled.
      expect(
        await conn.client.query(
          `select encode(encrypted_credentials, 'hex') as hex, key_id, session_data, is_active, updated_at is not null as stamped
           from authentication_data where user_id = $1`,
          [app.ada],
        ),
      ).toEqual([{ hex: '00ff', key_id: null, session_data: { dc_id: 2 }, is_active: true, stamped: true }]);
      expect(
        await conn.client.query(
          `select name, unread_count, last_message, last_processed_message_id from dialogs where id = $1`,
          [app.climbing],
        ),
      ).toEqual([
        {
          name: 'Climbing club',
          unread_count: 4,
          last_message: { text: 'Saturday?' },
          last_processed_message_id: '9000',
        },
      ]);
      expect(await conn.client.query(`select status, model_name from processed_responses order by status`)).toEqual([
        { status: 'PENDING_APPROVAL', model_name: 'claude-3-haiku' },
        { status: 'SENT', model_name: 'claude-3-haiku' },
      ]);
      // Same schema as a database chatstore created.
      expect((await migrate(fresh.client, set)).ok).toBe(true);
      expect(diffSchemas(await schemaOf(fresh.client), await schemaOf(conn.client))).toEqual([]);
    } finally {
      await conn.close();
      await fresh.close();
    }
  });

  it(
    'hardening first checks the rows against its rules: it stops, lists the offending rows and changes nothing',
    slow,
    async () => {
      const conn = await appDatabase();
      try {
        // Both are valid in the application's schema: a second Telegram account's active
        // credentials for Ada, and a second model preference.
        const [second] = await conn.client.query<{ id: string }>(
          `insert into authentication_data (id, user_id, telegram_id, is_active)
         values (gen_random_uuid(), $1, 5550099, true) returning id`,
          [app.ada],
        );
        const [model] = await conn.client.query<{ id: string }>(
          `insert into user_selected_models (id, user_id, model_name) values (gen_random_uuid(), $1, 'gpt-4o') returning id`,
          [app.ada],
        );
        expect((await adopt(conn.client, set)).generation).toBe('initial');
        const before = await schemaOf(conn.client);
        const counts = await rowCountsOf(conn.client, appTables);

        const refused = await migrate(conn.client, set);
        expect(refused.ok).toBe(false);
        expect(refused.error?.code).toBe('MIGRATION_FAILED');
        const message = refused.error?.message ?? '';
        expect(message).toContain('0001_hardening__check');
        expect(message).toContain('uq_authentication_data_active_user');
        expect(message).toContain('user_selected_models_user_id_key');
        expect(message).toContain(`user ${app.ada}: 2 active rows`);
        expect(message).toContain(second?.id);
        expect(message).toContain(model?.id);
        expect((await readLedger(conn.client, 'telegram')).map((r) => r.tag)).toEqual(['0000_initial']);
        expect(diffSchemas(before, await schemaOf(conn.client))).toEqual([]);
        expect(await rowCountsOf(conn.client, appTables)).toEqual(counts);

        // Fixed as the message says, the same run goes through.
        await conn.client.query(`update authentication_data set is_active = false where id = $1`, [second?.id]);
        await conn.client.query(`delete from user_selected_models where id = $1`, [model?.id]);
        const up = await migrate(conn.client, set);
        expect(up.ok, up.error?.message).toBe(true);
        expect(up.to).toBe('send-retry');
      } finally {
        await conn.close();
      }
    },
  );

  it("names the application's later versions when refusing them, writing nothing", slow, async () => {
    const conn = await appDatabase();
    try {
      // The repository's head: temporary users without a Telegram id.
      await conn.client.query('alter table users alter column telegram_id drop not null');
      const head = await adopt(conn.client, set);
      expect(head.error?.code).toBe('ADOPT_MISMATCH');
      expect(head.error?.closest).toBe('initial');
      expect(head.error?.fieldVersions).toEqual([expect.stringContaining('6d4fd6e')]);
      expect(head.error?.message).toContain('It looks like a later version of the application');

      // Later: how a session authenticated, sessions before a user exists, dialog priorities.
      await runScript(
        conn.client,
        `create type authmethod as enum ('UNKNOWN', 'PHONE', 'QR', 'TELEGRAM', 'PASSWORD');
         alter table sessions add column auth_method authmethod not null default 'UNKNOWN';
         alter table sessions alter column auth_method drop default;
         alter table sessions alter column user_id drop not null;
         alter table dialogs add column priority integer default 0 not null;`,
      );
      const later = await adopt(conn.client, set);
      expect(later.error?.code).toBe('ADOPT_MISMATCH');
      expect(later.error?.fieldVersions).toHaveLength(3);
      expect(later.error?.message).toContain('05c3480');
      expect(later.error?.message).toContain('dialogs.priority');
      expect(await ledgerExists(conn.client)).toBe(false);
    } finally {
      await conn.close();
    }
  });

  it('refuses a database that differs in anything else, naming no version and writing nothing', slow, async () => {
    const conn = await appDatabase();
    try {
      await conn.client.query('alter table processed_responses drop constraint uq_dialog_response');
      await conn.client.query(`alter type dialogtype add value 'SUPERGROUP'`);
      const result = await adopt(conn.client, set);
      expect(result.ok).toBe(false);
      expect(result.error?.code).toBe('ADOPT_MISMATCH');
      expect(result.error?.closest).toBe('initial');
      expect(result.error?.message).toContain('missing   table processed_responses / constraint uq_dialog_response');
      expect(result.error?.message).toContain('enum dialogtype');
      expect(result.error?.fieldVersions).toBeUndefined();
      expect(await ledgerExists(conn.client)).toBe(false);
    } finally {
      await conn.close();
    }
  });

  it(
    'goes down to initial (refusing while data would be lost unless allowed) and back up, keeping rows',
    slow,
    async () => {
      const conn = await appDatabase();
      try {
        expect((await adopt(conn.client, set)).ok).toBe(true);
        expect((await migrate(conn.client, set)).ok).toBe(true);
        await conn.client.query(`update authentication_data set key_id = 'k1' where user_id = $1`, [app.ada]);
        await conn.client.query(`insert into tasks (type, user_id) values ('USER', $1)`, [app.ada]);
        await conn.client.query(
          `update sessions set refresh_expires_at = expires_at + interval '7 days' where refresh_token is not null`,
        );

        // send-retry first: the refresh expiries and the attempt counts would go.
        const refusedRetry = await migrate(conn.client, set, { to: 'hardening' });
        expect(refusedRetry.error?.code).toBe('DATA_LOSS');
        expect(refusedRetry.error?.message).toContain('sessions.refresh_expires_at');
        expect(refusedRetry.error?.message).toContain('processed_responses.send_attempts');
        const toTaskQueue = await migrate(conn.client, set, { to: 'task-queue', allowDataLoss: true });
        expect(toTaskQueue.ok, toTaskQueue.error?.message).toBe(true);
        expect(await rowCountsOf(conn.client, appTables)).toEqual(appRows);

        const refused = await migrate(conn.client, set, { to: 'hardening' });
        expect(refused.error?.code).toBe('DATA_LOSS');
        expect(refused.error?.message).toContain('tasks');
        const toHardening = await migrate(conn.client, set, { to: 'hardening', allowDataLoss: true });
        expect(toHardening.ok, toHardening.error?.message).toBe(true);
        // updated_at always holds values: leaving hardening loses them.
        const toInitial = await migrate(conn.client, set, { to: 'initial' });
        expect(toInitial.error?.code).toBe('DATA_LOSS');
        expect(toInitial.error?.message).toContain('sessions.updated_at');

        const down = await migrate(conn.client, set, { to: 'initial', allowDataLoss: true });
        expect(down.ok, down.error?.message).toBe(true);
        expect(await rowCountsOf(conn.client, appTables)).toEqual(appRows);
        // Back at the application's own schema.
        const theirs = await connectRaw(await backend.create());
        try {
          await runScript(theirs.client, readFixture('telegram/initial.sql'));
          expect(diffSchemas(await schemaOf(theirs.client), await schemaOf(conn.client))).toEqual([]);
        } finally {
          await theirs.close();
        }

        const up = await migrate(conn.client, set);
        expect(up.ok, up.error?.message).toBe(true);
        expect((await readStatus(conn.client, set)).generation).toBe('send-retry');
        expect(await rowCountsOf(conn.client, appTables)).toEqual(appRows);
      } finally {
        await conn.close();
      }
    },
  );
});
