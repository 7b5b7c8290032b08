/**
 * README "Adding a generation", followed literally in a temporary copy of the package: a new
 * todo generation `phase4` (a column, then a custom data migration and a down migration), and a
 * `phase5` written by hand (a rename drizzle-kit could only write by asking on a terminal). It
 * runs the real commands — npm run db:generate, npx drizzle-kit, chatstore check/migrate/status —
 * on a database made at phase3 before, and proves that no released file changed and the new SQL
 * is what drizzle-kit writes.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRaw } from '../../src/connect';
import { migrate } from '../../src/migrate/engine';
import { loadMigrations } from '../../src/migrate/migrations';
import { packageRoot } from '../../src/paths';
import { targets } from '../../src/targets/registry';

const copy = mkdtempSync(path.join(tmpdir(), 'chatstore-new-generation-'));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

/** What a user's checkout holds; tests, docs and benchmarks play no part in adding a generation. */
for (const entry of ['package.json', 'tsconfig.json', 'drizzle.config.ts', 'bin', 'src', 'scripts', 'drizzle']) {
  cpSync(path.join(packageRoot, entry), path.join(copy, entry), { recursive: true });
}
symlinkSync(realpathSync(path.join(packageRoot, 'node_modules')), path.join(copy, 'node_modules'));

/** Runs a command in the copy as a user would, with no terminal (as in CI). */
function sh(command: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(command, args, {
    cwd: copy,
    encoding: 'utf8',
    env: { ...process.env, ...env, DATABASE_URL: '', FORCE_COLOR: '0' },
    timeout: 600_000,
  });
  return { code: result.status, out: `${result.stdout}\n${result.stderr}` };
}
// The CLI from source, as the README's step 6 says: the copy's dist/ (if any) predates phase4.
const chatstore = (...args: string[]) => sh('npm', ['run', '--silent', 'chatstore', '--', ...args]);

function files(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) {
      const file = path.join(entry.parentPath, entry.name);
      found.set(path.relative(copy, file), readFileSync(file, 'utf8'));
    }
  return found;
}

const edit = (file: string, from: string, to: string) => {
  const full = path.join(copy, file);
  const text = readFileSync(full, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} has no ${JSON.stringify(from)}`);
  writeFileSync(full, text.replace(from, to));
};

describe('README "Adding a generation", followed literally', () => {
  it('adds phase4 (a column, a data migration) and phase5 (by hand), touching no released file', async () => {
    const location = `pglite:${path.join(copy, 'db')}`;
    // A database in the field, at the latest generation with a message, made by the released package.
    const before = await connectRaw(location);
    expect((await migrate(before.client, loadMigrations(targets.todo))).to).toBe('isolation');
    await before.client.query(`insert into users (id, email) values ('u1', 'u1@example.com')`);
    await before.client.query(
      `insert into conversations (id, user_id) values ('00000000-0000-0000-0000-000000000001', 'u1')`,
    );
    await before.client.query(
      `insert into messages (conversation_id, user_id, role, content) values ('00000000-0000-0000-0000-000000000001', 'u1', 'user', 'add milk and eggs')`,
    );
    await before.close();
    const released = files(path.join(copy, 'drizzle'));
    const journal = (target: string) =>
      JSON.parse(readFileSync(path.join(copy, 'drizzle', target, 'meta', '_journal.json'), 'utf8')).entries as {
        tag: string;
      }[];

    // 1. Copy the latest schema module and change it.
    cpSync(path.join(copy, 'src/schema/todo/archive-search.ts'), path.join(copy, 'src/schema/todo/phase4.ts'));
    edit(
      'src/schema/todo/phase4.ts',
      "    actionTaken: text('action_taken'),\n",
      "    actionTaken: text('action_taken'),\n    tokenCount: integer('token_count'),\n",
    );
    // 2. Register it, and point index.ts at it.
    edit(
      'src/targets/todo/target.ts',
      "import * as todoArchiveSearch from '../../schema/todo/archive-search';",
      "import * as todoArchiveSearch from '../../schema/todo/archive-search';\nimport * as todoPhase4 from '../../schema/todo/phase4';",
    );
    edit(
      'src/targets/todo/target.ts',
      "generation('todo', 'isolation', todoArchiveSearch, 'archive-search'),\n",
      "generation('todo', 'isolation', todoArchiveSearch, 'archive-search'),\n    generation('todo', 'phase4', todoPhase4),\n",
    );
    edit('src/schema/todo/index.ts', "'./archive-search'", "'./phase4'");
    // 3. npm run db:generate
    const generated = sh('npm', ['run', 'db:generate']);
    expect(generated.out).toContain('todo: generating phase4');
    expect(generated.code).toBe(0);
    expect(readFileSync(path.join(copy, 'drizzle/todo/0005_phase4.sql'), 'utf8')).toBe(
      'ALTER TABLE "messages" ADD COLUMN "token_count" integer;',
    );
    // 4. A custom migration for the data, a down migration, then db:generate records them.
    const custom = sh('npx', ['drizzle-kit', 'generate', '--custom', '--name', 'phase4__backfill'], {
      CHATSTORE_TARGET: 'todo',
      CHATSTORE_GENERATION: 'phase4',
    });
    expect(custom.code, custom.out).toBe(0);
    expect(journal('todo').map((e) => e.tag)).toEqual([
      '0000_phase2',
      '0001_phase3',
      '0002_phase3__rls',
      '0003_archive-search',
      '0004_isolation__rls',
      '0005_phase4',
      '0006_phase4__backfill',
    ]);
    writeFileSync(
      path.join(copy, 'drizzle/todo/0006_phase4__backfill.sql'),
      `-- Words per existing message, until the application records real token counts.\nUPDATE "messages" SET "token_count" = array_length(regexp_split_to_array(trim("content"), '\\s+'), 1) WHERE "token_count" IS NULL;\n`,
    );
    writeFileSync(
      path.join(copy, 'drizzle/todo/down/phase4.sql'),
      'ALTER TABLE "messages" DROP COLUMN "token_count";\n',
    );
    const recorded = sh('npm', ['run', 'db:generate']);
    expect(recorded.code, recorded.out).toBe(0);
    expect(recorded.out).toContain('todo: recorded 0006_phase4__backfill.sql');
    expect(recorded.out).toContain('todo: recorded down/phase4.sql');

    // phase5 renames a column: drizzle-kit could only ask, and there is no terminal.
    cpSync(path.join(copy, 'src/schema/todo/phase4.ts'), path.join(copy, 'src/schema/todo/phase5.ts'));
    edit('src/schema/todo/phase5.ts', "varchar('tool_used'", "varchar('tool_name'");
    edit(
      'src/targets/todo/target.ts',
      "import * as todoPhase4 from '../../schema/todo/phase4';",
      "import * as todoPhase4 from '../../schema/todo/phase4';\nimport * as todoPhase5 from '../../schema/todo/phase5';",
    );
    edit(
      'src/targets/todo/target.ts',
      "generation('todo', 'phase4', todoPhase4),\n",
      "generation('todo', 'phase4', todoPhase4),\n    generation('todo', 'phase5', todoPhase5),\n",
    );
    edit('src/schema/todo/index.ts', "'./phase4'", "'./phase5'");
    const asked = sh('npm', ['run', 'db:generate']);
    expect(asked.code).toBe(1);
    expect(asked.out).toContain('npm run db:generate -- --by-hand todo phase5 <step>');
    expect(journal('todo')).toHaveLength(7);
    // … so it is written by hand, instead of step 3.
    const byHand = sh('npm', ['run', 'db:generate', '--', '--by-hand', 'todo', 'phase5', 'rename']);
    expect(byHand.code, byHand.out).toBe(0);
    expect(byHand.out).toContain('todo: write drizzle/todo/0007_phase5__rename.sql (from phase4 to phase5)');
    writeFileSync(
      path.join(copy, 'drizzle/todo/0007_phase5__rename.sql'),
      '-- chatstore-lint allow rename: the repositories read it through the schema, which names the new column\nALTER TABLE "messages" RENAME COLUMN "tool_used" TO "tool_name";\n',
    );
    expect(sh('npm', ['run', 'db:generate']).out).toContain('todo: recorded 0007_phase5__rename.sql');

    // 5. chatstore check, then the database in the field: migrate, status.
    const check = chatstore('check');
    expect(check.code, check.out).toBe(0);
    const migrated = chatstore('migrate', 'todo', '--db', location);
    expect(migrated.code, migrated.out).toBe(0);
    expect(migrated.out).toContain('todo: isolation → phase5');
    const status = chatstore('status', 'todo', '--db', location);
    expect(status.code, status.out).toBe(0);
    expect(status.out).toContain('generation: phase5 (latest phase5)');
    expect(status.out).toContain('drift:      none');
    const db = await connectRaw(location);
    expect(await db.client.query('select token_count, tool_name from messages')).toEqual([
      { token_count: 4, tool_name: null },
    ]);
    await db.close();
    // Read-only over everything: reports the missing embedded databases, creates none of them.
    expect(chatstore('status', '--all').code).toBe(1);
    expect(readdirSync(copy)).not.toContain('data');

    // No released file changed; the journal only grew.
    const after = files(path.join(copy, 'drizzle'));
    for (const [file, text] of released) {
      if (file.endsWith('_journal.json') || file.endsWith('.chatstore.json')) continue;
      expect(after.get(file), file).toBe(text);
    }
    // The bookkeeping file gained checksums and lost none.
    const checksums = (files: Map<string, string>) =>
      JSON.parse(files.get('drizzle/todo.chatstore.json') ?? '{}').checksums;
    expect(checksums(after)).toMatchObject(checksums(released));
    expect(
      journal('todo')
        .slice(0, 5)
        .map((e) => e.tag),
    ).toEqual(['0000_phase2', '0001_phase3', '0002_phase3__rls', '0003_archive-search', '0004_isolation__rls']);
    expect([...after.keys()].filter((f) => !released.has(f)).sort()).toEqual([
      'drizzle/todo/0005_phase4.sql',
      'drizzle/todo/0006_phase4__backfill.sql',
      'drizzle/todo/0007_phase5__rename.sql',
      'drizzle/todo/down/phase4.sql',
      'drizzle/todo/meta/0005_snapshot.json',
      'drizzle/todo/meta/0006_snapshot.json',
      'drizzle/todo/meta/0007_snapshot.json',
    ]);
  }, 1_200_000);
});
