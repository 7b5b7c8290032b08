/**
 * The five todo hot paths, each as a pair: the chatstore repository call and the same SQL
 * through the raw driver. The raw side's SQL text is captured from the repository itself
 * (one call through a logging drizzle handle on the same driver), and its parameters are
 * checked against the captured ones before timing, so both sides run the same statement.
 * Inputs are drawn before timing; both sides of an iteration get the same one.
 */
import {
  appendMessage,
  listConversations,
  loadConversationHistory,
  loadRecentMessages,
  type NewMessageInput,
  type TodoDb,
  touchConversation,
} from '../../src/targets/todo';
import { prng } from '../../support/random';
import type { BenchBackend } from './backends';
import { type ConversationPlan, type Dataset, freshMessage } from './data';

export const chatstoreSide =
  "the repository functions of src/targets/todo (`loadConversationHistory`, `loadRecentMessages`, `listConversations`, `appendMessage`, `touchConversation`), zod input parsing included, on `connect()`'s handle";

export interface HotPath {
  readonly name: string;
  /** The SQL the raw side runs (captured from the repository in `check`). */
  readonly statements: readonly string[];
  /** The parameters the repository bound to each statement in `check` (for EXPLAIN). */
  readonly samples?: readonly unknown[][];
  chatstore(iteration: number): Promise<unknown>;
  raw(iteration: number): Promise<unknown>;
  /** Untimed: captures the repository's SQL, checks the raw parameters match, compares one result. */
  check(): Promise<void>;
}

interface Captured {
  text: string;
  params: unknown[];
}

/** A drizzle handle on the backend's driver that records every statement instead of timing it. */
export type CaptureDb = (log: Captured[]) => TodoDb;

const at = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;

function rowCount(result: unknown): number | undefined {
  if (Array.isArray(result)) return result.length;
  const rows = (result as { rows?: unknown[] } | undefined)?.rows;
  return rows?.length;
}

interface PairSpec<I> {
  name: string;
  inputs: readonly I[];
  chatstore(db: TodoDb, input: I): Promise<unknown>;
  /** The raw parameters, in the order of the repository's statement. */
  params(input: I): unknown[];
  /** How many rows the raw result should have given the chatstore result (for the check). */
  expectedRows?(chatstoreResult: unknown): number;
}

function pair<I>(backend: BenchBackend, capture: CaptureDb, spec: PairSpec<I>): HotPath {
  const db = backend.conn.db as unknown as TodoDb;
  const statements: string[] = [];
  const samples: unknown[][] = [];
  let text = '';
  return {
    name: spec.name,
    statements,
    samples,
    chatstore: (i) => spec.chatstore(db, at(spec.inputs, i)),
    raw: (i) => {
      const input = at(spec.inputs, i);
      return backend.raw.query(text, spec.params(input));
    },
    async check() {
      const log: Captured[] = [];
      const input = at(spec.inputs, 0);
      await spec.chatstore(capture(log), input);
      if (log.length !== 1)
        throw new Error(`${spec.name}: the repository ran ${log.length} statements, the bench expects 1`);
      const [captured] = log as [Captured];
      const params = spec.params(input);
      if (JSON.stringify(captured.params) !== JSON.stringify(params)) {
        throw new Error(
          `${spec.name}: the repository's parameters ${JSON.stringify(captured.params)} differ from the raw side's ${JSON.stringify(params)}; update bench/hot-paths.ts`,
        );
      }
      text = captured.text;
      statements.push(text);
      samples.push(captured.params);
      const mine = await spec.chatstore(db, at(spec.inputs, 1));
      const theirs = await backend.raw.query(text, spec.params(at(spec.inputs, 1)));
      const expected = spec.expectedRows ? spec.expectedRows(mine) : rowCount(mine);
      if (expected !== rowCount(theirs))
        throw new Error(`${spec.name}: chatstore gave ${expected} rows, raw ${rowCount(theirs)}`);
    },
  };
}

/**
 * Builds the hot paths of a backend with `count` inputs (timed iterations + warm-up).
 */
export function hotPaths(
  backend: BenchBackend,
  capture: CaptureDb,
  data: Dataset,
  count: number,
  seed: number,
): HotPath[] {
  const rand = prng(seed);
  const conversation = () => data.conversations[Math.floor(rand() * data.conversations.length)] as ConversationPlan;
  const loads = Array.from({ length: count }, conversation);
  const users = Array.from({ length: count }, () => data.userIds[Math.floor(rand() * data.userIds.length)] as string);
  const appends = Array.from({ length: count }, (): NewMessageInput => {
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
  const touches = Array.from({ length: count }, conversation);
  const historyLimit = 20;
  const listLimit = 50;

  return [
    // The seed's "Load Conversation History" (ORDER BY created_at ASC LIMIT 20): the oldest 20.
    pair(backend, capture, {
      name: 'load first 20 messages (the seed query)',
      inputs: loads,
      chatstore: (db, c) =>
        loadConversationHistory(db, { conversationId: c.id, userId: c.userId, limit: historyLimit }),
      // The conversation id twice (its messages, and the owner check on conversations); the
      // repository asks for one row more to know whether another page exists.
      params: (c) => [c.id, c.id, c.userId, historyLimit + 1],
      expectedRows: (page) => {
        const p = page as { messages: unknown[]; nextCursor: string | null };
        return p.messages.length + (p.nextCursor === null ? 0 : 1);
      },
    }),
    // What a chatbot sends its model: the latest 20, returned oldest first.
    pair(backend, capture, {
      name: 'load recent 20 messages',
      inputs: loads,
      chatstore: (db, c) => loadRecentMessages(db, { conversationId: c.id, userId: c.userId, limit: historyLimit }),
      params: (c) => [c.id, c.id, c.userId, historyLimit],
    }),
    pair(backend, capture, {
      name: "list a user's conversations",
      inputs: users,
      chatstore: (db, userId) => listConversations(db, { userId, limit: listLimit }),
      params: (userId) => [userId, listLimit],
    }),
    pair(backend, capture, {
      name: 'append a message',
      inputs: appends,
      chatstore: (db, m) => appendMessage(db, m),
      params: (m) => [
        m.conversationId,
        m.userId,
        m.userId,
        m.role,
        m.content,
        m.toolUsed ?? null,
        m.actionTaken ?? null,
        m.toolUsed === 'add_task' ? 1 : 0,
        m.toolUsed === 'complete_task' ? 1 : 0,
      ],
      expectedRows: () => 1,
    }),
    pair(backend, capture, {
      name: 'update a conversation',
      inputs: touches,
      chatstore: (db, c) => touchConversation(db, { conversationId: c.id, userId: c.userId }),
      params: (c) => [c.id, c.userId],
      expectedRows: () => 1,
    }),
  ];
}
