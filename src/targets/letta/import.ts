/**
 * Bulk import (decision 027): a message history into `messages`, in one transaction with one
 * prepared statement.
 */
import { z } from 'zod';
import { ChatstoreError } from '../../errors';
import { type ImportCounts, type ImportOptions, type RowSource, sqliteImport } from '../../kit/bulk';
import { messageRoles } from '../../schema/letta';
import { RowId } from './identity';
import { dbError, type LettaDb, StorableDate, sqliteTimestamp } from './internal';
import { MessageText } from './messages';

export type { ImportOptions, ImportProgress, IndexStrategy, RowSource } from '../../kit/bulk';

/** One message of an imported history. */
export const ImportMessageRow = z.object({
  lettaUserId: RowId,
  /** The profile (platform) it was sent on; it must belong to the user. */
  profileId: RowId.optional(),
  role: z.enum(messageRoles),
  message: MessageText,
  /** When it was sent; default: the import's time. */
  at: StorableDate.optional(),
  /** Default `true`: imported history is not handed to the agent (nothing is queued). */
  processed: z.boolean().default(true),
  agentResponse: z.string().max(1_000_000).optional(),
});
export type ImportMessageRow = z.input<typeof ImportMessageRow>;

/**
 * Imports a message history: every row validated first (`VALIDATION` naming its index,
 * `rows.1234.message`), then all inserted in one transaction with one prepared statement. The
 * Letta users and profiles must exist, and each profile must be its user's (`NOT_FOUND` naming
 * the first row that says otherwise); nothing is queued for the agent. All or nothing. Async:
 * it waits for the rows (an async iterable); the writing itself is one synchronous transaction.
 *
 * @example
 * const { rows } = await importMessages(db, [{ lettaUserId: 1, profileId: 1, role: 'user', message: 'hi', at }]);
 */
export async function importMessages(
  db: LettaDb,
  rows: RowSource<ImportMessageRow>,
  options: ImportOptions = {},
): Promise<ImportCounts> {
  const now = sqliteTimestamp();
  return sqliteImport(
    db,
    rows,
    options,
    'messages',
    ImportMessageRow,
    (client, parsed) => {
      // Every user and profile named, checked once each.
      const user = client.prepare('select 1 from letta_users where id = ?').pluck();
      const profile = client.prepare('select letta_user_id from platform_profiles where id = ?').pluck();
      const users = new Set<number>();
      const profiles = new Map<number, unknown>();
      for (const [index, m] of parsed.entries()) {
        if (!users.has(m.lettaUserId)) {
          if (user.get(m.lettaUserId) === undefined) throw missing(index, 'lettaUserId', m.lettaUserId);
          users.add(m.lettaUserId);
        }
        if (m.profileId !== undefined) {
          if (!profiles.has(m.profileId)) profiles.set(m.profileId, profile.get(m.profileId));
          if (profiles.get(m.profileId) !== m.lettaUserId) throw missing(index, 'profileId', m.profileId);
        }
      }
      const insert = client.prepare(
        'insert into messages (letta_user_id, platform_profile_id, role, message, timestamp, processed, agent_response) values (?, ?, ?, ?, ?, ?, ?)',
      );
      for (const m of parsed) {
        insert.run(
          m.lettaUserId,
          m.profileId ?? null,
          m.role,
          m.message,
          m.at ? m.at.toISOString().slice(0, 23).replace('T', ' ') : now,
          m.processed ? 1 : 0,
          m.agentResponse ?? null,
        );
      }
      return { rows: parsed.length };
    },
    dbError,
  );
}

function missing(index: number, field: 'lettaUserId' | 'profileId', id: number): ChatstoreError {
  const what = field === 'lettaUserId' ? 'letta_users row' : "platform_profiles row of the row's user";
  return new ChatstoreError('NOT_FOUND', `No ${what} with ${field} ${id} (row ${index})`, {
    field: `rows.${index}.${field}`,
    entity: field === 'lettaUserId' ? 'letta_users' : 'platform_profiles',
  });
}
