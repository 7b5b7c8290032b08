/**
 * The four todo hot paths, each as a pair: the chatstore call and the same SQL through the
 * raw driver. Inputs are drawn before timing so both sides of an iteration get the same one.
 */
import { asc, desc, eq, sql } from 'drizzle-orm';
import { conversationMetadata, conversations, messages } from '../src/schema/todo';
import type { BenchBackend, RawDriver, TodoDb } from './backends';
import { type Dataset, freshMessage, prng } from './data';

export const chatstoreSide =
  'drizzle prepared statements built in bench/hot-paths.ts (src/repositories/todo not available yet)';

/** A drizzle handle that logs every statement (used by the repository version of this file). */
export type CaptureDb = (log: { text: string; params: unknown[] }[]) => TodoDb;

export interface HotPath {
  readonly name: string;
  /** The SQL statements the raw side runs (for the report). */
  readonly statements: readonly string[];
  chatstore(iteration: number): Promise<unknown>;
  raw(iteration: number): Promise<unknown>;
  /** Checks once, untimed, that both sides return the same thing for one input. */
  check(): Promise<void>;
}

interface AppendInput {
  conversationId: string;
  userId: string;
  role: 'user' | 'assistant';
  content: string;
  toolUsed: string | null;
  actionTaken: string | null;
}

function inputs(data: Dataset, count: number, seed: number) {
  const rand = prng(seed);
  const conversation = () =>
    data.conversations[Math.floor(rand() * data.conversations.length)] as Dataset['conversations'][number];
  const conversationIds = Array.from({ length: count }, () => conversation().id);
  const userIds = Array.from({ length: count }, () => data.userIds[Math.floor(rand() * data.userIds.length)] as string);
  const appends = Array.from({ length: count }, (): AppendInput => {
    const c = conversation();
    const m = freshMessage(rand);
    return {
      conversationId: c.id,
      userId: c.userId,
      role: m.role,
      content: m.content,
      toolUsed: m.tool,
      actionTaken: m.action,
    };
  });
  return { conversationIds, userIds, appends };
}

const at = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;

function sameLength(name: string, a: unknown, b: unknown): void {
  const n = (x: unknown) => (Array.isArray(x) ? x.length : (x as { rows?: unknown[] })?.rows?.length);
  if (n(a) !== n(b)) throw new Error(`${name}: chatstore returned ${n(a)} rows, raw ${n(b)}`);
}

/**
 * Builds the hot paths of a backend. `count` inputs are drawn (iterations + warm-up); the
 * chatstore side calls drizzle prepared statements built once on the handle.
 */
export function hotPaths(
  backend: BenchBackend,
  _capture: CaptureDb,
  data: Dataset,
  count: number,
  seed: number,
): HotPath[] {
  const { db } = backend.conn;
  const raw: RawDriver = backend.raw;
  const input = inputs(data, count, seed);

  const loadQuery = db
    .select()
    .from(messages)
    .where(eq(messages.conversationId, sql.placeholder('conversationId')))
    .orderBy(asc(messages.createdAt))
    .limit(20);
  const load = loadQuery.prepare('bench_load_history');
  const loadText = loadQuery.toSQL().sql;

  const listQuery = db
    .select()
    .from(conversations)
    .where(eq(conversations.userId, sql.placeholder('userId')))
    .orderBy(desc(conversations.updatedAt));
  const list = listQuery.prepare('bench_list_conversations');
  const listText = listQuery.toSQL().sql;

  const touchQuery = db
    .update(conversations)
    .set({ updatedAt: sql`now()` })
    .where(eq(conversations.id, sql.placeholder('conversationId')))
    .returning();
  const touch = touchQuery.prepare('bench_touch_conversation');
  const touchText = touchQuery.toSQL().sql;

  const insertText = db
    .insert(messages)
    .values({
      conversationId: sql.placeholder('conversationId'),
      userId: sql.placeholder('userId'),
      role: sql.placeholder('role'),
      content: sql.placeholder('content'),
      toolUsed: sql.placeholder('toolUsed'),
      actionTaken: sql.placeholder('actionTaken'),
    })
    .returning()
    .toSQL().sql;
  const bumpUpdated = db
    .update(conversations)
    .set({ updatedAt: sql`now()` })
    .where(eq(conversations.id, sql.placeholder('conversationId')));
  const bumpUpdatedText = bumpUpdated.toSQL().sql;
  const countersText = db
    .update(conversationMetadata)
    .set({
      messageCount: sql`${conversationMetadata.messageCount} + 1`,
      taskCountCreated: sql`${conversationMetadata.taskCountCreated} + ${sql.placeholder('created')}`,
    })
    .where(eq(conversationMetadata.conversationId, sql.placeholder('conversationId')))
    .toSQL().sql;

  const appendChatstore = (a: AppendInput) =>
    db.transaction(async (tx) => {
      const [row] = await tx
        .insert(messages)
        .values({
          conversationId: a.conversationId,
          userId: a.userId,
          role: a.role,
          content: a.content,
          toolUsed: a.toolUsed,
          actionTaken: a.actionTaken,
        })
        .returning();
      await tx.update(conversations).set({ updatedAt: sql`now()` }).where(eq(conversations.id, a.conversationId));
      await tx
        .update(conversationMetadata)
        .set({
          messageCount: sql`${conversationMetadata.messageCount} + 1`,
          taskCountCreated: sql`${conversationMetadata.taskCountCreated} + ${a.toolUsed === 'add_task' ? 1 : 0}`,
        })
        .where(eq(conversationMetadata.conversationId, a.conversationId));
      return row;
    });
  const appendRaw = (a: AppendInput) =>
    raw.transaction(async (tx) => {
      const row = await tx.query(insertText, [
        a.conversationId,
        a.userId,
        a.role,
        a.content,
        a.toolUsed,
        a.actionTaken,
      ]);
      await tx.query(bumpUpdatedText, [a.conversationId]);
      await tx.query(countersText, [a.toolUsed === 'add_task' ? 1 : 0, a.conversationId]);
      return row;
    });

  return [
    {
      name: 'load last 20 messages',
      statements: [loadText],
      chatstore: (i) => load.execute({ conversationId: at(input.conversationIds, i) }),
      raw: (i) => raw.query(loadText, [at(input.conversationIds, i), 20]),
      async check() {
        sameLength(this.name, await this.chatstore(0), await this.raw(0));
      },
    },
    {
      name: "list a user's conversations",
      statements: [listText],
      chatstore: (i) => list.execute({ userId: at(input.userIds, i) }),
      raw: (i) => raw.query(listText, [at(input.userIds, i)]),
      async check() {
        sameLength(this.name, await this.chatstore(0), await this.raw(0));
      },
    },
    {
      name: 'append a message',
      statements: [insertText, bumpUpdatedText, countersText],
      chatstore: (i) => appendChatstore(at(input.appends, i)),
      raw: (i) => appendRaw(at(input.appends, i)),
      async check() {
        await this.chatstore(0);
        await this.raw(0);
      },
    },
    {
      name: 'update a conversation',
      statements: [touchText],
      chatstore: (i) => touch.execute({ conversationId: at(input.conversationIds, i) }),
      raw: (i) => raw.query(touchText, [at(input.conversationIds, i)]),
      async check() {
        sameLength(this.name, await this.chatstore(0), await this.raw(0));
      },
    },
  ];
}
