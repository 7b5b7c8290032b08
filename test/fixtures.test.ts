/**
 * The committed legacy-SQL fixtures are exactly what scripts/extract-fixtures.ts takes from the
 * seeds. Runs only where the seeds sit beside the clone; a user's clone has the fixtures alone.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSeedsDir, extractFixtures } from '../scripts/extract-fixtures';
import { fixturesDir } from '../support/fixtures';

const seedsPresent = existsSync(defaultSeedsDir);

describe('legacy SQL fixtures', () => {
  it('exist for every extracted file', () => {
    for (const file of [
      'agent/v1.sql',
      'agent/v2.sql',
      'letta/discard.sql',
      'letta/v1.sql',
      'letta/v2.sql',
      'telegram/initial.sql',
      'todo/phase2.sql',
      'todo/phase3.sql',
      'tatlock/system-0.3.19.sql',
      'tatlock/system-0.3.20.sql',
      'tatlock/user-0.3.19.sql',
      'tatlock/user-0.3.20.sql',
      'tatlock/user-0.3.21.sql',
      'tatlock/user-0.3.22.sql',
      'tatlock/user-0.3.23.sql',
    ]) {
      expect(existsSync(path.join(fixturesDir, file)), file).toBe(true);
    }
  });

  it.runIf(seedsPresent)('match the seeds they were extracted from', () => {
    for (const [file, content] of Object.entries(extractFixtures())) {
      expect(readFileSync(path.join(fixturesDir, file), 'utf8'), file).toBe(content);
    }
  });
});
