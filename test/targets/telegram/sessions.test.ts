import { describe, expect, it } from 'vitest';
import {
  cleanupExpiredSessions,
  createSession,
  defaultTokenLifetimes,
  expireSession,
  findActiveSession,
  getSessionOrThrow,
  refreshSession,
  settleSession,
  tokenDigest,
} from '../../../src/targets/telegram';
import { pgBackends } from '../../support/backends';
import { expectChatstoreError, inAnHour, newUser, rowCounts, token, useTelegramDatabase } from './fixtures';

describe.each(pgBackends)('telegram sessions on $name', (backend) => {
  const t = useTelegramDatabase(backend);

  it('stores token digests and finds the session by either token', async () => {
    const { user, session, accessToken, refreshToken } = await newUser(t.db);
    expect(session.token).toBe(tokenDigest(accessToken));
    expect(session.refreshToken).toBe(tokenDigest(refreshToken));
    expect(session).toMatchObject({ tokenType: 'ACCESS', sessionMetadata: {}, deviceInfo: {} });
    // Finding a session is a use: last_activity moves, nothing else changes.
    const { lastActivity: _created, ...rest } = session;
    const found = await findActiveSession(t.db, { token: accessToken });
    expect(found).toMatchObject(rest);
    expect(found?.lastActivity.getTime()).toBeGreaterThanOrEqual(session.lastActivity.getTime());
    expect(await findActiveSession(t.db, { token: refreshToken, type: 'REFRESH' })).toMatchObject(rest);
    expect(await findActiveSession(t.db, { token: refreshToken })).toBeUndefined();
    const [row] = await t.conn.client.query<{ kind: string }>(
      `select jsonb_typeof(device_info) as kind from sessions where id = $1`,
      [session.id],
    );
    expect(row?.kind).toBe('object');

    // The application's rule: a session idle for 7 days is not active.
    await t.conn.client.query(`update sessions set last_activity = now() - interval '8 days' where id = $1`, [
      session.id,
    ]);
    expect(await findActiveSession(t.db, { token: accessToken })).toBeUndefined();
    expect(await findActiveSession(t.db, { token: accessToken, maxIdleSeconds: 9 * 86_400 })).toMatchObject({
      id: session.id,
    });

    const pending = await createSession(t.db, {
      userId: user.id,
      accessToken: token(),
      expiresAt: inAnHour(),
      deviceInfo: { os: 'iOS', app: { version: '1.2' } },
      sessionMetadata: { ip: '203.0.113.7' },
    });
    expect(pending.deviceInfo).toEqual({ os: 'iOS', app: { version: '1.2' } });
    const kinds = await t.conn.client.query(
      `select jsonb_typeof(device_info) as d, jsonb_typeof(session_metadata) as m from sessions where id = $1`,
      [pending.id],
    );
    expect(kinds).toEqual([{ d: 'object', m: 'object' }]);
    await expectChatstoreError(
      createSession(t.db, { userId: user.id, accessToken: token(), expiresAt: inAnHour(), deviceInfo: [] as never }),
      'VALIDATION',
      'deviceInfo',
    );
  });

  it('settles a pending login once', async () => {
    const { user } = await newUser(t.db);
    const accessToken = token();
    const pending = await createSession(t.db, { userId: user.id, accessToken, expiresAt: inAnHour() });
    // Seed 002: PENDING is the initial state; a pending session is not active.
    expect(pending.status).toBe('PENDING');
    expect(await findActiveSession(t.db, { token: accessToken })).toBeUndefined();
    expect((await settleSession(t.db, { sessionId: pending.id, status: 'AUTHENTICATED' })).status).toBe(
      'AUTHENTICATED',
    );
    expect((await findActiveSession(t.db, { token: accessToken }))?.id).toBe(pending.id);
    await expectChatstoreError(
      settleSession(t.db, { sessionId: pending.id, status: 'ERROR' }),
      'INVALID_TRANSITION',
      'status',
    );
  });

  it('rotates refresh tokens; presenting a rotated one revokes the session', async () => {
    const { session, refreshToken } = await newUser(t.db);
    const next = { accessToken: token(), newRefreshToken: token(), expiresAt: inAnHour() };
    const refreshed = await refreshSession(t.db, { refreshToken, ...next });
    expect(refreshed.id).toBe(session.id);
    expect(refreshed.token).toBe(tokenDigest(next.accessToken));
    expect(await findActiveSession(t.db, { token: next.accessToken })).toBeDefined();

    const before = await rowCounts(t.conn);
    const reuse = await expectChatstoreError(
      refreshSession(t.db, { refreshToken, accessToken: token(), newRefreshToken: token(), expiresAt: inAnHour() }),
      'PERMISSION_DENIED',
      'refreshToken',
    );
    expect(reuse.message).toContain('revoked');
    expect((await getSessionOrThrow(t.db, session.id)).status).toBe('EXPIRED');
    expect(await findActiveSession(t.db, { token: next.accessToken })).toBeUndefined();
    expect(await rowCounts(t.conn)).toEqual(before);
    // The legitimate holder's newest token no longer works either.
    await expectChatstoreError(
      refreshSession(t.db, { refreshToken: next.newRefreshToken, ...next, newRefreshToken: token() }),
      'PERMISSION_DENIED',
      'refreshToken',
    );
    await expectChatstoreError(
      refreshSession(t.db, {
        refreshToken: token(),
        accessToken: token(),
        newRefreshToken: token(),
        expiresAt: inAnHour(),
      }),
      'NOT_FOUND',
      'refreshToken',
    );
  });

  it('expires sessions and cleans up expired ones', async () => {
    const { session, accessToken, user } = await newUser(t.db);
    expect((await expireSession(t.db, session.id)).status).toBe('EXPIRED');
    expect(await findActiveSession(t.db, { token: accessToken })).toBeUndefined();
    const old = await createSession(t.db, { userId: user.id, accessToken: token(), expiresAt: inAnHour() });
    await t.conn.client.query(`update sessions set expires_at = now() - interval '1 minute' where id = $1`, [old.id]);
    const live = await createSession(t.db, { userId: user.id, accessToken: token(), expiresAt: inAnHour() });

    expect(await cleanupExpiredSessions(t.db)).toBeGreaterThanOrEqual(1); // `old`; `session` is kept for a day
    await expectChatstoreError(getSessionOrThrow(t.db, old.id), 'NOT_FOUND', 'sessionId');
    expect((await getSessionOrThrow(t.db, session.id)).status).toBe('EXPIRED');
    await cleanupExpiredSessions(t.db, { retainSeconds: 0 });
    await expectChatstoreError(getSessionOrThrow(t.db, session.id), 'NOT_FOUND', 'sessionId');
    expect((await getSessionOrThrow(t.db, live.id)).status).toBe('PENDING');
    await expectChatstoreError(cleanupExpiredSessions(t.db, { retainSeconds: -1 }), 'VALIDATION', 'retainSeconds');
  });

  it('gives access and refresh tokens their own lifetimes: refresh works after the access token expired', async () => {
    const { user } = await newUser(t.db);
    const near = (actual: Date | null, seconds: number) => {
      expect(actual).toBeInstanceOf(Date);
      expect(Math.abs((actual as Date).getTime() - (Date.now() + seconds * 1000))).toBeLessThan(60_000);
    };
    // No expiry given: each token type's default lifetime.
    const accessToken = token();
    const refreshToken = token();
    const session = await createSession(t.db, { userId: user.id, accessToken, refreshToken });
    near(session.expiresAt, defaultTokenLifetimes.ACCESS);
    near(session.refreshExpiresAt, defaultTokenLifetimes.REFRESH);
    expect(defaultTokenLifetimes.REFRESH).toBeGreaterThan(defaultTokenLifetimes.ACCESS);
    await settleSession(t.db, { sessionId: session.id, status: 'AUTHENTICATED' });
    // Configured lifetimes; no refresh token, no refresh expiry.
    const custom = await createSession(t.db, {
      userId: user.id,
      accessToken: token(),
      refreshToken: token(),
      lifetimes: { ACCESS: 300, REFRESH: 30 * 86_400 },
    });
    near(custom.expiresAt, 300);
    near(custom.refreshExpiresAt, 30 * 86_400);
    const accessOnly = await createSession(t.db, { userId: user.id, accessToken: token(), expiresAt: inAnHour() });
    expect(accessOnly.refreshExpiresAt).toBeNull();

    // The access token expires; the refresh token still works, and refreshing gives a new pair.
    await t.conn.client.query(`update sessions set expires_at = now() - interval '1 minute' where id = $1`, [
      session.id,
    ]);
    expect(await findActiveSession(t.db, { token: accessToken })).toBeUndefined();
    expect((await findActiveSession(t.db, { token: refreshToken, type: 'REFRESH' }))?.id).toBe(session.id);
    // Not cleaned up while its refresh token lives.
    await cleanupExpiredSessions(t.db);
    expect((await getSessionOrThrow(t.db, session.id)).status).toBe('AUTHENTICATED');
    const next = { accessToken: token(), newRefreshToken: token() };
    const refreshed = await refreshSession(t.db, { refreshToken, ...next, lifetimes: { ACCESS: 600 } });
    near(refreshed.expiresAt, 600);
    near(refreshed.refreshExpiresAt, defaultTokenLifetimes.REFRESH);
    expect((await findActiveSession(t.db, { token: next.accessToken }))?.id).toBe(session.id);

    // Once the refresh token has expired too, refreshing is refused and the session is cleaned up.
    await t.conn.client.query(
      `update sessions set expires_at = now() - interval '2 minutes', refresh_expires_at = now() - interval '1 minute' where id = $1`,
      [session.id],
    );
    expect(await findActiveSession(t.db, { token: next.newRefreshToken, type: 'REFRESH' })).toBeUndefined();
    const expired = await expectChatstoreError(
      refreshSession(t.db, { refreshToken: next.newRefreshToken, accessToken: token(), newRefreshToken: token() }),
      'PERMISSION_DENIED',
      'refreshToken',
    );
    expect(expired.message).toContain('refresh token');
    expect(await cleanupExpiredSessions(t.db)).toBeGreaterThanOrEqual(1);
    await expectChatstoreError(getSessionOrThrow(t.db, session.id), 'NOT_FOUND', 'sessionId');

    // A session written before send-retry (no refresh expiry) keeps the old rule: both tokens end at expires_at.
    const legacy = await newUser(t.db);
    await t.conn.client.query(
      `update sessions set refresh_expires_at = null, expires_at = now() - interval '1 minute' where id = $1`,
      [legacy.session.id],
    );
    await expectChatstoreError(
      refreshSession(t.db, { refreshToken: legacy.refreshToken, accessToken: token(), newRefreshToken: token() }),
      'PERMISSION_DENIED',
      'refreshToken',
    );
  });

  it('refuses inconsistent token lifetimes, writing nothing', async () => {
    const { user, refreshToken } = await newUser(t.db);
    const before = await rowCounts(t.conn);
    const soon = new Date(Date.now() + 60_000);
    await expectChatstoreError(
      createSession(t.db, {
        userId: user.id,
        accessToken: token(),
        refreshToken: token(),
        expiresAt: inAnHour(),
        refreshExpiresAt: soon,
      }),
      'VALIDATION',
      'refreshExpiresAt',
    );
    await expectChatstoreError(
      createSession(t.db, { userId: user.id, accessToken: token(), refreshExpiresAt: inAnHour() }),
      'VALIDATION',
      'refreshExpiresAt',
    );
    await expectChatstoreError(
      createSession(t.db, { userId: user.id, accessToken: token(), lifetimes: { ACCESS: 0 } }),
      'VALIDATION',
      'lifetimes.ACCESS',
    );
    await expectChatstoreError(
      createSession(t.db, { userId: user.id, accessToken: token(), lifetimes: { ACCESS: 8 * 86_400 } }),
      'VALIDATION',
      'lifetimes.REFRESH',
    );
    await expectChatstoreError(
      refreshSession(t.db, {
        refreshToken,
        accessToken: token(),
        newRefreshToken: token(),
        refreshExpiresAt: new Date(Date.now() - 1000),
      }),
      'VALIDATION',
      'refreshExpiresAt',
    );
    expect(await rowCounts(t.conn)).toEqual(before);
    // The schema's own rule: a refresh expiry needs a refresh token.
    const accessOnly = await createSession(t.db, { userId: user.id, accessToken: token() });
    await expect(
      t.conn.client.query(`update sessions set refresh_expires_at = now() + interval '1 day' where id = $1`, [
        accessOnly.id,
      ]),
    ).rejects.toThrow(/sessions_refresh_expires_at_check/);
  });
});
