/**
 * The one registry of chatstore's targets: every application database, its dialect, and its
 * generations oldest first, each entry kept beside its repositories in `<target>/target.ts`.
 * The CLI, `connect()`, `drizzle.config.ts` and `npm run db:generate` read it; the migration
 * engine is given a `Target` and never looks one up. Nothing else lists targets (a test checks).
 *
 * No `import.meta` here: drizzle-kit loads this file through its CommonJS loader.
 */
import { agent } from './agent/target';
import { letta } from './letta/target';
import { tatlockSystem } from './tatlock-system/target';
import { tatlockUser } from './tatlock-user/target';
import { telegram } from './telegram/target';
import { todo } from './todo/target';

export type { Dialect } from '../connect/location';

import type { Target } from '../migrate/target';

export type { FieldVersion, Generation, Target } from '../migrate/target';

export const targets = {
  letta,
  'tatlock-system': tatlockSystem,
  'tatlock-user': tatlockUser,
  telegram,
  agent,
  todo,
} as const satisfies Record<string, Target>;

export type TargetName = keyof typeof targets;
export const targetNames = Object.keys(targets) as TargetName[];

export function isTargetName(name: string): name is TargetName {
  return Object.hasOwn(targets, name);
}
