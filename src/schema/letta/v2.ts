/**
 * letta, generation `v2` (seed 000, "Planned Schema (v2)"): a master user (`letta_users`)
 * separate from each platform presence (`platform_profiles`), so one person reaches the agent
 * from Telegram, Discord, email and more; messages and the queue point at the master user.
 * Frozen: a released generation never changes; add a new generation instead.
 *
 * Declared exactly as the seed's SQL: no NOT NULL, no foreign keys (the seed's "References"
 * are comments), `UNIQUE(platform, platform_user_id)` as a table constraint. drizzle-kit
 * cannot write the move from v1 without dropping every row, so the v2 migration is written by
 * hand (`drizzle/letta/0001_v2__move.sql`); see docs/targets/letta.md.
 */
import { sql } from 'drizzle-orm';
import { integer, sqliteTable, text, unique } from 'drizzle-orm/sqlite-core';
import { boolean, seedKey } from '../sqlite-columns';
import type { AgentPreferences, ProfileMetadata } from './json';

export const messageRoles = ['user', 'assistant'] as const;
export const queueStatuses = ['pending', 'processing', 'done', 'failed'] as const;

export const lettaUsers = sqliteTable('letta_users', {
  id: seedKey(integer('id').primaryKey({ autoIncrement: true })),
  createdAt: text('created_at').default(sql`CURRENT_TIMESTAMP`),
  lastActive: text('last_active'),
  /** JSON (`AgentPreferences`). */
  agentPreferences: text('agent_preferences', { mode: 'json' }).$type<AgentPreferences>(),
  conversationHistoryLimit: integer('conversation_history_limit').default(10),
  customInstructions: text('custom_instructions'),
  isActive: boolean('is_active').default(sql`true`),
});

export const platformProfiles = sqliteTable(
  'platform_profiles',
  {
    id: seedKey(integer('id').primaryKey({ autoIncrement: true })),
    /** `letta_users.id`; not a declared foreign key. */
    lettaUserId: integer('letta_user_id'),
    /** `telegram`, `discord`, `email`, … */
    platform: text('platform'),
    /** The platform's own id of the user, as text (a Telegram id `'123456789'`, an address). */
    platformUserId: text('platform_user_id'),
    username: text('username'),
    displayName: text('display_name'),
    /** JSON (`ProfileMetadata`). */
    metadata: text('metadata', { mode: 'json' }).$type<ProfileMetadata>(),
    createdAt: text('created_at').default(sql`CURRENT_TIMESTAMP`),
    lastActive: text('last_active'),
  },
  (t) => [unique().on(t.platform, t.platformUserId)],
);

export const messages = sqliteTable('messages', {
  id: seedKey(integer('id').primaryKey({ autoIncrement: true })),
  lettaUserId: integer('letta_user_id'),
  platformProfileId: integer('platform_profile_id'),
  role: text('role', { enum: messageRoles }),
  message: text('message'),
  timestamp: text('timestamp'),
  processed: integer('processed').default(0),
  agentResponse: text('agent_response'),
});

export const queue = sqliteTable('queue', {
  id: seedKey(integer('id').primaryKey({ autoIncrement: true })),
  lettaUserId: integer('letta_user_id'),
  messageId: integer('message_id'),
  status: text('status', { enum: queueStatuses }),
  attemptCount: integer('attempt_count').default(0),
  timestamp: text('timestamp').default(sql`CURRENT_TIMESTAMP`),
});
