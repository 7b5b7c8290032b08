/**
 * What the tatlock-user repository modules share: the handle type and small input schemas.
 * Not re-exported from `index.ts` except for the handle types.
 */
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { z } from 'zod';
import { sqliteKit } from '../../kit/sqlite';
import * as schema from '../../schema/tatlock-user';

export type TatlockUserSchema = typeof schema;
/** What repository functions accept: `connect('tatlock-user', file)`'s or `openUserDatabase()`'s `db`. */
export type UserDb = BetterSQLite3Database<TatlockUserSchema>;

/**
 * The repository kit: prepared statements per connection, and driver errors naming input fields.
 * Constraint names and their fields come from the schema; the schema says them all.
 * Repository functions are synchronous (docs/decisions/022).
 */
export const kit = sqliteKit<UserDb>(schema);
export const { dbError, floor, mapped, notFound, prepared } = kit;

/** A conversation id as Tatlock writes them (uuids, or any short string). */
export const ConversationId = z.string().min(1).max(200);

/** A moment: a `Date` or an ISO 8601 string; stored as the ISO string. Default: now. */
export const Moment = z
  .union([z.date(), z.iso.datetime({ offset: true, local: true })])
  .optional()
  .transform((value) =>
    value === undefined ? new Date().toISOString() : value instanceof Date ? value.toISOString() : value,
  );
