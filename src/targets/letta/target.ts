/** The letta target's registry entry (see ../registry.ts). No `import.meta`: drizzle-kit loads it. */

import { generation, type Target } from '../../migrate/target';
import * as lettaV1 from '../../schema/letta/v1';
import * as lettaV2 from '../../schema/letta/v2';

export const letta = {
  name: 'letta',
  dialect: 'sqlite',
  seed: '000',
  description: 'Letta agent bot: master users, their platform profiles, messages, the processing queue',
  generations: [generation('letta', 'v1', lettaV1), generation('letta', 'v2', lettaV2)],
  migrationsDir: 'drizzle/letta',
} as const satisfies Target;
