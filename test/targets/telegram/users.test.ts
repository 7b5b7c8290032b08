import { describe, expect, it } from 'vitest';
import {
  createSession,
  deactivateCredentials,
  deleteUser,
  enqueueTask,
  findActiveSession,
  getModelPreference,
  getUserByTelegramId,
  getUserOrThrow,
  readCredentials,
  reencryptCredentials,
  refreshSession,
  registerUser,
  selectDialog,
  setModelPreference,
  storeCredentials,
  storeSuggestion,
  type TelegramDb,
} from '../../../src/targets/telegram';
import { pgBackends } from '../../support/backends';
import {
  app,
  expectChatstoreError,
  inAnHour,
  key1,
  key2,
  keyring,
  newUser,
  rowCounts,
  token,
  useTelegramDatabase,
} from './fixtures';

describe.each(pgBackends)('telegram users, credentials and model preferences on $name', (backend) => {
  const t = useTelegramDatabase(backend);

  it('registers a user, encrypted credentials and a first session in one go', async () => {
    const { user, credentials, session, accessToken } = await newUser(t.db);
    expect(await getUserByTelegramId(t.db, user.telegramId)).toEqual(user);
    expect(await getUserOrThrow(t.db, user.id)).toEqual(user);
    expect(credentials).toMatchObject({ userId: user.id, keyId: 'k1', isActive: true });
    expect(credentials).not.toHaveProperty('encryptedCredentials');
    expect(session).toMatchObject({ userId: user.id, status: 'AUTHENTICATED' }); // newUser settles it
    // Registration's session starts PENDING (seed 002's initial state) and is not active yet.
    const pendingToken = token();
    const registered = await registerUser(t.db, {
      telegramId: user.telegramId + 1,
      credentials: 'c',
      keyring,
      session: { accessToken: pendingToken, expiresAt: inAnHour() },
    });
    expect(registered.session.status).toBe('PENDING');
    expect(await findActiveSession(t.db, { token: pendingToken })).toBeUndefined();
    // Neither the plaintext credentials nor the token reach the database.
    const [stored] = await t.conn.client.query<{ hex: string; token: string }>(
      `select encode(a.encrypted_credentials, 'hex') as hex, s.token from authentication_data a
       join sessions s on s.user_id = a.user_id where a.user_id = $1`,
      [user.id],
    );
    expect(stored?.hex).not.toContain(Buffer.from(`secret-${user.telegramId}`).toString('hex'));
    expect(stored?.token).toMatch(/^[0-9a-f]{64}$/);
    expect(stored?.token).not.toBe(accessToken);
    expect(await readCredentials(t.db, { userId: user.id, keyring })).toBe(`secret-${user.telegramId}`);
  });

  it('registers a Telegram user once, and writes nothing when any part is invalid', async () => {
    const { user } = await newUser(t.db);
    const before = await rowCounts(t.conn);
    const base = {
      telegramId: user.telegramId,
      credentials: 'c',
      keyring,
      session: { accessToken: token(), expiresAt: inAnHour() },
    };
    await expectChatstoreError(registerUser(t.db, base), 'CONFLICT', 'telegramId');
    const fresh = { ...base, telegramId: user.telegramId + 1 };
    await expectChatstoreError(registerUser(t.db, { ...fresh, telegramId: -5 }), 'VALIDATION', 'telegramId');
    await expectChatstoreError(registerUser(t.db, { ...fresh, credentials: '' }), 'VALIDATION', 'credentials');
    await expectChatstoreError(
      registerUser(t.db, { ...fresh, keyring: { currentKeyId: 'k1', keys: { k1: Buffer.alloc(16) } } }),
      'VALIDATION',
      'keyring.keys.k1',
    );
    await expectChatstoreError(
      registerUser(t.db, { ...fresh, keyring: { currentKeyId: 'k9', keys: { k1: key1 } } }),
      'VALIDATION',
      'keyring.currentKeyId',
    );
    await expectChatstoreError(
      registerUser(t.db, { ...fresh, session: { accessToken: 'short', expiresAt: inAnHour() } }),
      'VALIDATION',
      'session.accessToken',
    );
    await expectChatstoreError(
      registerUser(t.db, { ...fresh, session: { accessToken: token(), expiresAt: new Date(Date.now() - 1000) } }),
      'VALIDATION',
      'session.expiresAt',
    );
    // A token already in use makes the session insert fail: the user row is rolled back too.
    const [{ accessToken }] = [await newUser(t.db)];
    const mid = await rowCounts(t.conn);
    await expectChatstoreError(
      registerUser(t.db, { ...fresh, session: { accessToken, expiresAt: inAnHour() } }),
      'CONFLICT',
      'accessToken',
    );
    expect(await rowCounts(t.conn)).toEqual(mid);
    expect(mid.users).toBe((before.users ?? 0) + 1);
    expect(await getUserByTelegramId(t.db, fresh.telegramId)).toBeUndefined();
  });

  it('replaces credentials (one active set per user) and fails clearly on a missing or wrong key', async () => {
    const { user } = await newUser(t.db);
    const info = await storeCredentials(t.db, { userId: user.id, credentials: 'new-session', keyring });
    expect(info.isActive).toBe(true);
    expect(await readCredentials(t.db, { userId: user.id, keyring })).toBe('new-session');
    const rows = await t.conn.client.query<{ n: number }>(
      `select count(*)::int as n from authentication_data where user_id = $1 and is_active`,
      [user.id],
    );
    expect(rows).toEqual([{ n: 1 }]);

    const missing = await expectChatstoreError(
      readCredentials(t.db, { userId: user.id, keyring: { currentKeyId: 'k2', keys: { k2: key2 } } }),
      'DECRYPTION_FAILED',
      'keyring',
    );
    expect(missing.message).toContain('"k1" is not in the keyring');
    const wrong = await expectChatstoreError(
      readCredentials(t.db, { userId: user.id, keyring: { currentKeyId: 'k1', keys: { k1: key2 } } }),
      'DECRYPTION_FAILED',
      'keyring',
    );
    expect(wrong.message).not.toContain('new-session');

    // A ciphertext moved to another user does not decrypt (bound to its user).
    const other = await newUser(t.db);
    await t.conn.client.query(
      `update authentication_data set encrypted_credentials = (select encrypted_credentials from authentication_data
         where user_id = $1 and is_active) where user_id = $2 and is_active`,
      [user.id, other.user.id],
    );
    await expectChatstoreError(
      readCredentials(t.db, { userId: other.user.id, keyring }),
      'DECRYPTION_FAILED',
      'keyring',
    );
    await t.conn.client.query('delete from authentication_data where user_id = $1', [other.user.id]);

    expect(await deactivateCredentials(t.db, user.id)).toBe(1);
    await expectChatstoreError(readCredentials(t.db, { userId: user.id, keyring }), 'NOT_FOUND', 'userId');
    await expectChatstoreError(
      storeCredentials(t.db, { userId: '00000000-0000-4000-8000-000000000000', credentials: 'x', keyring }),
      'FOREIGN_KEY',
      'userId',
    );
  });

  it('rotates keys: re-encrypts every row it can under the current key, reports the ones it cannot', async () => {
    const { user } = await newUser(t.db);
    const { user: lost } = await newUser(t.db);
    const rotated = { currentKeyId: 'k2', keys: { k1: key1, k2: key2 } };
    const under = async (keyId: string) =>
      (
        await t.conn.client.query<{ n: number }>(
          'select count(*)::int as n from authentication_data where key_id = $1',
          [keyId],
        )
      )[0]?.n;
    const before = await t.conn.client.query<Record<string, unknown>>(
      'select id, key_id, encrypted_credentials from authentication_data where user_id = $1',
      [lost.id],
    );
    // One row written under a key the keyring no longer has: it cannot be rotated.
    await t.conn.client.query(`update authentication_data set key_id = 'k0' where user_id = $1`, [lost.id]);
    const k1Rows = (await under('k1')) ?? 0;
    expect(k1Rows).toBeGreaterThan(2);

    // A keyring without k1 rotates nothing, and says why for every row; nothing is written.
    const none = await reencryptCredentials(t.db, { keyring: { currentKeyId: 'k2', keys: { k2: key2 } } });
    expect(none.rotated).toBe(0);
    expect(none.failed.length).toBe(k1Rows + 1);
    expect(none.failed.every((f) => /not in the keyring/.test(f.reason))).toBe(true);
    expect(await under('k1')).toBe(k1Rows);

    const progress: number[] = [];
    const report = await reencryptCredentials(t.db, {
      keyring: rotated,
      batchSize: 2,
      onProgress: ({ rotated: n }) => progress.push(n),
    });
    expect(report.rotated).toBe(k1Rows);
    expect(report.failed).toEqual([
      {
        id: before[0]?.id,
        userId: lost.id,
        keyId: 'k0',
        reason: expect.stringMatching(/key "k0" is not in the keyring/),
      },
    ]);
    expect(progress.length).toBeGreaterThanOrEqual(Math.ceil(k1Rows / 2));
    expect(progress.at(-1)).toBe(k1Rows);
    const k2Only = { currentKeyId: 'k2', keys: { k2: key2 } };
    expect(await readCredentials(t.db, { userId: user.id, keyring: k2Only })).toBe(`secret-${user.telegramId}`);
    // The row that failed is exactly as it was, apart from the key id this test changed.
    const after = await t.conn.client.query<Record<string, unknown>>(
      'select id, key_id, encrypted_credentials from authentication_data where user_id = $1',
      [lost.id],
    );
    expect(after).toEqual([{ ...before[0], key_id: 'k0' }]);
    // Rows the application wrote carry no key id: rotation leaves them alone.
    expect(
      await t.conn.client.query(`select distinct key_id from authentication_data where key_id is not null order by 1`),
    ).toEqual([{ key_id: 'k0' }, { key_id: 'k2' }]);
    expect((await reencryptCredentials(t.db, { keyring: rotated })).rotated).toBe(0);
  });

  it('keeps one model preference per user', async () => {
    const { user } = await newUser(t.db);
    expect(await getModelPreference(t.db, user.id)).toBeUndefined();
    const first = await setModelPreference(t.db, { userId: user.id, modelName: 'gpt-4o-mini', systemPrompt: 'Brief.' });
    const second = await setModelPreference(t.db, { userId: user.id, modelName: 'claude-3-5-haiku' });
    expect(second).toMatchObject({ id: first.id, modelName: 'claude-3-5-haiku', systemPrompt: 'Brief.' });
    const cleared = await setModelPreference(t.db, { userId: user.id, modelName: 'm', systemPrompt: null });
    expect(cleared.systemPrompt).toBeNull();
    await expectChatstoreError(
      setModelPreference(t.db, { userId: user.id, modelName: ' ' }),
      'VALIDATION',
      'modelName',
    );
    await expectChatstoreError(setModelPreference(t.db, { userId: 'nope', modelName: 'm' }), 'VALIDATION', 'userId');
  });

  it("keeps one credentials row per Telegram account and works on the application's rows", async () => {
    const { user } = await newUser(t.db);
    const before = await t.conn.client.query(`select count(*)::int as n from authentication_data where user_id = $1`, [
      user.id,
    ]);
    const info = await storeCredentials(t.db, { userId: user.id, credentials: 'again', keyring });
    expect(info).toMatchObject({ userId: user.id, telegramId: user.telegramId, isActive: true, lastActiveAt: null });
    expect(info).not.toHaveProperty('sessionData');
    // Rewritten in place: the application's unique telegram_id allows one row per account.
    expect(
      await t.conn.client.query(`select count(*)::int as n from authentication_data where user_id = $1`, [user.id]),
    ).toEqual(before);
    expect(await readCredentials(t.db, { userId: user.id, keyring })).toBe('again');
    const [used] = await t.conn.client.query<{ used: boolean }>(
      `select last_active_at is not null as used from authentication_data where user_id = $1`,
      [user.id],
    );
    expect(used?.used).toBe(true);

    // The application's rows: Ada's credentials carry no key id, Bob's have no ciphertext.
    const written = await expectChatstoreError(
      readCredentials(t.db, { userId: app.ada, keyring }),
      'DECRYPTION_FAILED',
      'keyring',
    );
    expect(written.message).toContain('no key id');
    await expectChatstoreError(readCredentials(t.db, { userId: app.bob, keyring }), 'NOT_FOUND', 'userId');
    // Another user may not take over Ada's Telegram account row.
    await t.conn.client.query(`update users set telegram_id = $1 where id = $2`, [app.bobTelegramId + 100, app.bob]);
    await t.conn.client.query(`update authentication_data set telegram_id = $1 where user_id = $2`, [
      app.bobTelegramId + 100,
      app.bob,
    ]);
    await t.conn.client.query(`update users set telegram_id = $1 where id = $2`, [app.adaTelegramId + 100, app.ada]);
    await t.conn.client.query(`update users set telegram_id = $1 where id = $2`, [app.adaTelegramId, app.bob]);
    await expectChatstoreError(
      storeCredentials(t.db, { userId: app.bob, credentials: 'stolen', keyring }),
      'CONFLICT',
      'telegramId',
    );
    // Stored again by the app through chatstore, Ada's credentials are readable.
    await t.conn.client.query(`update users set telegram_id = $1 where id = $2`, [app.bobTelegramId, app.bob]);
    await t.conn.client.query(`update users set telegram_id = $1 where id = $2`, [app.adaTelegramId, app.ada]);
    await storeCredentials(t.db, { userId: app.ada, credentials: 'ada-session', keyring });
    expect(await readCredentials(t.db, { userId: app.ada, keyring })).toBe('ada-session');
  });

  it("deletes a user and everything of theirs in one go, and nobody else's rows", async () => {
    // Everything a user can own, for two users; one of them is deleted.
    const populate = async (db: TelegramDb) => {
      const { user, refreshToken } = await newUser(db);
      await refreshSession(db, { refreshToken, accessToken: token(), newRefreshToken: token(), expiresAt: inAnHour() });
      await createSession(db, { userId: user.id, accessToken: token(), expiresAt: inAnHour() });
      await setModelPreference(db, { userId: user.id, modelName: 'gpt-4o-mini' });
      for (const n of [1, 2]) {
        const dialog = await selectDialog(db, {
          userId: user.id,
          telegramDialogId: `-7${n}`,
          name: `c${n}`,
          type: 'GROUP',
        });
        await storeSuggestion(db, {
          dialogId: dialog.id,
          lastMessageId: `${n}`,
          lastMessageTimestamp: new Date(),
          suggestedResponse: 'ok',
          modelName: 'gpt-4o-mini',
        });
        await enqueueTask(db, { type: 'DIALOG', dialogId: dialog.id });
      }
      await enqueueTask(db, { type: 'USER', userId: user.id });
      return user.id;
    };
    const owned = (userId: string) =>
      t.conn.client.query<Record<string, number>>(
        `select
           (select count(*)::int from users where id = $1) as users,
           (select count(*)::int from sessions where user_id = $1) as sessions,
           (select count(*)::int from session_rotated_tokens r join sessions s on s.id = r.session_id
             where s.user_id = $1) as rotated,
           (select count(*)::int from authentication_data where user_id = $1) as credentials,
           (select count(*)::int from dialogs where user_id = $1) as dialogs,
           (select count(*)::int from processed_responses p join dialogs d on d.id = p.dialog_id
             where d.user_id = $1) as responses,
           (select count(*)::int from user_selected_models where user_id = $1) as models,
           (select count(*)::int from tasks where user_id = $1
             or dialog_id in (select id from dialogs where user_id = $1)) as tasks`,
        [userId],
      );
    const gone = await populate(t.db);
    const kept = await populate(t.db);
    const keptBefore = await owned(kept);
    const adaBefore = await owned(app.ada);
    const totalBefore = await rowCounts(t.conn);

    const removed = await deleteUser(t.db, { userId: gone });
    expect(removed).toEqual({
      userId: gone,
      sessions: 2,
      rotatedTokens: 1,
      credentials: 1,
      dialogs: 2,
      responses: 2,
      modelPreferences: 1,
      tasks: 3,
    });
    expect(await owned(gone)).toEqual([
      { users: 0, sessions: 0, rotated: 0, credentials: 0, dialogs: 0, responses: 0, models: 0, tasks: 0 },
    ]);
    expect(await owned(kept)).toEqual(keptBefore);
    expect(keptBefore[0]).toMatchObject({ users: 1, sessions: 2, dialogs: 2, tasks: 3 });
    expect(await owned(app.ada)).toEqual(adaBefore);
    const totalAfter = await rowCounts(t.conn);
    expect(totalAfter).toEqual({
      ...totalBefore,
      users: (totalBefore.users ?? 0) - 1,
      sessions: (totalBefore.sessions ?? 0) - 2,
      session_rotated_tokens: (totalBefore.session_rotated_tokens ?? 0) - 1,
      authentication_data: (totalBefore.authentication_data ?? 0) - 1,
      dialogs: (totalBefore.dialogs ?? 0) - 2,
      processed_responses: (totalBefore.processed_responses ?? 0) - 2,
      user_selected_models: (totalBefore.user_selected_models ?? 0) - 1,
      tasks: (totalBefore.tasks ?? 0) - 3,
    });

    await expectChatstoreError(deleteUser(t.db, { userId: gone }), 'NOT_FOUND', 'userId');
    await expectChatstoreError(deleteUser(t.db, { userId: 'nope' }), 'VALIDATION', 'userId');
    expect(await rowCounts(t.conn)).toEqual(totalAfter);
  });
});
