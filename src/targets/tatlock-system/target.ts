/** The tatlock-system target's registry entry (see ../registry.ts). No `import.meta`: drizzle-kit loads it. */

import { generation, type Target } from '../../migrate/target';
import * as tatlockSystemV0319 from '../../schema/tatlock-system/v0-3-19';

export const tatlockSystem = {
  name: 'tatlock-system',
  dialect: 'sqlite',
  seed: '001',
  description: 'Tatlock system.db: users, passwords, roles, groups, tools, settings',
  generations: [
    generation('tatlock-system', '0.3.19', tatlockSystemV0319, 'v0-3-19'),
    // No schema change in 0.3.20: the version stays aligned with tatlock-user.
    generation('tatlock-system', '0.3.20', tatlockSystemV0319, 'v0-3-19'),
  ],
  migrationsDir: 'drizzle/tatlock-system',
  embeddedFile: 'tatlock/system.db',
  fanOut: 'tatlock',
} as const satisfies Target;
