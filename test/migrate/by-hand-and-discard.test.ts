/**
 * Generations written by hand (decision 007): `chatstore check` accepts a hand-written migration
 * that carries its generation's schema change only where drizzle-kit wrote none, and reports
 * diffs drizzle-kit could only resolve by asking about renames instead of crashing. Discard paths:
 * taken only on request, never over a partly applied generation, refusing data loss unless allowed.
 */
import { copyFileSync, cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { integer, sqliteTable } from 'drizzle-orm/sqlite-core';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { connectRaw } from '../../src/connect';
import { checkTarget } from '../../src/migrate/check';
import { migrate, readStatus } from '../../src/migrate/engine';
import { userTables } from '../../src/migrate/introspect';
import { downFromSql, type MigrationSet } from '../../src/migrate/migrations';
import { packageRoot } from '../../src/paths';
import { targets } from '../../src/targets/registry';
import { fixtureSet } from '../../support/fixtures';
import { sqliteBackend } from '../support/backends';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  vi.restoreAllMocks();
});
// drizzle-kit prints the error of a prompt it cannot show before throwing it; check reports it.
const quietDrizzleKit = () => vi.spyOn(console, 'error').mockImplementation(() => {});

/** A copy of drizzle/letta to edit; returns its root and migrations folder. */
function lettaCopy() {
  const root = mkdtempSync(path.join(tmpdir(), 'chatstore-byhand-'));
  roots.push(root);
  cpSync(path.join(packageRoot, 'drizzle', 'letta'), path.join(root, 'drizzle', 'letta'), { recursive: true });
  copyFileSync(
    path.join(packageRoot, 'drizzle', 'letta.chatstore.json'),
    path.join(root, 'drizzle', 'letta.chatstore.json'),
  );
  return { root, dir: path.join(root, 'drizzle', 'letta') };
}

function editJournal(dir: string, edit: (entries: { idx: number; tag: string }[]) => void) {
  const file = path.join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(file, 'utf8'));
  edit(journal.entries);
  writeFileSync(file, JSON.stringify(journal, null, 2));
}

describe('chatstore check and generations written by hand', () => {
  it('accepts letta v2, whose whole schema change is the hand-written 0001_v2__move', async () => {
    expect(await checkTarget(targets.letta)).toEqual([]);
  });

  it('refuses a hand-written schema change in a generation that also has a generated migration', async () => {
    const { root, dir } = lettaCopy();
    editJournal(dir, (entries) =>
      entries.push({ ...(entries[1] as { idx: number; tag: string }), idx: 2, tag: '0002_v2' }),
    );
    copyFileSync(path.join(dir, 'meta', '0001_snapshot.json'), path.join(dir, 'meta', '0002_snapshot.json'));
    writeFileSync(path.join(dir, '0002_v2.sql'), '');
    const problems = (await checkTarget(targets.letta, root)).map((p) => p.message);
    expect(problems).toEqual([
      '0001_v2__move is hand-written but its snapshot changes the schema; schema changes belong in generated migrations',
    ]);
  });

  it('reports a generated migration drizzle-kit could only re-derive by asking about renames, without crashing', async () => {
    quietDrizzleKit();
    const { root, dir } = lettaCopy();
    editJournal(dir, (entries) => {
      (entries[1] as { tag: string }).tag = '0001_v2';
    });
    renameSync(path.join(dir, '0001_v2__move.sql'), path.join(dir, '0001_v2.sql'));
    const problems = (await checkTarget(targets.letta, root)).map((p) => p.message);
    expect(problems.join('\n')).toMatch(
      /0001_v2\.sql cannot be re-derived: drizzle-kit would ask whether tables or columns were renamed/,
    );
  });

  it('names the module that drifted even when listing its change would need a rename answer', async () => {
    quietDrizzleKit();
    const letta = targets.letta;
    const [v1, v2] = letta.generations;
    if (!v1 || !v2) throw new Error('letta has two generations');
    const { queue: _, ...rest } = v2.schema;
    const edited = {
      ...letta,
      generations: [v1, { ...v2, schema: { ...rest, jobs: sqliteTable('jobs', { id: integer('id') }) } }],
    };
    const problems = (await checkTarget(edited)).map((p) => p.message);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('src/schema/letta/v2.ts differs from the snapshot of 0001_v2__move');
    expect(problems[0]).toContain('drizzle-kit cannot list the statements without asking about renames');
  });
});

describe('discard paths in the engine', () => {
  const backend = sqliteBackend();
  afterAll(() => backend.cleanup());
  const migrations: [string, string][] = [
    ['0000_g1', 'create table d_a (id integer primary key)'],
    ['0001_g2', 'create table d_b (id integer)'],
    ['0002_g2__more', 'create table d_c (id integer)'],
  ];
  const withDiscard = (set: MigrationSet): MigrationSet => ({
    ...set,
    discards: new Map([
      [
        'g2',
        downFromSql(
          'g2',
          'discard/g2.sql',
          ['drop table if exists d_a', 'create table d_b (id integer)', 'create table d_c (id integer)'].join(
            ';--> statement-breakpoint\n',
          ),
        ),
      ],
    ]),
  });

  it('replaces the whole generation, recording its migrations, and lists what it deleted', async () => {
    const conn = await connectRaw(await backend.create());
    try {
      const set = withDiscard(fixtureSet('disc', 'sqlite', migrations));
      expect((await migrate(conn.client, set, { to: 'g1' })).ok).toBe(true);
      await conn.client.query('insert into d_a (id) values (1), (2)');
      const refused = await migrate(conn.client, set, { discardData: true });
      expect(refused.error).toEqual({
        code: 'DATA_LOSS',
        message: expect.stringContaining('discard/g2 (drizzle/disc/discard/g2.sql) would delete 2 row(s) in d_a'),
      });
      expect(await conn.client.query('select count(*) as n from d_a')).toEqual([{ n: 2 }]);
      // Without discardData the discard path is never taken.
      const normal = await migrate(conn.client, set, { to: 'g1' });
      expect(normal.results).toEqual([]);
      const done = await migrate(conn.client, set, { discardData: true, allowDataLoss: true });
      expect(done.ok).toBe(true);
      expect(done.results.map((r) => [r.tag, r.status, r.deleted])).toEqual([
        ['discard/g2', 'applied', ['2 row(s) in d_a']],
      ]);
      expect(await userTables(conn.client)).toEqual(['d_b', 'd_c']);
      const status = await readStatus(conn.client, set);
      expect(status.applied.map((r) => r.tag)).toEqual(['0000_g1', '0001_g2', '0002_g2__more']);
      expect(status.generation).toBe('g2');
    } finally {
      await conn.close();
    }
  });

  it('is refused over a partly applied generation, and where none is pending', async () => {
    const conn = await connectRaw(await backend.create());
    try {
      const full = withDiscard(fixtureSet('part', 'sqlite', migrations));
      expect((await migrate(conn.client, { ...full, migrations: full.migrations.slice(0, 2) })).ok).toBe(true);
      const partly = await migrate(conn.client, full, { discardData: true, allowDataLoss: true });
      expect(partly.error?.code).toBe('NO_DISCARD_PATH');
      expect(partly.error?.message).toContain('g2 of part is partly applied');
      expect((await migrate(conn.client, full)).ok).toBe(true);
      const none = await migrate(conn.client, full, { discardData: true, allowDataLoss: true });
      expect(none.error?.code).toBe('NO_DISCARD_PATH');
      expect(none.error?.message).toContain('part has no pending generation');
    } finally {
      await conn.close();
    }
  });
});
