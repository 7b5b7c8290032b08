import { describe, expect, it } from 'vitest';
import { introspect } from '../../../src/migrate/introspect';
import {
  exportConversation,
  type ImportMessageRow,
  type ImportProgress,
  type IndexStrategy,
  importMessages as importAll,
  loadConversationHistory,
  startConversation,
  type TodoDb,
} from '../../../src/targets/todo';
import { pgBackends } from '../../support/backends';
import { expectChatstoreError, newUser, rowCounts, useTodoDatabase } from './fixtures';

const missingId = '00000000-0000-4000-8000-000000000000';

async function conversationOf(db: TodoDb) {
  const user = await newUser(db);
  const { conversation } = await startConversation(db, { userId: user.id });
  return { conversationId: conversation.id, userId: user.id };
}

function history(ref: { conversationId: string; userId: string }, n: number): ImportMessageRow[] {
  // Later than the conversation's start, so its updated_at moves to the last message.
  const start = Date.now() + 60_000;
  return Array.from({ length: n }, (_, i) => ({
    ...ref,
    role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
    content: `message ${i}\twith a tab, a \\ and\na newline`,
    toolUsed: i % 4 === 1 ? 'add_task' : i % 4 === 3 ? 'complete_task' : null,
    actionTaken: i % 4 === 1 ? `Created task #${i}` : undefined,
    createdAt: new Date(start + i * 1000),
  }));
}

async function* slowly<T>(rows: readonly T[]): AsyncGenerator<T> {
  for (const row of rows) {
    await Promise.resolve();
    yield row;
  }
}

/** The oid of each of messages' indexes: a rebuilt index is a new relation. */
async function indexOids(t: { conn: { client: { query(text: string): Promise<Record<string, unknown>[]> } } }) {
  const rows = await t.conn.client.query(
    `select i.relname as name, i.oid::int as oid from pg_index x join pg_class i on i.oid = x.indexrelid
     where x.indrelid = 'messages'::regclass order by 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.oid]));
}

const strategies: Exclude<IndexStrategy, 'auto'>[] = ['maintain', 'rebuild'];

describe.each(pgBackends.flatMap((backend) => strategies.map((indexes) => ({ backend, indexes }))))(
  'todo importMessages on $backend.name, indexes $indexes',
  ({ backend, indexes }) => {
    const t = useTodoDatabase(backend);
    const importMessages: typeof importAll = (db, rows, options) => importAll(db, rows, { indexes, ...options });

    it('imports an array: counts, contents, order, counters, progress and the same schema', async () => {
      const schema = await introspect(t.conn.client);
      const oids = await indexOids(t);
      const ref = await conversationOf(t.db);
      const rows = history(ref, 25_000);
      const progress: ImportProgress[] = [];
      const result = await importMessages(t.db, rows, { onProgress: (p) => progress.push(p) });
      expect(result).toEqual({ rows: 25_000, conversations: 1 });
      expect(progress).toEqual([
        { done: 10_000, total: 25_000 },
        { done: 20_000, total: 25_000 },
        { done: 25_000, total: 25_000 },
      ]);
      const page = await loadConversationHistory(t.db, { ...ref, limit: 3 });
      expect(page.messages.map((m) => [m.role, m.content, m.toolUsed, m.actionTaken, m.createdAt])).toEqual(
        rows.slice(0, 3).map((r) => [r.role, r.content, r.toolUsed, r.actionTaken ?? null, r.createdAt]),
      );
      const { metadata, conversation } = await exportConversation(t.db, ref);
      expect(metadata).toMatchObject({ messageCount: 25_000, taskCountCreated: 6_250, taskCountCompleted: 6_250 });
      expect(conversation.updatedAt).toEqual(new Date(rows.at(-1)?.createdAt ?? 0).toISOString());
      expect(await introspect(t.conn.client)).toEqual(schema);
      // Rebuilt indexes are new relations; maintained ones are the same.
      const after = await indexOids(t);
      for (const name of Object.keys(oids)) {
        if (indexes === 'rebuild') expect(after[name], name).not.toBe(oids[name]);
        else expect(after[name], name).toBe(oids[name]);
      }
    });

    it('imports an async iterable, keeping row order for rows without a time', async () => {
      const ref = await conversationOf(t.db);
      const rows = Array.from({ length: 1_500 }, (_, i) => ({ ...ref, role: 'user' as const, content: `#${i}` }));
      const progress: ImportProgress[] = [];
      const result = await importMessages(t.db, slowly(rows), { onProgress: (p) => progress.push(p) });
      expect(result.rows).toBe(1_500);
      expect(progress).toEqual([{ done: 1_500 }]);
      const page = await loadConversationHistory(t.db, { ...ref, limit: 500 });
      expect(page.messages.map((m) => m.content)).toEqual(rows.slice(0, 500).map((r) => r.content));
    });

    it('refuses a bad row by its index and writes nothing', async () => {
      const ref = await conversationOf(t.db);
      const rows = history(ref, 30_000);
      rows[21_234] = { ...ref, role: 'user', content: 'bad\u0000nul' };
      const before = await rowCounts(t.conn);
      await expectChatstoreError(importMessages(t.db, rows), 'VALIDATION', 'rows.21234.content');
      rows[21_234] = { ...ref, role: 'system' as 'user', content: 'x' };
      await expectChatstoreError(importMessages(t.db, slowly(rows)), 'VALIDATION', 'rows.21234.role');
      for (const createdAt of ['yesterday', '2025-02-30T10:00:00Z', new Date(Number.NaN)]) {
        rows[21_234] = { ...ref, role: 'user', content: 'x', createdAt };
        await expectChatstoreError(importMessages(t.db, rows), 'VALIDATION', 'rows.21234.createdAt');
      }
      expect(await rowCounts(t.conn)).toEqual(before);
    });

    it('writes nothing when a row fails in the database (a missing conversation, another user’s, a taken id)', async () => {
      const ref = await conversationOf(t.db);
      const other = await conversationOf(t.db);
      const rows = history(ref, 12_000);
      const before = await rowCounts(t.conn);
      const schema = await introspect(t.conn.client);
      const oids = await indexOids(t);
      rows[11_000] = { ...ref, conversationId: missingId, userId: ref.userId, role: 'user', content: 'lost' };
      await expectChatstoreError(importMessages(t.db, rows), 'FOREIGN_KEY', 'conversationId');
      rows[11_000] = { ...other, userId: ref.userId, role: 'user', content: 'not mine' };
      await expectChatstoreError(importMessages(t.db, rows), 'NOT_FOUND', 'rows.11000.conversationId');
      const id = '11111111-1111-4111-8111-111111111111';
      rows[5] = { ...ref, id, role: 'user', content: 'first' };
      rows[11_000] = { ...ref, id, role: 'user', content: 'same id' };
      await expectChatstoreError(importMessages(t.db, rows), 'CONFLICT', 'id');
      expect(await rowCounts(t.conn)).toEqual(before);
      expect(await introspect(t.conn.client)).toEqual(schema);
      expect(await indexOids(t)).toEqual(oids);
    });

    it('refuses what is not rows or options', async () => {
      await expectChatstoreError(importMessages(t.db, 'rows' as never), 'VALIDATION', 'rows');
      await expectChatstoreError(
        importMessages(t.db, [], { onProgress: 1 } as never),
        'VALIDATION',
        'options.onProgress',
      );
      await expectChatstoreError(
        importMessages(t.db, [], { indexes: 'drop' } as never),
        'VALIDATION',
        'options.indexes',
      );
      expect(await importMessages(t.db, [])).toEqual({ rows: 0, conversations: 0 });
    });
  },
);

describe.each(pgBackends)('todo importMessages on $name, indexes auto', (backend) => {
  const t = useTodoDatabase(backend);

  it('rebuilds into an empty table and maintains a table with rows', async () => {
    const ref = await conversationOf(t.db);
    const first = await indexOids(t);
    await importAll(t.db, history(ref, 100));
    const second = await indexOids(t);
    for (const name of Object.keys(first)) expect(second[name], name).not.toBe(first[name]);
    await importAll(t.db, history(ref, 100));
    expect(await indexOids(t)).toEqual(second);
    expect((await exportConversation(t.db, ref)).metadata).toMatchObject({ messageCount: 200 });
  });
});
