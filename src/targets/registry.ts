/**
 * The one registry of chatstore's targets: every application database, its dialect, and its
 * generations oldest first, each entry kept beside its repositories in `<target>/target.ts`.
 * The CLI, `connect()`, `drizzle.config.ts` and `npm run db:generate` read it; the migration
 * engine is given a `Target` and never looks one up. Nothing else lists targets: package.json
 * `exports`, the benchmarks, the fixture scripts, the guides and the README's table are typed
 * by it or checked against it (test/targets/registry.test.ts, decision 023).
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

type Targets = typeof targets;

/**
 * The name a target's guide (docs/targets/), benchmark (bench/) and seed fixtures
 * (scripts/fixtures/) go by: its fan-out's for targets that share a folder (`tatlock-user` →
 * `tatlock`), otherwise its own.
 */
export type FamilyName = {
  [K in TargetName]: Targets[K] extends { readonly fanOut: infer F extends string } ? F : K;
}[TargetName];

const familyName = (name: TargetName): string => {
  const entry: Target = targets[name];
  return entry.fanOut ?? name;
};

export function isFamilyName(name: string): name is FamilyName {
  return targetNames.some((t) => familyName(t) === name);
}

/** @example familyOf('tatlock-system') // 'tatlock' */
export function familyOf(name: TargetName): FamilyName {
  const family = familyName(name);
  if (!isFamilyName(family)) throw new Error(`${family} is no family of the registry`);
  return family;
}

/** Every family, in registry order of its first target. */
export const familyNames: readonly FamilyName[] = [...new Set(targetNames.map(familyOf))];
