/**
 * Opening a user's memory database for an app: `{dataDir}/{username}_longterm.db`, created and
 * migrated to the latest generation on first use (adopted first if Tatlock's own SQL made it).
 */
import type { Connection } from '../connect';
import { openLatest } from '../tatlock/fan-out';
import { defaultTatlockDir, userDatabaseFile } from '../tatlock/folder';

export interface OpenUserDatabaseOptions {
  /** The installation's folder (system.db and the users' files). Default `./data/tatlock`. */
  dataDir?: string;
}

/**
 * Opens a user's memory database, creating and migrating it on first use. The username is
 * validated before it becomes a path (`VALIDATION` on `username`, no file touched); a file that
 * cannot be brought to the latest generation is closed and its error thrown. Close the
 * connection when done.
 *
 * @example
 * const conn = await openUserDatabase('alice', { dataDir: '/srv/tatlock' });
 * try {
 *   const { conversationId } = await startConversation(conn.db, { title: 'Kyoto' });
 *   await appendMessage(conn.db, { conversationId, role: 'user', content: 'Plan the trip' });
 * } finally {
 *   await conn.close();
 * }
 */
export async function openUserDatabase(
  username: string,
  options: OpenUserDatabaseOptions = {},
): Promise<Connection<'tatlock-user'>> {
  return openLatest('tatlock-user', userDatabaseFile(options.dataDir ?? defaultTatlockDir, username));
}
