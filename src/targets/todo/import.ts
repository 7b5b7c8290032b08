/**
 * Bulk import of a chat history (decision 027): messages into conversations that already exist,
 * written with COPY in one transaction, the conversations' counters and `updated_at` following.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ChatstoreError } from '../../errors';
import {
  copyImport,
  copyNeedsBypass,
  copyNullable,
  copyText,
  type ImportCounts,
  type ImportOptions,
  importMoment,
  isoMoment,
  type RowSource,
} from '../../kit/bulk';
import { requireRowsVisible } from '../../kit/rls';
import { dbError, type TodoDb } from './internal';
import { AppendMessageInput, taskTools } from './messages';

export type { ImportOptions, ImportProgress, IndexStrategy, RowSource } from '../../kit/bulk';

/** One message of an imported history: `appendMessage`'s input, plus its id and time if it has them. */
export const ImportMessageRow = AppendMessageInput.extend({
  /** Default: a new uuid. */
  id: z.guid().optional(),
  /** When it was written: a `Date` or an ISO 8601 string. Default: the import's start, in row order. */
  createdAt: importMoment,
});
export type ImportMessageRow = z.input<typeof ImportMessageRow>;

export interface ImportMessagesResult extends ImportCounts {
  /** Conversations that got messages (their `conversation_metadata` counters moved). */
  conversations: number;
}

interface Tally {
  userId: string;
  /** The first row naming the conversation, for errors. */
  first: number;
  messages: number;
  created: number;
  completed: number;
  last: string;
}

/**
 * Imports a chat history: every row is validated first (`VALIDATION` naming its index,
 * `rows.1234.content`), then all are written with COPY in one transaction, with
 * `conversation_metadata`'s counters (`message_count`, `task_count_created`, `…_completed`, as
 * `appendMessage` counts them) and each conversation's `updated_at` (the latest imported
 * message, if later) following. Conversations and users are not created: each message's
 * conversation must exist and belong to its `userId` (else `FOREIGN_KEY` on `conversationId`
 * or `NOT_FOUND` naming the row). All or nothing: on any error no row is written. Runs as a role
 * row-level security does not bind (`PERMISSION_DENIED` otherwise).
 *
 * @example
 * const { rows } = await importMessages(db, history, { onProgress: ({ done, total }) => console.log(done, total) });
 */
export async function importMessages(
  db: TodoDb,
  rows: RowSource<ImportMessageRow>,
  options: ImportOptions = {},
): Promise<ImportMessagesResult> {
  const start = Date.now();
  const tallies = new Map<string, Tally>();
  const count = await copyImport(
    db,
    rows,
    options,
    {
      entity: 'messages',
      table: 'messages',
      columns: ['id', 'conversation_id', 'user_id', 'role', 'content', 'tool_used', 'action_taken', 'created_at'],
      schema: ImportMessageRow,
      line(m, index) {
        const at = isoMoment(m.createdAt, start, index);
        let tally = tallies.get(m.conversationId);
        if (tally === undefined) {
          tally = { userId: m.userId, first: index, messages: 0, created: 0, completed: 0, last: at };
          tallies.set(m.conversationId, tally);
        } else if (tally.userId !== m.userId) {
          throw new ChatstoreError(
            'VALIDATION',
            `Invalid rows.${index}.userId: conversation ${m.conversationId} is user ${tally.userId}'s (row ${tally.first})`,
            { field: `rows.${index}.userId`, entity: 'messages' },
          );
        }
        tally.messages++;
        if (m.toolUsed === taskTools.created) tally.created++;
        else if (m.toolUsed === taskTools.completed) tally.completed++;
        if (at > tally.last) tally.last = at;
        return `${m.id ?? randomUUID()}\t${m.conversationId}\t${copyText(m.userId)}\t${m.role}\t${copyText(m.content)}\t${copyNullable(m.toolUsed)}\t${copyNullable(m.actionTaken)}\t${at}\n`;
      },
      before: (exec) => requireRowsVisible(exec, copyNeedsBypass('messages')),
      async after(exec) {
        if (tallies.size === 0) return;
        const json = JSON.stringify(
          [...tallies].map(([id, t]) => ({
            conversation_id: id,
            user_id: t.userId,
            first: t.first,
            n: t.messages,
            created: t.created,
            completed: t.completed,
            last: t.last,
          })),
        );
        const recordset = `jsonb_to_recordset($1::jsonb) as x(conversation_id uuid, user_id text, first int, n int,
          created int, completed int, last timestamptz)`;
        // The conversation exists (the foreign key said so); it must be the message's user's.
        const [stranger] = await exec(
          `select x.conversation_id::text as id, x.first from ${recordset}
           left join conversations c on c.id = x.conversation_id and c.user_id = x.user_id
           where c.id is null limit 1`,
          [json],
        );
        if (stranger)
          throw new ChatstoreError(
            'NOT_FOUND',
            `No conversations row with conversationId ${String(stranger.id)} for the row's userId (row ${String(stranger.first)})`,
            { field: `rows.${String(stranger.first)}.conversationId`, entity: 'conversations' },
          );
        await exec(
          `with x as (select * from ${recordset}),
           touched as (update conversations c set updated_at = greatest(c.updated_at, (x.last at time zone 'UTC'))
             from x where c.id = x.conversation_id returning c.id)
           insert into conversation_metadata (conversation_id, message_count, task_count_created, task_count_completed)
           select conversation_id, n, created, completed from x
           on conflict (conversation_id) do update set
             message_count = coalesce(conversation_metadata.message_count, 0) + excluded.message_count,
             task_count_created = coalesce(conversation_metadata.task_count_created, 0) + excluded.task_count_created,
             task_count_completed = coalesce(conversation_metadata.task_count_completed, 0) + excluded.task_count_completed`,
          [json],
        );
      },
    },
    dbError,
  );
  return { rows: count, conversations: tallies.size };
}
