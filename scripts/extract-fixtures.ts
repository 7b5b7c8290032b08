/**
 * Extracts the seeds' legacy SQL into committed fixtures under test/fixtures/, so tests can
 * build databases as they exist in the field without the seeds beside the clone.
 *   node --import tsx scripts/extract-fixtures.ts [seeds-dir]   (default ../shared/seeds)
 * test/fixtures.test.ts re-extracts and compares whenever the seeds are present.
 * Each family's extraction (the registry's families: `tatlock` for both Tatlock targets) lives in
 * scripts/fixtures/<family>.ts and is listed below; the type makes a missing one a compile error.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../src/paths';
import type { FamilyName } from '../src/targets/registry';
import { extractAgent } from './fixtures/agent';
import { extractLetta } from './fixtures/letta';
import { extractTatlock } from './fixtures/tatlock';
import { extractTelegram } from './fixtures/telegram';
import { extractTodo } from './fixtures/todo';

/** Fixture file (relative to test/fixtures) → content. */
export type Fixtures = Record<string, string>;

export const extractors: Record<FamilyName, (seedsDir: string) => Fixtures> = {
  agent: extractAgent,
  letta: extractLetta,
  tatlock: extractTatlock,
  todo: extractTodo,
  telegram: extractTelegram,
};

export const defaultSeedsDir = path.resolve(packageRoot, '..', 'shared', 'seeds');

/** The ```sql blocks of a seed document, in order. */
export function sqlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').trim());
}

export function seedText(seedsDir: string, number: string): string {
  const file = readdirSync(seedsDir).find((f) => f.startsWith(`${number}_`));
  if (!file) throw new Error(`seed ${number} not found in ${seedsDir}`);
  return readFileSync(path.join(seedsDir, file), 'utf8');
}

export function extractFixtures(seedsDir = defaultSeedsDir): Fixtures {
  return Object.assign({}, ...Object.values(extractors).map((extract) => extract(seedsDir)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seedsDir = process.argv[2] ?? defaultSeedsDir;
  if (!existsSync(seedsDir)) throw new Error(`seeds not found at ${seedsDir}`);
  for (const [file, content] of Object.entries(extractFixtures(seedsDir))) {
    const target = path.join(packageRoot, 'test', 'fixtures', file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
    console.log(`wrote test/fixtures/${file}`);
  }
}
