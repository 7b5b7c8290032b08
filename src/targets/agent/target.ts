/** The agent target's registry entry (see ../registry.ts). No `import.meta`: drizzle-kit loads it. */

import { generation, type Target } from '../../migrate/target';
import * as agentV1 from '../../schema/agent/v1';
import * as agentV2 from '../../schema/agent/v2';

export const agent = {
  name: 'agent',
  dialect: 'postgresql',
  seed: '003',
  description: 'Agent memory system: structured messages, vector memories, versioned state, context, sessions',
  generations: [
    generation('agent', 'v1', agentV1),
    generation('agent', 'v2', agentV2),
    // No table changes: the seed's updated_at triggers, a custom migration.
    generation('agent', 'v2-triggers', agentV2, 'v2'),
    // No table changes: row-level security that isolates users (decision 019), a custom migration.
    generation('agent', 'v2-isolation', agentV2, 'v2'),
    // No table changes: embeddings stored in the row, so the planner prices a scan truly (decision 028).
    generation('agent', 'v2-vector-storage', agentV2, 'v2'),
  ],
  migrationsDir: 'drizzle/agent',
  extensions: ['vector'],
  // The seed lists v1's chat_messages columns without constraints or indexes: a database made
  // from that list has no NOT NULL on content / created_at and no idx_chat_messages_channel.
  adoptTolerates: [
    { key: 'table chat_messages / column content', expected: 'text not null', actual: 'text null' },
    {
      key: 'table chat_messages / column created_at',
      expected: 'timestamp with time zone not null default now()',
      actual: 'timestamp with time zone null default now()',
    },
    {
      key: 'table chat_messages / index idx_chat_messages_channel',
      expected: 'CREATE INDEX idx_chat_messages_channel ON public.chat_messages USING btree (channel_id, created_at)',
    },
  ],
} as const satisfies Target;
