/**
 * agent, generation `v1` (seed 003, "Existing Schema Overview"): the tables the app had before
 * the JSON chat system — users, channels, agents, workspaces, chat_messages, agent_datastores.
 * Frozen: a released generation never changes; add a new generation instead.
 *
 * The seed lists columns but gives no SQL; the tables here are that list plus what the new
 * tables need (`users.id`, `channels.id`) and an `id` on chat_messages so the backfill can keep
 * an old-id → new-id map (see docs/seed-deviations.md). Constraint names are the ones
 * PostgreSQL derives, so the hand-written fixture `test/fixtures/agent/v1.sql` adopts exactly.
 */
import { foreignKey, index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name'),
  createdAt: timestamp('created_at', { withTimezone: true }).defaultNow(),
});

export const workspaces = pgTable('workspaces', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  contextWindowSize: integer('context_window_size'),
  contextWindowTokenLimit: integer('context_window_token_limit'),
});

export const channels = pgTable(
  'channels',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id'),
    name: text('name'),
    createdAt: timestamp('created_at', { withTimezone: true }).defaultNow(),
  },
  (t) => [
    foreignKey({ name: 'channels_workspace_id_fkey', columns: [t.workspaceId], foreignColumns: [workspaces.id] }),
  ],
);

export const agents = pgTable('agents', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  systemInstructions: text('system_instructions'),
  assistantInstructions: text('assistant_instructions'),
  personality: text('personality'),
});

export const chatMessages = pgTable(
  'chat_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    channelId: uuid('channel_id').notNull(),
    content: text('content').notNull(),
    senderUserId: uuid('sender_user_id'),
    senderAgentId: uuid('sender_agent_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [
    foreignKey({ name: 'chat_messages_channel_id_fkey', columns: [t.channelId], foreignColumns: [channels.id] }),
    foreignKey({ name: 'chat_messages_sender_user_id_fkey', columns: [t.senderUserId], foreignColumns: [users.id] }),
    foreignKey({
      name: 'chat_messages_sender_agent_id_fkey',
      columns: [t.senderAgentId],
      foreignColumns: [agents.id],
    }),
    index('idx_chat_messages_channel').on(t.channelId, t.createdAt),
  ],
);

export const agentDatastores = pgTable(
  'agent_datastores',
  {
    agentId: uuid('agent_id').notNull(),
    datastoreId: uuid('datastore_id').notNull(),
  },
  (t) => [
    primaryKey({ name: 'agent_datastores_pkey', columns: [t.agentId, t.datastoreId] }),
    foreignKey({ name: 'agent_datastores_agent_id_fkey', columns: [t.agentId], foreignColumns: [agents.id] }).onDelete(
      'cascade',
    ),
  ],
);
