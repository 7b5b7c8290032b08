/**
 * Bulk import (decision 027): a message history into `chat_messages_v2`, and memories with
 * their vectors into `agent_memories`, each written with COPY in one transaction.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  copyImport,
  copyJson,
  copyNeedsBypass,
  copyUuids,
  copyVector,
  type ImportCounts,
  type ImportOptions,
  importMoment,
  isoMoment,
  type RowSource,
} from '../../kit/bulk';
import { requireRowsVisible } from '../../kit/rls';
import { type AgentDb, dbError, Id } from './internal';
import { StoreMemoryInput } from './memories';
import { AppendMessageInput } from './messages';

export type { ImportOptions, ImportProgress, IndexStrategy, RowSource } from '../../kit/bulk';

/** One message of an imported history: `appendMessage`'s input, plus its id and time if it has them. */
export const ImportMessageRow = AppendMessageInput.extend({
  /** Default: a new uuid. Give ids to import threads (`parentMessageId` naming a row of the same import). */
  id: Id.optional(),
  /** Default: the import's start, in row order. `updated_at` is the same. */
  createdAt: importMoment,
});
export type ImportMessageRow = z.input<typeof ImportMessageRow>;

/** One memory: `storeMemory`'s input (content fitting its type, 1536-dimension embedding), plus id and time. */
export const ImportMemoryRow = StoreMemoryInput.and(
  z.object({
    /** Default: a new uuid. */
    id: Id.optional(),
    /** Default: the import's start, in row order; `last_accessed` is the same. */
    createdAt: importMoment,
    accessCount: z.int().min(0).max(2_147_483_647).optional(),
  }),
);
export type ImportMemoryRow = z.input<typeof ImportMemoryRow>;

export interface ImportMessagesResult extends ImportCounts {
  /** `conversation_sessions` rows whose counters moved (sessions that are not rows are left alone). */
  sessions: number;
}

interface SessionTally {
  messages: number;
  tokens: number;
  toolCalls: number;
  last: string;
}

/**
 * Imports messages into `chat_messages_v2` with COPY, in one transaction: every row validated
 * first (`VALIDATION` naming its index, `rows.12.content.type`), then written; the counters of
 * each `conversation_sessions` row a message names move as `appendMessage` moves them
 * (`message_count`, `total_tokens_used`, `tool_calls_count`, `last_active` if later). Nothing is
 * created: senders, agents, channels and parents must exist or be rows of the same import
 * (else `FOREIGN_KEY` on the field). All or nothing. Runs as a role row-level security does not
 * bind (`PERMISSION_DENIED` otherwise).
 *
 * @example
 * await importMessages(db, history, { onProgress: ({ done }) => console.log(done) });
 */
export async function importMessages(
  db: AgentDb,
  rows: RowSource<ImportMessageRow>,
  options: ImportOptions = {},
): Promise<ImportMessagesResult> {
  const start = Date.now();
  const sessions = new Map<string, SessionTally>();
  let touchedSessions = 0;
  const count = await copyImport(
    db,
    rows,
    options,
    {
      entity: 'chat_messages_v2',
      table: 'chat_messages_v2',
      columns: [
        'id',
        'conversation_id',
        'session_id',
        'parent_message_id',
        'channel_id',
        'sender_user_id',
        'sender_agent_id',
        'role',
        'content',
        'metadata',
        'context',
        'tools',
        'memory_refs',
        'state_snapshot_id',
        'audit',
        'created_at',
        'updated_at',
      ],
      schema: ImportMessageRow,
      line(m, index) {
        const at = isoMoment(m.createdAt, start, index);
        let tally = sessions.get(m.sessionId);
        if (tally === undefined) {
          tally = { messages: 0, tokens: 0, toolCalls: 0, last: at };
          sessions.set(m.sessionId, tally);
        }
        tally.messages++;
        tally.tokens += m.metadata?.tokens ?? 0;
        tally.toolCalls += m.tools?.length ?? 0;
        if (at > tally.last) tally.last = at;
        return `${m.id ?? randomUUID()}\t${m.conversationId}\t${m.sessionId}\t${m.parentMessageId ?? '\\N'}\t${m.channelId ?? '\\N'}\t${m.senderUserId ?? '\\N'}\t${m.senderAgentId ?? '\\N'}\t${m.role}\t${copyJson(m.content)}\t${copyJson(m.metadata ?? {})}\t${copyJson(m.context ?? {})}\t${copyJson(m.tools)}\t${copyUuids(m.memoryRefs)}\t${m.stateSnapshotId ?? '\\N'}\t${copyJson(m.audit)}\t${at}\t${at}\n`;
      },
      before: (exec) => requireRowsVisible(exec, copyNeedsBypass('chat_messages_v2')),
      async after(exec) {
        if (sessions.size === 0) return;
        const json = JSON.stringify(
          [...sessions].map(([id, t]) => ({ id, n: t.messages, tokens: t.tokens, tools: t.toolCalls, last: t.last })),
        );
        const touched = await exec(
          `update conversation_sessions s set
             message_count = coalesce(s.message_count, 0) + x.n,
             total_tokens_used = coalesce(s.total_tokens_used, 0) + x.tokens,
             tool_calls_count = coalesce(s.tool_calls_count, 0) + x.tools,
             last_active = greatest(s.last_active, x.last)
           from jsonb_to_recordset($1::jsonb) as x(id uuid, n int, tokens bigint, tools int, last timestamptz)
           where s.id = x.id returning s.id`,
          [json],
        );
        touchedSessions = touched.length;
      },
    },
    dbError,
  );
  return { rows: count, sessions: touchedSessions };
}

/**
 * Imports memories with their embeddings into `agent_memories` with COPY, in one transaction:
 * every row validated first as `storeMemory` validates (content fitting its type, 1536
 * dimensions; `VALIDATION` naming the index, `rows.7.embedding`), then written. The agent (and a
 * `sourceMessageId`) must exist: the import creates no parents (`FOREIGN_KEY` on `agentId`).
 * The HNSW index grows with every row, so memories go in far slower than messages. All or
 * nothing; runs as a role row-level security does not bind.
 *
 * @example
 * const { rows } = await importMemories(db, memories);
 */
export async function importMemories(
  db: AgentDb,
  rows: RowSource<ImportMemoryRow>,
  options: ImportOptions = {},
): Promise<ImportCounts> {
  const start = Date.now();
  const count = await copyImport(
    db,
    rows,
    options,
    {
      entity: 'agent_memories',
      table: 'agent_memories',
      columns: [
        'id',
        'agent_id',
        'memory_type',
        'content',
        'embeddings',
        'importance',
        'decay_rate',
        'access_count',
        'related_memories',
        'source_message_id',
        'last_accessed',
        'created_at',
        'expires_at',
      ],
      schema: ImportMemoryRow,
      line(m, index) {
        const at = isoMoment(m.createdAt, start, index);
        return `${m.id ?? randomUUID()}\t${m.agentId}\t${m.memoryType}\t${copyJson(m.content)}\t${copyVector(m.embedding)}\t${m.importance ?? 0.5}\t${m.decayRate ?? 0.1}\t${m.accessCount ?? 0}\t${copyUuids(m.relatedMemories)}\t${m.sourceMessageId ?? '\\N'}\t${at}\t${at}\t${m.expiresAt ? m.expiresAt.toISOString() : '\\N'}\n`;
      },
      before: (exec) => requireRowsVisible(exec, copyNeedsBypass('agent_memories')),
    },
    dbError,
  );
  return { rows: count };
}
