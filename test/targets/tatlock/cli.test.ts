/**
 * `chatstore migrate tatlock --dir <folder>`: system.db first (created if missing), then every
 * `*_longterm.db`, adopting legacy files; a result per file; a failing file does not stop the
 * others and makes the exit code 1.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli';
import type { FanOutResult } from '../../../src/targets/tatlock/fan-out';
import { createLegacySystemDatabase, createLegacyUserDatabase } from '../../../support/tatlock-legacy';

const root = mkdtempSync(path.join(tmpdir(), 'chatstore-tatlock-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), progress: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('chatstore migrate tatlock --dir', () => {
  it('upgrades every file, reports each, and exits 1 when one fails', async () => {
    const dir = path.join(root, 'install');
    mkdirSync(dir);
    createLegacySystemDatabase(path.join(dir, 'system.db'), '0.3.19');
    createLegacyUserDatabase(path.join(dir, 'alice_longterm.db'), '0.3.19', { seed: 1 });
    createLegacyUserDatabase(path.join(dir, 'bob_longterm.db'), '0.3.20', { seed: 2 });
    // carol's file swallows moved messages: its data move cannot verify and rolls back.
    createLegacyUserDatabase(path.join(dir, 'carol_longterm.db'), '0.3.20', { seed: 3 });
    const carol = new Database(path.join(dir, 'carol_longterm.db'));
    carol.exec(`create trigger swallow after insert on conversation_messages
      begin delete from conversation_messages where message_id = new.message_id; end`);
    carol.close();

    const first = await run('migrate', 'tatlock', '--dir', dir, '--json');
    expect(first.code).toBe(1);
    const result = JSON.parse(first.out) as FanOutResult;
    expect(result.files.map((f) => [path.basename(f.file), f.ok, f.adopted, f.before, f.after])).toEqual([
      ['system.db', true, '0.3.19', '0.3.19', '0.3.20'],
      ['alice_longterm.db', true, '0.3.19', '0.3.19', '0.3.23'],
      ['bob_longterm.db', true, '0.3.20', '0.3.20', '0.3.23'],
      // carol's file is left as it was: unmanaged, in the shape of 0.3.20, no copy kept.
      ['carol_longterm.db', false, '0.3.20', '0.3.20', '0.3.20'],
    ]);
    expect(result.files.map((f) => f.backup && path.basename(f.backup))).toEqual([
      'system.db.before-0.3.20',
      'alice_longterm.db.before-0.3.21',
      'bob_longterm.db.before-0.3.21',
      null,
    ]);
    expect(result.files[1]?.applied).toEqual([
      '0001_0.3.20__seed',
      '0002_0.3.21__move_to_messages',
      '0003_0.3.21',
      '0004_0.3.21__link_topics',
      '0005_0.3.22__move_compacts',
      '0006_0.3.22',
      '0007_0.3.23__verify_moved',
      '0008_0.3.23',
    ]);
    // The move stopped on its own check (on the copy); the file itself was never written.
    expect(result.files[3]?.applied).toEqual([]);
    expect(result.files[3]?.error).toMatchObject({ code: 'MIGRATION_FAILED' });
    expect(result.files[3]?.error?.message).toContain('reconciling turns');
    expect(existsSync(path.join(dir, 'carol_longterm.db.chatstore-work'))).toBe(false);

    // Once the cause is gone, a second run finishes carol and leaves the others alone.
    const fixed = new Database(path.join(dir, 'carol_longterm.db'));
    fixed.exec('drop trigger swallow');
    fixed.close();
    const second = await run('migrate', 'tatlock', '--dir', dir);
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/system\.db\s+tatlock-system\s+0\.3\.20\s+0\.3\.20\s+0\s/);
    expect(second.out).toMatch(/alice_longterm\.db\s+tatlock-user\s+0\.3\.23\s+0\.3\.23\s+0\s/);
    expect(second.out).toMatch(/carol_longterm\.db\s+tatlock-user\s+0\.3\.20 \(adopted\)\s+0\.3\.23\s+7\s/);
    expect(second.out).toContain('4 file(s)');
    expect(second.out).toContain('all ok');
  });

  it('creates system.db in a new folder and reports files whose names carry no valid username', async () => {
    const dir = path.join(root, 'fresh');
    mkdirSync(dir);
    createLegacyUserDatabase(path.join(dir, 'bad name_longterm.db'), '0.3.19', { memories: 2 });
    const result = await run('migrate', 'tatlock', '--dir', dir, '--json');
    expect(result.code).toBe(1);
    const files = (JSON.parse(result.out) as FanOutResult).files;
    expect(files[0]).toMatchObject({ target: 'tatlock-system', ok: true, before: null, after: '0.3.20', backup: null });
    expect(files[1]).toMatchObject({ username: null, ok: false, error: { code: 'VALIDATION' } });
    expect(existsSync(path.join(dir, 'system.db'))).toBe(true);
  });

  it('is a usage error without --dir, or with --dir for another target; a missing folder is an error', async () => {
    expect((await run('migrate', 'tatlock')).code).toBe(2);
    expect((await run('migrate', 'tatlock')).err).toContain('needs --dir');
    expect((await run('migrate', 'todo', '--dir', root)).code).toBe(2);
    const missing = await run('migrate', 'tatlock', '--dir', path.join(root, 'typo'));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('No folder');
    expect(existsSync(path.join(root, 'typo'))).toBe(false);
  });
});
