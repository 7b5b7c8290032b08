/**
 * Opening a Tatlock installation's `system.db` for an app: created and migrated to the latest
 * generation on first use (adopted first if Tatlock's own SQL made it).
 */
import type { Connection } from '../connect';
import { openLatest } from '../tatlock/fan-out';
import { dataDirOf, systemDatabaseFile } from '../tatlock/folder';

export interface OpenSystemDatabaseOptions {
  /** The installation's folder. Default `./data/tatlock`. */
  dataDir?: string;
}

/**
 * Opens `system.db`, creating and migrating it on first use. Close the connection when done.
 *
 * @example
 * const conn = await openSystemDatabase({ dataDir: '/srv/tatlock' });
 * try { await verifyPassword(conn.db, { username: 'alice', password }); } finally { await conn.close(); }
 */
export async function openSystemDatabase(
  options: OpenSystemDatabaseOptions = {},
): Promise<Connection<'tatlock-system'>> {
  return openLatest('tatlock-system', systemDatabaseFile(dataDirOf(options)));
}
