// A strict TypeScript app (consumer check, part b). Each @ts-expect-error probe fails the check
// if the type it probes degrades to `any`, so the declarations must carry concrete types.
import { type ChatstoreError, connect, isChatstoreError, type MigrateResult, migrate, targetNames } from 'chatstore';
import { resolveIdentity } from 'chatstore/letta';
import { appendMessage, createTask, type HistoryPage, loadConversationHistory, type Message } from 'chatstore/todo';
import { type messages, tasks } from 'chatstore/todo/schema';
import type * as phase2 from 'chatstore/todo/schema/phase2';

// biome-ignore lint/complexity/useLiteralKeys: the app sets noPropertyAccessFromIndexSignature
export const conn = await connect('todo', process.env['DATABASE_URL'], { migrate: true });
// Exported: its declared type must be nameable from the app's declarations.
export const db = conn.db;

export async function lastMessage(conversationId: string): Promise<Message | undefined> {
  const page: HistoryPage = await loadConversationHistory(db, { conversationId, userId: 'u1' });
  // @ts-expect-error messages is Message[], not a string
  const wrong: string = page.messages;
  void wrong;
  return page.messages[0];
}

export async function probes(): Promise<void> {
  const result: MigrateResult = await migrate('todo', undefined, { to: 'phase3' });
  // @ts-expect-error `to` is a generation name or null
  const to: number = result.to;
  void to;
  const message = await appendMessage(db, { conversationId: 'c', userId: 'u1', role: 'user', content: 'hi' });
  // @ts-expect-error content is a string
  const content: number = message.content;
  void content;
  // @ts-expect-error roles are a closed union
  await appendMessage(db, { conversationId: 'c', userId: 'u1', role: 'wizard', content: 'hi' });
  const task = await createTask(db, { userId: 'u1', title: 'milk' });
  // @ts-expect-error a task id is a number
  const id: string = task.id;
  void id;
  // @ts-expect-error not a target
  await connect('no-such-target');
  // @ts-expect-error the todo handle is PostgreSQL, letta's repositories take SQLite
  await resolveIdentity(db, { platform: 'telegram', platformUserId: '1' });
  type MessageRow = typeof messages.$inferSelect;
  // @ts-expect-error createdAt is a Date
  const created: MessageRow['createdAt'] = 'yesterday';
  void created;
  type OldTask = typeof phase2.tasks.$inferSelect;
  const title: OldTask['title'] = 'from the phase2 module';
  void title;
  void tasks;
  const names: readonly string[] = targetNames;
  void names;
  try {
    await migrate(conn);
  } catch (error) {
    if (isChatstoreError(error)) {
      const e: ChatstoreError = error;
      // @ts-expect-error codes are a closed union
      const code: 'NO_SUCH_CODE' = e.code;
      void code;
    }
  }
}
