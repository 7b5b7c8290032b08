/**
 * A whole installation the Tatlock application wrote (test/fixtures/tatlock-app: hippocampus/
 * system.db at 0.3.19, hippocampus/longterm/{username}.db at 0.3.19 and 0.3.20, dual-written
 * turns, conversations whose saves the app itself lost) through one
 * `chatstore migrate tatlock --dir <its data folder>`, checked row for row against the originals.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli';
import { packageRoot } from '../../../src/paths';
import type { FanOutResult } from '../../../src/targets/tatlock/fan-out';
import { type AppContent, appDir, copyAppFolder, expectImported, readAll, readAppContent, sha256 } from './app-files';

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), progress: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const users = ['admin', 'alice', 'bob', 'carol.w', 'dave_k', 'eve-m', 'frank', 'grace'];
const systemTables: [table: string, order: string][] = [
  ['users', 'username'],
  ['passwords', 'username'],
  ['roles', 'id'],
  ['groups', 'id'],
  ['user_roles', 'username, role_id'],
  ['user_groups', 'username, group_id'],
  ['tools', 'tool_key'],
  ['tool_parameters', 'id'],
  ['rise_and_shine', 'id'],
];

describe('chatstore migrate tatlock --dir <a folder the application wrote>', () => {
  const dir = copyAppFolder();
  const hippocampus = path.join(dir, 'hippocampus');
  const system = path.join(hippocampus, 'system.db');
  const userFile = (u: string) => path.join(hippocampus, 'longterm', `${u}.db`);
  const originals = new Map<string, AppContent>(users.map((u) => [u, readAppContent(userFile(u))]));
  const originalSystem = path.join(appDir, 'hippocampus', 'system.db');
  const hashes = new Map([system, ...users.map(userFile)].map((f) => [f, sha256(f)]));
  afterAll(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('a dry run reports every file at the latest generation and changes nothing', async () => {
    const result = await run('migrate', 'tatlock', '--dir', dir, '--dry-run', '--json');
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.out) as FanOutResult;
    expect(parsed).toMatchObject({ layout: 'application', dryRun: true, ok: true });
    expect(parsed.files.map((f) => [path.basename(f.file), f.after, f.backup])).toEqual([
      ['system.db', '0.3.20', null],
      ...users.map((u) => [`${u}.db`, '0.3.23', null]),
    ]);
    for (const [file, hash] of hashes) expect(sha256(file), file).toBe(hash);
    expect(readdirSync(path.join(hippocampus, 'longterm'))).toHaveLength(users.length);
  });

  it('migrates every file in one run: exit 0, latest generation, copies kept under --backup-dir', async () => {
    const backups = path.join(path.dirname(dir), 'backups');
    const result = await run('migrate', 'tatlock', '--dir', dir, '--backup-dir', backups, '--json');
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.out) as FanOutResult;
    expect(parsed.files.map((f) => [path.basename(f.file), f.ok, f.before, f.after, f.adopted])).toEqual([
      ['system.db', true, '0.3.19', '0.3.20', '0.3.19'],
      ['admin.db', true, '0.3.20', '0.3.23', '0.3.20'],
      ...['alice', 'bob', 'carol.w', 'dave_k', 'eve-m'].map((u) => [`${u}.db`, true, '0.3.19', '0.3.23', '0.3.19']),
      ['frank.db', true, '0.3.20', '0.3.23', '0.3.20'],
      ['grace.db', true, '0.3.20', '0.3.23', '0.3.20'],
    ]);
    // Each original is kept byte for byte, at its path relative to hippocampus/.
    expect(parsed.files[0]?.backup).toBe(path.join(backups, 'system.db.before-0.3.20'));
    for (const f of parsed.files) expect(sha256(f.backup ?? ''), f.file).toBe(hashes.get(f.file));
    expect(parsed.files[1]?.backup).toBe(path.join(backups, 'longterm', 'admin.db.before-0.3.21'));
    // Turns only in memories become two messages each; admin's 14 dual-written turns, frank's 6 and
    // grace's 8 are already messages.
    expect(parsed.files.map((f) => f.rowsMoved)).toEqual([
      0,
      2 * (51 - 14),
      2 * 43,
      2 * 15,
      2 * 15,
      2 * 8,
      2 * 4,
      0,
      0,
    ]);
    // Nothing but the migrated files stays in the installation.
    expect(readdirSync(path.join(hippocampus, 'longterm')).sort()).toEqual(users.map((u) => `${u}.db`).sort());
  });

  it('every turn the application recalls is there once, in order; integrity and foreign keys clean', () => {
    for (const u of users) {
      const file = userFile(u);
      expectImported(file, originals.get(u) as AppContent);
      const generation = readAll(
        file,
        `select max(generation) as g from chatstore_migrations where target = 'tatlock-user'`,
      );
      expect(generation, u).toEqual([{ g: '0.3.23' }]);
      expect(
        readAll(
          file,
          `select name from sqlite_master where name in ('memories', 'memory_topics', 'conversation_compacts')`,
        ),
      ).toEqual([]);
    }
    expect(readAll(system, 'pragma integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    expect(readAll(system, 'pragma foreign_key_check')).toEqual([]);
  });

  it('keeps every value of the user files: personal variables as key/value, compacts, topics, the app’s tables', () => {
    for (const u of users) {
      const file = userFile(u);
      const original = path.join(appDir, 'hippocampus', 'longterm', `${u}.db`);
      const variables = readAll(
        original,
        `select k.key, v.value from personal_variables_join j join personal_variables_keys k on k.id = j.key_id
         join personal_variables v on v.id = j.variable_id order by v.id, k.id`,
      );
      expect(variables.length, u).toBeGreaterThan(0);
      expect(readAll(file, 'select key, value from personal_variables order by id'), u).toEqual(variables);
      expect(readAll(file, 'select * from personal_variables_keys order by id')).toEqual(
        readAll(original, 'select * from personal_variables_keys order by id'),
      );
      expect(readAll(file, `select * from ${'chatstore_kept_personal_variables'} order by id`)).toEqual(
        readAll(original, 'select * from personal_variables order by id'),
      );
      expect(readAll(file, 'select * from topics order by topic_id')).toEqual(
        readAll(original, 'select * from topics order by topic_id'),
      );
      const compacts = readAll(
        original,
        `select conversation_id, compact_summary, messages_up_to from conversation_compacts c
         where compact_timestamp = (select max(compact_timestamp) from conversation_compacts d where d.conversation_id = c.conversation_id)`,
      );
      for (const c of compacts) {
        expect(
          readAll(
            file,
            `select compact_summary, compacted_up_to from conversations where conversation_id = '${c.conversation_id}'`,
          ),
        ).toEqual([{ compact_summary: c.compact_summary, compacted_up_to: c.messages_up_to }]);
      }
      const migrations = readAll(original, `select name from sqlite_master where name = 'migrations'`).length
        ? readAll(original, 'select * from migrations order by id')
        : [];
      if (migrations.length)
        expect(readAll(file, 'select * from chatstore_kept_migrations order by id')).toEqual(migrations);
    }
  });

  it('keeps every value of system.db: users, passwords, roles, groups, tools, settings and their categories', () => {
    for (const [table, order] of systemTables) {
      const rows = readAll(originalSystem, `select * from ${table} order by ${order}`);
      expect(rows.length, table).toBeGreaterThan(0);
      expect(readAll(system, `select * from ${table} order by ${order}`), table).toEqual(rows);
    }
    expect(
      readAll(system, 'select setting_key, setting_value, description from system_settings order by setting_key'),
    ).toEqual(
      readAll(
        originalSystem,
        `select setting_key, coalesce(setting_value, '') as setting_value, description from system_settings order by setting_key`,
      ),
    );
    for (const table of [
      'system_settings',
      'system_setting_categories',
      'system_setting_categories_map',
      'settings_options',
      'migrations',
    ]) {
      expect(readAll(system, `select * from chatstore_kept_${table} order by 1, 2`), table).toEqual(
        readAll(originalSystem, `select * from ${table} order by 1, 2`),
      );
    }
  });

  it('a second run finds every file at its latest generation and changes nothing', async () => {
    const files = [system, ...users.map(userFile)];
    const before = files.map(sha256);
    const result = await run('migrate', 'tatlock', '--dir', hippocampus, '--json');
    expect(result.err).toBe('');
    expect(result.code, result.out).toBe(0);
    const parsed = JSON.parse(result.out) as FanOutResult;
    expect(parsed.files.every((f) => f.applied.length === 0 && f.backup === null && f.adopted === null)).toBe(true);
    expect(files.map(sha256)).toEqual(before);
  });

  const sample = path.resolve(packageRoot, '..', 'shared', 'field', 'tatlock-app', 'hippocampus');
  it.runIf(existsSync(sample))('the committed fixtures are the sample installation, byte for byte', () => {
    for (const name of ['system.db', ...users.map((u) => `longterm/${u}.db`)])
      expect(sha256(path.join(appDir, 'hippocampus', name)), name).toBe(sha256(path.join(sample, name)));
  });
});
