/**
 * The letta target's repositories (seed 000, generation v2). Every function takes a drizzle
 * better-sqlite3 handle or a transaction first, validates its input with zod before touching
 * the database, throws only `ChatstoreError`s, and is synchronous like better-sqlite3 itself
 * (docs/decisions/008-sqlite-repositories-are-synchronous.md).
 *
 * @example
 * import { claimNextQueueEntry, recordIncomingMessage, resolveIdentity } from 'chatstore/letta';
 */
export * from './dashboard';
export * from './identity';
export * from './import';
export type { LettaDb, LettaSchema } from './internal';
export { sqliteTimestamp } from './internal';
export * from './messages';
export * from './preferences';
export * from './queue';
