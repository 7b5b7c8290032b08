/**
 * Files the Tatlock application wrote itself (test/fixtures/tatlock-app, made from a sample
 * installation by scripts/fixtures/tatlock-app.ts), and what a correct import must leave: every
 * turn the application recalls exactly once, in the order it was said, deleted conversations gone.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { fixturesDir } from '../../../support/fixtures';

export const appDir = path.join(fixturesDir, 'tatlock-app');

/** A copy of a state file (`states/<name>.db`) or of the whole application folder, in a fresh temp folder. */
export function copyState(name: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'chatstore-tatlock-app-')), `${name}.db`);
  cpSync(path.join(appDir, 'states', `${name}.db`), file);
  return file;
}

export function copyAppFolder(): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'chatstore-tatlock-app-')), 'tatlock-app');
  cpSync(path.join(appDir, 'hippocampus'), path.join(dir, 'hippocampus'), { recursive: true });
  return dir;
}

export const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

type Rows = Record<string, unknown>[];

export function readAll(file: string, sql: string): Rows {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all() as Rows;
  } finally {
    db.close();
  }
}

const hasTable = (db: Database.Database, name: string) =>
  db.prepare(`select 1 from sqlite_master where type = 'table' and name = ?`).get(name) !== undefined;

interface Message {
  role: string;
  content: string;
  timestamp: string;
}

/** What a file as the application left it holds: its live conversations and their turns. */
export interface AppContent {
  /** Conversations that were not deleted (a row, or memories), with their title. */
  conversations: Map<string, string | null>;
  /** Deleted conversations that left rows behind somewhere. */
  deleted: Set<string>;
  /** Per live conversation, every message once, in the order it was said. */
  messages: Map<string, Message[]>;
  /** Rows deleted conversations (or deleted memories) left behind, per table. */
  orphans: Record<string, number>;
  topicLinks: { conversationId: string; topicId: number }[];
}

/**
 * Reads a file the application wrote: a turn is a memory, or a message the app wrote without one;
 * a dual-written message (`{interaction_id}_user`, same conversation and content) is its memory's.
 */
export function readAppContent(file: string): AppContent {
  const db = new Database(file, { readonly: true });
  try {
    const memories = db
      .prepare('select interaction_id, conversation_id, timestamp, user_prompt, llm_reply from memories')
      .all() as {
      interaction_id: string;
      conversation_id: string;
      timestamp: string;
      user_prompt: string;
      llm_reply: string;
    }[];
    const rows = db.prepare('select conversation_id, title from conversations').all() as {
      conversation_id: string;
      title: string | null;
    }[];
    const conversations = new Map<string, string | null>(rows.map((r) => [r.conversation_id, r.title]));
    for (const m of memories) if (!conversations.has(m.conversation_id)) conversations.set(m.conversation_id, null);
    const messages = hasTable(db, 'conversation_messages')
      ? (db
          .prepare(
            'select message_id, conversation_id, message_number, role, content, timestamp from conversation_messages',
          )
          .all() as {
          message_id: string;
          conversation_id: string;
          message_number: number;
          role: string;
          content: string;
          timestamp: string;
        }[])
      : [];
    const byId = new Map(memories.map((m) => [m.interaction_id, m]));
    const turns = new Map<string, { at: string; order: number; message: Message }[]>();
    const add = (conversationId: string, at: string, order: number, message: Message) => {
      if (!conversations.has(conversationId)) return;
      turns.set(conversationId, [...(turns.get(conversationId) ?? []), { at, order, message }]);
    };
    memories.forEach((m, i) => {
      add(m.conversation_id, m.timestamp, 2 * i, { role: 'user', content: m.user_prompt, timestamp: m.timestamp });
      add(m.conversation_id, m.timestamp, 2 * i + 1, {
        role: 'assistant',
        content: m.llm_reply,
        timestamp: m.timestamp,
      });
    });
    for (const x of messages) {
      const id = /^(.*)[_:](user|assistant)$/.exec(x.message_id);
      const memory = id ? byId.get(id[1] ?? '') : undefined;
      const same =
        memory?.conversation_id === x.conversation_id &&
        x.content === (x.role === 'user' ? memory.user_prompt : memory.llm_reply);
      if (!same) add(x.conversation_id, x.timestamp, 1e9 + x.message_number, x);
    }
    const ordered = new Map(
      [...turns].map(([id, list]) => [
        id,
        list
          .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.at.localeCompare(b.at) || a.order - b.order)
          .map((t) => ({ role: t.message.role, content: t.message.content, timestamp: t.message.timestamp })),
      ]),
    );
    const live = (column: string) =>
      `${column} in (${[...conversations.keys()].map((c) => `'${c}'`).join(', ') || "''"})`;
    const orphans: Record<string, number> = {};
    const deleted = new Set<string>();
    const count = (table: string, where: string) => {
      if (!hasTable(db, table)) return;
      const n = (db.prepare(`select count(*) as n from ${table} where ${where}`).get() as { n: number }).n;
      if (n > 0) orphans[table] = n;
      if (table !== 'memory_topics')
        for (const r of db
          .prepare(`select distinct conversation_id as c from ${table} where not ${live('conversation_id')}`)
          .all() as { c: string }[])
          deleted.add(r.c);
    };
    count('memory_topics', 'interaction_id not in (select interaction_id from memories)');
    count('conversation_topics', `not ${live('conversation_id')}`);
    count('conversation_messages', `not ${live('conversation_id')}`);
    count('conversation_compacts', `not ${live('conversation_id')}`);
    const topicLinks = (
      db
        .prepare(
          `select distinct m.conversation_id, mt.topic_id from memory_topics mt join memories m using (interaction_id)
           union select conversation_id, topic_id from conversation_topics where ${live('conversation_id')}`,
        )
        .all() as { conversation_id: string; topic_id: number }[]
    ).map((r) => ({ conversationId: r.conversation_id, topicId: r.topic_id }));
    return { conversations, deleted, messages: ordered, orphans, topicLinks };
  } finally {
    db.close();
  }
}

/** Checks a migrated file against what the application left: every turn once, in order, numbered 1..n. */
export function expectImported(file: string, before: AppContent): void {
  const conversations = readAll(
    file,
    'select conversation_id, title, message_count, schema_version from conversations',
  );
  expect(new Set(conversations.map((c) => c.conversation_id))).toEqual(new Set(before.conversations.keys()));
  for (const c of conversations) {
    const id = String(c.conversation_id);
    expect(c.title, id).toBe(before.conversations.get(id));
    const messages = readAll(
      file,
      `select message_number, role, content, timestamp from conversation_messages
       where conversation_id = '${id}' order by message_number`,
    );
    const expected = before.messages.get(id) ?? [];
    expect(
      messages.map((m) => ({ role: m.role, content: m.content, timestamp: m.timestamp })),
      id,
    ).toEqual(expected);
    expect(messages.map((m) => m.message_number)).toEqual(expected.map((_, i) => i + 1));
    expect(c.message_count, id).toBe(expected.length);
    expect(c.schema_version, id).toBe(2);
  }
  for (const table of ['conversation_messages', 'conversation_topics']) {
    const left = readAll(file, `select distinct conversation_id from ${table}`).map((r) => String(r.conversation_id));
    for (const id of before.deleted) expect(left, `${table} still holds deleted ${id}`).not.toContain(id);
  }
  const links = new Set(
    readAll(file, 'select conversation_id, topic_id from conversation_topics').map(
      (r) => `${r.conversation_id}/${r.topic_id}`,
    ),
  );
  for (const l of before.topicLinks)
    expect(links.has(`${l.conversationId}/${l.topicId}`), `${l.conversationId}/${l.topicId}`).toBe(true);
  expect(readAll(file, 'pragma integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  expect(readAll(file, 'pragma foreign_key_check')).toEqual([]);
}
