/** Bulk import of messages and memories on every vector backend. */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { introspect } from '../../../src/migrate/introspect';
import {
  getMemory,
  getSessionOrThrow,
  type ImportMemoryRow,
  type ImportMessageRow,
  type ImportProgress,
  type IndexStrategy,
  importMemories as importAllMemories,
  importMessages as importAllMessages,
  loadConversationWindow,
  startSession,
} from '../../../src/targets/agent';
import { vectorBackends } from '../../support/vector-backends';
import { embedding, expectChatstoreError, newAgent, newUser, rowCounts, useAgentDatabase } from './fixtures';

const missingId = '00000000-0000-4000-8000-000000000000';

async function* slowly<T>(rows: readonly T[]): AsyncGenerator<T> {
  for (const row of rows) {
    await Promise.resolve();
    yield row;
  }
}

// PGlite behind pglite-socket cannot take COPY FROM STDIN over the wire (it closes the
// connection), so the wire-protocol suite runs only on a server that has pgvector.
const backends = vectorBackends.filter((backend) => !backend.name.includes('pglite-socket'));

const strategies: Exclude<IndexStrategy, 'auto'>[] = ['maintain', 'rebuild'];

describe.each(backends.flatMap((backend) => strategies.map((indexes) => ({ backend, indexes }))))(
  'agent imports on $backend.name, indexes $indexes',
  ({ backend, indexes }) => {
    const t = useAgentDatabase(backend);
    const importMessages: typeof importAllMessages = (db, rows, options) =>
      importAllMessages(db, rows, { indexes, ...options });
    const importMemories: typeof importAllMemories = (db, rows, options) =>
      importAllMemories(db, rows, { indexes, ...options });

    async function sessionRows(
      n: number,
    ): Promise<{ rows: ImportMessageRow[]; sessionId: string; conversationId: string }> {
      const user = await newUser(t.db);
      const agent = await newAgent(t.db);
      const session = await startSession(t.db, { userId: user.id, agentId: agent.id });
      const start = Date.now() + 60_000;
      const rows = Array.from(
        { length: n },
        (_, i): ImportMessageRow => ({
          id: randomUUID(),
          conversationId: session.conversationId,
          sessionId: session.id,
          role: i % 2 === 0 ? 'user' : 'assistant',
          ...(i % 2 === 0 ? { senderUserId: user.id } : { senderAgentId: agent.id }),
          content: { type: 'text', text: `turn ${i}\twith "quotes", a \\ and\na newline` },
          metadata: { tokens: 3 },
          tools: i % 10 === 1 ? [{ id: `call-${i}`, name: 'search', arguments: { q: 'x' } }] : undefined,
          createdAt: new Date(start + i * 1000),
        }),
      );
      // A thread: the second message answers the first, inside the same import.
      if (rows[1] && rows[0]) rows[1].parentMessageId = rows[0].id;
      return { rows, sessionId: session.id, conversationId: session.conversationId };
    }

    it('imports messages: counts, contents, threads and the session counters', async () => {
      const { rows, sessionId, conversationId } = await sessionRows(12_000);
      const progress: ImportProgress[] = [];
      const schema = await introspect(t.conn.client);
      const result = await importMessages(t.db, rows, { onProgress: (p) => progress.push(p) });
      expect(result).toEqual({ rows: 12_000, sessions: 1 });
      expect(await introspect(t.conn.client)).toEqual(schema);
      expect(progress.at(-1)).toEqual({ done: 12_000, total: 12_000 });
      const window = await loadConversationWindow(t.db, { conversationId, limit: 2 });
      expect(window.map((m) => [m.id, m.content, m.createdAt])).toEqual(
        rows.slice(-2).map((r) => [r.id, r.content, r.createdAt]),
      );
      const session = await getSessionOrThrow(t.db, sessionId);
      expect(session).toMatchObject({ messageCount: 12_000, totalTokensUsed: 36_000, toolCallsCount: 1_200 });
      expect(session.lastActive).toEqual(rows.at(-1)?.createdAt);
    });

    it('imports messages from an async iterable', async () => {
      const { rows, conversationId } = await sessionRows(300);
      expect((await importMessages(t.db, slowly(rows))).rows).toBe(300);
      expect(await loadConversationWindow(t.db, { conversationId, limit: 500 })).toHaveLength(300);
    });

    it('refuses a bad message by its index and writes nothing', async () => {
      const { rows } = await sessionRows(11_000);
      const before = await rowCounts(t.conn);
      rows[10_500] = { ...(rows[10_500] as ImportMessageRow), content: { type: 'nonsense' } as never };
      await expectChatstoreError(importMessages(t.db, rows), 'VALIDATION', 'rows.10500.content.type');
      expect(await rowCounts(t.conn)).toEqual(before);
    });

    it('writes nothing when a message fails in the database (an unknown sender or parent)', async () => {
      const { rows } = await sessionRows(11_000);
      const before = await rowCounts(t.conn);
      const schema = await introspect(t.conn.client);
      rows[10_999] = { ...(rows[10_999] as ImportMessageRow), senderUserId: missingId };
      await expectChatstoreError(importMessages(t.db, slowly(rows)), 'FOREIGN_KEY', 'senderUserId');
      rows[10_999] = { ...(rows[10_998] as ImportMessageRow), id: randomUUID(), parentMessageId: missingId };
      await expectChatstoreError(importMessages(t.db, rows), 'FOREIGN_KEY', 'parentMessageId');
      expect(await rowCounts(t.conn)).toEqual(before);
      expect(await introspect(t.conn.client)).toEqual(schema);
    });

    it('imports memories with their vectors, and refuses a bad one or a missing agent', async () => {
      const agent = await newAgent(t.db);
      const rows = Array.from(
        { length: 50 },
        (_, i): ImportMemoryRow => ({
          id: randomUUID(),
          agentId: agent.id,
          memoryType: 'semantic',
          content: { concept: `concept ${i}`, definition: 'a\\b\tc' },
          embedding: embedding(i),
          importance: 0.25,
        }),
      );
      const before = await rowCounts(t.conn);
      const bad = [...rows];
      bad[40] = { ...(rows[40] as ImportMemoryRow), embedding: [1, 2, 3] };
      await expectChatstoreError(importMemories(t.db, bad), 'VALIDATION', 'rows.40.embedding');
      bad[40] = { ...(rows[40] as ImportMemoryRow), agentId: missingId };
      await expectChatstoreError(importMemories(t.db, slowly(bad)), 'FOREIGN_KEY', 'agentId');
      expect(await rowCounts(t.conn)).toEqual(before);

      expect(await importMemories(t.db, rows)).toEqual({ rows: 50 });
      const stored = await getMemory(t.db, rows[7]?.id as string);
      expect(stored).toMatchObject({ agentId: agent.id, content: rows[7]?.content, importance: 0.25, accessCount: 0 });
      expect(stored?.embedding?.[5]).toBeCloseTo(rows[7]?.embedding?.[5] ?? Number.NaN, 5);
    });
  },
);
