/**
 * `chat_message_id_map` is written twice: as SQL in the custom migration
 * drizzle/agent/0004_v2__backfill_map.sql (frozen, checksummed) and as the drizzle table that
 * types the backfill's queries (src/schema/agent/backfill.ts). drizzle-kit's SQL for the table
 * must be the migration's, statement for statement.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { generateDrizzleJson, generateMigration } from 'drizzle-kit/api';
import { describe, expect, it } from 'vitest';
import { chatMessageIdMap } from '../../../src/schema/agent/backfill';
import * as v2 from '../../../src/schema/agent/v2';

const migration = path.resolve(import.meta.dirname, '../../../drizzle/agent/0004_v2__backfill_map.sql');

const statementsOf = (text: string) =>
  text
    .split('--> statement-breakpoint')
    .map((statement) =>
      statement
        .split('\n')
        .filter((line) => !line.startsWith('--'))
        .join('\n')
        // PostgreSQL's default, which drizzle-kit's API spells out and its CLI leaves out.
        .replace(' ON UPDATE no action', '')
        .trim(),
    )
    .filter((statement) => statement !== '');

describe('chat_message_id_map', () => {
  it('is created by its custom migration exactly as the drizzle table declares it', async () => {
    const before = generateDrizzleJson(v2);
    const after = generateDrizzleJson({ ...v2, chatMessageIdMap }, before.id);
    const generated = await generateMigration(before, after);
    expect(statementsOf(readFileSync(migration, 'utf8'))).toEqual(generated.flatMap(statementsOf));
  });
});
