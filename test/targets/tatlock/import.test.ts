import { describe, expect, it } from 'vitest';
import {
  appendMessage,
  getConversation,
  type ImportMessageRow,
  type ImportProgress,
  importMessages,
  loadModelContext,
  startConversation,
} from '../../../src/targets/tatlock-user';
import { sqliteBackend } from '../../support/backends';
import { expectChatstoreError, rowCountsOf, useTargetDatabase } from '../../support/database';

async function* slowly<T>(rows: readonly T[]): AsyncGenerator<T> {
  for (const row of rows) {
    await Promise.resolve();
    yield row;
  }
}

function history(conversationId: string, size: number): ImportMessageRow[] {
  const start = Date.UTC(2030, 0, 1);
  return Array.from({ length: size }, (_, i) => ({
    conversationId,
    role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
    content: `message ${i}`,
    timestamp: new Date(start + i * 1000).toISOString(),
  }));
}

describe('tatlock-user importMessages on sqlite', () => {
  const t = useTargetDatabase('tatlock-user', sqliteBackend());
  const counts = () => rowCountsOf(t.conn.client, ['conversations', 'conversation_messages']);

  it('imports after the messages a conversation has: numbers, counts, last activity, progress', async () => {
    const { conversationId } = startConversation(t.db, { title: 'Imported' });
    appendMessage(t.db, { conversationId, role: 'user', content: 'already here' });
    const rows = history(conversationId, 21_000);
    const progress: ImportProgress[] = [];
    expect(await importMessages(t.db, rows, { onProgress: (p) => progress.push(p) })).toEqual({
      rows: 21_000,
      conversations: 1,
    });
    expect(progress.at(-1)).toEqual({ done: 21_000, total: 21_000 });
    const context = loadModelContext(t.db, { conversationId });
    expect(context.messages).toHaveLength(21_001);
    expect(context.messages[1]).toEqual({
      messageNumber: 2,
      role: 'user',
      content: 'message 0',
      timestamp: rows[0]?.timestamp,
    });
    expect(context.messages.at(-1)?.messageNumber).toBe(21_001);
    expect(getConversation(t.db, conversationId)).toMatchObject({
      messageCount: 21_001,
      lastActivity: rows.at(-1)?.timestamp,
    });
  });

  it('imports an async iterable', async () => {
    const { conversationId } = startConversation(t.db, {});
    expect((await importMessages(t.db, slowly(history(conversationId, 300)))).rows).toBe(300);
  });

  it('refuses a bad row by its index, or an unknown conversation, and writes nothing', async () => {
    const { conversationId } = startConversation(t.db, {});
    const rows = history(conversationId, 12_000);
    const before = await counts();
    const bad = [...rows];
    bad[10_001] = { ...(rows[10_001] as ImportMessageRow), content: 'lone\ud800' };
    await expectChatstoreError(importMessages(t.db, bad), 'VALIDATION', 'rows.10001.content');
    bad[10_001] = { ...(rows[10_001] as ImportMessageRow), conversationId: 'nowhere' };
    await expectChatstoreError(importMessages(t.db, slowly(bad)), 'NOT_FOUND', 'rows.10001.conversationId');
    bad[10_001] = { ...(rows[10_001] as ImportMessageRow), messageId: 'dup' };
    bad[10_002] = { ...(rows[10_002] as ImportMessageRow), messageId: 'dup' };
    await expectChatstoreError(importMessages(t.db, bad), 'CONFLICT', 'messageId');
    expect(await counts()).toEqual(before);
  });

  it.each(['rebuild', 'maintain'] as const)(
    'with indexes %s, leaves the schema as it was, after an import and after a failed one',
    async (indexes) => {
      const schema = () => t.conn.client.query('select type, name, sql from sqlite_master order by name');
      const before = await schema();
      const { conversationId } = startConversation(t.db, {});
      const rows = history(conversationId, 5_000);
      expect((await importMessages(t.db, rows, { indexes })).rows).toBe(5_000);
      expect(await schema()).toEqual(before);
      const counted = await counts();
      const bad = history(conversationId, 3).map((row) => ({ ...row, messageId: 'twice' }));
      await expectChatstoreError(importMessages(t.db, bad, { indexes }), 'CONFLICT', 'messageId');
      expect(await schema()).toEqual(before);
      expect(await counts()).toEqual(counted);
      expect(await t.conn.client.query('pragma integrity_check')).toEqual([{ integrity_check: 'ok' }]);
      expect(loadModelContext(t.db, { conversationId }).messages.map((m) => m.content)).toEqual(
        rows.map((r) => r.content),
      );
    },
  );
});
