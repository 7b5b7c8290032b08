/**
 * Shared set-up for the telegram suites: one database per backend per file, created as the
 * application creates it (its own schema at de38a4a, its extensions where the server has them,
 * rows in every table), adopted and migrated to the latest generation; a test keyring,
 * registered users, and row counts for "nothing was written" assertions.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { SqlClient } from '../../../src/connect';
import { adopt } from '../../../src/migrate/adopt';
import { migrate } from '../../../src/migrate/engine';
import { loadMigrations } from '../../../src/migrate/migrations';
import { type Connection, connect } from '../../../src/targets/connect';
import { targets } from '../../../src/targets/registry';
import {
  type Keyring,
  type Registration,
  registerUser,
  settleSession,
  type TelegramDb,
} from '../../../src/targets/telegram';
import { readFixture, runScript } from '../../../support/fixtures';
import type { Backend } from '../../support/backends';
import { type DatabaseFixture, expectChatstoreError, rowCountsOf, useDatabase } from '../../support/database';

export type TelegramFixture = DatabaseFixture<'telegram'>;

/** What the application's init script installs, where the server has it (PGlite: vector; PostgreSQL 15 here: pgcrypto). */
export async function installAppExtensions(client: SqlClient): Promise<string[]> {
  const available = await client.query<{ name: string }>(
    `select name from pg_available_extensions where name in ('pgcrypto', 'vector') order by 1`,
  );
  for (const { name } of available) await client.query(`create extension if not exists ${name}`);
  return available.map((r) => r.name);
}

/** Ids of the rows `createAppDatabase` writes. */
export const app = {
  ada: '6f1d6a52-4bd5-4c4e-9a55-1f3c7d1e0a01',
  bob: '6f1d6a52-4bd5-4c4e-9a55-1f3c7d1e0a02',
  adaTelegramId: 5_550_001,
  bobTelegramId: 5_550_002,
  climbing: '6f1d6a52-4bd5-4c4e-9a55-1f3c7d1e0b01',
  bobChat: '6f1d6a52-4bd5-4c4e-9a55-1f3c7d1e0b02',
} as const;

/** Rows per table that `createAppDatabase` writes. */
export const appRows = {
  users: 2,
  authentication_data: 2,
  dialogs: 2,
  processed_responses: 2,
  sessions: 2,
  user_selected_models: 1,
} as const;

/**
 * A database as the application leaves it: its schema (test/fixtures/telegram/initial.sql), its
 * extensions where available, and rows the way its models write them — ids from Python's uuid4,
 * every Python-side default spelled out, raw JWTs in `sessions`, credentials without a key id.
 * Returns the extensions installed.
 */
export async function createAppDatabase(client: SqlClient): Promise<string[]> {
  await runScript(client, readFixture('telegram/initial.sql'));
  const extensions = await installAppExtensions(client);
  const { ada, bob, adaTelegramId, bobTelegramId, climbing, bobChat } = app;
  await runScript(
    client,
    `insert into users (id, telegram_id, username, first_name, last_name) values
       ('${ada}', ${adaTelegramId}, 'ada', 'Ada', 'Lovelace'),
       ('${bob}', ${bobTelegramId}, null, null, null);
     insert into authentication_data (id, user_id, telegram_id, session_data, encrypted_credentials, last_active_at, is_active) values
       (gen_random_uuid(), '${ada}', ${adaTelegramId}, '{"dc_id": 2}', decode('00ff', 'hex'), now(), true),
       (gen_random_uuid(), '${bob}', ${bobTelegramId}, '{}', null, null, null);
     insert into dialogs (id, telegram_dialog_id, user_id, name, type, unread_count, last_message,
                          is_processing_enabled, auto_send_enabled, last_processed_message_id, last_processed_at) values
       ('${climbing}', '-1001', '${ada}', 'Climbing club', 'GROUP', 4, '{"text": "Saturday?"}', true, false, '9000', now()),
       ('${bobChat}', '777', '${bob}', 'Ada', 'PRIVATE', 0, '{}', false, false, null, null);
     insert into processed_responses (id, dialog_id, last_message_id, last_message_timestamp, suggested_response,
                                      edited_response, status, model_name, approved_at, sent_at) values
       (gen_random_uuid(), '${climbing}', '9000', now() - interval '1 hour', 'Count me in!', 'Count me in.', 'SENT',
        'claude-3-haiku', now() - interval '50 minutes', now() - interval '49 minutes'),
       (gen_random_uuid(), '${bobChat}', '12', now() - interval '5 minutes', 'Hi Ada!', null, 'PENDING_APPROVAL',
        'claude-3-haiku', null, null);
     insert into sessions (id, user_id, status, token, refresh_token, token_type, expires_at, session_metadata, device_info) values
       (gen_random_uuid(), '${ada}', 'AUTHENTICATED', 'eyJhbGciOiJIUzI1NiJ9.ada-access', 'eyJhbGciOiJIUzI1NiJ9.ada-refresh',
        'ACCESS', now() + interval '1 day', '{}', '{"user_agent": "Firefox"}'),
       (gen_random_uuid(), '${bob}', 'PENDING', 'eyJhbGciOiJIUzI1NiJ9.bob-access', null, 'ACCESS',
        now() + interval '1 hour', '{"phone_code_hash": "abc"}', '{}');
     insert into user_selected_models (id, user_id, model_name, system_prompt) values
       (gen_random_uuid(), '${ada}', 'claude-3-haiku', 'Reply like me.');`,
  );
  return extensions;
}

/** The application's database on `backend`, adopted at `initial` and migrated to the latest generation. */
export async function openAppDatabase(backend: Backend): Promise<Connection<'telegram'>> {
  const conn = await connect('telegram', await backend.create(), { requireLatest: false });
  try {
    await createAppDatabase(conn.client);
    const set = loadMigrations(targets.telegram);
    const adopted = await adopt(conn.client, set);
    if (!adopted.ok || adopted.generation !== 'initial') {
      throw new Error(`adopting the application's database failed: ${adopted.error?.message}`);
    }
    const migrated = await migrate(conn.client, set);
    if (!migrated.ok) throw new Error(`migrating the application's database failed: ${migrated.error?.message}`);
    return conn;
  } catch (error) {
    await conn.close();
    throw error;
  }
}

/**
 * Opens one telegram database for the enclosing `describe` — the application's, adopted and
 * migrated (see `openAppDatabase`) — closed and dropped after it.
 */
export function useTelegramDatabase(backend: Backend): TelegramFixture {
  return useDatabase(
    () => openAppDatabase(backend),
    () => backend.cleanup(),
    // Adopting starts a scratch PGlite besides the suite's own: more than the default hook timeout on a busy machine.
    { openTimeoutMs: 300_000 },
  );
}

export const key1 = randomBytes(32);
export const key2 = randomBytes(32);
export const keyring: Keyring = { currentKeyId: 'k1', keys: { k1: key1 } };

export const token = (prefix = 'tok') => `${prefix}.${randomBytes(24).toString('base64url')}`;
export const inAnHour = () => new Date(Date.now() + 3_600_000);

/**
 * A registered user with credentials `secret-<telegramId>` and a session, settled to
 * `AUTHENTICATED` (it starts `PENDING`); returns the tokens too.
 */
export async function newUser(db: TelegramDb): Promise<Registration & { accessToken: string; refreshToken: string }> {
  const telegramId = randomInt(1, 2 ** 47);
  const accessToken = token('access');
  const refreshToken = token('refresh');
  const registration = await registerUser(db, {
    telegramId,
    username: `user${telegramId}`,
    credentials: `secret-${telegramId}`,
    keyring,
    session: { accessToken, refreshToken, expiresAt: inAnHour() },
  });
  const session = await settleSession(db, { sessionId: registration.session.id, status: 'AUTHENTICATED' });
  return { ...registration, session, accessToken, refreshToken };
}

/** Row counts of every telegram table, to show a failed call wrote nothing. */
export function rowCounts(conn: Connection<'telegram'>): Promise<Record<string, number>> {
  return rowCountsOf(conn.client, [
    'users',
    'dialogs',
    'processed_responses',
    'sessions',
    'session_rotated_tokens',
    'authentication_data',
    'user_selected_models',
    'tasks',
  ]);
}

export { expectChatstoreError };
