/**
 * Shared set-up for the telegram suites: one migrated database per backend per file, a test
 * keyring, registered users, and row counts for "nothing was written" assertions.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Connection } from '../../src/connect';
import { type ErrorCode, isChatstoreError } from '../../src/errors';
import { type Keyring, type Registration, registerUser, type TelegramDb } from '../../src/repositories/telegram';
import { type Backend, openMigrated } from '../support/backends';

export interface TelegramFixture {
  readonly conn: Connection<'telegram'>;
  readonly db: TelegramDb;
}

/** Opens one migrated telegram database for the enclosing `describe`, closed and dropped after it. */
export function useTelegramDatabase(backend: Backend): TelegramFixture {
  let conn: Connection<'telegram'> | undefined;
  beforeAll(async () => {
    conn = await openMigrated('telegram', backend);
  });
  afterAll(async () => {
    await conn?.close();
    await backend.cleanup();
  });
  const opened = () => {
    if (!conn) throw new Error('database not open yet: use the fixture inside a test');
    return conn;
  };
  return {
    get conn() {
      return opened();
    },
    get db() {
      return opened().db;
    },
  };
}

export const key1 = randomBytes(32);
export const key2 = randomBytes(32);
export const keyring: Keyring = { currentKeyId: 'k1', keys: { k1: key1 } };

export const token = (prefix = 'tok') => `${prefix}.${randomBytes(24).toString('base64url')}`;
export const inAnHour = () => new Date(Date.now() + 3_600_000);

/** A registered user with credentials `secret-<telegramId>` and a session; returns the tokens too. */
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
  return { ...registration, accessToken, refreshToken };
}

/** Row counts of every telegram table, to show a failed call wrote nothing. */
export async function rowCounts(conn: Connection<'telegram'>): Promise<Record<string, number>> {
  const tables = [
    'users',
    'dialogs',
    'processed_responses',
    'sessions',
    'session_rotated_tokens',
    'authentication_data',
    'user_selected_models',
    'tasks',
  ];
  const [row] = await conn.client.query<Record<string, number>>(
    `select ${tables.map((t) => `(select count(*)::int from ${t}) as ${t}`).join(', ')}`,
  );
  return row ?? {};
}

/** Asserts that `promise` rejects with a ChatstoreError of this code and field; returns it. */
export async function expectChatstoreError(promise: Promise<unknown>, code: ErrorCode, field?: string) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a rejection').toBeDefined();
  if (!isChatstoreError(error)) throw new Error(`expected a ChatstoreError, got ${String(error)}`);
  expect({ code: error.code, field: error.field }, error.message).toEqual({ code, field });
  return error;
}
