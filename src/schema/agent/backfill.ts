/**
 * The seed's "ID mapping: Track old to new ID relationships": which `chat_messages` row each
 * backfilled `chat_messages_v2` row came from. Not in the seed's SQL, so not in the `v2`
 * module (a database built from the seed's SQL still adopts as `v2`); the custom migration
 * `0004_v2__backfill_map` creates it and this definition types the backfill's queries.
 */
import { foreignKey, pgTable, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { chatMessages } from './v1';
import { chatMessagesV2 } from './v2';

export const chatMessageIdMap = pgTable(
  'chat_message_id_map',
  {
    oldId: uuid('old_id').primaryKey(),
    newId: uuid('new_id').notNull(),
    migratedAt: timestamp('migrated_at', { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [
    unique('chat_message_id_map_new_id_key').on(t.newId),
    // Cascades both ways: deleting a legacy message (or its copy) forgets the pairing, never blocks.
    foreignKey({
      name: 'chat_message_id_map_old_id_fkey',
      columns: [t.oldId],
      foreignColumns: [chatMessages.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'chat_message_id_map_new_id_fkey',
      columns: [t.newId],
      foreignColumns: [chatMessagesV2.id],
    }).onDelete('cascade'),
  ],
);
