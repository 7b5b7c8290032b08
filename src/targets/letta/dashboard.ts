/**
 * The operator's view (seed 000: "Update dashboard queries to join across new tables"): users
 * with their platforms and message counts, and how deep the queue is by status.
 */
import { asc, count, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { parseInput } from '../../kit';
import { lettaUsers, messages, platformProfiles, queue, queueStatuses } from '../../schema/letta';
import type { LettaUser, PlatformProfile } from './identity';
import { type LettaDb, mapped } from './internal';

export type DashboardProfile = Pick<
  PlatformProfile,
  'id' | 'platform' | 'platformUserId' | 'username' | 'displayName' | 'lastActive'
>;

export interface DashboardUser {
  user: LettaUser;
  /** The user's platform profiles, oldest first. */
  platforms: DashboardProfile[];
  /** Messages of the user on every platform. */
  messageCount: number;
}

export type QueueStatus = (typeof queueStatuses)[number];

export interface QueueDepth {
  /** Entries per status; every seed status is present (0 when none). */
  byStatus: Record<QueueStatus, number>;
  /** Entries whose status is none of the seed's (rows written by other tools), by status. */
  other: Record<string, number>;
  total: number;
}

export const ListUsersInput = z
  .object({ limit: z.int().min(1).max(500).default(50), offset: z.int().min(0).default(0) })
  .default({ limit: 50, offset: 0 });
export type ListUsersInput = z.input<typeof ListUsersInput>;

/**
 * One page of Letta users (by id) with their platforms and message counts: three queries
 * (users, their profiles, their message counts), however many users the page has.
 *
 * @example
 * const page = listUsersWithPlatforms(db, { limit: 20 });
 * // [{ user: { id: 1, … }, platforms: [{ platform: 'telegram', username: 'ada', … }], messageCount: 42 }]
 */
export function listUsersWithPlatforms(db: LettaDb, input?: ListUsersInput): DashboardUser[] {
  const { limit, offset } = parseInput(ListUsersInput, input, 'letta_users');
  return mapped('letta_users', () => {
    const users = db.select().from(lettaUsers).orderBy(asc(lettaUsers.id)).limit(limit).offset(offset).all();
    const ids = users.map((u) => u.id);
    if (ids.length === 0) return [];
    const profiles = db
      .select({
        id: platformProfiles.id,
        lettaUserId: platformProfiles.lettaUserId,
        platform: platformProfiles.platform,
        platformUserId: platformProfiles.platformUserId,
        username: platformProfiles.username,
        displayName: platformProfiles.displayName,
        lastActive: platformProfiles.lastActive,
      })
      .from(platformProfiles)
      .where(inArray(platformProfiles.lettaUserId, ids))
      .orderBy(asc(platformProfiles.id))
      .all();
    const counts = db
      .select({ lettaUserId: messages.lettaUserId, n: count() })
      .from(messages)
      .where(inArray(messages.lettaUserId, ids))
      .groupBy(messages.lettaUserId)
      .all();
    const countOf = new Map(counts.map((c) => [c.lettaUserId, c.n]));
    return users.map((user) => ({
      user,
      platforms: profiles.filter((p) => p.lettaUserId === user.id).map(({ lettaUserId: _, ...p }) => p),
      messageCount: countOf.get(user.id) ?? 0,
    }));
  });
}

/**
 * How many queue entries are in each status.
 *
 * @example
 * const { byStatus, total } = queueDepth(db); // byStatus: { pending: 3, processing: 1, done: 940, failed: 2 }
 */
export function queueDepth(db: LettaDb): QueueDepth {
  const rows = mapped('queue', () =>
    db
      .select({ status: sql<string | null>`${queue.status}`, n: count() })
      .from(queue)
      .groupBy(queue.status)
      .all(),
  );
  const byStatus = Object.fromEntries(queueStatuses.map((s) => [s, 0])) as Record<QueueStatus, number>;
  const other: Record<string, number> = {};
  let total = 0;
  for (const { status, n } of rows) {
    total += n;
    if ((queueStatuses as readonly (string | null)[]).includes(status)) byStatus[status as QueueStatus] = n;
    else other[String(status)] = n;
  }
  return { byStatus, other, total };
}
