/**
 * What the tatlock-system repository modules share: the handle type.
 * Not re-exported from `index.ts` except for the handle types.
 */
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type * as schema from '../../schema/tatlock-system';

export type TatlockSystemSchema = typeof schema;
/** What repository functions accept: `connect('tatlock-system', file)`'s or `openSystemDatabase()`'s `db`. */
export type SystemDb = BetterSQLite3Database<TatlockSystemSchema>;
