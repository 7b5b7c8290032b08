/**
 * Who is talking to the agent (seed 000, v2): a master Letta user and one profile per platform
 * presence. Resolve an incoming identity (creating user and profile when new), keep profile
 * details current, link another platform to a user, merge two users who turn out to be one, and
 * erase a user with everything of theirs.
 */
import { and, eq, inArray, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { ChatstoreError } from '../../errors';
import { parseInput } from '../../kit';
import { lettaUsers, messages, platformProfiles, queue } from '../../schema/letta';
import { ProfileMetadata } from '../../schema/letta/json';
import { floor, type LettaDb, mapped, notFound, pickTimestamp, sqliteTimestamp } from './internal';

export type LettaUser = typeof lettaUsers.$inferSelect;
export type PlatformProfile = typeof platformProfiles.$inferSelect;

/** A platform name, lower-cased: `telegram`, `discord`, `email`, `slack`, … */
export const Platform = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z][a-z0-9_.-]{0,31}$/, 'must be a platform name such as telegram, discord or email');
/** The platform's id of the user: a Telegram id may come as a number; it is stored as text. */
export const PlatformUserId = z.union([z.string().trim().min(1).max(320), z.int().nonnegative().transform(String)]);
/** A database id (`letta_users.id`, `platform_profiles.id`, …). */
export const RowId = z.int().positive();
/** The argument of functions that take a Letta user's id alone; errors name `lettaUserId`. */
export const LettaUserIdInput = z.object({ lettaUserId: RowId });
const Name = z.string().trim().min(1).max(255);

export const Identity = z.object({ platform: Platform, platformUserId: PlatformUserId });
export type Identity = z.input<typeof Identity>;

const ProfileDetails = z.object({
  username: Name.nullish(),
  displayName: Name.nullish(),
  metadata: ProfileMetadata.nullish(),
  /** When this happened; default now. */
  at: z.date().optional(),
});

export const ResolveIdentityInput = Identity.extend(ProfileDetails.shape);
export type ResolveIdentityInput = z.input<typeof ResolveIdentityInput>;

export const UpdateProfileInput = ProfileDetails.extend({ profileId: RowId });
export type UpdateProfileInput = z.input<typeof UpdateProfileInput>;

export const LinkProfileInput = ResolveIdentityInput.extend({ lettaUserId: RowId });
export type LinkProfileInput = z.input<typeof LinkProfileInput>;

export const MergeUsersInput = z
  .object({ into: RowId, from: RowId })
  .refine((v) => v.into !== v.from, { message: 'must differ from into', path: ['from'] });
export type MergeUsersInput = z.input<typeof MergeUsersInput>;

export interface ResolvedIdentity {
  user: LettaUser;
  profile: PlatformProfile;
  /** The Letta user was created by this call (a first message from this identity). */
  created: boolean;
}

export interface LinkedProfile {
  profile: PlatformProfile;
  /** The profile was created by this call (it was not linked to this user before). */
  created: boolean;
}

export interface MergedUsers {
  user: LettaUser;
  /** Rows that now point at the surviving user instead of the merged one. */
  moved: { profiles: number; messages: number; queue: number };
}

const ph = sql.placeholder;
// Built by drizzle, executed at the driver's floor (kit `floor`, decision 026).
const statements = floor((db) => ({
  // The hot path of every incoming message: one indexed lookup (the UNIQUE(platform,
  // platform_user_id) index) and a primary-key join.
  byIdentity: db
    .select({ user: lettaUsers, profile: platformProfiles })
    .from(platformProfiles)
    .innerJoin(lettaUsers, eq(lettaUsers.id, platformProfiles.lettaUserId))
    .where(
      and(eq(platformProfiles.platform, ph('platform')), eq(platformProfiles.platformUserId, ph('platformUserId'))),
    ),
  profileByIdentity: db
    .select()
    .from(platformProfiles)
    .where(
      and(eq(platformProfiles.platform, ph('platform')), eq(platformProfiles.platformUserId, ph('platformUserId'))),
    ),
  userById: db
    .select()
    .from(lettaUsers)
    .where(eq(lettaUsers.id, ph('id'))),
  profileById: db
    .select()
    .from(platformProfiles)
    .where(eq(platformProfiles.id, ph('id'))),
  profilesOfUser: db
    .select()
    .from(platformProfiles)
    .where(eq(platformProfiles.lettaUserId, ph('id')))
    .orderBy(platformProfiles.id),
}));

function findIdentity(db: LettaDb, platform: string, platformUserId: string): ResolvedIdentity | undefined {
  const row = statements(db).byIdentity.get({ platform, platformUserId });
  return row && { user: row.user, profile: row.profile, created: false };
}

/**
 * Resolves a platform identity to its Letta user. A known identity is one indexed read; a new
 * one gets a Letta user and its profile in one `BEGIN IMMEDIATE` transaction, which re-reads
 * first: when two messages from a new user arrive at once (even in two processes), one creates
 * and the other finds. `username`, `displayName` and `metadata` are used when creating; keep
 * them current with `updateProfile`. A profile left without its user gets a new one.
 *
 * @example
 * const { user, profile, created } = resolveIdentity(db, {
 *   platform: 'telegram', platformUserId: 123456789, username: 'ada', displayName: 'Ada',
 * });
 */
export function resolveIdentity(db: LettaDb, input: ResolveIdentityInput): ResolvedIdentity {
  const args = parseInput(ResolveIdentityInput, input, 'platform_profiles');
  const found = mapped('platform_profiles', () => findIdentity(db, args.platform, args.platformUserId));
  if (found) return found;
  return mapped('platform_profiles', () =>
    db.transaction(
      (tx) => {
        const again = findIdentity(tx, args.platform, args.platformUserId);
        if (again) return again;
        const at = sqliteTimestamp(args.at);
        const user = tx.insert(lettaUsers).values({ createdAt: at, lastActive: at }).returning().get();
        const s = statements(tx);
        const orphan = s.profileByIdentity.get({ platform: args.platform, platformUserId: args.platformUserId });
        const profile = orphan
          ? tx
              .update(platformProfiles)
              .set({ lettaUserId: user.id, lastActive: at })
              .where(eq(platformProfiles.id, orphan.id))
              .returning()
              .get()
          : tx
              .insert(platformProfiles)
              .values({
                lettaUserId: user.id,
                platform: args.platform,
                platformUserId: args.platformUserId,
                username: args.username ?? null,
                displayName: args.displayName ?? null,
                metadata: args.metadata ?? null,
                createdAt: at,
                lastActive: at,
              })
              .returning()
              .get();
        return { user, profile, created: true };
      },
      { behavior: 'immediate' },
    ),
  );
}

/**
 * Finds the Letta user of a platform identity without creating anything; `undefined` when new.
 *
 * @example const known = findLettaUser(db, { platform: 'discord', platformUserId: '80351110224678912' });
 */
export function findLettaUser(db: LettaDb, input: Identity): ResolvedIdentity | undefined {
  const { platform, platformUserId } = parseInput(Identity, input, 'platform_profiles');
  return mapped('platform_profiles', () => findIdentity(db, platform, platformUserId));
}

/**
 * A Letta user by id; a missing one is `NOT_FOUND` on `lettaUserId`.
 *
 * @example const user = getLettaUserOrThrow(db, 7);
 */
export function getLettaUserOrThrow(db: LettaDb, lettaUserId: number): LettaUser {
  const { lettaUserId: id } = parseInput(LettaUserIdInput, { lettaUserId }, 'letta_users');
  const user = mapped('letta_users', () => statements(db).userById.get({ id }));
  if (!user) throw notFound('letta_users', 'lettaUserId', id);
  return user;
}

/**
 * Every platform profile of a Letta user, oldest first.
 *
 * @example const profiles = listProfiles(db, 7); // [{ platform: 'telegram', … }, { platform: 'discord', … }]
 */
export function listProfiles(db: LettaDb, lettaUserId: number): PlatformProfile[] {
  const { lettaUserId: id } = parseInput(LettaUserIdInput, { lettaUserId }, 'platform_profiles');
  return mapped('platform_profiles', () => statements(db).profilesOfUser.all({ id }));
}

/**
 * Updates a profile's details (only the fields given; `null` clears one) and sets
 * `last_active` on the profile and its Letta user, in one transaction. `NOT_FOUND` on
 * `profileId` when there is no such profile.
 *
 * @example
 * const profile = updateProfile(db, { profileId: 3, username: 'ada_l', displayName: 'Ada L.' });
 */
export function updateProfile(db: LettaDb, input: UpdateProfileInput): PlatformProfile {
  const { profileId, at, ...details } = parseInput(UpdateProfileInput, input, 'platform_profiles');
  const lastActive = sqliteTimestamp(at);
  return mapped('platform_profiles', () =>
    db.transaction((tx) => {
      const profile = tx
        .update(platformProfiles)
        .set({ ...details, lastActive })
        .where(eq(platformProfiles.id, profileId))
        .returning()
        .get();
      if (!profile) throw notFound('platform_profiles', 'profileId', profileId);
      if (profile.lettaUserId !== null) {
        tx.update(lettaUsers).set({ lastActive }).where(eq(lettaUsers.id, profile.lettaUserId)).run();
      }
      return profile;
    }),
  );
}

/**
 * Links another platform identity to an existing Letta user (the same person writing from
 * Discord as well as Telegram). Linking an identity the user already has returns its profile;
 * one that belongs to another user is a `CONFLICT` on `platformUserId` (merge the two users
 * with `mergeUsers` instead); an unknown user is `NOT_FOUND` on `lettaUserId`.
 *
 * @example
 * const { profile } = linkProfile(db, { lettaUserId: 7, platform: 'email', platformUserId: 'ada@example.com' });
 */
export function linkProfile(db: LettaDb, input: LinkProfileInput): LinkedProfile {
  const args = parseInput(LinkProfileInput, input, 'platform_profiles');
  return mapped('platform_profiles', () =>
    db.transaction(
      (tx) => {
        const s = statements(tx);
        if (!s.userById.get({ id: args.lettaUserId })) throw notFound('letta_users', 'lettaUserId', args.lettaUserId);
        const existing = s.profileByIdentity.get({ platform: args.platform, platformUserId: args.platformUserId });
        if (existing?.lettaUserId === args.lettaUserId) return { profile: existing, created: false };
        if (existing && existing.lettaUserId !== null && s.userById.get({ id: existing.lettaUserId })) {
          throw new ChatstoreError(
            'CONFLICT',
            `${args.platform} identity ${args.platformUserId} belongs to Letta user ${existing.lettaUserId}; merge the two users with mergeUsers`,
            { entity: 'platform_profiles', field: 'platformUserId' },
          );
        }
        const at = sqliteTimestamp(args.at);
        const details = {
          lettaUserId: args.lettaUserId,
          username: args.username ?? null,
          displayName: args.displayName ?? null,
          metadata: args.metadata ?? null,
          lastActive: at,
        };
        // A profile whose user is gone is taken over rather than duplicated.
        const profile = existing
          ? tx.update(platformProfiles).set(details).where(eq(platformProfiles.id, existing.id)).returning().get()
          : tx
              .insert(platformProfiles)
              .values({ ...details, platform: args.platform, platformUserId: args.platformUserId, createdAt: at })
              .returning()
              .get();
        return { profile, created: true };
      },
      { behavior: 'immediate' },
    ),
  );
}

/**
 * Merges Letta user `from` into `into`, in one transaction: `from`'s profiles, messages and
 * queue entries move to `into`, and `from` is deleted. Nothing is lost: `into` keeps the earlier
 * `created_at` and the later `last_active`; its agent preferences gain `from`'s keys it does not
 * have; its custom instructions are kept, or taken from `from` when it has none; its history
 * limit and active flag stay. `NOT_FOUND` on `into` or `from` when either does not exist.
 *
 * @example
 * const { user, moved } = mergeUsers(db, { into: 7, from: 12 }); // moved: { profiles: 1, messages: 40, queue: 40 }
 */
export function mergeUsers(db: LettaDb, input: MergeUsersInput): MergedUsers {
  const { into, from } = parseInput(MergeUsersInput, input, 'letta_users');
  return mapped('letta_users', () =>
    db.transaction(
      (tx) => {
        const s = statements(tx);
        const survivor = s.userById.get({ id: into });
        if (!survivor) throw notFound('letta_users', 'into', into);
        const merged = s.userById.get({ id: from });
        if (!merged) throw notFound('letta_users', 'from', from);
        const moved = {
          profiles: tx
            .update(platformProfiles)
            .set({ lettaUserId: into })
            .where(eq(platformProfiles.lettaUserId, from))
            .run().changes,
          messages: tx.update(messages).set({ lettaUserId: into }).where(eq(messages.lettaUserId, from)).run().changes,
          queue: tx.update(queue).set({ lettaUserId: into }).where(eq(queue.lettaUserId, from)).run().changes,
        };
        const preferences =
          survivor.agentPreferences || merged.agentPreferences
            ? { ...merged.agentPreferences, ...survivor.agentPreferences }
            : null;
        const user = tx
          .update(lettaUsers)
          .set({
            createdAt: pickTimestamp(survivor.createdAt, merged.createdAt, -1),
            lastActive: pickTimestamp(survivor.lastActive, merged.lastActive, 1),
            agentPreferences: preferences,
            customInstructions: survivor.customInstructions ?? merged.customInstructions,
          })
          .where(eq(lettaUsers.id, into))
          .returning()
          .get();
        tx.delete(lettaUsers).where(eq(lettaUsers.id, from)).run();
        return { user, moved };
      },
      { behavior: 'immediate' },
    ),
  );
}

/** Rows removed by `deleteUserData`, per table. */
export interface UserDataDeletion {
  queue: number;
  messages: number;
  profiles: number;
  users: number;
}

/**
 * Erases a Letta user and everything of theirs, in one `BEGIN IMMEDIATE` transaction: queue
 * entries (the user's, and any that point at the user's messages), messages (with the agent's
 * responses), every platform profile, then the user. The seed declares no foreign keys, so
 * nothing cascades by itself; this is the one place that knows what belongs to a user. Erasing
 * an unknown user is not an error (the request may be repeated): all counts are 0. A platform
 * identity that writes again afterwards becomes a new user.
 *
 * @example
 * const removed = deleteUserData(db, 7); // { queue: 40, messages: 40, profiles: 2, users: 1 }
 */
export function deleteUserData(db: LettaDb, lettaUserId: number): UserDataDeletion {
  const { lettaUserId: id } = parseInput(LettaUserIdInput, { lettaUserId }, 'letta_users');
  return mapped('letta_users', () =>
    db.transaction(
      (tx) => {
        const theirMessages = tx.select({ id: messages.id }).from(messages).where(eq(messages.lettaUserId, id));
        return {
          queue: tx
            .delete(queue)
            .where(or(eq(queue.lettaUserId, id), inArray(queue.messageId, theirMessages)))
            .run().changes,
          messages: tx.delete(messages).where(eq(messages.lettaUserId, id)).run().changes,
          profiles: tx.delete(platformProfiles).where(eq(platformProfiles.lettaUserId, id)).run().changes,
          users: tx.delete(lettaUsers).where(eq(lettaUsers.id, id)).run().changes,
        };
      },
      { behavior: 'immediate' },
    ),
  );
}
