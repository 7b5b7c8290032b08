/**
 * Tatlock's files as the application itself leaves them, which differ from the seed's SQL
 * (docs/seed-deviations.md, "The application's own files"):
 *
 * - `importFieldVariant` turns the application's own 0.3.19/0.3.20 shapes into the seed's shape of
 *   the same generation, so `adopt` recognises them. Nothing is dropped: tables with no place in
 *   chatstore's model are kept as `chatstore_kept_<name>` (introspection ignores them) and their
 *   rows mapped into the seed's tables where the model has a place for them.
 * - `reconcileTurns` removes what deleted conversations left behind and puts every turn into
 *   `conversation_messages` exactly once, in the order it was said, before the destructive
 *   0.3.21 → 0.3.23 chain runs (whose released steps assume the seed's data, not the app's).
 *
 * Both run in one transaction each and verify before commit; a failed check raises and rolls back.
 */
import type { Row, SqlClient } from '../../connect';
import { ChatstoreError } from '../../errors';
import { loadMigrations } from '../../migrate/migrations';
import { targets } from '../registry';

/** Prefix of tables chatstore keeps beside a target's own: ignored by adopt's schema comparison. */
export const keptPrefix = 'chatstore_kept_';

type FieldTarget = 'tatlock-system' | 'tatlock-user';

const seedStatements = new Map<FieldTarget, string[]>();
/** The seed's own statements (0.3.19 and 0.3.20 blocks), so converted tables match them exactly. */
function seedStatement(target: FieldTarget, pattern: RegExp): string {
  let statements = seedStatements.get(target);
  if (!statements) {
    const set = loadMigrations(targets[target]);
    statements = set.migrations.filter((m) => m.generation <= '0.3.20').flatMap((m) => [...m.statements]);
    seedStatements.set(target, statements);
  }
  const found = statements.find((s) => pattern.test(s));
  if (!found) throw new Error(`${target}: no seed statement matches ${pattern}`);
  // Leading comment lines are the migration file's, not the statement's.
  return found.replace(/^(\s*--[^\n]*\n)+/, '');
}
const createTable = (target: FieldTarget, table: string) =>
  seedStatement(target, new RegExp(`CREATE TABLE IF NOT EXISTS ${table} \\(`));

async function tables(client: SqlClient): Promise<Set<string>> {
  const rows = await client.query<{ name: string }>(`select name from sqlite_master where type = 'table'`);
  return new Set(rows.map((r) => r.name));
}

async function columns(client: SqlClient, table: string): Promise<Map<string, Row>> {
  const rows = await client.query(`select * from pragma_table_info(?)`, [table]);
  return new Map(rows.map((r) => [String(r.name), r]));
}

async function count(client: SqlClient, sql: string, params: unknown[] = []): Promise<number> {
  const rows = await client.query<{ n: number }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

/** Runs `fn` in one transaction with foreign keys off (the seed's own keys cannot all be checked). */
async function withKeysOff<T>(client: SqlClient, fn: (tx: SqlClient) => Promise<T>): Promise<T> {
  await client.query('PRAGMA foreign_keys = OFF');
  try {
    return await client.transaction(fn);
  } finally {
    await client.query('PRAGMA foreign_keys = ON');
  }
}

function fail(step: 'importing' | 'reconciling', what: string): never {
  const doing = step === 'importing' ? "importing the application's file" : 'reconciling turns';
  throw new ChatstoreError('MIGRATION_FAILED', `${doing}: ${what}; nothing was changed`);
}

/**
 * Moves `table` to `chatstore_kept_<table>`, every row and column, without its keys: a row the
 * application left dangling must not stop a later foreign-key check of the file.
 */
async function keep(tx: SqlClient, table: string, done: string[]): Promise<void> {
  const before = await count(tx, `select count(*) as n from "${table}"`);
  await tx.query(`CREATE TABLE "${keptPrefix}${table}" AS SELECT * FROM "${table}" ORDER BY rowid`);
  await tx.query(`DROP TABLE "${table}"`);
  if ((await count(tx, `select count(*) as n from "${keptPrefix}${table}"`)) !== before)
    fail('importing', `rows of ${table} were lost`);
  done.push(`${table} kept as ${keptPrefix}${table}`);
}

/**
 * Rebuilds `table` with the seed's DDL, copying every row; `extra` are statements (the seed's
 * `ALTER TABLE … ADD`) run on the new table before the copy. New table first, then drop and
 * rename, so the other tables' foreign keys keep naming `table`.
 */
async function rebuild(tx: SqlClient, target: FieldTarget, table: string, extra: string[] = []): Promise<void> {
  const before = await count(tx, `select count(*) as n from "${table}"`);
  const names = [...(await columns(tx, table)).keys()];
  const temp = `__new_${table}`;
  const rename = (sql: string) => sql.replace(new RegExp(`\\b${table}\\b`), temp);
  await tx.query(rename(createTable(target, table)));
  for (const statement of extra) await tx.query(rename(statement));
  const fresh = [...(await columns(tx, temp)).keys()];
  if (!names.every((c) => fresh.includes(c))) fail('importing', `${table} has columns the seed's table lacks`);
  const list = names.map((c) => `"${c}"`).join(', ');
  await tx.query(`INSERT INTO "${temp}" (${list}) SELECT ${list} FROM "${table}"`);
  await tx.query(`DROP TABLE "${table}"`);
  await tx.query(`ALTER TABLE "${temp}" RENAME TO "${table}"`);
  if ((await count(tx, `select count(*) as n from "${table}"`)) !== before)
    fail('importing', `rows of ${table} were lost`);
}

/**
 * Brings a file the Tatlock application wrote itself (not the seed's SQL) to the seed's shape of
 * its generation, keeping every value. Returns what it changed; empty for a file in the seed's
 * shape, which it leaves untouched. Only for files chatstore does not manage yet.
 *
 * @example const changes = await importFieldVariant(conn.client, 'tatlock-user');
 */
export async function importFieldVariant(client: SqlClient, target: FieldTarget): Promise<string[]> {
  const present = await tables(client);
  const isVariant =
    present.has('migrations') ||
    (target === 'tatlock-user'
      ? present.has('personal_variables_join') ||
        !present.has('short_term_storage') ||
        (
          await client.query(
            `select 1 from pragma_foreign_key_list('conversation_topics') where "table" = 'conversations'`,
          )
        ).length > 0 ||
        (await columns(client, 'conversations')).get('schema_version')?.dflt_value === '2'
      : present.has('settings_options') || (await columns(client, 'system_settings')).has('setting_type'));
  if (!isVariant) return [];
  return withKeysOff(client, (tx) => (target === 'tatlock-user' ? importUserFile(tx) : importSystemFile(tx)));
}

async function importUserFile(tx: SqlClient): Promise<string[]> {
  const done: string[] = [];
  const present = await tables(tx);
  if (present.has('migrations')) await keep(tx, 'migrations', done);
  if (present.has('personal_variables_join') && !(await columns(tx, 'personal_variables')).has('key')) {
    // personal_variables(id, value) + personal_variables_join(key_id, variable_id): one seed row
    // per joined key and value. The app's tables stay beside, so an unjoined value is kept too.
    await keep(tx, 'personal_variables', done);
    await keep(tx, 'personal_variables_join', done);
    await tx.query(createTable('tatlock-user', 'personal_variables'));
    await tx.query(
      `INSERT INTO personal_variables (key, value, created_at, updated_at)
       SELECT k.key, v.value, NULL, NULL
       FROM ${keptPrefix}personal_variables_join j
       JOIN personal_variables_keys k ON k.id = j.key_id
       JOIN ${keptPrefix}personal_variables v ON v.id = j.variable_id
       ORDER BY v.id, k.id`,
    );
    done.push('personal variables mapped to key/value rows');
  }
  if (!present.has('short_term_storage')) {
    await tx.query(createTable('tatlock-user', 'short_term_storage'));
    done.push('short_term_storage created');
  }
  const keys = await tx.query(`select "table" as t from pragma_foreign_key_list('conversation_topics')`);
  if (keys.some((k) => k.t === 'conversations')) {
    // The app's own files already point conversation_topics at conversations; the seed's key
    // (on memories) is restored so the generation is recognised, and 0.3.21 fixes it again.
    await rebuild(tx, 'tatlock-user', 'conversation_topics');
    done.push('conversation_topics rebuilt with the seed’s key (0.3.21 fixes it)');
  }
  const conversation = await columns(tx, 'conversations');
  if (conversation.has('schema_version')) {
    if (conversation.get('schema_version')?.dflt_value !== '1') {
      // The app's fresh 0.3.20 files declare the columns in CREATE TABLE with DEFAULT 2; the
      // seed adds them by ALTER TABLE with DEFAULT 1. Values are copied as they are.
      const alters = ['schema_version', 'compact_summary', 'compacted_up_to'].map((c) =>
        seedStatement('tatlock-user', new RegExp(`ALTER TABLE conversations ADD COLUMN ${c}\\b`)),
      );
      await rebuild(tx, 'tatlock-user', 'conversations', alters);
      done.push('conversations rebuilt with the seed’s defaults');
    }
    const indexes = new Set(
      (await tx.query<{ name: string }>(`select name from pragma_index_list('conversation_messages')`)).map(
        (r) => r.name,
      ),
    );
    for (const name of ['idx_messages_conversation', 'idx_messages_number']) {
      if (indexes.has(name)) {
        await tx.query(`DROP INDEX "${name}"`);
        done.push(`index ${name} dropped`);
      }
    }
    if (!indexes.has('idx_messages_conversation_number')) {
      await tx.query(seedStatement('tatlock-user', /CREATE INDEX IF NOT EXISTS idx_messages_conversation_number\b/));
      done.push('index idx_messages_conversation_number created');
    }
  }
  return done;
}

async function importSystemFile(tx: SqlClient): Promise<string[]> {
  const done: string[] = [];
  const present = await tables(tx);
  if (present.has('migrations')) await keep(tx, 'migrations', done);
  if ((await columns(tx, 'system_settings')).has('setting_type')) {
    // id, setting_type and is_sensitive have no column in the seed's table: the app's table stays
    // beside with every column; a NULL value becomes '' (the seed's column is NOT NULL).
    await keep(tx, 'system_settings', done);
    await tx.query(createTable('tatlock-system', 'system_settings'));
    await tx.query(
      `INSERT INTO system_settings (setting_key, setting_value, description, created_at, updated_at)
       SELECT setting_key, coalesce(setting_value, ''), description, created_at, updated_at
       FROM ${keptPrefix}system_settings ORDER BY id`,
    );
    done.push('settings mapped to the seed’s system_settings');
  }
  for (const table of ['system_setting_categories', 'system_setting_categories_map']) {
    if (present.has(table)) await keep(tx, table, done);
  }
  if (present.has('settings_options')) {
    // option_label and sort_order stay in the kept table; the options themselves are the seed's.
    await keep(tx, 'settings_options', done);
    if (!present.has('setting_options')) await tx.query(createTable('tatlock-system', 'setting_options'));
    await tx.query(
      `INSERT OR IGNORE INTO setting_options (setting_key, option_value, is_default, enabled)
       SELECT setting_key, option_value, 0, enabled FROM ${keptPrefix}settings_options ORDER BY sort_order, id`,
    );
    done.push('settings_options mapped to setting_options');
  }
  return done;
}

/** What `reconcileTurns` did. */
export interface Reconciled {
  /** Rows removed per table because their conversation (or memory, or topic) was deleted. */
  orphans: Record<string, number>;
  orphansRemoved: number;
  /** Messages written from memories that had none. */
  rowsMoved: number;
  /** Messages the app wrote twice for one turn, or wrote as `{id}_user`/`_assistant`, matched to their memory. */
  turnsMatched: number;
}

/**
 * Prepares a tatlock-user file at 0.3.20–0.3.22 that still has `memories` for the moves:
 *
 * - a conversation is deleted when it has neither a `conversations` row nor memories (the app's
 *   `delete_conversation` removes exactly those two); what it left in `memory_topics`,
 *   `conversation_topics`, `conversation_messages` and `conversation_compacts` is removed and
 *   counted, as are topic links to missing memories or topics;
 * - every memory gets exactly one `user` and one `assistant` message, `{interaction_id}:user` /
 *   `:assistant`: a message the app dual-wrote (`{interaction_id}_user`, same conversation and
 *   content) is that message, renamed; a missing one is written from the memory;
 * - every conversation's messages are numbered 1..n in the order they were said (time, then their
 *   old number, user before assistant), and the conversation counts them and is on schema 2.
 *
 * One transaction; checked before commit. The released 0.3.21–0.3.23 steps then find nothing left
 * to move and verify what is there.
 *
 * @example const { orphansRemoved } = await reconcileTurns(conn.client);
 */
export async function reconcileTurns(client: SqlClient): Promise<Reconciled> {
  const present = await tables(client);
  const empty: Reconciled = { orphans: {}, orphansRemoved: 0, rowsMoved: 0, turnsMatched: 0 };
  if (!present.has('memories') || !present.has('conversation_messages')) return empty;
  return withKeysOff(client, async (tx) => {
    const orphans: Record<string, number> = {};
    const remove = async (table: string, where: string) => {
      if (!present.has(table)) return;
      const n = await count(tx, `select count(*) as n from ${table} where ${where}`);
      if (n === 0) return;
      await tx.query(`DELETE FROM ${table} WHERE ${where}`);
      orphans[table] = n;
    };
    await tx.query(
      `CREATE TEMP TABLE _live AS SELECT conversation_id FROM conversations UNION SELECT conversation_id FROM memories`,
    );
    const dead = `conversation_id NOT IN (SELECT conversation_id FROM temp._live WHERE conversation_id IS NOT NULL)`;
    const noTopic = `topic_id NOT IN (SELECT topic_id FROM topics)`;
    await remove('memory_topics', `interaction_id NOT IN (SELECT interaction_id FROM memories) OR ${noTopic}`);
    await remove('conversation_topics', `${dead} OR ${noTopic}`);
    await remove('conversation_messages', dead);
    await remove('conversation_compacts', dead);
    await tx.query('DROP TABLE temp._live');

    // A conversation with memories but no row (the app writes them on separate connections).
    await tx.query(
      `INSERT INTO conversations (conversation_id, schema_version)
       SELECT DISTINCT conversation_id, 2 FROM memories m
       WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.conversation_id = m.conversation_id)`,
    );
    const messagesBefore = await count(tx, 'select count(*) as n from conversation_messages');
    // Messages already written for a memory: same conversation, role and content, id
    // `{interaction_id}:role` (chatstore) or `{interaction_id}_role` (the app's phase 2).
    await tx.query(
      'CREATE TEMP TABLE _matched (message_id TEXT PRIMARY KEY, interaction_id TEXT NOT NULL, role TEXT NOT NULL)',
    );
    await tx.query(
      `INSERT INTO temp._matched
       SELECT x.message_id, m.interaction_id, x.role FROM memories m
       CROSS JOIN (SELECT 'user' AS role, ':' AS sep UNION ALL SELECT 'user', '_'
         UNION ALL SELECT 'assistant', ':' UNION ALL SELECT 'assistant', '_') r
       JOIN conversation_messages x ON x.message_id = m.interaction_id || r.sep || r.role
       WHERE x.conversation_id = m.conversation_id AND x.role = r.role
         AND x.content = CASE r.role WHEN 'user' THEN m.user_prompt ELSE m.llm_reply END`,
    );
    // Both forms for one turn: keep one (':' sorts before '_', so chatstore's), remove the copy.
    const duplicates = `message_id IN (SELECT message_id FROM temp._matched) AND message_id NOT IN (
      SELECT min(message_id) FROM temp._matched GROUP BY interaction_id, role)`;
    const duplicated = await count(tx, `select count(*) as n from conversation_messages where ${duplicates}`);
    await tx.query(`DELETE FROM conversation_messages WHERE ${duplicates}`);
    await tx.query(`DELETE FROM temp._matched WHERE message_id NOT IN (SELECT message_id FROM conversation_messages)`);
    const turnsMatched = await count(tx, 'select count(*) as n from temp._matched');
    await tx.query(
      `UPDATE conversation_messages SET message_id = (
         SELECT k.interaction_id || ':' || k.role FROM temp._matched k WHERE k.message_id = conversation_messages.message_id)
       WHERE message_id IN (SELECT message_id FROM temp._matched WHERE message_id <> interaction_id || ':' || role)`,
    );
    // Turns only in memories: two messages each, numbered provisionally in memory order.
    await tx.query(
      `INSERT INTO conversation_messages (message_id, conversation_id, message_number, role, content, timestamp)
       SELECT m.interaction_id || ':' || r.role, m.conversation_id, 2 * m.n - (r.role = 'user'), r.role,
         CASE r.role WHEN 'user' THEN m.user_prompt ELSE m.llm_reply END, m.timestamp
       FROM (SELECT *, row_number() OVER (PARTITION BY conversation_id ORDER BY timestamp, rowid) AS n FROM memories) m
       CROSS JOIN (SELECT 'user' AS role UNION ALL SELECT 'assistant') r
       WHERE NOT EXISTS (SELECT 1 FROM conversation_messages x WHERE x.message_id = m.interaction_id || ':' || r.role)
       ORDER BY m.conversation_id, m.n, r.role DESC`,
    );
    const rowsMoved =
      (await count(tx, 'select count(*) as n from conversation_messages')) - messagesBefore + duplicated;
    // Numbered by when they were said; the old number keeps the order of equal times.
    await tx.query('CREATE TEMP TABLE _order (message_id TEXT PRIMARY KEY, n INTEGER NOT NULL)');
    await tx.query(
      `INSERT INTO temp._order SELECT message_id, row_number() OVER (PARTITION BY conversation_id
         ORDER BY coalesce(julianday(timestamp), 0), timestamp, message_number, role = 'assistant', rowid)
       FROM conversation_messages`,
    );
    await tx.query(
      `UPDATE conversation_messages SET message_number = o.n FROM temp._order o
       WHERE o.message_id = conversation_messages.message_id AND conversation_messages.message_number IS NOT o.n`,
    );
    await tx.query(
      `UPDATE conversations SET
         message_count = (SELECT count(*) FROM conversation_messages x WHERE x.conversation_id = conversations.conversation_id),
         started_at = coalesce((SELECT min(x.timestamp) FROM conversation_messages x
           WHERE x.conversation_id = conversations.conversation_id), started_at),
         last_activity = coalesce((SELECT max(x.timestamp) FROM conversation_messages x
           WHERE x.conversation_id = conversations.conversation_id), last_activity),
         schema_version = 2
       WHERE conversation_id IN (SELECT conversation_id FROM conversation_messages)`,
    );
    const checks: [string, string][] = [
      [
        'a memory has not exactly one user and one assistant message with its prompt and reply',
        `select count(*) as n from memories m
         where not exists (select 1 from conversation_messages x where x.message_id = m.interaction_id || ':user'
             and x.conversation_id = m.conversation_id and x.role = 'user' and x.content = m.user_prompt)
           or not exists (select 1 from conversation_messages x where x.message_id = m.interaction_id || ':assistant'
             and x.conversation_id = m.conversation_id and x.role = 'assistant' and x.content = m.llm_reply)
           or exists (select 1 from conversation_messages x where x.message_id in
             (m.interaction_id || '_user', m.interaction_id || '_assistant') and x.conversation_id = m.conversation_id
             and x.content in (m.user_prompt, m.llm_reply))`,
      ],
      [
        'the messages are not numbered 1..n in every conversation',
        `select count(*) as n from (select conversation_id from conversation_messages group by conversation_id
           having min(message_number) <> 1 or max(message_number) <> count(*) or count(distinct message_number) <> count(*))`,
      ],
      [
        'a conversation with messages does not count them or is not on schema 2',
        `select count(*) as n from conversations c where exists (select 1 from conversation_messages x
           where x.conversation_id = c.conversation_id) and (c.schema_version is not 2 or c.message_count is not
           (select count(*) from conversation_messages x where x.conversation_id = c.conversation_id))`,
      ],
      [
        'a message belongs to no conversation',
        `select count(*) as n from conversation_messages x
           where not exists (select 1 from conversations c where c.conversation_id = x.conversation_id)`,
      ],
    ];
    for (const [what, sql] of checks) if ((await count(tx, sql)) !== 0) fail('reconciling', what);
    await tx.query('DROP TABLE temp._matched');
    await tx.query('DROP TABLE temp._order');
    const orphansRemoved = Object.values(orphans).reduce((a, b) => a + b, 0);
    return { orphans, orphansRemoved, rowsMoved, turnsMatched };
  });
}
