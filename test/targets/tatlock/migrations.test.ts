/**
 * The tatlock targets' migrations against databases as they exist in the field: built by the
 * seed's tagged SQL (adopt), upgraded from every start generation to the latest with every
 * message and topic link compared, and a data move that aborts leaves the file as it was.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRaw } from '../../../src/connect';
import { adopt } from '../../../src/migrate/adopt';
import { migrate, readStatus } from '../../../src/migrate/engine';
import { diffSchemas, introspect } from '../../../src/migrate/introspect';
import { loadMigrations } from '../../../src/migrate/migrations';
import { connect } from '../../../src/targets/connect';
import { targets } from '../../../src/targets/registry';
import {
  createLegacySystemDatabase,
  createLegacyUserDatabase,
  type LegacyUserContent,
  legacyUserGenerations,
  seedSql,
} from '../../../support/tatlock-legacy';

const dir = mkdtempSync(path.join(tmpdir(), 'chatstore-tatlock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const newFile = (name = 'db') => path.join(dir, `${name}-${++n}.db`);

const userSet = loadMigrations(targets['tatlock-user']);
const systemSet = loadMigrations(targets['tatlock-system']);

/** The schema as SQLite stores it: every table's and index's DDL text. */
function ddlOf(file: string): unknown[] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare(
        `select type, name, tbl_name, sql from sqlite_master where tbl_name <> 'chatstore_migrations' order by type, name`,
      )
      .all();
  } finally {
    db.close();
  }
}

/** `pragma table_xinfo` of every table, as the seed's authors would compare two databases. */
function columnsOf(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db
      .prepare(
        `select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name <> 'chatstore_migrations' order by 1`,
      )
      .all() as { name: string }[];
    return Object.fromEntries(
      tables.map(({ name }) => [
        name,
        (db.prepare('select * from pragma_table_xinfo(?)').all(name) as Record<string, unknown>[]).map((c) => ({
          ...c,
          type: String(c.type).toUpperCase(),
        })),
      ]),
    );
  } finally {
    db.close();
  }
}

async function factsOf(file: string) {
  const conn = await connectRaw(file);
  try {
    return await introspect(conn.client);
  } finally {
    await conn.close();
  }
}

function seedDatabase(database: 'system' | 'user', generation: string): string {
  const file = newFile(`seed-${database}-${generation}`);
  const db = new Database(file);
  db.pragma('foreign_keys = OFF');
  db.exec(seedSql(database, generation));
  db.close();
  return file;
}

async function chatstoreDatabase(target: 'tatlock-system' | 'tatlock-user', generation: string): Promise<string> {
  const file = newFile(`chatstore-${target}-${generation}`);
  const conn = await connect(target, file, { requireLatest: false });
  try {
    const result = await migrate(conn.client, target === 'tatlock-user' ? userSet : systemSet, { to: generation });
    expect(result.ok, result.error?.message).toBe(true);
  } finally {
    await conn.close();
  }
  return file;
}

/** The seed fix: from 0.3.21 on, conversation_topics.conversation_id references conversations. */
const topicKeyFix = {
  key: 'table conversation_topics / foreign key (conversation_id)',
  expected: 'references conversations(conversation_id) on update no action on delete cascade',
  actual: 'references memories(conversation_id) on update no action on delete cascade',
};

describe('a database chatstore creates equals one the seed SQL creates', () => {
  it.each(legacyUserGenerations)('tatlock-user at %s, table by table', async (generation) => {
    const ours = await chatstoreDatabase('tatlock-user', generation);
    const seed = seedDatabase('user', generation);
    const fixed = generation >= '0.3.21';
    expect(diffSchemas(await factsOf(ours), await factsOf(seed))).toEqual(fixed ? [topicKeyFix] : []);
    // Columns, declared types, nullability, defaults and primary keys exactly as SQLite reports them.
    expect(columnsOf(ours)).toEqual(columnsOf(seed));
    // Up to 0.3.20 chatstore runs the seed's own statements: even the stored DDL text is the same.
    if (!fixed) expect(ddlOf(ours)).toEqual(ddlOf(seed));
  });

  it.each(['0.3.19', '0.3.20'])('tatlock-system at %s, table by table', async (generation) => {
    const ours = await chatstoreDatabase('tatlock-system', generation);
    const seed = seedDatabase('system', generation);
    expect(diffSchemas(await factsOf(ours), await factsOf(seed))).toEqual([]);
    expect(columnsOf(ours)).toEqual(columnsOf(seed));
    expect(ddlOf(ours)).toEqual(ddlOf(seed));
  });
});

describe('adopting databases the seed SQL created', () => {
  it.each([
    ['0.3.19', ['0000_0.3.19__seed']],
    ['0.3.20', ['0000_0.3.19__seed', '0001_0.3.20__seed']],
  ] as const)('recognises tatlock-user at %s and records %j', async (generation, recorded) => {
    const file = newFile('legacy-user');
    createLegacyUserDatabase(file, generation);
    const conn = await connect('tatlock-user', file, { requireLatest: false });
    try {
      expect((await migrate(conn.client, userSet)).error?.code).toBe('NEEDS_ADOPT');
      const adopted = await adopt(conn.client, userSet);
      expect(adopted).toMatchObject({ ok: true, generation, recorded });
    } finally {
      await conn.close();
    }
  });

  it.each(['0.3.19', '0.3.20'] as const)('recognises tatlock-system at %s', async (generation) => {
    const file = newFile('legacy-system');
    createLegacySystemDatabase(file, generation);
    const conn = await connect('tatlock-system', file, { requireLatest: false });
    try {
      const adopted = await adopt(conn.client, systemSet);
      // 0.3.20 changed nothing: both files match 0.3.19, and migrate records the 0.3.20 marker.
      expect(adopted).toMatchObject({ ok: true, generation: '0.3.19', recorded: ['0000_0.3.19__seed'] });
      const up = await migrate(conn.client, systemSet);
      expect(up.results.map((r) => r.tag)).toEqual(['0001_0.3.20__unchanged']);
      expect(up.to).toBe('0.3.20');
      expect(await conn.client.query('select username from users')).toEqual([{ username: 'alice' }]);
    } finally {
      await conn.close();
    }
  });

  it('shows the seed flaw: with foreign keys on, conversation_topics rejects every insert until 0.3.21', async () => {
    const file = newFile('flaw');
    createLegacyUserDatabase(file, '0.3.20', { oldConversations: 1, memories: 2, newConversations: 0 });
    const conn = await connect('tatlock-user', file, { requireLatest: false });
    try {
      const insert = `insert into conversation_topics (conversation_id, topic_id, first_occurrence, last_occurrence)
        values ('conv-1-old-0', 2, '2025-10-01', '2025-10-01')`;
      await expect(conn.client.query(insert)).rejects.toThrow(/foreign key mismatch/);
      await adopt(conn.client, userSet);
      expect((await migrate(conn.client, userSet)).ok).toBe(true);
      await conn.client.query(insert);
    } finally {
      await conn.close();
    }
  });
});

interface Snapshot {
  conversations: Record<string, unknown>[];
  messages: Record<string, unknown>[];
  links: Record<string, unknown>[];
}

async function snapshot(file: string): Promise<Snapshot> {
  const conn = await connectRaw(file);
  try {
    return {
      conversations: await conn.client.query(
        'select conversation_id, message_count, schema_version, started_at, last_activity, compact_summary, compacted_up_to from conversations order by 1',
      ),
      messages: await conn.client.query(
        'select message_id, conversation_id, message_number, role, content, timestamp from conversation_messages order by conversation_id, message_number',
      ),
      links: await conn.client.query(
        'select conversation_id, topic_id, first_occurrence, last_occurrence, topic_count from conversation_topics order by 1, 2',
      ),
    };
  } finally {
    await conn.close();
  }
}

/** What the upgrade must produce from a legacy file's content, computed independently in JS. */
function expectedAfterUpgrade(content: LegacyUserContent) {
  const byConversation = new Map<string, LegacyUserContent['memories']>();
  for (const m of content.memories)
    byConversation.set(m.conversationId, [...(byConversation.get(m.conversationId) ?? []), m]);
  const messages: Record<string, unknown>[] = [];
  for (const [conversationId, memories] of byConversation) {
    // Timestamp order; equal timestamps keep insertion order (Array.prototype.sort is stable).
    const ordered = [...memories].sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
    ordered.forEach((m, i) => {
      messages.push(
        {
          message_id: `${m.interactionId}:user`,
          conversation_id: conversationId,
          message_number: 2 * i + 1,
          role: 'user',
          content: m.userPrompt,
          timestamp: m.timestamp,
        },
        {
          message_id: `${m.interactionId}:assistant`,
          conversation_id: conversationId,
          message_number: 2 * i + 2,
          role: 'assistant',
          content: m.llmReply,
          timestamp: m.timestamp,
        },
      );
    });
  }
  for (const m of content.messages) {
    messages.push({
      message_id: m.messageId,
      conversation_id: m.conversationId,
      message_number: m.messageNumber,
      role: m.role,
      content: m.content,
    });
  }
  const latestCompact = new Map<string, LegacyUserContent['compacts'][number]>();
  for (const c of content.compacts) {
    const seen = latestCompact.get(c.conversationId);
    if (!seen || c.compactTimestamp > seen.compactTimestamp) latestCompact.set(c.conversationId, c);
  }
  const topicLinks = new Map<string, { count: number; first: string; last: string }>();
  const memoryById = new Map(content.memories.map((m) => [m.interactionId, m]));
  for (const link of content.memoryTopics) {
    const memory = memoryById.get(link.interactionId);
    if (!memory) continue;
    const key = `${memory.conversationId}|${link.topicId}`;
    const seen = topicLinks.get(key);
    topicLinks.set(key, {
      count: (seen?.count ?? 0) + 1,
      first: seen && seen.first < memory.timestamp ? seen.first : memory.timestamp,
      last: seen && seen.last > memory.timestamp ? seen.last : memory.timestamp,
    });
  }
  return { byConversation, messages, latestCompact, topicLinks };
}

describe.each(['0.3.19', '0.3.20'] as const)(
  'upgrading a legacy tatlock-user file at %s to the latest',
  (generation) => {
    it('moves every memory, compact and topic link, and drops nothing a user wrote', async () => {
      const file = newFile(`upgrade-${generation}`);
      const content = createLegacyUserDatabase(file, generation, { seed: 7 });
      const conn = await connect('tatlock-user', file, { requireLatest: false });
      try {
        await adopt(conn.client, userSet);
        const up = await migrate(conn.client, userSet);
        expect(up.ok, up.error?.message).toBe(true);
        expect(up.to).toBe('0.3.23');
      } finally {
        await conn.close();
      }
      const after = await snapshot(file);
      const expected = expectedAfterUpgrade(content);

      // Every message: moved memories (two each, numbered in timestamp order) and 0.3.20's own.
      expect(after.messages).toHaveLength(2 * content.memories.length + content.messages.length);
      expect(after.messages).toEqual(expect.arrayContaining(expected.messages.map((m) => expect.objectContaining(m))));
      // Every conversation is on the new schema, counts its messages, spans its timestamps.
      for (const c of after.conversations) {
        const own = after.messages.filter((m) => m.conversation_id === c.conversation_id);
        expect(c).toMatchObject({ schema_version: 2, message_count: own.length });
        const memories = expected.byConversation.get(String(c.conversation_id));
        if (memories) {
          const stamps = memories.map((m) => m.timestamp).sort();
          expect(c).toMatchObject({ started_at: stamps[0], last_activity: stamps.at(-1) });
        }
        const compact = expected.latestCompact.get(String(c.conversation_id));
        if (compact)
          expect(c).toMatchObject({ compact_summary: compact.compactSummary, compacted_up_to: compact.messagesUpTo });
      }
      // The conversation Tatlock never gave a conversations row has one now.
      expect(after.conversations.map((c) => c.conversation_id)).toEqual(
        expect.arrayContaining([...expected.byConversation.keys()]),
      );
      // Every topic link of a memory is reachable through conversation_topics, with its span and count.
      for (const [key, link] of expected.topicLinks) {
        const [conversationId, topicId] = key.split('|');
        const row = after.links.find((l) => l.conversation_id === conversationId && String(l.topic_id) === topicId);
        expect(row, key).toBeDefined();
        expect(Number(row?.topic_count)).toBeGreaterThanOrEqual(link.count);
        expect(String(row?.first_occurrence) <= link.first && String(row?.last_occurrence) >= link.last).toBe(true);
      }
      // Links Tatlock wrote itself survive.
      for (const link of content.conversationTopics) {
        expect(after.links).toContainEqual(
          expect.objectContaining({ conversation_id: link.conversationId, topic_id: link.topicId }),
        );
      }
      // The old tables are gone, the user's other data is not.
      const db = new Database(file, { readonly: true });
      try {
        const tables = (
          db.prepare(`select name from sqlite_master where type = 'table'`).all() as { name: string }[]
        ).map((t) => t.name);
        expect(tables).not.toContain('memories');
        expect(tables).not.toContain('memory_topics');
        expect(tables).not.toContain('conversation_compacts');
        expect(db.prepare('select key, value from personal_variables order by key').all()).toEqual([
          { key: 'favourite_colour', value: 'green' },
          { key: 'hometown', value: 'Porto' },
        ]);
        expect(db.prepare('select count(*) as n from short_term_storage').get()).toEqual({ n: 2 });
        expect(db.pragma('foreign_key_check')).toEqual([]);
      } finally {
        db.close();
      }
    });
  },
);

describe('upgrading chatstore-managed files from every later generation', () => {
  it.each(['0.3.21', '0.3.22'])('from %s, with messages and topic links in place', async (generation) => {
    const file = await chatstoreDatabase('tatlock-user', generation);
    const conn = await connectRaw(file);
    try {
      await conn.client.query(
        `insert into conversations (conversation_id, schema_version, message_count) values ('c1', 2, 2)`,
      );
      await conn.client.query(
        `insert into conversation_messages (message_id, conversation_id, message_number, role, content, timestamp)
         values ('m1', 'c1', 1, 'user', 'hello', '2025-11-01T10:00:00'), ('m2', 'c1', 2, 'assistant', 'hi!', '2025-11-01T10:00:01')`,
      );
      await conn.client.query(`insert into topics (topic_name) values ('greetings')`);
      await conn.client.query(
        `insert into conversation_topics (conversation_id, topic_id, first_occurrence, last_occurrence, topic_count) values ('c1', 1, 'a', 'b', 3)`,
      );
    } finally {
      await conn.close();
    }
    const before = await snapshot(file);
    const upgraded = await connect('tatlock-user', file, { requireLatest: false });
    try {
      const up = await migrate(upgraded.client, userSet);
      expect(up.ok, up.error?.message).toBe(true);
      expect(up.to).toBe('0.3.23');
    } finally {
      await upgraded.close();
    }
    expect(await snapshot(file)).toEqual(before);
  });
});

describe('a data move that does not add up', () => {
  it('aborts with the reason and leaves the file exactly as it was before the step', async () => {
    const file = newFile('abort');
    createLegacyUserDatabase(file, '0.3.20', { oldConversations: 2, memories: 10, newConversations: 1 });
    // Something in the file (here: a trigger) swallows assistant messages as they are moved.
    const raw = new Database(file);
    raw.exec(`create trigger swallow after insert on conversation_messages when new.message_id like '%:assistant'
      begin delete from conversation_messages where message_id = new.message_id; end`);
    raw.close();
    const conn = await connect('tatlock-user', file, { requireLatest: false });
    try {
      await adopt(conn.client, userSet);
      const dump = async () =>
        Object.fromEntries(
          await Promise.all(
            [
              'conversations',
              'conversation_messages',
              'memories',
              'memory_topics',
              'conversation_topics',
              'conversation_compacts',
            ].map(async (t) => [t, await conn.client.query(`select * from ${t} order by 1, 2`)] as const),
          ),
        );
      const before = await dump();
      const up = await migrate(conn.client, userSet);
      expect(up.ok).toBe(false);
      expect(up.error?.code).toBe('MIGRATION_FAILED');
      expect(up.error?.message).toContain('0002_0.3.21__move_to_messages');
      expect(up.error?.message).toContain('the number of messages is not the number before plus two per memory moved');
      expect(await dump()).toEqual(before);
      expect((await readStatus(conn.client, userSet)).generation).toBe('0.3.20');
    } finally {
      await conn.close();
    }
  });
});
