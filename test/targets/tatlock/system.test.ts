/**
 * tatlock-system repositories: users and passwords (scrypt, per-user salt, constant-time
 * verify), roles and groups, the tool registry, rise-and-shine instructions, settings with
 * options; zod at every entry.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../../src/targets/connect';
import {
  addRiseAndShine,
  assignGroup,
  assignRole,
  changePassword,
  createGroup,
  createRole,
  createUser,
  defineSetting,
  deleteRiseAndShine,
  deleteTool,
  deleteUser,
  getSetting,
  getTool,
  getUser,
  listEnabledTools,
  listRiseAndShine,
  listSettingOptions,
  listSettings,
  listUserGroups,
  listUserRoles,
  listUsers,
  openSystemDatabase,
  registerTool,
  type SystemDb,
  setPassword,
  setRiseAndShineEnabled,
  setSetting,
  setSettingOption,
  setToolEnabled,
  unassignGroup,
  unassignRole,
  updateUser,
  verifyPassword,
} from '../../../src/targets/tatlock-system';
import { expectChatstoreError } from '../../support/database';

const dataDir = mkdtempSync(path.join(tmpdir(), 'chatstore-tatlock-system-'));
let conn: Connection<'tatlock-system'>;
let db: SystemDb;
beforeAll(async () => {
  conn = await openSystemDatabase({ dataDir });
  db = conn.db;
});
afterAll(async () => {
  await conn?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const count = async (table: string) =>
  Number((await conn.client.query<{ n: number }>(`select count(*) as n from ${table}`))[0]?.n);

describe('users and passwords', () => {
  it('creates a user with a scrypt hash and a salt of their own, and verifies the password', async () => {
    const user = await createUser(db, {
      username: 'alice',
      firstName: 'Alice',
      lastName: 'Ng',
      email: 'alice@example.com',
      password: 'correct horse battery',
    });
    expect(user).toMatchObject({ username: 'alice', firstName: 'Alice', email: 'alice@example.com' });
    await createUser(db, { username: 'bob', firstName: 'Bob', lastName: 'Stone', password: 'correct horse battery' });
    const rows = await conn.client.query<{ username: string; password_hash: string; salt: string }>(
      'select username, password_hash, salt from passwords order by username',
    );
    expect(rows.map((r) => r.password_hash.split('$').slice(0, 4).join('$'))).toEqual([
      'scrypt$131072$8$1',
      'scrypt$131072$8$1',
    ]);
    // Same password, different salts, different hashes; the password itself is nowhere.
    expect(rows[0]?.salt).not.toBe(rows[1]?.salt);
    expect(rows[0]?.password_hash).not.toBe(rows[1]?.password_hash);
    expect(JSON.stringify(rows)).not.toContain('correct horse');

    expect(await verifyPassword(db, { username: 'alice', password: 'correct horse battery' })).toBe(true);
    expect(await verifyPassword(db, { username: 'alice', password: 'correct horse batterY' })).toBe(false);
    expect(await verifyPassword(db, { username: 'nobody', password: 'correct horse battery' })).toBe(false);
  });

  it('changes a password only with the current one; an administrator can reset it', async () => {
    await expectChatstoreError(
      () => changePassword(db, { username: 'alice', currentPassword: 'wrong', newPassword: 'new password 1' }),
      'PERMISSION_DENIED',
      'currentPassword',
    );
    const saltBefore = (await conn.client.query(`select salt from passwords where username = 'alice'`))[0]?.salt;
    await changePassword(db, {
      username: 'alice',
      currentPassword: 'correct horse battery',
      newPassword: 'new password 1',
    });
    expect(await verifyPassword(db, { username: 'alice', password: 'new password 1' })).toBe(true);
    expect(await verifyPassword(db, { username: 'alice', password: 'correct horse battery' })).toBe(false);
    expect((await conn.client.query(`select salt from passwords where username = 'alice'`))[0]?.salt).not.toBe(
      saltBefore,
    );
    await setPassword(db, { username: 'bob', password: 'reset by admin' });
    expect(await verifyPassword(db, { username: 'bob', password: 'reset by admin' })).toBe(true);
    await expectChatstoreError(
      () => setPassword(db, { username: 'nobody', password: 'whatever123' }),
      'NOT_FOUND',
      'username',
    );
  });

  it('never verifies a hash chatstore did not write', async () => {
    await createUser(db, { username: 'legacy', firstName: 'L', lastName: 'G', password: 'legacy password' });
    await conn.client.query(
      `update passwords set password_hash = 'legacy-hash', salt = 'legacy-salt' where username = 'legacy'`,
    );
    expect(await verifyPassword(db, { username: 'legacy', password: 'legacy password' })).toBe(false);
    expect(await verifyPassword(db, { username: 'legacy', password: 'legacy-hash' })).toBe(false);
  });

  it('rejects bad input naming the field, writing nothing', async () => {
    const before = await count('users');
    await expectChatstoreError(
      () => createUser(db, { username: '../etc', firstName: 'X', lastName: 'Y', password: 'long enough' }),
      'VALIDATION',
      'username',
    );
    await expectChatstoreError(
      () => createUser(db, { username: 'carol', firstName: '', lastName: 'Y', password: 'long enough' }),
      'VALIDATION',
      'firstName',
    );
    await expectChatstoreError(
      () =>
        createUser(db, {
          username: 'carol',
          firstName: 'C',
          lastName: 'Y',
          email: 'not-an-email',
          password: 'long enough',
        }),
      'VALIDATION',
      'email',
    );
    await expectChatstoreError(
      () => createUser(db, { username: 'carol', firstName: 'C', lastName: 'Y', password: 'short' }),
      'VALIDATION',
      'password',
    );
    await expectChatstoreError(
      () => createUser(db, { username: 'alice', firstName: 'A', lastName: 'N', password: 'long enough' }),
      'CONFLICT',
      'username',
    );
    await expectChatstoreError(() => getUser(db, 'a/b'), 'VALIDATION', 'username');
    expect(await count('users')).toBe(before);
    expect(await count('passwords')).toBe(before);
  });
});

describe('roles and groups', () => {
  it('assigns and lists them; deleting a user cascades to password and assignments', async () => {
    await createUser(db, { username: 'dave', firstName: 'Dave', lastName: 'Lo', password: 'dave password' });
    await createRole(db, { roleName: 'admin', description: 'Administrator' });
    await createRole(db, { roleName: 'user' });
    await createGroup(db, { groupName: 'family' });
    await assignRole(db, { username: 'dave', roleName: 'user' });
    await assignRole(db, { username: 'dave', roleName: 'admin' });
    await assignRole(db, { username: 'dave', roleName: 'admin' });
    await assignGroup(db, { username: 'dave', groupName: 'family' });
    expect((await listUserRoles(db, 'dave')).map((r) => r.roleName)).toEqual(['admin', 'user']);
    expect((await listUserGroups(db, 'dave')).map((g) => g.groupName)).toEqual(['family']);
    expect(await unassignRole(db, { username: 'dave', roleName: 'user' })).toBe(true);
    expect(await unassignRole(db, { username: 'dave', roleName: 'user' })).toBe(false);
    expect(await unassignGroup(db, { username: 'dave', groupName: 'family' })).toBe(true);
    await assignGroup(db, { username: 'dave', groupName: 'family' });

    await expectChatstoreError(() => createRole(db, { roleName: 'admin' }), 'CONFLICT', 'roleName');
    await expectChatstoreError(() => assignRole(db, { username: 'dave', roleName: 'nope' }), 'NOT_FOUND', 'roleName');
    await expectChatstoreError(
      () => assignRole(db, { username: 'nobody', roleName: 'admin' }),
      'NOT_FOUND',
      'username',
    );
    await expectChatstoreError(
      () => assignGroup(db, { username: 'dave', groupName: 'nope' }),
      'NOT_FOUND',
      'groupName',
    );

    expect(await deleteUser(db, 'dave')).toBe(true);
    expect(await getUser(db, 'dave')).toBeUndefined();
    for (const table of ['passwords', 'user_roles', 'user_groups']) {
      expect(await conn.client.query(`select * from ${table} where username = 'dave'`), table).toEqual([]);
    }
    expect(await deleteUser(db, 'dave')).toBe(false);
    expect((await listUsers(db)).map((u) => u.username)).not.toContain('dave');
  });
});

describe('tools', () => {
  it('registers tools with parameters and lists the enabled ones with their parameters', async () => {
    await registerTool(db, {
      toolKey: 'web_search',
      description: 'Search the web',
      module: 'stem.tools',
      functionName: 'web_search',
      enabled: true,
      parameters: [
        { name: 'query', type: 'string', description: 'What to search', required: true },
        { name: 'limit', type: 'integer' },
      ],
    });
    await registerTool(db, {
      toolKey: 'get_weather',
      description: 'Weather forecast',
      module: 'stem.tools',
      functionName: 'get_weather',
      enabled: true,
      parameters: [{ name: 'city', type: 'string', required: true }],
    });
    await registerTool(db, {
      toolKey: 'shell',
      description: 'Run a command',
      module: 'stem.tools',
      functionName: 'shell',
    });
    const enabled = await listEnabledTools(db);
    expect(enabled.map((t) => t.toolKey)).toEqual(['get_weather', 'web_search']);
    expect(enabled[1]?.parameters).toEqual([
      { name: 'query', type: 'string', description: 'What to search', required: true },
      { name: 'limit', type: 'integer', description: null, required: false },
    ]);

    await setToolEnabled(db, { toolKey: 'get_weather', enabled: false });
    await setToolEnabled(db, { toolKey: 'shell', enabled: true });
    expect((await listEnabledTools(db)).map((t) => [t.toolKey, t.parameters.length])).toEqual([
      ['shell', 0],
      ['web_search', 2],
    ]);
    // Registering again replaces the tool and its parameters.
    await registerTool(db, {
      toolKey: 'web_search',
      description: 'Search the web (v2)',
      module: 'stem.tools',
      functionName: 'web_search',
      enabled: true,
      parameters: [{ name: 'q', type: 'string', required: true }],
    });
    expect(await getTool(db, 'web_search')).toMatchObject({
      description: 'Search the web (v2)',
      parameters: [{ name: 'q', type: 'string', description: null, required: true }],
    });
    expect(await deleteTool(db, 'shell')).toBe(true);
    expect(await count('tool_parameters')).toBe(2);

    await expectChatstoreError(() => setToolEnabled(db, { toolKey: 'nope', enabled: true }), 'NOT_FOUND', 'toolKey');
    await expectChatstoreError(
      () =>
        registerTool(db, {
          toolKey: 'dup',
          description: 'd',
          module: 'm',
          functionName: 'f',
          parameters: [
            { name: 'a', type: 'string' },
            { name: 'a', type: 'string' },
          ],
        }),
      'VALIDATION',
      'parameters',
    );
    expect(await getTool(db, 'dup')).toBeUndefined();
  });
});

describe('rise and shine', () => {
  it('adds, lists, disables and deletes instructions', async () => {
    const first = await addRiseAndShine(db, { instruction: 'Check the calendar for today.' });
    const second = await addRiseAndShine(db, { instruction: 'Summarise unread mail.' });
    await setRiseAndShineEnabled(db, { id: first.id, enabled: false });
    expect((await listRiseAndShine(db)).map((r) => r.instruction)).toEqual(['Summarise unread mail.']);
    expect(await listRiseAndShine(db, { all: true })).toHaveLength(2);
    expect(await deleteRiseAndShine(db, second.id)).toBe(true);
    await expectChatstoreError(() => setRiseAndShineEnabled(db, { id: 999, enabled: true }), 'NOT_FOUND', 'id');
    await expectChatstoreError(() => addRiseAndShine(db, { instruction: ' ' }), 'VALIDATION', 'instruction');
  });
});

describe('settings', () => {
  it('takes only enabled options, and falls back to the default option when unset or disabled', async () => {
    const defined = await defineSetting(db, {
      settingKey: 'ollama_model',
      description: 'The model Tatlock talks to',
      options: [{ value: 'gemma3-cortex:latest', isDefault: true }, { value: 'llama3.2:3b' }, { value: 'qwen3:8b' }],
    });
    expect(defined).toMatchObject({ value: 'gemma3-cortex:latest', source: 'stored' });
    expect((await setSetting(db, { settingKey: 'ollama_model', value: 'llama3.2:3b' })).value).toBe('llama3.2:3b');
    await expectChatstoreError(
      () => setSetting(db, { settingKey: 'ollama_model', value: 'gpt-5' }),
      'VALIDATION',
      'value',
    );
    expect((await getSetting(db, 'ollama_model'))?.value).toBe('llama3.2:3b');

    // Disabling the chosen option: the default stands in until a valid value is set.
    await setSettingOption(db, { settingKey: 'ollama_model', value: 'llama3.2:3b', enabled: false });
    expect(await getSetting(db, 'ollama_model')).toMatchObject({
      value: 'gemma3-cortex:latest',
      source: 'default',
      options: ['gemma3-cortex:latest', 'qwen3:8b'],
    });
    await expectChatstoreError(
      () => setSetting(db, { settingKey: 'ollama_model', value: 'llama3.2:3b' }),
      'VALIDATION',
      'value',
    );
    await setSettingOption(db, { settingKey: 'ollama_model', value: 'qwen3:8b', isDefault: true });
    expect(
      (await listSettingOptions(db, 'ollama_model')).filter((o) => o.isDefault === 1).map((o) => o.optionValue),
    ).toEqual(['qwen3:8b']);
    expect(await getSetting(db, 'ollama_model')).toMatchObject({ value: 'qwen3:8b', source: 'default' });

    // A setting without options takes any value.
    await setSetting(db, { settingKey: 'greeting', value: 'Good morning' });
    expect((await listSettings(db)).map((s) => [s.settingKey, s.value])).toEqual([
      ['greeting', 'Good morning'],
      ['ollama_model', 'qwen3:8b'],
    ]);
    expect(await getSetting(db, 'missing')).toBeUndefined();
    await expectChatstoreError(
      () => setSettingOption(db, { settingKey: 'missing', value: 'x' }),
      'NOT_FOUND',
      'settingKey',
    );
    await expectChatstoreError(
      () =>
        defineSetting(db, {
          settingKey: 'bad',
          options: [
            { value: 'a', isDefault: true },
            { value: 'b', isDefault: true },
          ],
        }),
      'VALIDATION',
      'options',
    );
    await expectChatstoreError(
      () => defineSetting(db, { settingKey: 'bad', options: [{ value: 'a' }] }),
      'VALIDATION',
      'value',
    );
    await expectChatstoreError(
      () => defineSetting(db, { settingKey: 'bad', value: 'c', options: [{ value: 'a', isDefault: true }] }),
      'VALIDATION',
      'value',
    );
    expect(await getSetting(db, 'bad')).toBeUndefined();
  });
});

describe('updateUser', () => {
  const usersRow = async (username: string) =>
    (await conn.client.query<Record<string, unknown>>(`select * from users where username = ?`, [username]))[0];

  it('changes the given fields, keeps the others, and moves updated_at forward', async () => {
    await createUser(db, {
      username: 'carol',
      firstName: 'Carol',
      lastName: 'Diaz',
      email: 'c@example.com',
      password: 'correct horse battery',
    });
    await conn.client.query(`update users set updated_at = '2000-01-01 00:00:00' where username = 'carol'`);
    const created = (await usersRow('carol'))?.created_at;

    const user = await updateUser(db, { username: 'carol', lastName: ' Diaz-Ng ' });
    expect(user).toMatchObject({ username: 'carol', firstName: 'Carol', lastName: 'Diaz-Ng', email: 'c@example.com' });
    const row = await usersRow('carol');
    expect(row).toMatchObject({
      first_name: 'Carol',
      last_name: 'Diaz-Ng',
      email: 'c@example.com',
      created_at: created,
    });
    expect(row?.updated_at).not.toBe('2000-01-01 00:00:00');
    expect(row?.updated_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(user.updatedAt).toBe(row?.updated_at);

    expect(await updateUser(db, { username: 'carol', email: null })).toMatchObject({
      email: null,
      lastName: 'Diaz-Ng',
    });
    expect((await usersRow('carol'))?.email).toBeNull();
  });

  it('names the field on bad input and writes nothing', async () => {
    await conn.client.query(`update users set updated_at = '2000-01-01 00:00:00' where username = 'carol'`);
    const before = await usersRow('carol');
    await expectChatstoreError(
      () => updateUser(db, { username: 'carol', email: 'not an email' }),
      'VALIDATION',
      'email',
    );
    await expectChatstoreError(() => updateUser(db, { username: 'carol', firstName: '  ' }), 'VALIDATION', 'firstName');
    await expectChatstoreError(
      () => updateUser(db, { username: 'carol', lastName: 'x'.repeat(201) }),
      'VALIDATION',
      'lastName',
    );
    await expectChatstoreError(() => updateUser(db, { username: 'carol' }), 'VALIDATION', 'firstName');
    await expectChatstoreError(
      () => updateUser(db, { username: 'carol', firstName: 'C', createdAt: 'now' } as never),
      'VALIDATION',
      'createdAt',
    );
    await expectChatstoreError(
      () => updateUser(db, { username: '../carol', firstName: 'C' }),
      'VALIDATION',
      'username',
    );
    await expectChatstoreError(() => updateUser(db, { username: 'nobody', firstName: 'N' }), 'NOT_FOUND', 'username');
    expect(await usersRow('carol')).toEqual(before);
    expect(await count(`users where username = 'nobody'`)).toBe(0);
  });
});
