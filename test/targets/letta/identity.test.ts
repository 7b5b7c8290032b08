import { describe, expect, it } from 'vitest';
import {
  findLettaUser,
  getLettaUserOrThrow,
  linkProfile,
  listProfiles,
  loadAgentHistory,
  mergeUsers,
  recordIncomingMessage,
  resolveIdentity,
  sqliteTimestamp,
  updatePreferences,
  updateProfile,
} from '../../../src/targets/letta';
import { dbError } from '../../../src/targets/letta/internal';
import { expectChatstoreError, newIdentity, rowCounts, uniquePlatformId, useLettaDatabase } from './fixtures';

describe('letta identity', () => {
  const t = useLettaDatabase();

  it('creates a Letta user and its profile for a new identity, then finds them', () => {
    const at = new Date('2025-02-03T04:05:06.789Z');
    const telegramId = Number(uniquePlatformId());
    const first = resolveIdentity(t.db, {
      platform: ' Telegram',
      platformUserId: telegramId,
      username: 'ada',
      displayName: 'Ada Lovelace',
      metadata: { languageCode: 'en', isPremium: false },
      at,
    });
    expect(first.created).toBe(true);
    expect(first.user).toEqual({
      id: expect.any(Number),
      createdAt: '2025-02-03 04:05:06.789',
      lastActive: '2025-02-03 04:05:06.789',
      agentPreferences: null,
      conversationHistoryLimit: 10,
      customInstructions: null,
      isActive: true,
    });
    expect(first.profile).toEqual({
      id: expect.any(Number),
      lettaUserId: first.user.id,
      platform: 'telegram',
      platformUserId: String(telegramId),
      username: 'ada',
      displayName: 'Ada Lovelace',
      metadata: { languageCode: 'en', isPremium: false },
      createdAt: '2025-02-03 04:05:06.789',
      lastActive: '2025-02-03 04:05:06.789',
    });
    const again = resolveIdentity(t.db, { platform: 'telegram', platformUserId: String(telegramId), username: 'x' });
    expect(again).toEqual({ ...first, created: false });
    expect(findLettaUser(t.db, { platform: 'telegram', platformUserId: telegramId })).toEqual(again);
    expect(findLettaUser(t.db, { platform: 'telegram', platformUserId: uniquePlatformId() })).toBeUndefined();
    expect(getLettaUserOrThrow(t.db, first.user.id)).toEqual(first.user);
  });

  it('keeps the same platform user id on two platforms apart', () => {
    const id = uniquePlatformId();
    const telegram = resolveIdentity(t.db, { platform: 'telegram', platformUserId: id });
    const discord = resolveIdentity(t.db, { platform: 'discord', platformUserId: id });
    expect(discord.created).toBe(true);
    expect(discord.user.id).not.toBe(telegram.user.id);
  });

  it('rejects bad input with VALIDATION on the field and writes nothing', () => {
    const before = rowCounts(t.conn);
    expectChatstoreError(
      () => resolveIdentity(t.db, { platform: 'tele gram', platformUserId: '1' }),
      'VALIDATION',
      'platform',
    );
    expectChatstoreError(
      () => resolveIdentity(t.db, { platform: 'telegram', platformUserId: '  ' }),
      'VALIDATION',
      'platformUserId',
    );
    expectChatstoreError(
      () => resolveIdentity(t.db, { platform: 'telegram', platformUserId: -4 }),
      'VALIDATION',
      'platformUserId',
    );
    expectChatstoreError(
      () => resolveIdentity(t.db, { platform: 'telegram', platformUserId: '5', username: 'x'.repeat(256) }),
      'VALIDATION',
      'username',
    );
    expectChatstoreError(
      () =>
        resolveIdentity(t.db, {
          platform: 'telegram',
          platformUserId: '5',
          metadata: { seen: new Date() } as unknown as Record<string, string>,
        }),
      'VALIDATION',
      'metadata.seen',
    );
    expectChatstoreError(
      () => resolveIdentity(t.db, null as unknown as { platform: string; platformUserId: string }),
      'VALIDATION',
      'input',
    );
    expectChatstoreError(() => getLettaUserOrThrow(t.db, 0), 'VALIDATION', 'lettaUserId');
    expectChatstoreError(() => listProfiles(t.db, '7' as unknown as number), 'VALIDATION', 'lettaUserId');
    expectChatstoreError(() => getLettaUserOrThrow(t.db, 999_999), 'NOT_FOUND', 'lettaUserId');
    expect(rowCounts(t.conn)).toEqual(before);
  });

  it('gives a profile left without its user a new user instead of failing on the unique identity', () => {
    const id = uniquePlatformId();
    t.raw
      .prepare(
        `insert into platform_profiles (letta_user_id, platform, platform_user_id, username) values (null, 'email', ?, 'orphan')`,
      )
      .run(id);
    const resolved = resolveIdentity(t.db, { platform: 'email', platformUserId: id });
    expect(resolved.created).toBe(true);
    expect(resolved.profile).toMatchObject({ lettaUserId: resolved.user.id, username: 'orphan' });
    expect(listProfiles(t.db, resolved.user.id)).toHaveLength(1);
  });

  it('updates profile details and last_active of the profile and its user', () => {
    const { user, profile } = newIdentity(t.db, 'telegram', { username: 'old' });
    const at = new Date('2031-01-01T00:00:00Z');
    const updated = updateProfile(t.db, { profileId: profile.id, displayName: 'New Name', metadata: null, at });
    expect(updated).toMatchObject({
      username: 'old',
      displayName: 'New Name',
      metadata: null,
      lastActive: '2031-01-01 00:00:00.000',
    });
    expect(getLettaUserOrThrow(t.db, user.id).lastActive).toBe('2031-01-01 00:00:00.000');
    expect(updateProfile(t.db, { profileId: profile.id, username: null }).username).toBeNull();
    expectChatstoreError(() => updateProfile(t.db, { profileId: 987_654 }), 'NOT_FOUND', 'profileId');
    expectChatstoreError(
      () => updateProfile(t.db, { profileId: profile.id, displayName: '' }),
      'VALIDATION',
      'displayName',
    );
  });

  it('links another platform to a user, idempotently, and refuses an identity that belongs to someone else', () => {
    const { user } = newIdentity(t.db);
    const email = `ada-${uniquePlatformId()}@example.com`;
    const linked = linkProfile(t.db, {
      lettaUserId: user.id,
      platform: 'email',
      platformUserId: email,
      displayName: 'Ada',
    });
    expect(linked.created).toBe(true);
    expect(linked.profile).toMatchObject({ lettaUserId: user.id, platform: 'email', platformUserId: email });
    expect(linkProfile(t.db, { lettaUserId: user.id, platform: 'email', platformUserId: email })).toEqual({
      profile: linked.profile,
      created: false,
    });
    expect(resolveIdentity(t.db, { platform: 'email', platformUserId: email }).user.id).toBe(user.id);
    expect(listProfiles(t.db, user.id).map((p) => p.platform)).toEqual(['telegram', 'email']);

    const other = newIdentity(t.db);
    const before = rowCounts(t.conn);
    const conflict = expectChatstoreError(
      () => linkProfile(t.db, { lettaUserId: other.user.id, platform: 'email', platformUserId: email }),
      'CONFLICT',
      'platformUserId',
    );
    expect(conflict.message).toContain('mergeUsers');
    expectChatstoreError(
      () => linkProfile(t.db, { lettaUserId: 999_999, platform: 'slack', platformUserId: 'U1' }),
      'NOT_FOUND',
      'lettaUserId',
    );
    expect(rowCounts(t.conn)).toEqual(before);
  });

  it('merges two users: profiles, messages and queue move to the survivor, nothing is lost', () => {
    const a = resolveIdentity(t.db, {
      platform: 'telegram',
      platformUserId: uniquePlatformId(),
      at: new Date('2024-05-01T00:00:00Z'),
    });
    const b = resolveIdentity(t.db, {
      platform: 'discord',
      platformUserId: uniquePlatformId(),
      at: new Date('2024-01-01T00:00:00Z'),
    });
    updatePreferences(t.db, { lettaUserId: a.user.id, agentPreferences: { language: 'en' } });
    updatePreferences(t.db, {
      lettaUserId: b.user.id,
      agentPreferences: { language: 'de', timezone: 'Europe/Berlin' },
      customInstructions: 'Call me Bea.',
    });
    recordIncomingMessage(t.db, {
      profileId: a.profile.id,
      message: 'from telegram',
      at: new Date('2024-05-02T00:00:00Z'),
    });
    recordIncomingMessage(t.db, {
      profileId: b.profile.id,
      message: 'from discord',
      at: new Date('2024-06-01T00:00:00Z'),
    });
    recordIncomingMessage(t.db, { profileId: b.profile.id, message: 'again', at: new Date('2024-06-02T00:00:00Z') });

    const { user, moved } = mergeUsers(t.db, { into: a.user.id, from: b.user.id });
    expect(moved).toEqual({ profiles: 1, messages: 2, queue: 2 });
    expect(user).toMatchObject({
      id: a.user.id,
      createdAt: sqliteTimestamp(new Date('2024-01-01T00:00:00Z')),
      lastActive: sqliteTimestamp(new Date('2024-06-02T00:00:00Z')),
      agentPreferences: { language: 'en', timezone: 'Europe/Berlin' },
      customInstructions: 'Call me Bea.',
    });
    expectChatstoreError(() => getLettaUserOrThrow(t.db, b.user.id), 'NOT_FOUND', 'lettaUserId');
    expect(listProfiles(t.db, a.user.id).map((p) => p.platform)).toEqual(['telegram', 'discord']);
    expect(resolveIdentity(t.db, { platform: 'discord', platformUserId: b.profile.platformUserId ?? '' }).user.id).toBe(
      a.user.id,
    );
    const history = loadAgentHistory(t.db, { lettaUserId: a.user.id });
    expect(history.map((m) => [m.message, m.platform])).toEqual([
      ['from telegram', 'telegram'],
      ['from discord', 'discord'],
      ['again', 'discord'],
    ]);
    const queued = t.raw.prepare('select count(*) as n from queue where letta_user_id = ?').get(a.user.id);
    expect(queued).toEqual({ n: 3 });

    expectChatstoreError(() => mergeUsers(t.db, { into: a.user.id, from: a.user.id }), 'VALIDATION', 'from');
    expectChatstoreError(() => mergeUsers(t.db, { into: a.user.id, from: b.user.id }), 'NOT_FOUND', 'from');
    expectChatstoreError(() => mergeUsers(t.db, { into: 999_999, from: a.user.id }), 'NOT_FOUND', 'into');
  });

  it("names the input field of SQLite's UNIQUE violation", () => {
    const { profile } = newIdentity(t.db);
    let error: unknown;
    try {
      t.raw
        .prepare(`insert into platform_profiles (platform, platform_user_id) values (?, ?)`)
        .run(profile.platform, profile.platformUserId);
    } catch (e) {
      error = e;
    }
    expect(dbError(error, 'platform_profiles')).toMatchObject({ code: 'CONFLICT', field: 'platformUserId' });
  });

  it('composes inside a caller transaction and rolls back with it', () => {
    const before = rowCounts(t.conn);
    expect(() =>
      t.db.transaction((tx) => {
        const { profile } = resolveIdentity(tx, { platform: 'telegram', platformUserId: uniquePlatformId() });
        recordIncomingMessage(tx, { profileId: profile.id, message: 'hello' });
        throw new Error('changed my mind');
      }),
    ).toThrow('changed my mind');
    expect(rowCounts(t.conn)).toEqual(before);
  });
});
