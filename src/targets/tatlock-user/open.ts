/**
 * Opening a user's memory database for an app: `{dataDir}/{username}_longterm.db`, created and
 * migrated to the latest generation on first use (adopted first if Tatlock's own SQL made it).
 */

import { existsSync } from 'node:fs';
import { parseField } from '../../kit';
import type { Connection } from '../connect';
import { openLatest } from '../tatlock/fan-out';
import { dataDirOf, NewUsername, refuseLookalike, userDatabaseFile, usernamesIn } from '../tatlock/folder';

export interface OpenUserDatabaseOptions {
  /** The installation's folder (system.db and the users' files). Default `./data/tatlock`. */
  dataDir?: string;
}

/**
 * Opens a user's memory database, creating and migrating it on first use. The username is
 * validated before it becomes a path (`VALIDATION` on `username`, no file touched); a name that
 * differs from another user's file only in case or Unicode form is a `CONFLICT`, and a new user's
 * name must be a `NewUsername` (NFKC, one script); a file that
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
  const dir = dataDirOf(options);
  const file = userDatabaseFile(dir, username);
  // A new user's file: a name that could pass for another's is refused before anything is created.
  refuseLookalike(username, usernamesIn(dir));
  if (!existsSync(file)) parseField(NewUsername, username, 'username', 'users');
  return openLatest('tatlock-user', file);
}
