/**
 * Files the Tatlock application wrote itself, one state per fixture (test/fixtures/tatlock-app/
 * states, see scripts/fixtures/tatlock-app.ts): turns only in memories, only in
 * conversation_messages, or in both (`_user` ids with schema_version 1 or 2, `:user` ids), and
 * conversations the application deleted. Each is migrated as `migrate tatlock --dir` does it.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli';
import { type FieldAdoptResult, upgradeFile } from '../../../src/targets/tatlock/fan-out';
import { copyState, expectImported, readAll, readAppContent, sha256 } from './app-files';

const allUserMigrations = [
  '0001_0.3.20__seed',
  '0002_0.3.21__move_to_messages',
  '0003_0.3.21',
  '0004_0.3.21__link_topics',
  '0005_0.3.22__move_compacts',
  '0006_0.3.22',
  '0007_0.3.23__verify_moved',
  '0008_0.3.23',
];

describe('tatlock-user: every turn once, in order, whatever the application left', () => {
  it.each([
    ['turns-in-memories', '0.3.19', 43, 0],
    ['turns-in-messages', '0.3.20', 2, 0],
    ['turns-in-both-v1', '0.3.20', 51, 0],
    ['turns-in-both-v2', '0.3.20', 6, 0],
    ['turns-in-both-colon', '0.3.20', 51, 0],
  ])('%s (adopted at %s)', async (state, generation, turns, orphans) => {
    const file = copyState(state);
    const original = sha256(file);
    const before = readAppContent(file);
    const recalled = [...before.messages.values()].reduce((n, list) => n + list.length, 0);
    expect(recalled / 2).toBeGreaterThanOrEqual(turns);

    const result = await upgradeFile('tatlock-user', file, 'someone');
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({
      ok: true,
      adopted: generation,
      before: generation,
      after: '0.3.23',
      orphansRemoved: orphans,
    });
    expect(result.applied).toEqual(allUserMigrations.slice(generation === '0.3.19' ? 0 : 1));
    expect(result.backup).toBe(`${file}.before-0.3.21`);
    expect(sha256(result.backup ?? '')).toBe(original);
    expectImported(file, before);
    expect(readAll(file, 'select count(*) as n from conversation_messages')).toEqual([{ n: recalled }]);
  });

  it('moves dual-written turns once: a conversation of memories then dual writes keeps its order (admin)', async () => {
    const file = copyState('turns-in-both-v1');
    const result = await upgradeFile('tatlock-user', file, 'admin');
    expect(result.ok).toBe(true);
    // 2025-10-01-08-07-17: four turns only in memories (phase 1), then one dual-written (phase 2),
    // whose messages the app numbered 1 and 2: it becomes messages 9 and 10.
    const messages = readAll(
      file,
      `select message_id, message_number from conversation_messages where conversation_id = '2025-10-01-08-07-17' order by message_number`,
    );
    expect(messages).toHaveLength(10);
    expect(messages.slice(8)).toEqual([
      { message_id: 'ea2947e4-3c71-4347-94f0-0357616ae4e6:user', message_number: 9 },
      { message_id: 'ea2947e4-3c71-4347-94f0-0357616ae4e6:assistant', message_number: 10 },
    ]);
    // 34 memories, 5 of them dual-written: 68 messages, not 78.
    expect(
      readAll(file, `select message_count from conversations where conversation_id = '2025-10-01-08-21-51'`),
    ).toEqual([{ message_count: 68 }]);
    expect(result.rowsMoved).toBe(2 * (51 - 14));
  });
});

describe('tatlock-user: conversations the application deleted', () => {
  it.each([
    [
      'deleted-conversations',
      { memory_topics: 43, conversation_topics: 17, conversation_messages: 20, conversation_compacts: 1 },
    ],
    ['deleted-conversations-0.3.19', { memory_topics: 5, conversation_topics: 5 }],
  ])('%s: what they left is removed and counted, never brought back', async (state, orphans) => {
    const file = copyState(state);
    const before = readAppContent(file);
    expect(before.orphans).toEqual(orphans);
    expect(before.deleted.size).toBeGreaterThan(0);

    const result = await upgradeFile('tatlock-user', file, 'someone');
    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.after).toBe('0.3.23');
    expect(result.orphans).toEqual(orphans);
    expect(result.orphansRemoved).toBe(Object.values(orphans).reduce((a, b) => a + b, 0));
    expectImported(file, before);
    const conversations = readAll(file, 'select conversation_id from conversations').map((r) => r.conversation_id);
    for (const id of before.deleted) expect(conversations).not.toContain(id);
  });
});

describe('tatlock-user: the application’s own tables', () => {
  it('keeps a personal variable the application left dangling, and the run does not stop on it', async () => {
    const file = copyState('turns-in-memories');
    const db = new Database(file);
    // Foreign keys off, as the application writes: a join row whose key is gone, a value without key.
    db.pragma('foreign_keys = OFF');
    db.exec(`insert into personal_variables (id, value) values (90, 'orphaned value');
      insert into personal_variables_join (key_id, variable_id) values (999, 90);`);
    db.close();
    const result = await upgradeFile('tatlock-user', file, 'alice');
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ ok: true, after: '0.3.23' });
    expect(readAll(file, 'select value from chatstore_kept_personal_variables where id = 90')).toEqual([
      { value: 'orphaned value' },
    ]);
    expect(readAll(file, 'select * from chatstore_kept_personal_variables_join where variable_id = 90')).toEqual([
      { key_id: 999, variable_id: 90 },
    ]);
    expect(readAll(file, 'pragma foreign_key_check')).toEqual([]);
  });
});

describe('tatlock-user: a failure inside the destructive chain', () => {
  it('leaves the file byte for byte as it was, keeps no copy, and a second run completes it', async () => {
    const file = copyState('turns-in-both-v1');
    // A table kept beside (ignored by adopt) whose row refers to a memory without ON DELETE:
    // dropping memories (0008_0.3.23, after 0.3.21 and 0.3.22 already dropped a column and a
    // table) fails on its foreign key.
    const db = new Database(file);
    db.exec(`create table chatstore_kept_probe (interaction_id text references memories (interaction_id));
      insert into chatstore_kept_probe select interaction_id from memories limit 1;`);
    db.close();
    const original = sha256(file);
    const before = readAppContent(file);

    const failed = await upgradeFile('tatlock-user', file, 'admin');
    expect(failed.ok).toBe(false);
    expect(failed.error?.message).toContain('0008_0.3.23');
    expect(failed).toMatchObject({ before: '0.3.20', after: '0.3.20', applied: [], backup: null, orphansRemoved: 0 });
    expect(sha256(file)).toBe(original);
    expect(readdirSync(path.dirname(file))).toEqual([path.basename(file)]);

    const fix = new Database(file);
    fix.exec('drop table chatstore_kept_probe');
    fix.close();
    const second = await upgradeFile('tatlock-user', file, 'admin');
    expect(second).toMatchObject({ ok: true, after: '0.3.23' });
    expectImported(file, before);
  });

  it('refuses a file with a hot journal beside it, without touching either', async () => {
    const file = copyState('turns-in-memories');
    const original = sha256(file);
    writeFileSync(`${file}-journal`, 'x');
    const result = await upgradeFile('tatlock-user', file, 'alice');
    expect(result).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(result.error?.message).toContain('-journal exists');
    expect(sha256(file)).toBe(original);
    expect(existsSync(`${file}.chatstore-work`)).toBe(false);
  });

  it('a dry run migrates a copy and reports, leaving the file alone', async () => {
    const file = copyState('deleted-conversations');
    const original = sha256(file);
    const result = await upgradeFile('tatlock-user', file, 'admin', { dryRun: true });
    expect(result).toMatchObject({ ok: true, dryRun: true, before: '0.3.20', after: '0.3.23', backup: null });
    expect(result.orphansRemoved).toBe(81);
    expect(result.applied).toHaveLength(7);
    expect(sha256(file)).toBe(original);
    expect(readdirSync(path.dirname(file))).toEqual([path.basename(file)]);
  });
});

describe('chatstore adopt on the application’s own files', () => {
  async function cli(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), progress: false });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it.each([
    ['turns-in-memories', '0.3.19'],
    ['turns-in-both-v2', '0.3.20'],
  ])('%s is recognised as %s, imported on a copy, the original kept', async (state, generation) => {
    const file = copyState(state);
    const original = sha256(file);
    const result = await cli('adopt', 'tatlock-user', '--db', file, '--json');
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.out) as FieldAdoptResult;
    expect(parsed).toMatchObject({ ok: true, generation, backup: `${file}.before-adopt` });
    expect(parsed.imported).toContain('personal variables mapped to key/value rows');
    expect(sha256(`${file}.before-adopt`)).toBe(original);
    expect(readAll(file, 'select count(*) as n from chatstore_kept_personal_variables')).toEqual([{ n: 4 }]);
  });

  it('migrate tatlock-user --db <file> takes the same path as --dir: each turn once', async () => {
    const file = copyState('turns-in-both-v1');
    const before = readAppContent(file);
    const result = await cli('migrate', 'tatlock-user', '--db', file);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toBe(
      `tatlock-user: 0.3.20 → 0.3.23, 7 applied, 0 orphan(s) removed, 74 message(s) moved; kept ${file}.before-0.3.21`,
    );
    expectImported(file, before);
  });

  it('finishes a file the engine alone left stuck at 0.3.22 (schema-2 conversations still with memories)', async () => {
    const file = copyState('turns-in-both-v2');
    const before = readAppContent(file);
    expect((await cli('adopt', 'tatlock-user', '--db', file)).code).toBe(0);
    // The engine alone: 0002 skips schema-2 conversations, then 0.3.21 and 0.3.22 drop what they drop.
    expect((await cli('migrate', 'tatlock-user', '--db', file, '--to', '0.3.22')).code).toBe(0);
    const stuck = await cli('migrate', 'tatlock-user', '--db', file, '--to', '0.3.23');
    expect(stuck.code).toBe(1);
    expect(stuck.err).toContain('a memory has no user and assistant message');

    const result = await cli('migrate', 'tatlock-user', '--db', file, '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toMatchObject({
      before: '0.3.22',
      after: '0.3.23',
      applied: ['0007_0.3.23__verify_moved', '0008_0.3.23'],
      backup: `${file}.before-0.3.23`,
    });
    expectImported(file, before);
  });

  it('a file that matches no generation even after the import is left as it was', async () => {
    const file = copyState('turns-in-memories');
    const db = new Database(file);
    db.exec('alter table memories add column mood text');
    db.close();
    const original = sha256(file);
    const result = await cli('adopt', 'tatlock-user', '--db', file);
    expect(result.code).toBe(1);
    expect(result.err).toContain('table memories / column mood');
    expect(sha256(file)).toBe(original);
    expect(readdirSync(path.dirname(file))).toEqual([path.basename(file)]);
  });
});
