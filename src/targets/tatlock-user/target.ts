/** The tatlock-user target's registry entry (see ../registry.ts). No `import.meta`: drizzle-kit loads it. */

import { generation, type Target } from '../../migrate/target';
import * as tatlockUserV0319 from '../../schema/tatlock-user/v0-3-19';
import * as tatlockUserV0320 from '../../schema/tatlock-user/v0-3-20';
import * as tatlockUserV0321 from '../../schema/tatlock-user/v0-3-21';
import * as tatlockUserV0322 from '../../schema/tatlock-user/v0-3-22';
import * as tatlockUserV0323 from '../../schema/tatlock-user/v0-3-23';

export const tatlockUser = {
  name: 'tatlock-user',
  dialect: 'sqlite',
  seed: '001',
  description: 'Tatlock {username}_longterm.db, one per user: conversations, messages, topics, memories',
  generations: [
    generation('tatlock-user', '0.3.19', tatlockUserV0319, 'v0-3-19'),
    generation('tatlock-user', '0.3.20', tatlockUserV0320, 'v0-3-20'),
    generation('tatlock-user', '0.3.21', tatlockUserV0321, 'v0-3-21'),
    generation('tatlock-user', '0.3.22', tatlockUserV0322, 'v0-3-22'),
    generation('tatlock-user', '0.3.23', tatlockUserV0323, 'v0-3-23'),
  ],
  migrationsDir: 'drizzle/tatlock-user',
  embeddedFile: null,
  fanOut: 'tatlock',
} as const satisfies Target;
