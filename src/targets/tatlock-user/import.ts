/**
 * Bulk import (decision 027): a conversation history into `conversation_messages`, in one
 * transaction with one prepared statement, numbered after each conversation's last message.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ChatstoreError } from '../../errors';
import { type ImportCounts, type ImportOptions, type RowSource, sqliteImport } from '../../kit/bulk';
import { dbError, notFound, type UserDb } from './internal';
import { AppendMessageInput } from './messages';

export type { ImportOptions, ImportProgress, IndexStrategy, RowSource } from '../../kit/bulk';

/** One message of an imported history: `appendMessage`'s input, plus its id if it has one. */
export const ImportMessageRow = AppendMessageInput.extend({
  /** Default: a new uuid. */
  messageId: z.string().min(1).max(200).optional(),
});
export type ImportMessageRow = z.input<typeof ImportMessageRow>;

export interface ImportMessagesResult extends ImportCounts {
  /** Conversations that got messages (their `message_count` and `last_activity` moved). */
  conversations: number;
}

/**
 * Imports a history: every row validated first (`VALIDATION` naming its index,
 * `rows.1234.content`), then all inserted in one transaction with one prepared statement. Each
 * conversation's messages are numbered after its last one, in row order, and its
 * `message_count` and `last_activity` (the latest timestamp, if later) follow, as
 * `appendMessage` does one at a time. Conversations are not created: an unknown one is
 * `NOT_FOUND` naming the first row. All or nothing. Async: it waits for the rows (an async
 * iterable); the writing itself is one synchronous transaction.
 *
 * @example
 * const { rows } = await importMessages(db, [{ conversationId, role: 'user', content: 'hello', timestamp }]);
 */
export async function importMessages(
  db: UserDb,
  rows: RowSource<ImportMessageRow>,
  options: ImportOptions = {},
): Promise<ImportMessagesResult> {
  return sqliteImport(
    db,
    rows,
    options,
    'conversation_messages',
    ImportMessageRow,
    (client, parsed) => {
      const last = client
        .prepare(
          `select coalesce((select max(message_number) from conversation_messages m
             where m.conversation_id = c.conversation_id), 0) from conversations c where c.conversation_id = ?`,
        )
        .pluck();
      const next = new Map<string, { number: number; count: number; latest: string }>();
      const insert = client.prepare(
        'insert into conversation_messages (message_id, conversation_id, message_number, role, content, timestamp) values (?, ?, ?, ?, ?, ?)',
      );
      for (const [index, m] of parsed.entries()) {
        let conversation = next.get(m.conversationId);
        if (conversation === undefined) {
          const number = last.get(m.conversationId) as number | undefined;
          if (number === undefined) {
            throw new ChatstoreError(
              'NOT_FOUND',
              `${notFound('conversations', 'conversationId', m.conversationId).message} (row ${index})`,
              {
                field: `rows.${index}.conversationId`,
                entity: 'conversations',
              },
            );
          }
          conversation = { number, count: 0, latest: m.timestamp };
          next.set(m.conversationId, conversation);
        }
        conversation.number++;
        conversation.count++;
        if (m.timestamp > conversation.latest) conversation.latest = m.timestamp;
        insert.run(m.messageId ?? randomUUID(), m.conversationId, conversation.number, m.role, m.content, m.timestamp);
      }
      const touch = client.prepare(
        `update conversations set message_count = coalesce(message_count, 0) + ?,
           last_activity = max(coalesce(last_activity, ''), ?) where conversation_id = ?`,
      );
      for (const [id, c] of next) touch.run(c.count, c.latest, id);
      return { rows: parsed.length, conversations: next.size };
    },
    dbError,
  );
}
