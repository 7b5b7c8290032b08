/**
 * Row-level security isolates users (decision 019): as the application's role — on a server
 * with pgvector a non-owner LOGIN role connected as itself, elsewhere (PGlite, pglite-socket) a
 * non-superuser role `SET ROLE`d to — user A (acting with A's agent) can neither read nor write
 * anything of user B's (and B's agent's), on every table that holds a user's data, the legacy
 * `chat_messages` and the backfill's id map included, through the repositories and raw SQL.
 */
import { type SQL, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { toChatstoreError } from '../../../src/errors';
import {
  type AgentTx,
  appendMessage,
  asAgentUser,
  backfillChatMessages,
  commitState,
  consolidateMemories,
  createCheckpoint,
  deleteUserData,
  dualWriteMessage,
  editMessage,
  expireCheckpoints,
  importMemories,
  purgeExpiredMemories,
  saveContextSnapshot,
  startSession,
  storeMemory,
  validateBackfill,
} from '../../../src/targets/agent';
import { type AppRole, createAppRole } from '../../support/app-role';
import { rowCountsOf } from '../../support/database';
import { vectorBackends } from '../../support/vector-backends';
import { embedding, expectChatstoreError, newAgent, newChannel, newUser, useAgentDatabase } from './fixtures';

/** Every table that holds a user's data, or an agent's data derived from it. */
const tables = [
  'users',
  'conversation_sessions',
  'chat_messages_v2',
  'message_versions',
  'chat_messages',
  'chat_message_id_map',
  'agent_memories',
  'memory_consolidations',
  'agent_states',
  'state_checkpoints',
  'state_transitions',
  'context_snapshots',
] as const;

function rowsOf<R>(result: unknown): R[] {
  return (Array.isArray(result) ? result : (result as { rows: R[] }).rows) as R[];
}

interface Party {
  userId: string;
  agentId: string;
  sessionId: string;
  conversationId: string;
  messageId: string;
  legacyId: string;
  memoryId: string;
  stateId: string;
  /** Every id of the party's rows: none may appear in what the other party can see. */
  ids: string[];
}

describe.each(vectorBackends)('agent: row-level security isolates users on $name', (backend) => {
  let app: AppRole<'agent'>;
  const t = useAgentDatabase(backend, { beforeClose: async () => app?.drop() });
  let a: Party;
  let b: Party;

  beforeAll(async () => {
    app = await createAppRole(t.conn, { login: backend.name === 'postgres (pgvector)', prefix: 'chatstore_agent_app' });
    const channel = await newChannel(t.db);
    const make = async (name: string): Promise<Party> => {
      const userId = (await newUser(t.db, name)).id;
      const agentId = (await newAgent(t.db, `${name}'s agent`)).id;
      const session = await startSession(t.db, { userId, agentId });
      const ref = { conversationId: session.conversationId, sessionId: session.id };
      const message = await appendMessage(t.db, {
        ...ref,
        role: 'user',
        senderUserId: userId,
        content: { type: 'text', text: `${name} likes tea` },
      });
      await appendMessage(t.db, {
        ...ref,
        role: 'assistant',
        senderAgentId: agentId,
        content: { type: 'text', text: 'ok' },
      });
      await editMessage(t.db, {
        messageId: message.id,
        content: { type: 'text', text: `${name} likes coffee` },
        changedBy: userId,
      });
      const memory = await storeMemory(t.db, {
        agentId,
        memoryType: 'semantic',
        content: { concept: 'drink', definition: `${name}: coffee` },
        embedding: embedding(1),
        sourceMessageId: message.id,
      });
      const other = await storeMemory(t.db, {
        agentId,
        memoryType: 'semantic',
        content: { concept: 'drink', definition: `${name}: not tea` },
        sourceMessageId: message.id,
      });
      await consolidateMemories(t.db, {
        agentId,
        sourceMemoryIds: [memory.id, other.id],
        consolidationType: 'merge',
        memory: { memoryType: 'semantic', content: { concept: 'drink', definition: `${name}: coffee only` } },
      });
      await commitState(t.db, { agentId, localState: { [userId]: { drink: 'tea' } } });
      const state = await commitState(t.db, { agentId, localState: { [userId]: { drink: 'coffee' } } });
      await createCheckpoint(t.db, { agentId });
      await saveContextSnapshot(t.db, { agentId, messageId: message.id, snapshotData: { about: name } });
      const [legacy] = await t.conn.client.query<{ id: string }>(
        `insert into chat_messages (channel_id, content, sender_user_id) values ($1, $2, $3) returning id`,
        [channel.id, `${name} (legacy)`, userId],
      );
      await t.conn.client.query(`insert into chat_message_id_map (old_id, new_id) values ($1, $2)`, [
        legacy?.id,
        message.id,
      ]);
      const ids = [userId, agentId, session.id, session.conversationId, message.id, memory.id, legacy?.id ?? ''];
      for (const table of tables) {
        if (table === 'users' || table === 'chat_message_id_map') continue;
        const rows = await t.conn.client.query<{ id: string }>(
          `select id::text from ${table} t
          where to_jsonb(t)::text like '%' || $1 || '%' or to_jsonb(t)::text like '%' || $2 || '%'`,
          [userId, agentId],
        );
        ids.push(...rows.map((r) => r.id));
      }
      return {
        userId,
        agentId,
        sessionId: session.id,
        conversationId: session.conversationId,
        messageId: message.id,
        legacyId: legacy?.id ?? '',
        memoryId: memory.id,
        stateId: state.state.id,
        ids: [...new Set(ids)],
      };
    };
    a = await make('A');
    b = await make('B');
  });

  const as = <T>(party: Party, fn: (tx: AgentTx) => Promise<T>) =>
    asAgentUser(app.conn.db, { userId: party.userId, agentId: party.agentId }, fn, app.options);
  const raw = <R = Record<string, unknown>>(party: Party, query: SQL) =>
    as(party, async (tx) =>
      rowsOf<R>(
        await tx.execute(query).catch((error: unknown) => {
          throw toChatstoreError(error, 'raw');
        }),
      ),
    );
  const allCounts = () => rowCountsOf(t.conn.client, tables);

  it('runs as a role that neither owns the tables nor bypasses RLS', async () => {
    const [role] = await raw<{ su: boolean; bypass: boolean; owns: boolean }>(
      a,
      sql`select r.rolsuper as su, r.rolbypassrls as bypass,
        exists (select 1 from pg_tables where schemaname = 'public' and tableowner = current_user) as owns
        from pg_roles r where r.rolname = current_user`,
    );
    expect(role).toEqual({ su: false, bypass: false, owns: false });
  });

  it('shows A rows of A’s in every table and nothing that mentions B, to unfiltered raw SQL', async () => {
    for (const table of tables) {
      const rows = await raw<{ row: string }>(a, sql.raw(`select to_jsonb(t)::text as row from ${table} t`));
      expect(rows.length, table).toBeGreaterThan(0);
      const leaked = rows.filter((r) => b.ids.some((id) => r.row.includes(id)));
      expect(leaked, table).toEqual([]);
    }
  });

  it('refuses A’s message into B’s session, whoever it claims as sender (repository and raw SQL)', async () => {
    const before = await allCounts();
    const bRef = { conversationId: b.conversationId, sessionId: b.sessionId };
    for (const senderUserId of [a.userId, b.userId, undefined]) {
      await expectChatstoreError(
        as(a, (tx) =>
          appendMessage(tx, { ...bRef, role: 'user', senderUserId, content: { type: 'text', text: 'forged' } }),
        ),
        'PERMISSION_DENIED',
      );
    }
    await expectChatstoreError(
      raw(
        a,
        sql`insert into chat_messages_v2 (conversation_id, session_id, sender_user_id, role, content)
          values (${b.conversationId}, ${b.sessionId}, ${a.userId}, 'user', '{"type":"text","text":"forged"}')`,
      ),
      'PERMISSION_DENIED',
    );
    expect(await allCounts()).toEqual(before);
  });

  it('refuses every other raw write of A into B’s data, and changes none of B’s rows', async () => {
    const before = await allCounts();
    const denied = [
      sql`insert into users (name) values ('mallory')`,
      sql`insert into conversation_sessions (conversation_id, user_id) values (gen_random_uuid(), ${b.userId})`,
      sql`update conversation_sessions set user_id = ${b.userId} where id = ${a.sessionId}`,
      // A's own message, claiming B as its sender, or moved into B's session.
      sql`insert into chat_messages_v2 (conversation_id, session_id, sender_user_id, role, content)
          values (${a.conversationId}, ${a.sessionId}, ${b.userId}, 'user', '{"type":"text","text":"forged"}')`,
      sql`update chat_messages_v2 set session_id = ${b.sessionId} where id = ${a.messageId}`,
      sql`insert into message_versions (message_id, version_number, content)
          values (${b.messageId}, 99, '{"type":"text","text":"forged"}')`,
      sql`insert into message_versions (message_id, version_number, content, changed_by)
          values (${a.messageId}, 99, '{"type":"text","text":"forged"}', ${b.userId})`,
      sql`insert into chat_messages (channel_id, content, sender_user_id)
          select channel_id, 'forged', ${b.userId} from chat_messages where id = ${a.legacyId}`,
      sql`update chat_messages set sender_user_id = ${b.userId} where id = ${a.legacyId}`,
      sql`insert into chat_message_id_map (old_id, new_id) values (${b.legacyId}, ${a.messageId})`,
      sql`insert into agent_memories (agent_id, memory_type, content) values (${b.agentId}, 'semantic', '{}')`,
      // A's agent deriving a memory or a context snapshot from B's message.
      sql`insert into agent_memories (agent_id, memory_type, content, source_message_id)
          values (${a.agentId}, 'semantic', '{"concept":"x","definition":"y"}', ${b.messageId})`,
      sql`insert into context_snapshots (agent_id, message_id, snapshot_data) values (${a.agentId}, ${b.messageId}, '{}')`,
      sql`insert into memory_consolidations (agent_id, source_memories, consolidated_memory_id)
          values (${a.agentId}, array[${a.memoryId}]::uuid[], ${b.memoryId})`,
      sql`insert into agent_states (agent_id, local_state) values (${b.agentId}, '{}')`,
      sql`insert into state_checkpoints (agent_id, state_id) values (${a.agentId}, ${b.stateId})`,
      sql`insert into state_transitions (agent_id, from_state_id, to_state_id) values (${a.agentId}, ${b.stateId}, ${a.stateId})`,
    ];
    for (const query of denied) await expectChatstoreError(raw(a, query), 'PERMISSION_DENIED');
    // Writes aimed at B's rows find none.
    for (const table of tables) {
      const where = `to_jsonb(t)::text like '%${b.userId}%' or to_jsonb(t)::text like '%${b.agentId}%'
        or to_jsonb(t)::text like '%${b.messageId}%' or to_jsonb(t)::text like '%${b.legacyId}%'`;
      expect(await raw(a, sql.raw(`delete from ${table} t where ${where} returning 1`)), table).toEqual([]);
    }
    expect(await raw(a, sql`update users set name = 'x' where id = ${b.userId} returning id`)).toEqual([]);
    expect(
      await raw(a, sql`update chat_messages_v2 set metadata = '{}' where session_id = ${b.sessionId} returning id`),
    ).toEqual([]);
    expect(await allCounts()).toEqual(before);
  });

  it('lets A write A’s own data', async () => {
    const own = await as(a, async (tx) => {
      const ref = { conversationId: a.conversationId, sessionId: a.sessionId };
      const m = await appendMessage(tx, {
        ...ref,
        role: 'user',
        senderUserId: a.userId,
        content: { type: 'text', text: 'mine' },
      });
      await appendMessage(tx, {
        ...ref,
        role: 'assistant',
        senderAgentId: a.agentId,
        content: { type: 'text', text: 're' },
      });
      await editMessage(tx, { messageId: m.id, content: { type: 'text', text: 'mine!' }, changedBy: a.userId });
      await storeMemory(tx, {
        agentId: a.agentId,
        memoryType: 'semantic',
        content: { concept: 'c', definition: 'd' },
        sourceMessageId: m.id,
      });
      await saveContextSnapshot(tx, { agentId: a.agentId, messageId: m.id, snapshotData: {} });
      await commitState(tx, { agentId: a.agentId, localState: { [a.userId]: { drink: 'water' } } });
      await createCheckpoint(tx, { agentId: a.agentId });
      await tx.execute(sql`update users set name = 'A again' where id = ${a.userId}`);
      return m;
    });
    expect(own.sessionId).toBe(a.sessionId);
  });

  it('refuses retention, erasure and the backfill as the bound role, which would see no row and change nothing (decision 033)', async () => {
    const alone = <T>(fn: (tx: AgentTx) => Promise<T>) =>
      app.conn.db.transaction(async (tx) => {
        if (app.options.role) await tx.execute(sql.raw(`set local role ${app.options.role}`));
        return fn(tx as AgentTx);
      });
    const channelId = (await newChannel(t.db)).id;
    const before = await allCounts();
    const at = new Date(Date.now() + 86_400_000);
    // One at a time (thunks): on a server's pool, promises made up front would run at once.
    for (const attempt of [
      () => alone((tx) => purgeExpiredMemories(tx)),
      () => alone((tx) => purgeExpiredMemories(tx, { agentId: a.agentId })),
      () => alone((tx) => expireCheckpoints(tx, { at })),
      () => alone((tx) => deleteUserData(tx, b.userId)),
      () => alone((tx) => backfillChatMessages(tx)),
      () => alone((tx) => validateBackfill(tx)),
      () => alone((tx) => importMemories(tx, [{ agentId: b.agentId, memoryType: 'semantic', content: { note: 'x' } }])),
      // Acting for A's agent: every agent's, or B's, is refused; B erased is refused.
      () => as(a, (tx) => purgeExpiredMemories(tx)),
      () => as(a, (tx) => expireCheckpoints(tx, { agentId: b.agentId, at })),
      () => as(a, (tx) => deleteUserData(tx, a.userId)),
    ]) {
      await expectChatstoreError(attempt(), 'PERMISSION_DENIED', 'role');
    }
    // Refused by the policies themselves (its backfill session belongs to no user).
    await expectChatstoreError(
      alone((tx) => dualWriteMessage(tx, { channelId, content: 'hi', senderUserId: b.userId })),
      'PERMISSION_DENIED',
    );
    expect(await allCounts()).toEqual(before);
    // Acting for the agent itself, its own retention goes ahead.
    expect(await as(a, (tx) => purgeExpiredMemories(tx, { agentId: a.agentId }))).toBe(0);
    expect(await as(a, (tx) => expireCheckpoints(tx, { agentId: a.agentId }))).toEqual({ deleted: 0, archived: 0 });
  });

  it('binds table owners too (FORCE ROW LEVEL SECURITY) and refuses roles that bypass RLS', async () => {
    const forced = await t.conn.client.query<{ relname: string; rls: boolean; force: boolean }>(
      `select relname, relrowsecurity as rls, relforcerowsecurity as force from pg_class
       where relname in (${tables.map((n) => `'${n}'`).join(', ')}) and relkind = 'r' order by relname`,
    );
    expect(forced).toEqual([...tables].sort().map((relname) => ({ relname, rls: true, force: true })));
    await expectChatstoreError(
      asAgentUser(t.db, { userId: a.userId }, async () => 1),
      'RLS_BYPASSED',
      'role',
    );
    await expectChatstoreError(
      asAgentUser(t.db, { userId: a.userId }, async () => 1, { role: 'postgres' }),
      'RLS_BYPASSED',
      'role',
    );
  });
});
