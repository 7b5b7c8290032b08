/**
 * letta, generation `v1` (seed 000, "Current Schema (v1)"): the Telegram bot's users, their
 * messages and the processing queue, keyed by Telegram user id.
 * Frozen: a released generation never changes; add a new generation instead.
 *
 * Declared exactly as the seed's SQL: no NOT NULL, no foreign keys (the seed's "References"
 * are comments), `users.user_id` a rowid alias without AUTOINCREMENT.
 */
import { sql } from 'drizzle-orm';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { seedKey } from '../sqlite-columns';

export const users = sqliteTable('users', {
  /** The Telegram user id. */
  userId: seedKey(integer('user_id').primaryKey()),
  username: text('username'),
  firstName: text('first_name'),
  lastActive: text('last_active'),
  messageCount: integer('message_count').default(0),
});

export const messages = sqliteTable('messages', {
  id: seedKey(integer('id').primaryKey({ autoIncrement: true })),
  /** A Telegram user id (`users.user_id`); not a declared foreign key. */
  userId: integer('user_id'),
  role: text('role'),
  message: text('message'),
  timestamp: text('timestamp'),
  processed: integer('processed').default(0),
  agentResponse: text('agent_response'),
});

export const queue = sqliteTable('queue', {
  id: seedKey(integer('id').primaryKey({ autoIncrement: true })),
  userId: integer('user_id'),
  messageId: integer('message_id'),
  status: text('status'),
  attempts: integer('attempts').default(0),
  timestamp: text('timestamp').default(sql`CURRENT_TIMESTAMP`),
});
