/**
 * Tatlock databases as they exist in the field: created by running the seed's tagged SQL blocks
 * (the committed fixtures under test/fixtures/tatlock/) and filled the way Tatlock fills them —
 * with Python's sqlite3 defaults, i.e. foreign keys OFF, so rows may name conversations that
 * have no `conversations` row and `conversation_topics` holds rows despite its broken key.
 * Used by the upgrade tests and by the benchmark.
 */
import Database from 'better-sqlite3';
import { readFixture } from './fixtures';
import { prng } from './random';

export type LegacyUserGeneration = '0.3.19' | '0.3.20';
export const legacyUserGenerations = ['0.3.19', '0.3.20', '0.3.21', '0.3.22', '0.3.23'] as const;

/** Runs the seed's blocks for one database up to and including `generation`. */
export function seedSql(database: 'system' | 'user', generation: string): string {
  const all = database === 'system' ? ['0.3.19', '0.3.20'] : legacyUserGenerations;
  const upTo = all.indexOf(generation as never);
  if (upTo < 0) throw new Error(`no ${database} block for ${generation}`);
  return all
    .slice(0, upTo + 1)
    .map((g) => readFixture(`tatlock/${database}-${g}.sql`))
    .join('\n');
}

export interface LegacyUserOptions {
  /** Conversations with their messages in `memories` (schema_version 1). Default 4. */
  oldConversations?: number;
  /** Memories in all, spread over the old conversations. Default 220. */
  memories?: number;
  /** 0.3.20 only: conversations already in `conversation_messages` (schema_version 2). Default 2. */
  newConversations?: number;
  /** Seed of the pseudo-random data. */
  seed?: number;
}

/** What a legacy user database holds, for comparing after an upgrade. */
export interface LegacyUserContent {
  memories: {
    interactionId: string;
    conversationId: string;
    timestamp: string;
    userPrompt: string;
    llmReply: string;
  }[];
  memoryTopics: { interactionId: string; topicId: number }[];
  /** Messages of conversations already on the new schema (0.3.20). */
  messages: { messageId: string; conversationId: string; messageNumber: number; role: string; content: string }[];
  compacts: { conversationId: string; compactTimestamp: string; messagesUpTo: number; compactSummary: string }[];
  conversationTopics: { conversationId: string; topicId: number; topicCount: number | null }[];
}

const topicNames = ['weather', 'python', 'cooking', 'travel', 'health', 'music', 'garden', 'finance', 'family'];
const prompts = [
  'What is the weather like in Lisbon tomorrow?',
  'Can you explain list comprehensions in Python?',
  'Give me a recipe for "pão de queijo".',
  'Remind me what we said about the trip to Kyoto 🗾',
  "How many steps did I walk yesterday? It's for my doctor.",
  'Summarise our last conversation, please.\nKeep it short.',
  'Which chords are in the song — the one I mentioned?',
  '',
];
const replies = [
  'Tomorrow in Lisbon: sunny, 24 °C, light wind from the north.',
  'A list comprehension builds a list from an iterable: `[x * 2 for x in xs if x > 0]`.',
  'Mix 250 g tapioca flour, 120 ml milk, 60 ml oil, 1 egg and 100 g cheese; bake 20 min at 200 °C.',
  'You planned Kyoto for April: temples in the morning, Nishiki market at noon.',
  'Yesterday you walked 8,412 steps.',
  'We talked about your garden (tomatoes) and a "budget" spreadsheet.',
  'It uses G, D, Em and C — a I–V–vi–IV progression.',
];

/** Python's `datetime.isoformat()` of a moment `minutes` after 2025-09-01. */
function isoTimestamp(minutes: number, micros: number): string {
  const d = new Date(Date.UTC(2025, 8, 1) + minutes * 60_000);
  return `${d.toISOString().slice(0, 19)}.${String(micros).padStart(6, '0')}`;
}

/**
 * Creates `file` with the seed's SQL up to `generation` and fills it like Tatlock does; returns
 * what it wrote. Old-schema conversations include one without a `conversations` row (Tatlock
 * never enforced the key), ties in memory timestamps, empty prompts, compacts at 50 and 100
 * messages and topic links in both `memory_topics` and `conversation_topics`.
 */
export function createLegacyUserDatabase(
  file: string,
  generation: LegacyUserGeneration,
  options: LegacyUserOptions = {},
): LegacyUserContent {
  const { oldConversations = 4, memories = 220, newConversations = 2, seed = 1 } = options;
  const next = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const db = new Database(file);
  const content: LegacyUserContent = {
    memories: [],
    memoryTopics: [],
    messages: [],
    compacts: [],
    conversationTopics: [],
  };
  try {
    // Durability only (no fsync per statement): the file's content is the same, made much faster.
    db.pragma('synchronous = OFF');
    db.exec(seedSql('user', generation));
    // Tatlock's connections use Python's default: foreign keys off.
    db.pragma('foreign_keys = OFF');
    db.transaction(() => {
      const topicIds = topicNames.map((name) =>
        Number(db.prepare('insert into topics (topic_name) values (?)').run(name).lastInsertRowid),
      );
      const insertConversation = db.prepare(
        'insert into conversations (conversation_id, title, started_at, last_activity, message_count) values (?, ?, ?, ?, ?)',
      );
      const insertMemory = db.prepare(
        `insert into memories (interaction_id, conversation_id, timestamp, user_prompt, llm_reply, full_conversation_history)
         values (?, ?, ?, ?, ?, ?)`,
      );
      const insertMemoryTopic = db.prepare(
        'insert or ignore into memory_topics (interaction_id, topic_id) values (?, ?)',
      );
      const insertCompact = db.prepare(
        `insert into conversation_compacts (compact_id, conversation_id, compact_timestamp, messages_up_to, compact_summary, topics_covered)
         values (?, ?, ?, ?, ?, ?)`,
      );
      const insertConversationTopic = db.prepare(
        `insert into conversation_topics (conversation_id, topic_id, first_occurrence, last_occurrence, topic_count)
         values (?, ?, ?, ?, ?)`,
      );
      let minute = 0;
      let memoryNo = 0;
      for (let c = 0; c < oldConversations; c++) {
        const conversationId = `conv-${seed}-old-${c}`;
        const count = Math.floor(memories / oldConversations) + (c < memories % oldConversations ? 1 : 0);
        // The last old conversation has no conversations row: Tatlock wrote memories first.
        if (c !== oldConversations - 1 || oldConversations === 1)
          insertConversation.run(
            conversationId,
            `Chat ${c}`,
            isoTimestamp(minute, 0),
            isoTimestamp(minute, 0),
            count * 2,
          );
        const history: string[] = [];
        let first: string | undefined;
        for (let i = 0; i < count; i++) {
          // Every seventh memory shares its predecessor's timestamp: insertion order decides.
          if (i % 7 !== 6) minute += 1 + Math.floor(next() * 30);
          const timestamp = isoTimestamp(minute, (memoryNo * 7919) % 1_000_000);
          first ??= timestamp;
          const memory = {
            interactionId: `int-${seed}-${memoryNo++}`,
            conversationId,
            timestamp,
            userPrompt: `${pick(prompts)}${i % 5 === 0 ? ` (#${i})` : ''}`,
            llmReply: `${pick(replies)} [${conversationId}/${i}]`,
          };
          history.push(memory.userPrompt, memory.llmReply);
          insertMemory.run(
            memory.interactionId,
            conversationId,
            timestamp,
            memory.userPrompt,
            memory.llmReply,
            JSON.stringify(history.slice(-6)),
          );
          content.memories.push(memory);
          for (const topicId of [pick(topicIds), ...(next() < 0.3 ? [pick(topicIds)] : [])]) {
            if (insertMemoryTopic.run(memory.interactionId, topicId).changes > 0)
              content.memoryTopics.push({ interactionId: memory.interactionId, topicId });
          }
          const messagesSoFar = (i + 1) * 2;
          if (messagesSoFar % 50 === 0) {
            const compact = {
              conversationId,
              compactTimestamp: isoTimestamp(minute, 999_999),
              messagesUpTo: messagesSoFar,
              compactSummary: `TOPICS DISCUSSED:\n- ${pick(topicNames)}\nFACTUAL TIMELINE: messages ${messagesSoFar - 49}–${messagesSoFar}`,
            };
            insertCompact.run(
              `compact-${conversationId}-${messagesSoFar}`,
              conversationId,
              compact.compactTimestamp,
              compact.messagesUpTo,
              compact.compactSummary,
              'General conversation',
            );
            content.compacts.push(compact);
          }
        }
        // Tatlock kept a conversation_topics row for the conversation's main topic, and one for a
        // topic it mentioned without a memory link.
        if (first !== undefined) {
          const topicId = pick(topicIds);
          insertConversationTopic.run(conversationId, topicId, first, first, 1);
          content.conversationTopics.push({ conversationId, topicId, topicCount: 1 });
        }
      }
      if (generation === '0.3.20') {
        const insertV2 = db.prepare(
          `insert into conversations (conversation_id, title, started_at, last_activity, message_count, schema_version)
           values (?, ?, ?, ?, ?, 2)`,
        );
        const insertMessage = db.prepare(
          `insert into conversation_messages (message_id, conversation_id, message_number, role, content, timestamp)
           values (?, ?, ?, ?, ?, ?)`,
        );
        for (let c = 0; c < newConversations; c++) {
          const conversationId = `conv-${seed}-new-${c}`;
          const count = 52 + c * 4;
          insertV2.run(
            conversationId,
            `New chat ${c}`,
            isoTimestamp(minute, 0),
            isoTimestamp(minute + count, 0),
            count,
          );
          for (let n = 1; n <= count; n++) {
            minute += 1;
            const message = {
              messageId: `msg-${seed}-${c}-${n}`,
              conversationId,
              messageNumber: n,
              role: n % 2 === 1 ? 'user' : 'assistant',
              content: n % 2 === 1 ? pick(prompts) : pick(replies),
            };
            insertMessage.run(
              message.messageId,
              conversationId,
              n,
              message.role,
              message.content,
              isoTimestamp(minute, n),
            );
            content.messages.push(message);
          }
          // Tatlock 0.3.20 still writes compacts to conversation_compacts, also for new conversations.
          const compact = {
            conversationId,
            compactTimestamp: isoTimestamp(minute, 1),
            messagesUpTo: 50,
            compactSummary: `TOPICS DISCUSSED:\n- music\nFACTUAL TIMELINE: messages 1–50 of ${conversationId}`,
          };
          insertCompact.run(
            `compact-${conversationId}-50`,
            conversationId,
            compact.compactTimestamp,
            50,
            compact.compactSummary,
            null,
          );
          content.compacts.push(compact);
        }
      }
      db.prepare("insert into personal_variables_keys (key) values ('hometown'), ('favourite_colour')").run();
      db.prepare(
        "insert into personal_variables (key, value) values ('hometown', 'Porto'), ('favourite_colour', 'green')",
      ).run();
      db.prepare(
        `insert into short_term_storage (storage_key, storage_value, expires_at)
         values ('last_location', 'Lisbon', '2099-01-01 00:00:00'), ('otp', '123456', '2000-01-01 00:00:00')`,
      ).run();
    })();
  } finally {
    db.close();
  }
  return content;
}

/** Creates a system.db with the seed's SQL up to `generation` and a few rows. */
export function createLegacySystemDatabase(file: string, generation: '0.3.19' | '0.3.20'): void {
  const db = new Database(file);
  try {
    db.exec(seedSql('system', generation));
    db.exec(`
      insert into users (username, first_name, last_name, email) values ('alice', 'Alice', 'Ng', 'alice@example.com');
      insert into passwords (username, password_hash, salt) values ('alice', 'legacy-hash', 'legacy-salt');
      insert into roles (role_name, description) values ('user', 'Basic user'), ('admin', 'Administrator');
      insert into user_roles (username, role_id) values ('alice', 1);
      insert into tools (tool_key, description, module, function_name, enabled) values ('web_search', 'Search the web', 'stem.tools', 'web_search', 1);
      insert into tool_parameters (tool_key, name, type, description, is_required) values ('web_search', 'query', 'string', 'What to search', 1);
      insert into system_settings (setting_key, setting_value) values ('ollama_model', 'gemma3-cortex:latest');
      insert into setting_options (setting_key, option_value, is_default) values ('ollama_model', 'gemma3-cortex:latest', 1);
    `);
  } finally {
    db.close();
  }
}
