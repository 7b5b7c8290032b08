/**
 * Extracts the seeds' legacy SQL into committed fixtures under test/fixtures/, so tests can
 * build databases as they exist in the field without the seeds beside the clone.
 *   node --import tsx scripts/extract-fixtures.ts [seeds-dir]   (default ../shared/seeds)
 * test/fixtures.test.ts re-extracts and compares whenever the seeds are present.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../src/paths';

export const defaultSeedsDir = path.resolve(packageRoot, '..', 'shared', 'seeds');

/** The ```sql blocks of a seed document, in order. */
export function sqlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').trim());
}

function seedText(seedsDir: string, number: string): string {
  const file = readdirSync(seedsDir).find((f) => f.startsWith(`${number}_`));
  if (!file) throw new Error(`seed ${number} not found in ${seedsDir}`);
  return readFileSync(path.join(seedsDir, file), 'utf8');
}

function blockCreating(blocks: string[], table: string): string {
  const block = blocks.find((b) => new RegExp(`^CREATE TABLE ${table} \\(`, 'm').test(b));
  if (!block) throw new Error(`no SQL block creates ${table}`);
  return block;
}

/**
 * Seed 004 references an existing `users` table without giving its SQL; this is the table
 * as the phase 2 app created it (chatstore's `phase2` users).
 */
const todoUsers = `CREATE TABLE users (
    id VARCHAR(255) PRIMARY KEY,
    email VARCHAR(320) NOT NULL UNIQUE,
    name VARCHAR(200),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);`;

/** Fixture file (relative to test/fixtures) → content. */
export function extractFixtures(seedsDir = defaultSeedsDir): Record<string, string> {
  const todo = sqlBlocks(seedText(seedsDir, '004'));
  const header = (what: string) => `-- Extracted from seed 004 by scripts/extract-fixtures.ts: ${what}. Do not edit.\n`;
  return {
    'todo/phase2.sql': `${header('the phase 2 tables (users as the app created them, tasks from the seed)')}${todoUsers}\n\n${blockCreating(todo, 'tasks')}\n`,
    'todo/phase3.sql': `${header('the Phase III tables, exactly as the seed writes them')}${['conversations', 'messages', 'conversation_metadata'].map((t) => blockCreating(todo, t)).join('\n\n')}\n`,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seedsDir = process.argv[2] ?? defaultSeedsDir;
  if (!existsSync(seedsDir)) throw new Error(`seeds not found at ${seedsDir}`);
  for (const [file, content] of Object.entries(extractFixtures(seedsDir))) {
    writeFileSync(path.join(packageRoot, 'test', 'fixtures', file), content);
    console.log(`wrote test/fixtures/${file}`);
  }
}
