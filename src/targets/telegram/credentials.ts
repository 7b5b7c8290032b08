/**
 * Telegram credentials (seed 002, "authentication_data"), encrypted with AES-256-GCM under a
 * key the application supplies (see `crypto.ts`). The application keeps one row per Telegram
 * account (`authentication_data.telegram_id` is unique): storing credentials rewrites the row of
 * the user's Telegram account and deactivates any other active row of theirs, in one
 * transaction. `last_active_at` is when the credentials were last read for use. Rotating keys:
 * `reencryptCredentials` rewrites rows under the keyring's current key.
 */
import { and, eq, gt, isNotNull, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import { ChatstoreError, isChatstoreError } from '../../errors';
import { parseInput } from '../../kit';
import { authenticationData, users } from '../../schema/telegram';
import { writeCredentials } from './credentials-row';
import { decryptFor, encryptFor, Keyring } from './crypto';
import { mapped, notFound, type TelegramDb, UserId } from './internal';

type CredentialsRow = typeof authenticationData.$inferSelect;
/**
 * A credentials row without its ciphertext and the application's `session_data`: what callers
 * may see and log.
 */
export type CredentialsInfo = Omit<CredentialsRow, 'encryptedCredentials' | 'sessionData'>;

export const Plaintext = z.string().min(1).max(65_536);

export const StoreCredentialsInput = z.object({ userId: UserId, credentials: Plaintext, keyring: Keyring });
export type StoreCredentialsInput = z.input<typeof StoreCredentialsInput>;

export const ReadCredentialsInput = z.object({ userId: UserId, keyring: Keyring });
export type ReadCredentialsInput = z.input<typeof ReadCredentialsInput>;

export const ReencryptInput = z.object({
  keyring: Keyring,
  batchSize: z.number().int().min(1).max(10_000).default(500),
  /** Called after each batch with the running totals. */
  onProgress: z.custom<(done: { rotated: number; failed: number }) => void>((v) => typeof v === 'function').optional(),
});
export type ReencryptInput = z.input<typeof ReencryptInput>;

export function credentialsInfo(row: CredentialsRow): CredentialsInfo {
  const { encryptedCredentials: _secret, sessionData: _session, ...info } = row;
  return info;
}

/**
 * Stores a user's credentials encrypted with the keyring's current key and makes them the
 * active set: the row of the user's Telegram account is written (created the first time) and
 * any other active row of the user is deactivated. An unknown user is `FOREIGN_KEY` on
 * `userId`; a Telegram account whose row belongs to another user is `CONFLICT` on `telegramId`.
 *
 * @example
 * await storeCredentials(db, { userId, credentials: sessionString, keyring });
 */
export async function storeCredentials(db: TelegramDb, input: StoreCredentialsInput): Promise<CredentialsInfo> {
  const { userId, credentials, keyring } = parseInput(StoreCredentialsInput, input, 'authentication_data');
  const { keyId, ciphertext } = encryptFor(keyring, userId, credentials);
  const row = await mapped('authentication_data', () =>
    db.transaction(async (tx) => {
      const [user] = await tx.select({ telegramId: users.telegramId }).from(users).where(eq(users.id, userId)).limit(1);
      if (!user) {
        throw new ChatstoreError('FOREIGN_KEY', `User ${userId} does not exist`, {
          entity: 'authentication_data',
          field: 'userId',
        });
      }
      return writeCredentials(tx, { userId, telegramId: user.telegramId, keyId, ciphertext });
    }),
  );
  return credentialsInfo(row);
}

/**
 * Decrypts a user's active credentials and records their use (`last_active_at`). None stored
 * (or none active, or an application row without encrypted credentials) is `NOT_FOUND` on
 * `userId`; a key missing from the keyring or a wrong key is `DECRYPTION_FAILED` on `keyring`.
 *
 * @example
 * const sessionString = await readCredentials(db, { userId, keyring });
 */
export async function readCredentials(db: TelegramDb, input: ReadCredentialsInput): Promise<string> {
  const { userId, keyring } = parseInput(ReadCredentialsInput, input, 'authentication_data');
  const [row] = await mapped('authentication_data', () =>
    db
      .update(authenticationData)
      .set({ lastActiveAt: sql`now()` })
      .where(
        and(
          eq(authenticationData.userId, userId),
          eq(authenticationData.isActive, true),
          isNotNull(authenticationData.encryptedCredentials),
        ),
      )
      .returning({ keyId: authenticationData.keyId, encryptedCredentials: authenticationData.encryptedCredentials }),
  );
  if (!row?.encryptedCredentials) throw notFound('authentication_data', 'userId', userId);
  return decryptFor(keyring, userId, row.keyId, row.encryptedCredentials);
}

/**
 * Marks a user's credentials invalid (e.g. Telegram revoked the session). Returns how many
 * rows changed (0 or 1).
 *
 * @example
 * await deactivateCredentials(db, userId);
 */
export async function deactivateCredentials(db: TelegramDb, userId: string): Promise<number> {
  const id = parseInput(UserId, userId, 'authentication_data');
  const rows = await mapped('authentication_data', () =>
    db
      .update(authenticationData)
      .set({ isActive: false, updatedAt: sql`now()` })
      .where(and(eq(authenticationData.userId, id), eq(authenticationData.isActive, true)))
      .returning({ id: authenticationData.id }),
  );
  return rows.length;
}

/** What a key rotation did: rows rewritten under the current key, and the rows it could not. */
export interface ReencryptReport {
  rotated: number;
  /** Rows left as they were (still under their old key), with why. */
  failed: { id: string; userId: string; keyId: string | null; reason: string }[];
}

/**
 * Key rotation: re-encrypts every row written under another key with the keyring's current key,
 * `batchSize` rows per transaction. A row it cannot decrypt (its key is not in the keyring, or the
 * bytes were altered) is left exactly as it was and reported in `failed`, and the rotation goes on;
 * every other row is rewritten whole or not at all. Rows are locked with `FOR UPDATE SKIP
 * LOCKED`, so concurrent rotations share the work. Rows the application wrote carry no key id and
 * are left alone.
 *
 * @example
 * const { rotated, failed } = await reencryptCredentials(db, { keyring: { currentKeyId: 'k2', keys: { k1, k2 } } });
 * for (const f of failed) log.warn(`credentials ${f.id} of user ${f.userId} not rotated: ${f.reason}`);
 */
export async function reencryptCredentials(db: TelegramDb, input: ReencryptInput): Promise<ReencryptReport> {
  const { keyring, batchSize, onProgress } = parseInput(ReencryptInput, input, 'authentication_data');
  const report: ReencryptReport = { rotated: 0, failed: [] };
  // Rows are visited once, in id order: a row that failed stays behind the cursor.
  let afterId: string | undefined;
  for (;;) {
    const seen = await mapped('authentication_data', () =>
      db.transaction(async (tx) => {
        const rows = await tx
          .select()
          .from(authenticationData)
          .where(
            and(
              afterId === undefined ? undefined : gt(authenticationData.id, afterId),
              isNotNull(authenticationData.keyId),
              isNotNull(authenticationData.encryptedCredentials),
              ne(authenticationData.keyId, keyring.currentKeyId),
            ),
          )
          .orderBy(authenticationData.id)
          .limit(batchSize)
          .for('update', { skipLocked: true });
        for (const row of rows) {
          let plaintext: string;
          try {
            plaintext = decryptFor(keyring, row.userId, row.keyId, row.encryptedCredentials as Buffer);
          } catch (error) {
            if (!isChatstoreError(error, 'DECRYPTION_FAILED')) throw error;
            report.failed.push({ id: row.id, userId: row.userId, keyId: row.keyId, reason: error.message });
            continue;
          }
          const { keyId, ciphertext } = encryptFor(keyring, row.userId, plaintext);
          await tx
            .update(authenticationData)
            .set({ keyId, encryptedCredentials: ciphertext, updatedAt: sql`now()` })
            .where(eq(authenticationData.id, row.id));
          report.rotated++;
        }
        return rows.at(-1)?.id;
      }),
    );
    if (seen === undefined) return report;
    afterId = seen;
    onProgress?.({ rotated: report.rotated, failed: report.failed.length });
  }
}
