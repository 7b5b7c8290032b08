/** The todo target's registry entry (see ../registry.ts). No `import.meta`: drizzle-kit loads it. */

import { generation, type Target } from '../../migrate/target';
import * as todoArchiveSearch from '../../schema/todo/archive-search';
import * as todoPhase2 from '../../schema/todo/phase2';
import * as todoPhase3 from '../../schema/todo/phase3';

export const todo = {
  name: 'todo',
  dialect: 'postgresql',
  seed: '004',
  description: 'Phase III todo chatbot: users, tasks, conversations, messages, full-text search, archival',
  generations: [
    generation('todo', 'phase2', todoPhase2),
    generation('todo', 'phase3', todoPhase3),
    generation('todo', 'archive-search', todoArchiveSearch),
    // No table changes: row-level security that isolates users (decision 019), a custom migration.
    generation('todo', 'isolation', todoArchiveSearch, 'archive-search'),
  ],
  migrationsDir: 'drizzle/todo',
} as const satisfies Target;
