/**
 * The seed's migration strategy made real: copy `chat_messages` into `chat_messages_v2`
 * (Phase 1, "Backfill historical data") in resumable batches with an old-id → new-id map,
 * validate the copy per channel (counts and content checksums), and a dual-write helper for
 * apps during the transition. Rolling back to `v1` drops only v2 tables; chat_messages stays.
 *
 * Mapping: a channel is a conversation (`conversation_id = channel_id`); each channel gets one
 * `conversation_sessions` row marked `{"backfill": "chat_messages"}` as the copies' session;
 * role is `assistant` when an agent sent the message, else `user`; content becomes
 * `{"type": "text", "text": …}`; `created_at` is kept.
 */
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { SqlClient } from '../../connect';
import { ChatstoreError } from '../../errors';
import { parseInput } from '../../kit';
import { type RowsNeeded, requireRowsVisible, runTextOn } from '../../kit/rls';
import { readStatus } from '../../migrate/engine';
import { loadMigrations } from '../../migrate/migrations';
import { chatMessageIdMap, chatMessages, chatMessagesV2 } from '../../schema/agent';
import { targets } from '../registry';
import { type AgentDb, Id, mapped } from './internal';
import { rowsOf } from './messages';

export const backfillMarker = { backfill: 'chat_messages' } as const;

export const BackfillOptions = z.object({
  batchSize: z.number().int().min(1).max(50_000).default(1000),
  /** Stop after this many batches (the next run resumes); default: until done. */
  maxBatches: z.number().int().positive().optional(),
});
export type BackfillOptions = z.input<typeof BackfillOptions> & {
  /** Called after each committed batch. */
  onProgress?: (progress: { done: number; total: number; batch: number }) => void;
};

export interface BackfillResult {
  /** Messages copied by this run. */
  copied: number;
  /** Messages mapped in total (this run and earlier ones). */
  done: number;
  total: number;
  batches: number;
  complete: boolean;
}

/** The backfill and its validation read every user's messages: a role RLS binds would see a part. */
const allMessages = (action: string): RowsNeeded => ({
  action,
  because: "so it would see only the messages its setting allows and pass over other users'",
  entity: 'chat_messages',
});

async function counts(db: AgentDb): Promise<{ done: number; total: number }> {
  const result = await db.execute<{ done: number; total: number }>(
    sql`select (select count(*)::int from ${chatMessageIdMap}) as done, (select count(*)::int from ${chatMessages}) as total`,
  );
  const [row] = rowsOf<{ done: number; total: number }>(result);
  return { done: Number(row?.done ?? 0), total: Number(row?.total ?? 0) };
}

/**
 * Copies `chat_messages` not yet copied into `chat_messages_v2`, `batchSize` at a time, each
 * batch in its own transaction (a crash loses at most the batch in flight, and the next run
 * resumes: messages already in `chat_message_id_map` are skipped). Concurrent runs serialise
 * on an advisory lock. Safe to run while the app dual-writes.
 *
 * @example
 * const result = await backfillChatMessages(db, { batchSize: 5000, onProgress: ({ done, total }) => log(done, total) });
 */
export async function backfillChatMessages(db: AgentDb, options: BackfillOptions = {}): Promise<BackfillResult> {
  const { batchSize, maxBatches } = parseInput(BackfillOptions, options, 'chat_messages_v2');
  await mapped('chat_messages', () => requireRowsVisible(runTextOn(db), allMessages('Backfilling chat_messages')));
  const { total, done: before } = await mapped('chat_messages', () => counts(db));
  let copied = 0;
  let batches = 0;
  while (maxBatches === undefined || batches < maxBatches) {
    const n = await mapped('chat_messages_v2', () =>
      db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended('chatstore:agent:backfill', 0))`);
        // One session per channel for the copies, created once.
        await tx.execute(sql`
          insert into conversation_sessions ("conversation_id", "status", "session_state", "started_at", "ended_at", "last_active")
          select m."channel_id", 'completed', ${JSON.stringify(backfillMarker)}::jsonb, min(m."created_at"), max(m."created_at"), max(m."created_at")
          from (select "channel_id", "created_at" from ${chatMessages} c
                where not exists (select 1 from ${chatMessageIdMap} x where x."old_id" = c."id")
                order by c."id" limit ${batchSize}) m
          where not exists (select 1 from conversation_sessions s
            where s."conversation_id" = m."channel_id" and s."session_state" @> ${JSON.stringify(backfillMarker)}::jsonb)
          group by m."channel_id"`);
        const result = await tx.execute<{ n: number }>(sql`
          with batch as materialized (
            select c.*, gen_random_uuid() as new_id from ${chatMessages} c
            where not exists (select 1 from ${chatMessageIdMap} x where x."old_id" = c."id")
            order by c."id" limit ${batchSize}
            for update of c skip locked),
          copied as (
            insert into ${chatMessagesV2} ("id", "conversation_id", "session_id", "channel_id", "sender_user_id",
              "sender_agent_id", "role", "content", "metadata", "created_at", "updated_at")
            select b.new_id, b."channel_id",
              (select s."id" from conversation_sessions s where s."conversation_id" = b."channel_id"
                 and s."session_state" @> ${JSON.stringify(backfillMarker)}::jsonb order by s."started_at" limit 1),
              b."channel_id", b."sender_user_id", b."sender_agent_id",
              case when b."sender_agent_id" is not null then 'assistant' else 'user' end,
              jsonb_build_object('type', 'text', 'text', b."content"),
              jsonb_build_object('source', 'chat_messages'), b."created_at", b."created_at"
            from batch b
            returning "id"),
          mapped as (
            insert into ${chatMessageIdMap} ("old_id", "new_id") select b."id", b.new_id from batch b returning 1)
          select (select count(*)::int from mapped) as n`);
        const [row] = rowsOf<{ n: number }>(result);
        return Number(row?.n ?? 0);
      }),
    );
    if (n === 0) break;
    copied += n;
    batches++;
    options.onProgress?.({ done: Math.min(before + copied, total), total, batch: batches });
  }
  // Session counters of the backfill sessions, recomputed (cheap: one row per channel).
  await mapped('conversation_sessions', () =>
    db.execute(sql`
      update conversation_sessions s set "message_count" = c.n
      from (select "session_id", count(*)::int as n from ${chatMessagesV2} group by "session_id") c
      where s."id" = c."session_id" and s."session_state" @> ${JSON.stringify(backfillMarker)}::jsonb`),
  );
  const after = await mapped('chat_messages', () => counts(db));
  return { copied, done: after.done, total: after.total, batches, complete: after.done >= after.total };
}

export interface ChannelValidation {
  channelId: string;
  legacyCount: number;
  migratedCount: number;
  /** md5 over the channel's messages in id order: content, senders, created_at. */
  legacyChecksum: string;
  migratedChecksum: string;
  ok: boolean;
}

export interface BackfillValidation {
  ok: boolean;
  /** Legacy messages with no copy yet. */
  unmapped: number;
  channels: ChannelValidation[];
}

/**
 * Validates the copy: per channel, the number of legacy messages and of their copies, and an
 * md5 checksum of (content, sender user, sender agent, created_at) in legacy-id order computed
 * on both sides — from `chat_messages` and from the copies' `content->>'text'`, senders and
 * `created_at`. `ok` when every channel matches and nothing is unmapped.
 *
 * @example
 * const report = await validateBackfill(db);
 * if (!report.ok) console.table(report.channels.filter((c) => !c.ok));
 */
export async function validateBackfill(db: AgentDb): Promise<BackfillValidation> {
  await mapped('chat_messages', () => requireRowsVisible(runTextOn(db), allMessages('Validating the backfill')));
  const result = await mapped('chat_messages', () =>
    db.execute(sql`
      with legacy as (
        select c."channel_id", count(*)::int as n,
          md5(string_agg(concat_ws('|', c."content", c."sender_user_id", c."sender_agent_id",
            to_char(c."created_at" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')), E'\n' order by c."id")) as sum
        from ${chatMessages} c group by c."channel_id"),
      migrated as (
        select c."channel_id", count(v."id")::int as n,
          md5(string_agg(concat_ws('|', v."content"->>'text', v."sender_user_id", v."sender_agent_id",
            to_char(v."created_at" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')), E'\n' order by c."id")) as sum
        from ${chatMessages} c
        join ${chatMessageIdMap} x on x."old_id" = c."id"
        join ${chatMessagesV2} v on v."id" = x."new_id"
        group by c."channel_id")
      select l."channel_id" as "channelId", l.n as "legacyCount", coalesce(m.n, 0) as "migratedCount",
        l.sum as "legacyChecksum", coalesce(m.sum, '') as "migratedChecksum"
      from legacy l left join migrated m on m."channel_id" = l."channel_id"
      order by l."channel_id"`),
  );
  const channels = rowsOf<Omit<ChannelValidation, 'ok'>>(result).map((c) => ({
    ...c,
    legacyCount: Number(c.legacyCount),
    migratedCount: Number(c.migratedCount),
    ok: Number(c.legacyCount) === Number(c.migratedCount) && c.legacyChecksum === c.migratedChecksum,
  }));
  const unmapped = channels.reduce((n, c) => n + c.legacyCount - c.migratedCount, 0);
  return { ok: unmapped === 0 && channels.every((c) => c.ok), unmapped, channels };
}

export const DualWriteInput = z.object({
  channelId: Id,
  content: z.string().min(1),
  senderUserId: Id.optional(),
  senderAgentId: Id.optional(),
});
export type DualWriteInput = z.input<typeof DualWriteInput>;

/**
 * The seed's Phase 1 "dual-write in application": writes a message to `chat_messages` AND its
 * copy to `chat_messages_v2` with the map row, in one transaction, exactly as the backfill
 * would have copied it — so the backfill skips it and validation counts it. Use it for every
 * new message until reads have moved to v2.
 *
 * @example
 * const { legacy, message } = await dualWriteMessage(db, { channelId, content: 'hi', senderUserId: userId });
 */
export async function dualWriteMessage(
  db: AgentDb,
  input: DualWriteInput,
): Promise<{ legacy: typeof chatMessages.$inferSelect; message: typeof chatMessagesV2.$inferSelect }> {
  const m = parseInput(DualWriteInput, input, 'chat_messages');
  return mapped('chat_messages', () =>
    db.transaction(async (tx) => {
      const [legacy] = await tx
        .insert(chatMessages)
        .values({ ...m, createdAt: sql`clock_timestamp()` })
        .returning();
      if (!legacy) throw new ChatstoreError('DATABASE_ERROR', 'Inserting into chat_messages returned no row');
      await tx.execute(sql`
        insert into conversation_sessions ("conversation_id", "status", "session_state")
        select ${m.channelId}::uuid, 'active', ${JSON.stringify(backfillMarker)}::jsonb
        where not exists (select 1 from conversation_sessions s
          where s."conversation_id" = ${m.channelId}::uuid and s."session_state" @> ${JSON.stringify(backfillMarker)}::jsonb)`);
      const [session] = rowsOf<{ id: string }>(
        await tx.execute(sql`select "id" from conversation_sessions
          where "conversation_id" = ${m.channelId}::uuid and "session_state" @> ${JSON.stringify(backfillMarker)}::jsonb
          order by "started_at" limit 1`),
      );
      const [message] = await tx
        .insert(chatMessagesV2)
        .values({
          conversationId: m.channelId,
          sessionId: session?.id as string,
          channelId: m.channelId,
          senderUserId: m.senderUserId ?? null,
          senderAgentId: m.senderAgentId ?? null,
          role: m.senderAgentId ? 'assistant' : 'user',
          content: { type: 'text', text: m.content },
          metadata: { source: 'chat_messages' },
          createdAt: legacy.createdAt,
          updatedAt: legacy.createdAt,
        })
        .returning();
      if (!message) throw new ChatstoreError('DATABASE_ERROR', 'Inserting into chat_messages_v2 returned no row');
      await tx.insert(chatMessageIdMap).values({ oldId: legacy.id, newId: message.id });
      await tx.execute(sql`update conversation_sessions set "message_count" = coalesce("message_count", 0) + 1,
        "last_active" = clock_timestamp() where "id" = ${message.sessionId}::uuid`);
      return { legacy, message };
    }),
  );
}

/** The v2 id a legacy message was copied to, or `undefined`. */
export async function mappedMessageId(db: AgentDb, legacyId: string): Promise<string | undefined> {
  const id = parseInput(Id, legacyId, 'chat_message_id_map');
  const [row] = await mapped('chat_message_id_map', () =>
    db.select({ newId: chatMessageIdMap.newId }).from(chatMessageIdMap).where(eq(chatMessageIdMap.oldId, id)),
  );
  return row?.newId;
}

export interface BackfillReport {
  result: BackfillResult;
  validation: BackfillValidation;
}

/**
 * What `chatstore backfill agent` runs: refuses a database that is not at `v2` with every
 * migration applied, backfills, then validates.
 *
 * @example const report = await runBackfill(conn.db, conn.client, { onProgress });
 */
export async function runBackfill(
  db: AgentDb,
  client: SqlClient,
  options: BackfillOptions = {},
): Promise<BackfillReport> {
  if (typeof (client as Partial<SqlClient> | null)?.query !== 'function')
    throw new ChatstoreError('VALIDATION', "Invalid client: must be the connection's SqlClient (`conn.client`)", {
      field: 'client',
    });
  const status = await readStatus(client, loadMigrations(targets.agent));
  // v2 or any later generation: chat_messages_v2 and the id map exist from v2 on.
  const names = targets.agent.generations.map((g) => g.name as string);
  const atV2OrLater = status.generation !== null && names.indexOf(status.generation) >= names.indexOf('v2');
  if (!atV2OrLater || status.pending.length > 0) {
    throw new ChatstoreError(
      'UNKNOWN_GENERATION',
      `The agent database is at ${status.generation ?? (status.hasTables ? 'an unmanaged schema' : 'no generation')}` +
        `${status.pending.length > 0 ? ` with ${status.pending.length} pending migration(s)` : ''}; ` +
        'run `chatstore migrate agent` (or `adopt`) first',
      { field: 'location' },
    );
  }
  const result = await backfillChatMessages(db, options);
  return { result, validation: await validateBackfill(db) };
}
