/**
 * Shared set-up for the letta suites: one migrated SQLite file per suite, unique platform ids,
 * row counts for "nothing was written" assertions, and a synchronous error matcher (the letta
 * repositories are synchronous, like better-sqlite3).
 */
import type Database from 'better-sqlite3';
import type { Connection } from '../../../src/targets/connect';
import {
  type LettaDb,
  type Message,
  type QueueEntry,
  type RecordIncomingMessageInput,
  type ResolvedIdentity,
  recordIncomingMessage,
  resolveIdentity,
} from '../../../src/targets/letta';
import { sqliteBackend } from '../../support/backends';
import { expectChatstoreErrorSync, useTargetDatabase } from '../../support/database';

export interface LettaFixture {
  readonly conn: Connection<'letta'>;
  readonly db: LettaDb;
  /** The same connection's better-sqlite3 handle, for raw SQL in assertions. */
  readonly raw: Database.Database;
}

/** The better-sqlite3 handle under a letta connection's drizzle handle. */
export const rawOf = (conn: Connection<'letta'>) => (conn.db as unknown as { $client: Database.Database }).$client;

/** Opens one letta database at v2 (a temporary SQLite file) for the enclosing `describe`. */
export function useLettaDatabase(): LettaFixture {
  const fixture = useTargetDatabase('letta', sqliteBackend());
  return {
    get conn() {
      return fixture.conn;
    },
    get db() {
      return fixture.db;
    },
    get raw() {
      return rawOf(fixture.conn);
    },
  };
}

let next = 0;
/** A platform user id no other test uses. */
export const uniquePlatformId = () => String(7_000_000_000 + process.pid * 1000 + ++next);

/** A new Letta user with one profile on `platform`. */
export function newIdentity(db: LettaDb, platform = 'telegram', details: { username?: string } = {}): ResolvedIdentity {
  return resolveIdentity(db, { platform, platformUserId: uniquePlatformId(), ...details });
}

/** Row counts of every letta table, to show a failed call wrote nothing. */
export function rowCounts(conn: Connection<'letta'>): {
  users: number;
  profiles: number;
  messages: number;
  queue: number;
} {
  return rawOf(conn)
    .prepare(
      `select (select count(*) from letta_users) as users, (select count(*) from platform_profiles) as profiles,
        (select count(*) from messages) as messages, (select count(*) from queue) as queue`,
    )
    .get() as { users: number; profiles: number; messages: number; queue: number };
}

/** The letta repositories throw synchronously: `expectChatstoreError(() => …, code, field)`. */
export { expectChatstoreErrorSync as expectChatstoreError };

/** `recordIncomingMessage` for an active user: the queue entry is there. */
export function recordQueued(
  db: LettaDb,
  input: RecordIncomingMessageInput,
): { message: Message; queueEntry: QueueEntry } {
  const { message, queueEntry } = recordIncomingMessage(db, input);
  if (queueEntry === null) throw new Error(`message ${message.id} was not queued`);
  return { message, queueEntry };
}
