/**
 * The `agent` target's migrations against databases as they exist in the field: the v1 tables
 * created by hand, the seed's v2 SQL (with only the fixes PostgreSQL needs), and down to `v1`
 * and back up with chat_messages untouched.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { connectRaw } from '../../../src/connect';
import { adopt } from '../../../src/migrate/adopt';
import { migrate, readStatus } from '../../../src/migrate/engine';
import { ledgerExists } from '../../../src/migrate/ledger';
import { loadMigrations } from '../../../src/migrate/migrations';
import { targets } from '../../../src/targets/registry';
import { readFixture, runScript } from '../../../support/fixtures';
import { vectorBackends } from '../../support/vector-backends';

const set = loadMigrations(targets.agent);

describe.each(vectorBackends)('agent migrations on $name', (backend) => {
  afterAll(() => backend.cleanup());

  async function legacyDatabase(...fixtures: string[]) {
    const conn = await connectRaw(await backend.create(), backend.connectOptions);
    for (const fixture of fixtures) await runScript(conn.client, readFixture(fixture));
    return conn;
  }

  it('adopts a v1 database created by hand and upgrades it to v2, keeping chat_messages', async () => {
    const conn = await legacyDatabase('agent/v1.sql');
    try {
      const [channel] = await conn.client.query<{ id: string }>(
        `insert into channels (name) values ('c') returning id`,
      );
      await conn.client.query(`insert into chat_messages (channel_id, content) values ($1, 'hello')`, [channel?.id]);
      expect((await migrate(conn.client, set)).error?.code).toBe('NEEDS_ADOPT');

      const adopted = await adopt(conn.client, set);
      expect(adopted.ok, adopted.error?.message).toBe(true);
      expect(adopted.recorded).toEqual(['0000_v1']);

      const up = await migrate(conn.client, set);
      expect(up.ok, up.error?.message).toBe(true);
      expect(up.results.map((r) => r.tag)).toEqual([
        '0001_v2__extensions',
        '0002_v2',
        '0003_v2__rls',
        '0004_v2__backfill_map',
        '0005_v2-triggers__updated_at',
        '0006_v2-isolation__rls',
        '0007_v2-vector-storage__embeddings_inline',
      ]);
      expect(await conn.client.query('select content from chat_messages')).toEqual([{ content: 'hello' }]);
      // The legacy table of an adopted database is bound by row-level security too (decision 019).
      expect(
        await conn.client.query(
          `select relrowsecurity as r, relforcerowsecurity as f from pg_class where relname = 'chat_messages'`,
        ),
      ).toEqual([{ r: true, f: true }]);
      expect(await conn.client.query(`select extname from pg_extension where extname = 'vector'`)).toEqual([
        { extname: 'vector' },
      ]);
    } finally {
      await conn.close();
    }
  });

  it('adopts v1 in the seed’s own shape too: no NOT NULL on content / created_at, no index', async () => {
    const conn = await connectRaw(await backend.create(), backend.connectOptions);
    try {
      const seedShape = readFixture('agent/v1.sql')
        .replace('content TEXT NOT NULL', 'content TEXT')
        .replace(
          'created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()',
          'created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()',
        )
        .replace(/CREATE INDEX idx_chat_messages_channel[^;]*;/, '');
      expect(seedShape).not.toContain('idx_chat_messages_channel');
      await runScript(conn.client, seedShape);
      const [channel] = await conn.client.query<{ id: string }>(
        `insert into channels (name) values ('c') returning id`,
      );
      await conn.client.query('insert into chat_messages (channel_id, content, created_at) values ($1, null, null)', [
        channel?.id,
      ]);
      const adopted = await adopt(conn.client, set);
      expect(adopted.ok, adopted.error?.message).toBe(true);
      expect(adopted.recorded).toEqual(['0000_v1']);
      expect((await migrate(conn.client, set)).ok).toBe(true);
      // Adopting changes nothing: the legacy row and the looser columns stay.
      expect(await conn.client.query('select content, created_at from chat_messages')).toEqual([
        { content: null, created_at: null },
      ]);
      // Only those differences are tolerated: another one still refuses.
      const other = await connectRaw(await backend.create(), backend.connectOptions);
      try {
        await runScript(
          other.client,
          seedShape.replace('name TEXT NOT NULL,\n    system_instructions', 'name TEXT,\n    system_instructions'),
        );
        const refused = await adopt(other.client, set);
        expect(refused.error?.code).toBe('ADOPT_MISMATCH');
        expect(refused.error?.message).toContain('table agents / column name');
        expect(refused.error?.message).not.toContain('chat_messages');
      } finally {
        await other.close();
      }
    } finally {
      await conn.close();
    }
  }, 180_000); // the first adopt in a run builds every generation in a scratch database

  it("refuses the seed's v2 SQL for its ivfflat index, and adopts it once re-indexed with hnsw", async () => {
    const conn = await legacyDatabase('agent/v1.sql', 'agent/v2.sql');
    try {
      const refused = await adopt(conn.client, set);
      expect(refused.ok).toBe(false);
      expect(refused.error?.code).toBe('ADOPT_MISMATCH');
      expect(refused.error?.closest).toBe('v2');
      expect(refused.error?.message).toContain('idx_memories_embedding');
      expect(await ledgerExists(conn.client)).toBe(false);

      // The fix docs/targets/agent.md gives operators (decision: hnsw, not ivfflat).
      await conn.client.query('drop index idx_memories_embedding');
      await conn.client.query(
        'create index idx_memories_embedding on agent_memories using hnsw (embeddings vector_cosine_ops)',
      );
      const adopted = await adopt(conn.client, set);
      expect(adopted.ok, adopted.error?.message).toBe(true);
      expect(adopted.recorded).toEqual(['0000_v1', '0001_v2__extensions', '0002_v2']);
      const up = await migrate(conn.client, set);
      expect(up.results.map((r) => `${r.tag}:${r.status}`)).toEqual([
        '0003_v2__rls:applied',
        '0004_v2__backfill_map:applied',
        '0005_v2-triggers__updated_at:applied',
        '0006_v2-isolation__rls:applied',
        '0007_v2-vector-storage__embeddings_inline:applied',
      ]);
      expect((await readStatus(conn.client, set)).pending).toEqual([]);
    } finally {
      await conn.close();
    }
  });

  it('models the seed’s checks and its partial unique index: the database rejects what the seed rejects', async () => {
    const conn = await connectRaw(await backend.create(), backend.connectOptions);
    try {
      expect((await migrate(conn.client, set)).ok).toBe(true);
      const [agent] = await conn.client.query<{ id: string }>(`insert into agents (name) values ('a') returning id`);
      const agentId = agent?.id;
      const rejects = async (text: string, params: unknown[], constraint: string) => {
        const error = await conn.client.query(text, params).then(
          () => undefined,
          (e: unknown) => e as { constraint_name?: string; constraint?: string; message: string },
        );
        expect(error, text).toBeDefined();
        expect(error?.constraint_name ?? error?.constraint ?? error?.message).toContain(constraint);
      };
      const sessionId = '00000000-0000-4000-8000-000000000001';
      await rejects(
        `insert into chat_messages_v2 (conversation_id, session_id, role, content) values ($1, $1, 'user', '{"text":"x"}')`,
        [sessionId],
        'check_content_structure',
      );
      await rejects(
        `insert into chat_messages_v2 (conversation_id, session_id, role, content) values ($1, $1, 'robot', '{"type":"text"}')`,
        [sessionId],
        'chat_messages_v2_role_check',
      );
      await rejects(
        `insert into agent_memories (agent_id, memory_type, content) values ($1, 'semantic', '{"concept":"x"}')`,
        [agentId],
        'check_memory_content',
      );
      await rejects(
        `insert into agent_memories (agent_id, memory_type, content, importance) values ($1, 'working', '{"items":[],"capacity":1}', 2)`,
        [agentId],
        'agent_memories_importance_check',
      );
      await conn.client.query(`insert into agent_states (agent_id, version, state_hash) values ($1, '1', 'h')`, [
        agentId,
      ]);
      await rejects(
        `insert into agent_states (agent_id, version, state_hash) values ($1, '1', 'h2')`,
        [agentId],
        'unique_current_state',
      );
      await conn.client.query(
        `insert into agent_states (agent_id, version, state_hash, is_current) values ($1, '1', 'old', false), ($1, '1', 'older', false)`,
        [agentId],
      );
    } finally {
      await conn.close();
    }
  });

  it('goes down to v1 (refusing to drop v2 rows unless allowed), chat_messages untouched, and back up', async () => {
    const conn = await connectRaw(await backend.create(), backend.connectOptions);
    try {
      expect((await migrate(conn.client, set)).ok).toBe(true);
      const [channel] = await conn.client.query<{ id: string }>(
        `insert into channels (name) values ('c') returning id`,
      );
      await conn.client.query(`insert into chat_messages (channel_id, content) values ($1, 'a'), ($1, 'b')`, [
        channel?.id,
      ]);
      await conn.client.query(
        `insert into chat_messages_v2 (conversation_id, session_id, role, content) values ($1, $1, 'user', '{"type":"text","text":"a"}')`,
        [channel?.id],
      );
      const refused = await migrate(conn.client, set, { to: 'v1' });
      expect(refused.error?.code).toBe('DATA_LOSS');
      expect(refused.error?.message).toContain('chat_messages_v2');

      const down = await migrate(conn.client, set, { to: 'v1', allowDataLoss: true });
      expect(down.ok, down.error?.message).toBe(true);
      expect(await conn.client.query('select content from chat_messages order by content')).toEqual([
        { content: 'a' },
        { content: 'b' },
      ]);
      expect(await conn.client.query(`select to_regclass('chat_messages_v2') as t`)).toEqual([{ t: null }]);
      expect((await readStatus(conn.client, set)).generation).toBe('v1');

      const up = await migrate(conn.client, set);
      expect(up.ok, up.error?.message).toBe(true);
      expect((await readStatus(conn.client, set)).generation).toBe('v2-vector-storage');
    } finally {
      await conn.close();
    }
  });

  it('keeps updated_at / last_modified current on writes outside the repositories, and goes down to v2', async () => {
    const conn = await connectRaw(await backend.create(), backend.connectOptions);
    try {
      expect((await migrate(conn.client, set)).ok).toBe(true);
      const old = '2020-01-01T00:00:00.000Z';
      const [message] = await conn.client.query<{ id: string }>(
        `insert into chat_messages_v2 (conversation_id, session_id, role, content, updated_at)
          values (gen_random_uuid(), gen_random_uuid(), 'user', '{"type":"text","text":"a"}', $1) returning id`,
        [old],
      );
      const [template] = await conn.client.query<{ id: string }>(
        `insert into context_templates (name, segments, updated_at) values ('t', '[]', $1) returning id`,
        [old],
      );
      const [agent] = await conn.client.query<{ id: string }>(`insert into agents (name) values ('a') returning id`);
      const [state] = await conn.client.query<{ id: string }>(
        `insert into agent_states (agent_id, version, state_hash, last_modified) values ($1, '1', 'h', $2) returning id`,
        [agent?.id, old],
      );
      const stamp = async (table: string, column: string, id: string | undefined) => {
        const [row] = await conn.client.query<{ t: Date | string }>(
          `select ${column} as t from ${table} where id = $1`,
          [id],
        );
        return new Date(row?.t ?? 0).toISOString();
      };
      // Plain UPDATEs that do not name the column: the trigger moves it.
      await conn.client.query(`update chat_messages_v2 set metadata = '{"edited": true}' where id = $1`, [message?.id]);
      await conn.client.query(`update context_templates set description = 'd' where id = $1`, [template?.id]);
      await conn.client.query(`update agent_states set modification_count = 1 where id = $1`, [state?.id]);
      expect(await stamp('chat_messages_v2', 'updated_at', message?.id)).not.toBe(old);
      expect(await stamp('context_templates', 'updated_at', template?.id)).not.toBe(old);
      expect(await stamp('agent_states', 'last_modified', state?.id)).not.toBe(old);
      // An UPDATE that sets the column keeps its value.
      await conn.client.query(`update chat_messages_v2 set updated_at = $2 where id = $1`, [message?.id, old]);
      expect(await stamp('chat_messages_v2', 'updated_at', message?.id)).toBe(old);

      const down = await migrate(conn.client, set, { to: 'v2' });
      expect(down.ok, down.error?.message).toBe(true);
      await conn.client.query(`update chat_messages_v2 set metadata = '{}' where id = $1`, [message?.id]);
      expect(await stamp('chat_messages_v2', 'updated_at', message?.id)).toBe(old);
      expect(await conn.client.query(`select proname from pg_proc where proname like 'chatstore_touch_%'`)).toEqual([]);
    } finally {
      await conn.close();
    }
  });

  it("keeps embeddings in the row from v2-vector-storage on, and goes back to pgvector's default", async () => {
    const conn = await connectRaw(await backend.create(), backend.connectOptions);
    const storage = async () =>
      (
        await conn.client.query<{ s: string }>(
          `select attstorage as s from pg_attribute where attrelid = 'agent_memories'::regclass and attname = 'embeddings'`,
        )
      )[0]?.s;
    try {
      expect((await migrate(conn.client, set, { to: 'v2-isolation' })).ok).toBe(true);
      expect(await storage()).toBe('e');
      expect((await migrate(conn.client, set)).ok).toBe(true);
      expect(await storage()).toBe('m');
      expect((await migrate(conn.client, set, { to: 'v2-isolation' })).ok).toBe(true);
      expect(await storage()).toBe('e');
      expect((await migrate(conn.client, set)).ok).toBe(true);
    } finally {
      await conn.close();
    }
  });

  it('goes down from v2-isolation to v2-triggers (policies as 0003_v2__rls left them) and back up', async () => {
    const conn = await connectRaw(await backend.create(), backend.connectOptions);
    const security = () =>
      conn.client.query<{ relname: string; r: boolean; f: boolean }>(
        `select relname, relrowsecurity as r, relforcerowsecurity as f from pg_class
         where relname in ('users', 'chat_messages', 'chat_messages_v2') order by relname`,
      );
    const policies = async () =>
      (await conn.client.query<{ n: number }>(`select count(*)::int as n from pg_policies`))[0]?.n;
    try {
      expect((await migrate(conn.client, set, { to: 'v2-triggers' })).ok).toBe(true);
      const before = await policies();
      expect((await migrate(conn.client, set)).ok).toBe(true);
      expect(await security()).toEqual([
        { relname: 'chat_messages', r: true, f: true },
        { relname: 'chat_messages_v2', r: true, f: true },
        { relname: 'users', r: true, f: true },
      ]);
      const down = await migrate(conn.client, set, { to: 'v2-triggers' });
      expect(down.ok, down.error?.message).toBe(true);
      expect(await security()).toEqual([
        { relname: 'chat_messages', r: false, f: false },
        { relname: 'chat_messages_v2', r: true, f: false },
        { relname: 'users', r: false, f: false },
      ]);
      expect(await policies()).toBe(before);
      expect((await migrate(conn.client, set)).ok).toBe(true);
      expect((await readStatus(conn.client, set)).generation).toBe('v2-vector-storage');
    } finally {
      await conn.close();
    }
  });
});
