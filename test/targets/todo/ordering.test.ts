/**
 * Messages appended in quick succession come back in the order they were written, also where the
 * database's clock is coarse: PGlite's clock_timestamp() ticks in milliseconds, and the id (a
 * random UUID) is no tiebreak for the order of writing.
 */
import { describe, expect, it } from 'vitest';
import {
  appendMessage,
  createUser,
  loadConversationHistory,
  loadRecentMessages,
  startConversation,
} from '../../../src/targets/todo';
import { pgliteBackend } from '../../support/backends';
import { useTodoDatabase } from './fixtures';

describe('appending within one clock tick', () => {
  // PGlite: its clock is the coarse one.
  const t = useTodoDatabase(pgliteBackend);

  it('keeps the order of writing', async () => {
    const user = await createUser(t.db, { id: 'ticks', email: 'ticks@example.com' });
    const { conversation } = await startConversation(t.db, { userId: user.id });
    const written = Array.from({ length: 60 }, (_, i) => `message ${i}`);
    for (const content of written) {
      await appendMessage(t.db, { conversationId: conversation.id, userId: user.id, role: 'user', content });
    }
    const ref = { conversationId: conversation.id, userId: user.id };
    const history = await loadConversationHistory(t.db, { ...ref, limit: 100 });
    expect(history.messages.map((m) => m.content)).toEqual(written);
    expect((await loadRecentMessages(t.db, { ...ref, limit: 20 })).map((m) => m.content)).toEqual(written.slice(-20));
    const times = history.messages.map((m) => m.createdAt?.getTime() ?? 0);
    expect([...times].sort((x, y) => x - y)).toEqual(times);
  });

  it('stamps a message after the conversation’s last one when the clock has not passed it', async () => {
    // Whether appends share a millisecond depends on the machine's speed; a conversation whose
    // last message (and so its updated_at) is an hour ahead puts the clock behind it every time.
    const user = await createUser(t.db, { id: 'ahead', email: 'ahead@example.com' });
    const { conversation } = await startConversation(t.db, { userId: user.id });
    const ref = { conversationId: conversation.id, userId: user.id };
    const first = await appendMessage(t.db, { ...ref, role: 'user', content: 'first' });
    await t.conn.client.query(`update messages set created_at = created_at + interval '1 hour' where id = $1`, [
      first.id,
    ]);
    await t.conn.client.query(`update conversations set updated_at = updated_at + interval '1 hour' where id = $1`, [
      conversation.id,
    ]);
    const second = await appendMessage(t.db, { ...ref, role: 'assistant', content: 'second' });
    const history = await loadConversationHistory(t.db, { ...ref, limit: 10 });
    expect(history.messages.map((m) => m.content)).toEqual(['first', 'second']);
    const [a, b] = history.messages.map((m) => m.createdAt?.getTime() ?? 0) as [number, number];
    expect(b).toBeGreaterThanOrEqual(a); // a microsecond later: the same millisecond in a Date
    expect(b - a).toBeLessThan(1_000);
    expect(second.createdAt?.getTime()).toBe(b);
  });
});
