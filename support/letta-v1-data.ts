/**
 * A v1 letta database as the Telegram bot leaves it in the field, filled deterministically:
 * users with and without usernames (names with quotes, accents, CJK, emoji), timestamps in the
 * shapes Python and SQLite write, message counters that drifted from the real count, messages
 * from Telegram ids that never got a users row and with no user at all, queue entries in every
 * status (some pointing at deleted messages), and deleted newest rows so the AUTOINCREMENT
 * high-water marks are above the largest ids. Built on the seed's own SQL.
 */
import type Database from 'better-sqlite3';
import { prng } from './random';

export interface V1User {
  user_id: number;
  username: string | null;
  first_name: string | null;
  last_active: string | null;
  message_count: number | null;
}

export interface V1Message {
  id: number;
  user_id: number | null;
  role: string | null;
  message: string | null;
  timestamp: string | null;
  processed: number | null;
  agent_response: string | null;
}

export interface V1QueueEntry {
  id: number;
  user_id: number | null;
  message_id: number | null;
  status: string | null;
  attempts: number | null;
  timestamp: string | null;
}

/** Every row of a v1 database, read back after filling, plus its AUTOINCREMENT counters. */
export interface V1Snapshot {
  users: V1User[];
  messages: V1Message[];
  queue: V1QueueEntry[];
  sequence: Record<string, number>;
}

export interface V1Options {
  users?: number;
  /** Messages per user, at least and at most. */
  messagesPerUser?: [number, number];
  seed?: number;
}

const firstNames = ['Ada', 'Zoë', 'Łukasz', '李雷', "Seán O'Brien", '🦊 Fox', 'Amélie', 'Bob', null, 'Ngozi', 'Dmitri'];
const openers = [
  'Can you remind me what we discussed yesterday?',
  'Write a haiku about "late trains".',
  "What's the weather like for a picnic on Saturday?",
  'Summarise this: the meeting moved to 3pm; bring the Q3 numbers.',
  'Translate to German: where is the station?',
  'Hi! 👋',
  'Tell me a joke about SQL; nothing with DROP TABLE please',
];

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** A timestamp in one of the shapes a Python bot or SQLite writes. */
function timestampText(ms: number, shape: number): string {
  const d = new Date(ms);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  if (shape === 0) return `${date}T${time}.${pad(d.getUTCMilliseconds(), 3)}${pad(ms % 1000, 3)}`; // datetime.isoformat()
  if (shape === 1) return `${date} ${time}`; // CURRENT_TIMESTAMP
  return `${date}T${time}Z`;
}

/**
 * Fills a database created from test/fixtures/letta/v1.sql and returns what it holds.
 *
 * @example const before = fillV1(db, { users: 12 });
 */
export function fillV1(db: Database.Database, options: V1Options = {}): V1Snapshot {
  const rand = prng(options.seed ?? 2024);
  const [least, most] = options.messagesPerUser ?? [20, 60];
  const userCount = options.users ?? 12;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const telegramIds = new Set<number>();
  while (telegramIds.size < userCount + 2) telegramIds.add(100_000_000 + Math.floor(rand() * 6_900_000_000));
  const [orphanA, orphanB, ...ids] = [...telegramIds];
  const start = Date.UTC(2024, 0, 15, 8, 0, 0);

  // Messages of all users interleaved in time, as a running bot writes them.
  type Planned = { userId: number | null; at: number; shape: number };
  const planned: Planned[] = [];
  for (const [i, userId] of ids.entries()) {
    const count = least + Math.floor(rand() * (most - least + 1));
    let at = start + Math.floor(rand() * 86_400_000);
    for (let n = 0; n < count; n++) {
      at += 30_000 + Math.floor(rand() * 3_600_000);
      planned.push({ userId, at, shape: i % 3 });
    }
  }
  for (const orphan of [orphanA, orphanB]) {
    for (let n = 0; n < 4; n++) planned.push({ userId: orphan ?? null, at: start + n * 600_000 + 7, shape: 1 });
  }
  planned.push({ userId: null, at: start + 1_000, shape: 0 }, { userId: null, at: start + 2_000, shape: 2 });
  planned.sort((a, b) => a.at - b.at);

  const insertMessage = db.prepare(
    'insert into messages (user_id, role, message, timestamp, processed, agent_response) values (?, ?, ?, ?, ?, ?)',
  );
  const insertQueue = db.prepare(
    'insert into queue (user_id, message_id, status, attempts, timestamp) values (?, ?, ?, ?, ?)',
  );
  const insertQueueDefaultTime = db.prepare(
    'insert into queue (user_id, message_id, status, attempts) values (?, ?, ?, ?)',
  );
  const insertUser = db.prepare(
    'insert into users (user_id, username, first_name, last_active, message_count) values (?, ?, ?, ?, ?)',
  );

  db.transaction(() => {
    const lastAt = new Map<number, number>();
    const sent = new Map<number, number>();
    for (const [n, m] of planned.entries()) {
      const recent = n > planned.length - 25;
      const roll = rand();
      // Most rows are user messages answered in place; some bots also stored the answer as its own row.
      const role = roll < 0.12 ? 'assistant' : 'user';
      const processed = recent ? 0 : 1;
      const text = role === 'assistant' ? `(agent) ${pick(openers).toLowerCase()}` : `${pick(openers)} #${n}`;
      const answer = processed && role === 'user' ? `Sure — here is my answer to #${n}.` : null;
      const time = n % 37 === 5 ? null : timestampText(m.at, m.shape);
      const id = Number(insertMessage.run(m.userId, role, text, time, processed, answer).lastInsertRowid);
      if (m.userId !== null) {
        lastAt.set(m.userId, m.at);
        sent.set(m.userId, (sent.get(m.userId) ?? 0) + 1);
      }
      if (role !== 'user') continue;
      // Queue entries in every status; retries leave attempts behind.
      const status = processed ? (rand() < 0.08 ? 'failed' : 'done') : pick(['pending', 'pending', 'processing']);
      const attempts =
        status === 'failed' ? 3 : status === 'done' ? (rand() < 0.2 ? 2 : 1) : status === 'processing' ? 1 : 0;
      if (n % 11 === 3) insertQueueDefaultTime.run(m.userId, id, status, attempts);
      else insertQueue.run(m.userId, id, status, attempts, n % 23 === 4 ? null : timestampText(m.at + 1_500, 1));
    }
    for (const [i, userId] of ids.entries()) {
      const last = lastAt.get(userId);
      const count = sent.get(userId) ?? 0;
      insertUser.run(
        userId,
        i % 4 === 3
          ? null
          : `${(firstNames[i % firstNames.length] ?? 'anon').replace(/[^A-Za-z]/g, '').toLowerCase() || 'user'}_${i}`,
        firstNames[i % firstNames.length] ?? null,
        i % 5 === 4 || last === undefined ? null : timestampText(last, i % 3),
        // The bot's counter drifted for some, and was never set for others.
        i % 6 === 5 ? null : i % 4 === 1 ? count + 3 : count,
      );
    }
    // A user who never wrote, and an entry whose message is gone.
    insertUser.run(42, 'lurker', 'Lurker', null, 0);
    db.prepare('delete from messages where id in (select id from messages order by id desc limit 3)').run();
    db.prepare('delete from queue where id = (select max(id) from queue)').run();
  })();

  return {
    users: db.prepare('select * from users order by user_id').all() as V1User[],
    messages: db.prepare('select * from messages order by id').all() as V1Message[],
    queue: db.prepare('select * from queue order by id').all() as V1QueueEntry[],
    sequence: Object.fromEntries(
      (db.prepare('select name, seq from sqlite_sequence').all() as { name: string; seq: number }[]).map((r) => [
        r.name,
        r.seq,
      ]),
    ),
  };
}
