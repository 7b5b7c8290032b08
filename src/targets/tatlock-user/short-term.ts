/**
 * Short-term storage (seed 001, `short_term_storage`): values kept for a while under a key.
 * An expired value is never returned, whether or not `purgeExpiredShortTerm` has run.
 * Expiry is compared with `julianday()`, which reads both SQLite's `YYYY-MM-DD HH:MM:SS` and the
 * ISO strings chatstore writes.
 */
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { parseField, parseInput } from '../../kit';
import { shortTermStorage } from '../../schema/tatlock-user';
import { mapped, type UserDb } from './internal';

export const StorageKey = z.string().trim().min(1).max(200);

export const PutShortTermInput = z
  .object({
    key: StorageKey,
    value: z.string().max(1_000_000),
    /** Seconds until the value expires. */
    ttlSeconds: z.number().int().positive().optional(),
    /** When the value expires (instead of `ttlSeconds`). Neither: it never expires. */
    expiresAt: z.date().optional(),
  })
  .refine((v) => v.ttlSeconds === undefined || v.expiresAt === undefined, {
    message: 'give ttlSeconds or expiresAt, not both',
    path: ['expiresAt'],
  });
export type PutShortTermInput = z.input<typeof PutShortTermInput>;

const live = sql`(${shortTermStorage.expiresAt} is null or julianday(${shortTermStorage.expiresAt}) > julianday('now'))`;

/**
 * Stores a value under a key, replacing what was there (and its expiry).
 *
 * @example putShortTerm(db, { key: 'last_location', value: 'Lisbon', ttlSeconds: 3600 });
 */
export function putShortTerm(db: UserDb, input: PutShortTermInput): void {
  const { key, value, ttlSeconds, expiresAt } = parseInput(PutShortTermInput, input, 'short_term_storage');
  const expires =
    ttlSeconds !== undefined
      ? new Date(Date.now() + ttlSeconds * 1000).toISOString()
      : (expiresAt?.toISOString() ?? null);
  mapped('short_term_storage', () =>
    db
      .insert(shortTermStorage)
      .values({ storageKey: key, storageValue: value, expiresAt: expires })
      .onConflictDoUpdate({
        target: shortTermStorage.storageKey,
        set: { storageValue: value, expiresAt: expires, createdAt: sql`CURRENT_TIMESTAMP` },
      })
      .run(),
  );
}

/**
 * The value under a key, or `undefined` if there is none or it has expired.
 *
 * @example const location = getShortTerm(db, 'last_location');
 */
export function getShortTerm(db: UserDb, key: string): string | undefined {
  const name = parseField(StorageKey, key, 'key', 'short_term_storage');
  return mapped(
    'short_term_storage',
    () =>
      db
        .select({ value: shortTermStorage.storageValue })
        .from(shortTermStorage)
        .where(and(eq(shortTermStorage.storageKey, name), live))
        .get()?.value,
  );
}

/**
 * Deletes a key; returns whether it existed.
 *
 * @example deleteShortTerm(db, 'otp');
 */
export function deleteShortTerm(db: UserDb, key: string): boolean {
  const name = parseField(StorageKey, key, 'key', 'short_term_storage');
  return mapped(
    'short_term_storage',
    () => db.delete(shortTermStorage).where(eq(shortTermStorage.storageKey, name)).run().changes > 0,
  );
}

/**
 * Removes every expired value; returns how many.
 *
 * @example const removed = purgeExpiredShortTerm(db);
 */
export function purgeExpiredShortTerm(db: UserDb): number {
  return mapped('short_term_storage', () => db.delete(shortTermStorage).where(sql`not ${live}`).run().changes);
}
