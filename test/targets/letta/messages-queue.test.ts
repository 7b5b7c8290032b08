import { describe, expect, it } from 'vitest';
import {
  claimNextQueueEntry,
  completeQueueEntry,
  deleteUserData,
  failQueueEntry,
  getLettaUserOrThrow,
  getPreferences,
  linkProfile,
  listProfiles,
  listUsersWithPlatforms,
  loadAgentHistory,
  queueDepth,
  recordAssistantMessage,
  recordIncomingMessage,
  recoverStuckEntries,
  resolveIdentity,
  updatePreferences,
} from '../../../src/targets/letta';
import {
  expectChatstoreError,
  newIdentity,
  recordQueued,
  rowCounts,
  uniquePlatformId,
  useLettaDatabase,
} from './fixtures';

const minutes = (n: number) => n * 60_000;

describe('letta messages', () => {
  const t = useLettaDatabase();

  it('records an incoming message and enqueues it in one transaction, touching last_active', () => {
    const { user, profile } = newIdentity(t.db);
    const at = new Date('2030-03-04T05:06:07.008Z');
    const { message, queueEntry } = recordIncomingMessage(t.db, { profileId: profile.id, message: 'Hi agent!', at });
    expect(message).toEqual({
      id: expect.any(Number),
      lettaUserId: user.id,
      platformProfileId: profile.id,
      role: 'user',
      message: 'Hi agent!',
      timestamp: '2030-03-04 05:06:07.008',
      processed: 0,
      agentResponse: null,
    });
    expect(queueEntry).toEqual({
      id: expect.any(Number),
      lettaUserId: user.id,
      messageId: message.id,
      status: 'pending',
      attemptCount: 0,
      timestamp: '2030-03-04 05:06:07.008',
    });
    expect(getLettaUserOrThrow(t.db, user.id).lastActive).toBe('2030-03-04 05:06:07.008');
  });

  it('rejects bad input and unknown profiles, writing nothing', () => {
    const { profile } = newIdentity(t.db);
    const before = rowCounts(t.conn);
    expectChatstoreError(
      () => recordIncomingMessage(t.db, { profileId: profile.id, message: '  ' }),
      'VALIDATION',
      'message',
    );
    expectChatstoreError(
      () => recordIncomingMessage(t.db, { profileId: 1.5, message: 'x' }),
      'VALIDATION',
      'profileId',
    );
    expectChatstoreError(
      () => recordIncomingMessage(t.db, { profileId: 999_999, message: 'x' }),
      'NOT_FOUND',
      'profileId',
    );
    expect(rowCounts(t.conn)).toEqual(before);
  });

  it("gives the agent a user's history across platforms, limited by conversation_history_limit", () => {
    const { user, profile } = newIdentity(t.db);
    const discord = linkProfile(t.db, {
      lettaUserId: user.id,
      platform: 'discord',
      platformUserId: uniquePlatformId(),
    });
    const other = newIdentity(t.db);
    const sent = [];
    for (let i = 1; i <= 6; i++) {
      const from = i % 2 ? profile.id : discord.profile.id;
      sent.push(recordIncomingMessage(t.db, { profileId: from, message: `m${i}` }).message);
      recordIncomingMessage(t.db, { profileId: other.profile.id, message: `noise ${i}` });
    }
    updatePreferences(t.db, { lettaUserId: user.id, conversationHistoryLimit: 4 });
    const history = loadAgentHistory(t.db, { lettaUserId: user.id });
    expect(history.map((m) => [m.message, m.platform])).toEqual([
      ['m3', 'telegram'],
      ['m4', 'discord'],
      ['m5', 'telegram'],
      ['m6', 'discord'],
    ]);
    expect(history[0]).toMatchObject({ role: 'user', lettaUserId: user.id, processed: 0, agentResponse: null });
    expect(loadAgentHistory(t.db, { lettaUserId: user.id, limit: 2 }).map((m) => m.message)).toEqual(['m5', 'm6']);
    expect(
      loadAgentHistory(t.db, { lettaUserId: user.id, limit: 10, beforeMessageId: sent[2]?.id }).map((m) => m.message),
    ).toEqual(['m1', 'm2']);
    expect(loadAgentHistory(t.db, { lettaUserId: user.id, limit: 0 })).toEqual([]);
    expectChatstoreError(() => loadAgentHistory(t.db, { lettaUserId: 999_999 }), 'NOT_FOUND', 'lettaUserId');
    expectChatstoreError(() => loadAgentHistory(t.db, { lettaUserId: user.id, limit: 5000 }), 'VALIDATION', 'limit');
  });
});

describe('letta assistant messages and inactive users', () => {
  const t = useLettaDatabase();

  it('records an assistant-role message, unqueued, in the history between the user’s', () => {
    const { user, profile } = newIdentity(t.db);
    const before = rowCounts(t.conn);
    recordQueued(t.db, { profileId: profile.id, message: 'remind me at 9' });
    const at = new Date('2030-05-06T09:00:00Z');
    const reminder = recordAssistantMessage(t.db, {
      lettaUserId: user.id,
      profileId: profile.id,
      message: "It's 9.",
      at,
    });
    expect(reminder).toEqual({
      id: expect.any(Number),
      lettaUserId: user.id,
      platformProfileId: profile.id,
      role: 'assistant',
      message: "It's 9.",
      timestamp: '2030-05-06 09:00:00.000',
      processed: 1,
      agentResponse: null,
    });
    // One queue entry (the user's message), none for the assistant's.
    expect(rowCounts(t.conn)).toEqual({ ...before, messages: before.messages + 2, queue: before.queue + 1 });
    expect(loadAgentHistory(t.db, { lettaUserId: user.id }).map((m) => [m.role, m.message, m.platform])).toEqual([
      ['user', 'remind me at 9', 'telegram'],
      ['assistant', "It's 9.", 'telegram'],
    ]);
    // Without a profile: an agent message not tied to a platform.
    expect(recordAssistantMessage(t.db, { lettaUserId: user.id, message: 'hello' }).platformProfileId).toBeNull();
  });

  it('refuses an assistant message for an unknown user or someone else’s profile, writing nothing', () => {
    const { user } = newIdentity(t.db);
    const other = newIdentity(t.db);
    const before = rowCounts(t.conn);
    expectChatstoreError(
      () => recordAssistantMessage(t.db, { lettaUserId: user.id, profileId: other.profile.id, message: 'x' }),
      'NOT_FOUND',
      'profileId',
    );
    expectChatstoreError(
      () => recordAssistantMessage(t.db, { lettaUserId: 999_999, message: 'x' }),
      'NOT_FOUND',
      'lettaUserId',
    );
    expectChatstoreError(
      () => recordAssistantMessage(t.db, { lettaUserId: user.id, message: ' ' }),
      'VALIDATION',
      'message',
    );
    expect(rowCounts(t.conn)).toEqual(before);
  });

  it('does not queue an inactive user’s messages and skips their pending entries until reactivated', () => {
    // Drain entries of earlier tests so the claims below see only these.
    while (claimNextQueueEntry(t.db)) {}
    const sleeper = newIdentity(t.db);
    const awake = newIdentity(t.db);
    const early = recordQueued(t.db, { profileId: sleeper.profile.id, message: 'before' });
    updatePreferences(t.db, { lettaUserId: sleeper.user.id, isActive: false });
    const ignored = recordIncomingMessage(t.db, { profileId: sleeper.profile.id, message: 'while inactive' });
    expect(ignored.queueEntry).toBeNull();
    expect(ignored.message).toMatchObject({ role: 'user', message: 'while inactive', processed: 0 });
    const other = recordQueued(t.db, { profileId: awake.profile.id, message: 'other user' });

    // The older entry of the inactive user is passed over, not claimed.
    expect(claimNextQueueEntry(t.db)?.entry.id).toBe(other.queueEntry.id);
    expect(claimNextQueueEntry(t.db)).toBeNull();
    expect(t.raw.prepare('select status from queue where id = ?').get(early.queueEntry.id)).toEqual({
      status: 'pending',
    });

    updatePreferences(t.db, { lettaUserId: sleeper.user.id, isActive: true });
    expect(claimNextQueueEntry(t.db)?.entry.id).toBe(early.queueEntry.id);
    // A NULL is_active (written by another tool) counts as active, the seed's default.
    t.raw.prepare('update letta_users set is_active = null where id = ?').run(sleeper.user.id);
    expect(recordIncomingMessage(t.db, { profileId: sleeper.profile.id, message: 'again' }).queueEntry).not.toBeNull();
  });
});

describe('letta user deletion', () => {
  const t = useLettaDatabase();

  it('erases a user with profiles, messages and queue entries, and leaves other users alone', () => {
    const gone = newIdentity(t.db);
    linkProfile(t.db, { lettaUserId: gone.user.id, platform: 'discord', platformUserId: uniquePlatformId() });
    const kept = newIdentity(t.db);
    const keptMessage = recordQueued(t.db, { profileId: kept.profile.id, message: 'stay' });
    for (let i = 0; i < 3; i++) recordQueued(t.db, { profileId: gone.profile.id, message: `m${i}` });
    recordAssistantMessage(t.db, { lettaUserId: gone.user.id, message: 'bye' });
    // A queue entry written by another tool without the user id, pointing at one of their messages.
    const [theirs] = loadAgentHistory(t.db, { lettaUserId: gone.user.id });
    t.raw.prepare(`insert into queue (message_id, status) values (?, 'pending')`).run(theirs?.id);
    const before = rowCounts(t.conn);

    expect(deleteUserData(t.db, gone.user.id)).toEqual({ queue: 4, messages: 4, profiles: 2, users: 1 });
    expect(rowCounts(t.conn)).toEqual({
      users: before.users - 1,
      profiles: before.profiles - 2,
      messages: before.messages - 4,
      queue: before.queue - 4,
    });
    expectChatstoreError(() => getLettaUserOrThrow(t.db, gone.user.id), 'NOT_FOUND', 'lettaUserId');
    expect(listProfiles(t.db, kept.user.id)).toHaveLength(1);
    expect(claimNextQueueEntry(t.db)?.entry.id).toBe(keptMessage.queueEntry.id);
    // Repeating the erasure is harmless; a bad id is VALIDATION.
    expect(deleteUserData(t.db, gone.user.id)).toEqual({ queue: 0, messages: 0, profiles: 0, users: 0 });
    expectChatstoreError(() => deleteUserData(t.db, 0), 'VALIDATION', 'lettaUserId');
    // The identity writing again is a new user.
    expect(
      resolveIdentity(t.db, { platform: 'telegram', platformUserId: gone.profile.platformUserId ?? '' }).created,
    ).toBe(true);
  });
});

describe('letta preferences', () => {
  const t = useLettaDatabase();

  it('reads the seed defaults and changes only what is given', () => {
    const { user } = newIdentity(t.db);
    expect(getPreferences(t.db, user.id)).toEqual({
      agentPreferences: null,
      customInstructions: null,
      conversationHistoryLimit: 10,
      isActive: true,
    });
    const prefs = { agentId: 'agent-123', language: 'pt-BR', responseStyle: 'concise', memory: true } as const;
    expect(updatePreferences(t.db, { lettaUserId: user.id, agentPreferences: prefs, isActive: false })).toEqual({
      agentPreferences: prefs,
      customInstructions: null,
      conversationHistoryLimit: 10,
      isActive: false,
    });
    const stored = t.raw.prepare('select agent_preferences, is_active from letta_users where id = ?').get(user.id);
    expect(stored).toEqual({ agent_preferences: JSON.stringify(prefs), is_active: 0 });
    updatePreferences(t.db, { lettaUserId: user.id, customInstructions: 'Be brief.', conversationHistoryLimit: 25 });
    expect(getPreferences(t.db, user.id)).toMatchObject({ agentPreferences: prefs, customInstructions: 'Be brief.' });
    expect(updatePreferences(t.db, { lettaUserId: user.id, agentPreferences: null, customInstructions: null })).toEqual(
      {
        agentPreferences: null,
        customInstructions: null,
        conversationHistoryLimit: 25,
        isActive: false,
      },
    );
  });

  it('validates preferences with the AgentPreferences schema and writes nothing on error', () => {
    const { user } = newIdentity(t.db);
    const bad = (input: Record<string, unknown>, field: string) =>
      expectChatstoreError(() => updatePreferences(t.db, { lettaUserId: user.id, ...input }), 'VALIDATION', field);
    bad({ agentPreferences: { language: 'english please' } }, 'agentPreferences.language');
    bad({ agentPreferences: { responseStyle: 'chatty' } }, 'agentPreferences.responseStyle');
    bad({ agentPreferences: { favouriteColour: 'blue' } }, 'agentPreferences');
    bad({ conversationHistoryLimit: -1 }, 'conversationHistoryLimit');
    bad({ isActive: 'yes' }, 'isActive');
    bad({}, 'input');
    expect(getPreferences(t.db, user.id).agentPreferences).toBeNull();
    expectChatstoreError(() => getPreferences(t.db, 999_999), 'NOT_FOUND', 'lettaUserId');
    expectChatstoreError(() => getPreferences(t.db, -1), 'VALIDATION', 'lettaUserId');
    expectChatstoreError(
      () => updatePreferences(t.db, { lettaUserId: 999_999, isActive: true }),
      'NOT_FOUND',
      'lettaUserId',
    );
  });
});

describe('letta queue', () => {
  const t = useLettaDatabase();

  it('claims oldest first, completes with the agent response, and is empty afterwards', () => {
    expect(claimNextQueueEntry(t.db)).toBeNull();
    const { profile } = newIdentity(t.db);
    const first = recordQueued(t.db, { profileId: profile.id, message: 'first' });
    const second = recordQueued(t.db, { profileId: profile.id, message: 'second' });
    const at = new Date('2030-01-01T12:00:00Z');
    const claimed = claimNextQueueEntry(t.db, { at });
    expect(claimed).toEqual({
      entry: { ...first.queueEntry, status: 'processing', timestamp: '2030-01-01 12:00:00.000' },
      message: first.message,
    });
    const done = completeQueueEntry(t.db, { queueId: first.queueEntry.id, agentResponse: 'Hello!' });
    expect(done.entry.status).toBe('done');
    expect(done.message).toEqual({ ...first.message, processed: 1, agentResponse: 'Hello!' });
    expect(claimNextQueueEntry(t.db)?.entry.id).toBe(second.queueEntry.id);
    expect(claimNextQueueEntry(t.db)).toBeNull();
    expectChatstoreError(
      () => completeQueueEntry(t.db, { queueId: first.queueEntry.id, agentResponse: 'again' }),
      'INVALID_TRANSITION',
      'queueId',
    );
    expectChatstoreError(
      () => completeQueueEntry(t.db, { queueId: 999_999, agentResponse: 'x' }),
      'NOT_FOUND',
      'queueId',
    );
    expectChatstoreError(
      () => completeQueueEntry(t.db, { queueId: second.queueEntry.id } as never),
      'VALIDATION',
      'agentResponse',
    );
    completeQueueEntry(t.db, { queueId: second.queueEntry.id, agentResponse: '' });
  });

  it('retries a failed entry until the maximum, then marks it failed', () => {
    const { profile } = newIdentity(t.db);
    const { queueEntry } = recordQueued(t.db, { profileId: profile.id, message: 'flaky' });
    expect(claimNextQueueEntry(t.db)?.entry.id).toBe(queueEntry.id);
    const first = failQueueEntry(t.db, { queueId: queueEntry.id, maxAttempts: 2 });
    expect(first).toMatchObject({ willRetry: true, entry: { status: 'pending', attemptCount: 1 } });
    expectChatstoreError(() => failQueueEntry(t.db, { queueId: queueEntry.id }), 'INVALID_TRANSITION', 'queueId');
    expect(claimNextQueueEntry(t.db)?.entry).toMatchObject({ id: queueEntry.id, attemptCount: 1 });
    const second = failQueueEntry(t.db, { queueId: queueEntry.id, maxAttempts: 2 });
    expect(second).toMatchObject({ willRetry: false, entry: { status: 'failed', attemptCount: 2 } });
    expect(claimNextQueueEntry(t.db)).toBeNull();
    expectChatstoreError(
      () => failQueueEntry(t.db, { queueId: queueEntry.id, maxAttempts: 0 }),
      'VALIDATION',
      'maxAttempts',
    );
  });

  it('recovers entries stuck in processing past the timeout, counting the attempt', () => {
    const { profile } = newIdentity(t.db);
    const now = new Date('2030-06-01T12:00:00Z');
    const stuck = recordQueued(t.db, { profileId: profile.id, message: 'stuck' }).queueEntry;
    const lastTry = recordQueued(t.db, { profileId: profile.id, message: 'last try' }).queueEntry;
    const busy = recordQueued(t.db, { profileId: profile.id, message: 'busy' }).queueEntry;
    claimNextQueueEntry(t.db, { at: new Date(now.getTime() - minutes(30)) });
    claimNextQueueEntry(t.db, { at: new Date(now.getTime() - minutes(20)) });
    claimNextQueueEntry(t.db, { at: new Date(now.getTime() - minutes(2)) });
    t.raw.prepare('update queue set attempt_count = 2 where id = ?').run(lastTry.id);
    const recovered = recoverStuckEntries(t.db, { olderThanMs: minutes(10), at: now });
    expect(recovered.map((e) => [e.id, e.status, e.attemptCount])).toEqual([
      [stuck.id, 'pending', 1],
      [lastTry.id, 'failed', 3],
    ]);
    expect(recovered[0]?.timestamp).toBe('2030-06-01 12:00:00.000');
    expect(claimNextQueueEntry(t.db, { at: now })?.entry.id).toBe(stuck.id);
    expect(recoverStuckEntries(t.db, { olderThanMs: minutes(10), at: now })).toEqual([]);
    // A legacy entry without a readable claim time counts as stuck.
    t.raw.prepare(`update queue set timestamp = 'sometime' where id = ?`).run(busy.id);
    expect(recoverStuckEntries(t.db, { olderThanMs: minutes(10), at: now }).map((e) => e.id)).toEqual([busy.id]);
    expectChatstoreError(() => recoverStuckEntries(t.db, { olderThanMs: 0 }), 'VALIDATION', 'olderThanMs');
  });
});

describe('letta dashboard', () => {
  const t = useLettaDatabase();

  it('lists users with their platforms and message counts, and the queue depth by status', () => {
    const ada = newIdentity(t.db, 'telegram', { username: 'ada' });
    linkProfile(t.db, { lettaUserId: ada.user.id, platform: 'discord', platformUserId: 'ada#1', username: 'ada_d' });
    const bob = newIdentity(t.db, 'email');
    for (let i = 0; i < 3; i++) recordIncomingMessage(t.db, { profileId: ada.profile.id, message: `a${i}` });
    recordIncomingMessage(t.db, { profileId: bob.profile.id, message: 'b' });
    const claimed = claimNextQueueEntry(t.db);
    completeQueueEntry(t.db, { queueId: claimed?.entry.id ?? 0, agentResponse: 'ok' });
    claimNextQueueEntry(t.db);
    t.raw.prepare(`insert into queue (status) values ('archived')`).run();

    const page = listUsersWithPlatforms(t.db);
    expect(page.map((u) => [u.user.id, u.platforms.map((p) => `${p.platform}:${p.username}`), u.messageCount])).toEqual(
      [
        [ada.user.id, ['telegram:ada', 'discord:ada_d'], 3],
        [bob.user.id, ['email:null'], 1],
      ],
    );
    expect(listUsersWithPlatforms(t.db, { limit: 1, offset: 1 }).map((u) => u.user.id)).toEqual([bob.user.id]);
    expect(listUsersWithPlatforms(t.db, { offset: 10 })).toEqual([]);
    expectChatstoreError(() => listUsersWithPlatforms(t.db, { limit: 0 }), 'VALIDATION', 'limit');
    expect(queueDepth(t.db)).toEqual({
      byStatus: { pending: 2, processing: 1, done: 1, failed: 0 },
      other: { archived: 1 },
      total: 5,
    });
  });
});
