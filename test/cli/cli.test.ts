/** The `chatstore` CLI: exit codes 0/1/2, `--json`, `--help`, and a full adopt → migrate → down session. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli';
import { connectRaw } from '../../src/connect';
import { readFixture, runScript } from '../../support/fixtures';

const dir = mkdtempSync(path.join(tmpdir(), 'chatstore-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), progress: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('chatstore CLI', () => {
  it('lists targets as a table and as JSON', async () => {
    const table = await run('targets');
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/todo\s+postgresql\s+004\s+phase2 → phase3 → archive-search → isolation/);
    const json = await run('targets', '--json');
    expect(JSON.parse(json.out)).toMatchObject({ command: 'targets', ok: true, error: null });
    expect(JSON.parse(json.out).targets).toContainEqual(
      expect.objectContaining({ name: 'todo', generations: ['phase2', 'phase3', 'archive-search', 'isolation'] }),
    );
  });

  it('exits 2 on usage errors and prints help', async () => {
    expect((await run()).code).toBe(2);
    expect((await run('frobnicate')).code).toBe(2);
    expect((await run('migrate')).err).toContain('Missing <target>');
    expect((await run('migrate', 'nope')).code).toBe(2);
    expect((await run('adopt', 'todo')).err).toContain('adopt needs --db');
    expect((await run('status', 'todo', '--bogus')).code).toBe(2);
    for (const verb of ['targets', 'migrate', 'status', 'adopt', 'check']) {
      const help = await run(verb, '--help');
      expect(help.code).toBe(0);
      expect(help.out).toContain(`Usage: chatstore ${verb}`);
      expect((await run('help', verb)).out).toBe(help.out);
    }
    expect((await run('help', 'nope')).code).toBe(2);
  });

  it('treats extra arguments and flags the verb would ignore as usage errors', async () => {
    const db = path.join(dir, 'never', 'x.db');
    for (const argv of [
      ['migrate', 'todo', 'letta'],
      ['migrate', '--all', '--to', 'phase2'],
      ['migrate', '--all', 'todo'],
      ['migrate', 'tatlock', '--dir', dir, '--to', '0.3.19'],
      ['status', 'letta', '--db', db, '--to', 'v1'],
      ['status', 'letta', 'todo', '--db', db],
      ['targets', 'todo'],
      ['check', '--db', db],
      ['status', 'letta', '--db', ''],
    ]) {
      const result = await run(...argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.err, argv.join(' ')).toMatch(/Usage: chatstore/);
    }
    expect(existsSync(path.join(dir, 'never'))).toBe(false);
  });

  it('prints its version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(await run('--version')).toEqual({ code: 0, out: version, err: '' });
    expect(JSON.parse((await run('--version', '--json')).out)).toEqual({
      command: 'version',
      ok: true,
      error: null,
      version,
    });
  });

  it('creates nothing for read-only verbs and usage errors', async () => {
    const typo = path.join(dir, 'typo');
    const missingFile = await run('status', 'letta', '--db', path.join(typo, 'x.db'));
    expect(missingFile.code).toBe(1);
    expect(missingFile.err).toContain('[DATABASE_NOT_FOUND]');
    const missingCluster = await run('status', 'todo', '--db', `pglite:${path.join(typo, 'pg')}`);
    expect(missingCluster.code).toBe(1);
    expect(missingCluster.err).toContain('[DATABASE_NOT_FOUND]');
    expect((await run('adopt', 'todo', '--db', `pglite:${path.join(typo, 'pg')}`)).code).toBe(1);
    const unknown = await run('migrate', 'todo', '--db', `pglite:${path.join(typo, 'pg')}`, '--to', 'phase9');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('Unknown generation "phase9" for todo; one of: phase2, phase3');
    expect(existsSync(typo)).toBe(false);
  });

  it('prints one JSON document on stdout for every outcome with --json, errors included', async () => {
    const usage = await run('migrate', 'todo', 'letta', '--json');
    expect(usage.code).toBe(2);
    expect(usage.err).toBe('');
    expect(JSON.parse(usage.out)).toMatchObject({ command: 'migrate', ok: false, error: { code: 'USAGE' } });
    const missing = await run('status', 'letta', '--db', path.join(dir, 'typo', 'x.db'), '--json');
    expect(missing.code).toBe(1);
    expect(missing.err).toBe('');
    expect(JSON.parse(missing.out)).toMatchObject({
      command: 'status',
      ok: false,
      error: { code: 'DATABASE_NOT_FOUND' },
    });
    const unknownTarget = await run('status', 'nope', '--json');
    expect(unknownTarget.code).toBe(2);
    expect(JSON.parse(unknownTarget.out)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_TARGET' } });
  });

  it('masks a password given in the URL query', async () => {
    const result = await run('status', 'todo', '--db', 'postgres://app@127.0.0.1:1/chat?password=s3cret');
    expect(result.code).toBe(1);
    expect(result.err).toContain('password=***');
    expect(result.err).not.toContain('s3cret');
  });

  it('exits 1 with a clear message on failures the operator must act on', async () => {
    const wrongDialect = await run('status', 'todo', '--db', path.join(dir, 'x.db'));
    expect(wrongDialect.code).toBe(1);
    expect(wrongDialect.err).toContain('[DIALECT_MISMATCH]');
  });

  it('adopts a hand-made database, migrates it, reports status, and refuses a lossy down step', async () => {
    const location = `pglite:${path.join(dir, 'legacy')}`;
    const legacy = await connectRaw(location);
    await runScript(legacy.client, readFixture('todo/phase2.sql'));
    await legacy.client.query(`insert into users (id, email) values ('u1', 'u1@example.com')`);
    await legacy.close();

    const refused = await run('migrate', 'todo', '--db', location);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('chatstore adopt todo');

    const adopted = await run('adopt', 'todo', '--db', location, '--json');
    expect(adopted.code).toBe(0);
    expect(JSON.parse(adopted.out)).toMatchObject({ ok: true, generation: 'phase2', recorded: ['0000_phase2'] });

    const migrated = await run('migrate', 'todo', '--db', location, '--json');
    expect(migrated.code).toBe(0);
    const result = JSON.parse(migrated.out);
    expect(result).toMatchObject({ command: 'migrate', ok: true, error: null, from: 'phase2', to: 'isolation' });
    expect(result.results.map((r: { tag: string; status: string }) => `${r.tag}:${r.status}`)).toEqual([
      '0001_phase3:applied',
      '0002_phase3__rls:applied',
      '0003_archive-search:applied',
      '0004_isolation__rls:applied',
    ]);

    const status = await run('status', 'todo', '--db', location);
    expect(status.code).toBe(0);
    expect(status.out).toContain('generation: isolation (latest isolation)');
    expect(status.out).toContain('pending:    -');
    const statusJson = JSON.parse((await run('status', 'todo', '--db', location, '--json')).out);
    expect(statusJson).toMatchObject({ command: 'status', ok: true, error: null, generation: 'isolation' });
    for (const row of statusJson.applied) expect(row.appliedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

    const conn = await connectRaw(location);
    await conn.client.query(`insert into conversations (user_id) values ('u1')`);
    await conn.close();
    const down = await run('migrate', 'todo', '--db', location, '--to', 'phase2');
    expect(down.code).toBe(1);
    expect(down.err).toContain('would delete data: 1 row(s) in conversations');
    const forced = await run('migrate', 'todo', '--db', location, '--to', 'phase2', '--allow-data-loss');
    expect(forced.code).toBe(0);
    // The refusal came at phase3's step; isolation's and archive-search's (nothing at risk) had already gone down.
    expect(forced.out).toContain('todo: phase3 → phase2');
  });
});
