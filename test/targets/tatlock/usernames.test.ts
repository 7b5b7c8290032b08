/**
 * Usernames that could pass for one another (issue: one user opening another's memories on a
 * case-insensitive file system): case, Unicode compatibility forms and mixed scripts, refused in
 * system.db and when a user's file is opened.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NewUsername, usernameKey } from '../../../src/targets/tatlock/folder';
import { createUser, listUsers, openSystemDatabase } from '../../../src/targets/tatlock-system';
import { openUserDatabase } from '../../../src/targets/tatlock-user';
import { expectChatstoreError } from '../../support/database';

const dataDir = mkdtempSync(path.join(tmpdir(), 'chatstore-usernames-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const profile = { firstName: 'A', lastName: 'B', password: 'correct horse' };

describe('tatlock usernames', () => {
  it('fold case and compatibility forms to one key', () => {
    expect(usernameKey('Alice')).toBe('alice');
    expect(usernameKey('ＡＬＩＣＥ')).toBe('alice');
    expect(usernameKey('\u212Aate')).toBe('kate'); // Kelvin sign
    expect(usernameKey('STRASSE')).toBe(usernameKey('straße'));
    expect(usernameKey('аlice')).not.toBe('alice'); // Cyrillic а: a different key, caught as mixed scripts
  });

  it('a new name must be in NFKC form and in one script', () => {
    for (const ok of ['alice', 'Zoë', 'иван', 'δημήτρης', '山田たろう', 'user_1', 'ana.m@x']) {
      expect(NewUsername.safeParse(ok).success, ok).toBe(true);
    }
    for (const bad of ['аlice', 'paypal\u0430', '\u212Aate', 'ｆｕｌｌ', 'ﬁsh']) {
      expect(NewUsername.safeParse(bad).success, bad).toBe(false);
    }
  });

  it('system.db refuses a user whose name differs from another only in case or form, writing nothing', async () => {
    const conn = await openSystemDatabase({ dataDir });
    try {
      await createUser(conn.db, { username: 'alice', ...profile });
      await createUser(conn.db, { username: 'kate', ...profile });
      await expectChatstoreError(createUser(conn.db, { username: 'Alice', ...profile }), 'CONFLICT', 'username');
      await expectChatstoreError(createUser(conn.db, { username: 'KATE', ...profile }), 'CONFLICT', 'username');
      await expectChatstoreError(createUser(conn.db, { username: 'аlice', ...profile }), 'VALIDATION', 'username');
      await expectChatstoreError(createUser(conn.db, { username: '\u212Aate', ...profile }), 'VALIDATION', 'username');
      expect((await listUsers(conn.db)).map((u) => u.username).sort()).toEqual(['alice', 'kate']);
    } finally {
      await conn.close();
    }
  });

  it('opening a user file refuses a look-alike of another user file, creating nothing', async () => {
    const alice = await openUserDatabase('alice', { dataDir });
    await alice.close();
    const files = () => readdirSync(dataDir).filter((f) => f.endsWith('_longterm.db'));
    expect(files()).toEqual(['alice_longterm.db']);
    await expectChatstoreError(openUserDatabase('Alice', { dataDir }), 'CONFLICT', 'username');
    await expectChatstoreError(openUserDatabase('ALICE', { dataDir }), 'CONFLICT', 'username');
    await expectChatstoreError(openUserDatabase('аlice', { dataDir }), 'VALIDATION', 'username');
    expect(files()).toEqual(['alice_longterm.db']);
    expect(existsSync(path.join(dataDir, 'Alice_longterm.db.lock'))).toBe(false);
    // Options that are not options are refused before any path is made.
    await expectChatstoreError(openUserDatabase('bob', null as never), 'VALIDATION', 'options');
    await expectChatstoreError(openSystemDatabase(null as never), 'VALIDATION', 'options');
    await expectChatstoreError(openUserDatabase('bob', { dataDir: 42 } as never), 'VALIDATION', 'options.dataDir');
    expect(files()).toEqual(['alice_longterm.db']);
    // The same user opens their own file as before.
    const again = await openUserDatabase('alice', { dataDir });
    await again.close();
  });
});
