/**
 * `chatstore status` (drift, exit codes, the Tatlock folder) and `migrate --dry-run` (SQL, lint,
 * nothing written or created), through the CLI as an operator runs them.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli';
import { connectRaw } from '../../src/connect';
import { sha256 } from '../../src/migrate/migrations';

const root = mkdtempSync(path.join(tmpdir(), 'chatstore-status-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), progress: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Every file under `dir` with a hash of its content, to prove a command wrote nothing. */
function snapshotOfFolder(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile())
      files[path.join(entry.parentPath, entry.name)] = sha256(
        readFileSync(path.join(entry.parentPath, entry.name), 'utf8'),
      );
  return files;
}

describe('chatstore status: drift', () => {
  it('exits 0 on a database at its latest generation, 1 when drifted, naming the column and the stray table', async () => {
    const file = path.join(root, 'letta.db');
    expect((await run('migrate', 'letta', '--db', file)).code).toBe(0);
    const clean = await run('status', 'letta', '--db', file);
    expect(clean.code).toBe(0);
    expect(clean.out).toContain('drift:      none');

    const db = new Database(file);
    db.exec('alter table messages drop column agent_response; create table stray (x int)');
    db.close();
    const drifted = await run('status', 'letta', '--db', file);
    expect(drifted.code).toBe(1);
    expect(drifted.err).toContain('drift:      3 difference(s) from the schema after 0001_v2__move');
    expect(drifted.err).toMatch(/- missing {3}table messages \/ column agent_response/);
    expect(drifted.err).toContain('+ unexpected table stray: table');
    const json = JSON.parse((await run('status', 'letta', '--db', file, '--json')).out);
    expect(json).toMatchObject({ ok: false, generation: 'v2', pending: [] });
    expect(json.drift.map((d: { key: string }) => d.key)).toContain('table messages / column agent_response');
  });

  it('exits 1 when migrations are pending, and creates no database where there is none', async () => {
    const partial = path.join(root, 'letta-v1.db');
    expect((await run('migrate', 'letta', '--db', partial, '--to', 'v1')).code).toBe(0);
    const pending = await run('status', 'letta', '--db', partial);
    expect(pending.code).toBe(1);
    expect(pending.out).toContain('pending:    0001_v2__move');
    expect(pending.out).toContain('drift:      none');

    const missing = path.join(root, 'nowhere', 'letta.db');
    const none = await run('status', 'letta', '--db', missing);
    expect(none.code).toBe(1);
    expect(none.err).toContain('[DATABASE_NOT_FOUND]');
    expect(existsSync(path.dirname(missing))).toBe(false);
  });

  it('names the drifted column of a PostgreSQL database', async () => {
    const location = `pglite:${path.join(root, 'todo')}`;
    expect((await run('migrate', 'todo', '--db', location)).code).toBe(0);
    const conn = await connectRaw(location);
    await conn.client.query('alter table messages drop column action_taken');
    await conn.close();
    const drifted = await run('status', 'todo', '--db', location);
    expect(drifted.code).toBe(1);
    expect(drifted.out).toContain('pending:    -');
    expect(drifted.err).toContain('- missing   table messages / column action_taken: text null');
  });

  it('reports every database of a Tatlock folder read-only', async () => {
    const dir = path.join(root, 'tatlock');
    mkdirSync(dir);
    expect((await run('migrate', 'tatlock', '--dir', dir)).code).toBe(0);
    writeFileSync(path.join(dir, 'alice_longterm.db'), ''); // an empty SQLite database
    const before = snapshotOfFolder(dir);
    const status = await run('status', 'tatlock', '--dir', dir, '--json');
    expect(status.code).toBe(1);
    const { command, databases: reports } = JSON.parse(status.out) as {
      command: string;
      databases: { target: string; ok: boolean; generation: string | null }[];
    };
    expect(command).toBe('status');
    expect(reports.map((r) => [r.target, r.generation, r.ok])).toEqual([
      ['tatlock-system', '0.3.20', true],
      ['tatlock-user', null, false],
    ]);
    expect(snapshotOfFolder(dir)).toEqual(before);
    expect((await run('status', 'tatlock')).code).toBe(2);
  });
});

describe('chatstore migrate --dry-run', () => {
  it('prints each pending migration with its SQL and lint findings, and writes nothing', async () => {
    const file = path.join(root, 'dry', 'letta.db');
    const fresh = await run('migrate', 'letta', '--db', file, '--dry-run');
    expect(fresh.code).toBe(0);
    expect(fresh.out).toContain('no database there yet');
    expect(fresh.out).toContain('-- 0000_v1 (v1)');
    expect(fresh.out).toContain('CREATE TABLE `users`');
    expect(existsSync(path.dirname(file))).toBe(false);

    mkdirSync(path.dirname(file));
    expect((await run('migrate', 'letta', '--db', file, '--to', 'v1')).code).toBe(0);
    const before = snapshotOfFolder(path.dirname(file));
    const plan = await run('migrate', 'letta', '--db', file, '--dry-run', '--json');
    expect(plan.code).toBe(0);
    const parsed = JSON.parse(plan.out);
    expect(parsed).toMatchObject({ from: 'v1', to: 'v2', exists: true });
    expect(parsed.steps.map((s: { tag: string }) => s.tag)).toEqual(['0001_v2__move']);
    expect(parsed.steps[0].findings.map((f: { rule: string; subject: string }) => `${f.rule} ${f.subject}`)).toEqual([
      'drop-table users',
      'sqlite-rebuild messages',
      'sqlite-rebuild queue',
    ]);
    const text = await run('migrate', 'letta', '--db', file, '--dry-run');
    expect(text.out).toMatch(/-- lint 0001_v2__move\.sql statement \d+: \[drop-table\] users \(acknowledged: /);
    expect(snapshotOfFolder(path.dirname(file))).toEqual(before);
    expect((await run('status', 'letta', '--db', file)).out).toContain('pending:    0001_v2__move');
  });

  it('shows the down migration for an older --to, and exits 1 where migrate would refuse', async () => {
    const file = path.join(root, 'dry-down.db');
    expect((await run('migrate', 'letta', '--db', file)).code).toBe(0);
    const down = await run('migrate', 'letta', '--db', file, '--to', 'v1', '--dry-run');
    expect(down.code).toBe(1);
    expect(down.err).toContain('[NO_DOWN_MIGRATION]');
    const unknown = await run('migrate', 'letta', '--db', file, '--to', 'v9', '--dry-run');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('[UNKNOWN_GENERATION]');
    expect((await run('migrate', '--all', '--dry-run')).code).toBe(2);
  });
});
