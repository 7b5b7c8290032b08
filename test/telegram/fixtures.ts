/**
 * Shared set-up for the telegram suites: one migrated database per backend per file, a test
 * keyring, registered users, and row counts for "nothing was written" assertions.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Connection } from '../../src/connect';
import { type Keyring, type Registration, registerUser, type TelegramDb } from '../../src/repositories/telegram';
import { type Backend, openMigrated } from '../support/backends';
import { type DatabaseFixture, expectChatstoreError, rowCountsOf, useDatabase } from '../support/database';

export type TelegramFixture = DatabaseFixture<'telegram'>;

/** Opens one migrated telegram database for the enclosing `describe`, closed and dropped after it. */
export function useTelegramDatabase(backend: Backend): TelegramFixture {
  return useDatabase(
    () => openMigrated('telegram', backend),
    () => backend.cleanup(),
  );
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
