/**
 * The engine's dialect adapters (decision 021): both provide the same members, and outside
 * src/migrate/dialects/ no engine module tests which dialect it is on.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dialectOf, engineDialects } from '../../src/migrate/dialects';

const root = path.resolve(import.meta.dirname, '../..');

describe('engine dialects', () => {
  it('has one adapter per dialect, each implementing every member', () => {
    const [postgresql, sqlite] = [engineDialects.postgresql, engineDialects.sqlite];
    expect(Object.keys(postgresql).sort()).toEqual(Object.keys(sqlite).sort());
    for (const [name, adapter] of Object.entries(engineDialects)) {
      expect(adapter.name).toBe(name);
      expect(dialectOf({ dialect: adapter.name })).toBe(adapter);
      expect(dialectOf(adapter.name)).toBe(adapter);
    }
    expect([postgresql.placeholder(2), sqlite.placeholder(2)]).toEqual(['$2', '?']);
  });

  it('keeps every dialect branch of the engine in the adapters', () => {
    const dir = path.join(root, 'src/migrate');
    const branches = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) =>
        readFileSync(path.join(dir, f), 'utf8')
          .split('\n')
          .map((line, i) => ({ at: `src/migrate/${f}:${i + 1}`, line }))
          .filter(({ line }) => /dialect\s*[!=]==|[!=]==\s*'(?:postgresql|sqlite|postgres|pglite)'/.test(line)),
      )
      .map(({ at, line }) => `${at}: ${line.trim()}`);
    // Comparing a location's dialect with its target's is a check, not a branch.
    expect(branches.filter((b) => !b.includes('parsed.dialect !== target.dialect'))).toEqual([]);
  });
});
