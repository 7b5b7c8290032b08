/**
 * What the tatlock-system repository modules share: the handle type.
 * Not re-exported from `index.ts` except for the handle types.
 */
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { sqliteKit } from '../../kit/sqlite';
import * as schema from '../../schema/tatlock-system';

export type TatlockSystemSchema = typeof schema;
/** What repository functions accept: `connect('tatlock-system', file)`'s or `openSystemDatabase()`'s `db`. */
export type SystemDb = BetterSQLite3Database<TatlockSystemSchema>;

/**
 * The repository kit: prepared statements per connection, and driver errors naming input fields.
 * Constraint names and their fields come from the schema; the schema says them all.
 * Repository functions are synchronous (docs/decisions/022).
 */
export const kit = sqliteKit<SystemDb>(schema);
export const { dbError, mapped, notFound, prepared } = kit;
