/** The write of a credentials row, shared by `storeCredentials` and `registerUser` (not exported from the package). */
import { and, eq, ne, sql } from 'drizzle-orm';
import { ChatstoreError } from '../../errors';
import { authenticationData } from '../../schema/telegram';
import type { TelegramDb, TelegramTx } from './internal';

type CredentialsRow = typeof authenticationData.$inferSelect;

/**
 * Writes the credentials row of a Telegram account inside the caller's transaction: the one row
 * per `telegram_id` is created or rewritten, any other active row of the user is deactivated.
 */
export async function writeCredentials(
  tx: TelegramDb | TelegramTx,
  values: { userId: string; telegramId: number; keyId: string; ciphertext: Buffer },
): Promise<CredentialsRow> {
  const { userId, telegramId, keyId, ciphertext } = values;
  await tx
    .update(authenticationData)
    .set({ isActive: false, updatedAt: sql`now()` })
    .where(
      and(
        eq(authenticationData.userId, userId),
        eq(authenticationData.isActive, true),
        ne(authenticationData.telegramId, telegramId),
      ),
    );
  const [row] = await tx
    .insert(authenticationData)
    .values({ userId, telegramId, keyId, encryptedCredentials: ciphertext, isActive: true, sessionData: {} })
    .onConflictDoUpdate({
      target: authenticationData.telegramId,
      set: { keyId, encryptedCredentials: ciphertext, isActive: true, updatedAt: sql`now()` },
      // Never take over another user's row.
      setWhere: eq(authenticationData.userId, userId),
    })
    .returning();
  if (!row) {
    throw new ChatstoreError(
      'CONFLICT',
      `The credentials of Telegram account ${telegramId} belong to another user than ${userId}`,
      { entity: 'authentication_data', field: 'telegramId' },
    );
  }
  return row;
}
