/**
 * What every letta repository module shares: the handle type, prepared statements cached per
 * connection, hot-path statements at the driver's floor (decision 026), timestamps, and the mapping of SQLite errors to
 * `ChatstoreError`s that name input fields. Not re-exported from `index.ts` except the types.
 */
import type { RunResult } from 'better-sqlite3';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import { z } from 'zod';
import { parseField } from '../../kit';
import { sqliteKit } from '../../kit/sqlite';
import * as schema from '../../schema/letta';

export type LettaSchema = typeof schema;
/**
 * What repository functions accept: `connect('letta')`'s `db`, any drizzle better-sqlite3
 * handle made with the letta schema, or a transaction opened on one (`db.transaction((tx) => …)`).
 * better-sqlite3 is synchronous, and so are these functions (docs/decisions/008).
 */
export type LettaDb = BaseSQLiteDatabase<'sync', RunResult, LettaSchema>;

/** A date a timestamp column holds (built once: a zod schema costs more than a hot path's statement). */
export const StorableDate = z
  .date()
  .min(new Date(Date.UTC(0, 0, 1)))
  .max(new Date(Date.UTC(9999, 11, 31)));

/**
 * Timestamps as chatstore writes them: UTC `YYYY-MM-DD HH:MM:SS.SSS`, the shape of SQLite's
 * `CURRENT_TIMESTAMP` (the columns' default) with milliseconds, so both sort together.
 */
export function sqliteTimestamp(date?: Date): string {
  // Only a caller's date is checked: the clock's own is storable.
  if (date !== undefined) parseField(StorableDate, date, 'date');
  return (date ?? new Date()).toISOString().slice(0, 23).replace('T', ' ');
}

/** Milliseconds of a stored timestamp in any shape SQLite's date functions read; NaN otherwise. */
function instant(value: string): number {
  const iso = value.trim().replace(' ', 'T');
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) || !iso.includes('T') ? iso : `${iso}Z`);
}

/** The earlier (`pick = -1`) or later (`pick = 1`) of two stored timestamps; null-safe. */
export function pickTimestamp(a: string | null, b: string | null, pick: 1 | -1): string | null {
  if (a === null || b === null) return a ?? b;
  const [x, y] = [instant(a), instant(b)];
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? b : a;
  return (y - x) * pick > 0 ? b : a;
}

/**
 * The repository kit: prepared statements per connection, and driver errors naming input fields.
 * Constraint names and their fields come from the schema; by hand only what it cannot say.
 */
export const kit = sqliteKit<LettaDb>(schema, {
  // UNIQUE(platform, platform_user_id): callers know the clash as the identity's platformUserId.
  platform_profiles_platform_platform_user_id_unique: 'platformUserId',
});
export const { dbError, floor, mapped, notFound, prepared } = kit;
