/** `chatstore check` passes on the committed tree and really fails on each kind of drift. */
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { integer, pgTable } from 'drizzle-orm/pg-core';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli';
import { checkTarget } from '../../src/migrate/check';
import { packageRoot } from '../../src/paths';
import { targetNames, targets } from '../../src/targets/registry';

const roots: string[] = [];
function copyOfMigrations(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'chatstore-check-'));
  cpSync(path.join(packageRoot, 'drizzle'), path.join(root, 'drizzle'), { recursive: true });
  roots.push(root);
  return root;
}
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function capture() {
  const lines: string[] = [];
  return { lines, io: { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), progress: false } };
}

describe('chatstore check', () => {
  it.each(targetNames)('finds no drift in the committed %s migrations', async (name) => {
    expect(await checkTarget(targets[name])).toEqual([]);
  });

  it('fails when a schema module changed without a new migration', async () => {
    const todo = targets.todo;
    const latest = todo.generations.at(-1);
    if (!latest) throw new Error('todo has no generations');
    const edited = {
      ...todo,
      generations: [
        ...todo.generations.slice(0, -1),
        { ...latest, schema: { ...latest.schema, ratings: pgTable('ratings', { id: integer('id').primaryKey() }) } },
      ],
    };
    const problems = await checkTarget(edited);
    expect(problems.map((p) => p.message).join('\n')).toMatch(
      /archive-search\.ts differs from the snapshot of 0004_isolation__rls[\s\S]*CREATE TABLE "ratings"/,
    );
  });

  it('fails when a generated migration file was edited', async () => {
    const root = copyOfMigrations();
    const file = path.join(root, 'drizzle/todo/0000_phase2.sql');
    writeFileSync(file, readFileSync(file, 'utf8').replace('varchar(200) NOT NULL', 'varchar(250) NOT NULL'));
    const problems = await checkTarget(targets.todo, root);
    expect(problems).toEqual([{ target: 'todo', message: expect.stringContaining('0000_phase2.sql was edited') }]);
  });

  it('fails when a hand-written migration was edited', async () => {
    const root = copyOfMigrations();
    const file = path.join(root, 'drizzle/todo/down/phase3.sql');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\nDROP TABLE tasks;`);
    const problems = await checkTarget(targets.todo, root);
    expect(problems.map((p) => p.message)).toEqual(['down/phase3.sql was edited after it was recorded']);
  });

  it("reports checksums kept inside drizzle-kit's meta folder, where drizzle-kit cannot read its snapshots", async () => {
    const root = copyOfMigrations();
    writeFileSync(path.join(root, 'drizzle/todo/meta/chatstore-checksums.json'), '{}');
    const problems = await checkTarget(targets.todo, root);
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringContaining("drizzle/todo/meta/chatstore-checksums.json is inside drizzle-kit's meta folder"),
    ]);
  });

  it('fails when a snapshot is missing', async () => {
    const root = copyOfMigrations();
    unlinkSync(path.join(root, 'drizzle/todo/meta/0001_snapshot.json'));
    const problems = await checkTarget(targets.todo, root);
    expect(problems.map((p) => p.message)).toContain(
      'snapshot of 0001_phase3 is missing (drizzle/todo/meta/0001_snapshot.json)',
    );
  });

  it('exits 1 from the CLI, naming the target and the difference', async () => {
    const root = copyOfMigrations();
    unlinkSync(path.join(root, 'drizzle/todo/meta/0000_snapshot.json'));
    const { lines, io } = capture();
    expect(await main(['check', '--root', root], io)).toBe(1);
    expect(lines.join('\n')).toContain('todo: snapshot of 0000_phase2 is missing');
    const ok = capture();
    expect(await main(['check'], ok.io)).toBe(0);
  });
});
