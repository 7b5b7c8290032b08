/**
 * The `todo` target's migrations against databases as they exist in the field: created by
 * the seed's own SQL (adopt), and down to `phase2` and back up with data in place.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { connectRaw } from '../../../src/connect';
import { adopt } from '../../../src/migrate/adopt';
import { migrate, readStatus } from '../../../src/migrate/engine';
import { ledgerExists } from '../../../src/migrate/ledger';
import { loadMigrations } from '../../../src/migrate/migrations';
import { targets } from '../../../src/targets/registry';
import { readFixture, runScript } from '../../../support/fixtures';
import { pgBackends } from '../../support/backends';

const set = loadMigrations(targets.todo);

describe.each(pgBackends)('todo migrations on $name', (backend) => {
  afterAll(() => backend.cleanup());

  async function legacyDatabase(...fixtures: string[]) {
    const conn = await connectRaw(await backend.create());
    for (const fixture of fixtures) await runScript(conn.client, readFixture(fixture));
    return conn;
  }

  it('adopts a phase2 database created by hand and upgrades it to the latest generation, keeping its rows', async () => {
    const conn = await legacyDatabase('todo/phase2.sql');
    try {
      await conn.client.query(`insert into users (id, email) values ('u1', 'u1@example.com')`);
      await conn.client.query(`insert into tasks (user_id, title) values ('u1', 'buy milk')`);
      const before = await migrate(conn.client, set);
      expect(before.error?.code).toBe('NEEDS_ADOPT');

      const adopted = await adopt(conn.client, set);
      expect(adopted.ok).toBe(true);
      expect(adopted.recorded).toEqual(['0000_phase2']);
      expect(adopted.generation).toBe('phase2');

      const up = await migrate(conn.client, set);
      expect(up.ok).toBe(true);
      expect(up.to).toBe('isolation');
      expect(await conn.client.query('select title from tasks')).toEqual([{ title: 'buy milk' }]);
    } finally {
      await conn.close();
    }
  });

  it("adopts a phase3 database built from the seed's SQL; migrate then adds row-level security, archive-search and isolation", async () => {
    const conn = await legacyDatabase('todo/phase2.sql', 'todo/phase3.sql');
    try {
      const adopted = await adopt(conn.client, set);
      expect(adopted.ok).toBe(true);
      expect(adopted.recorded).toEqual(['0000_phase2', '0001_phase3']);
      const up = await migrate(conn.client, set);
      expect(up.results.map((r) => `${r.tag}:${r.status}`)).toEqual([
        '0002_phase3__rls:applied',
        '0003_archive-search:applied',
        '0004_isolation__rls:applied',
      ]);
      const status = await readStatus(conn.client, set);
      expect(status.generation).toBe('isolation');
      expect(status.pending).toEqual([]);
    } finally {
      await conn.close();
    }
  });

  it('refuses to adopt a database that matches no generation, with a readable diff, writing nothing', async () => {
    const conn = await legacyDatabase('todo/phase2.sql', 'todo/phase3.sql');
    try {
      await conn.client.query('alter table messages add column rating integer');
      await conn.client.query('drop index idx_messages_role');
      const result = await adopt(conn.client, set);
      expect(result.ok).toBe(false);
      expect(result.error?.code).toBe('ADOPT_MISMATCH');
      expect(result.error?.closest).toBe('phase3');
      expect(result.error?.message).toContain('unexpected table messages / column rating: integer null');
      expect(result.error?.message).toContain('missing   table messages / index idx_messages_role');
      expect(await ledgerExists(conn.client)).toBe(false);
    } finally {
      await conn.close();
    }
  });

  it('goes down to phase2 (refusing to drop conversations with rows unless allowed) and back up', async () => {
    const conn = await connectRaw(await backend.create());
    try {
      expect((await migrate(conn.client, set)).ok).toBe(true);
      await conn.client.query(`insert into users (id, email) values ('u1', 'u1@example.com')`);
      await conn.client.query(`insert into tasks (user_id, title) values ('u1', 'a'), ('u1', 'b')`);
      await conn.client.query(`insert into conversations (user_id) values ('u1')`);

      const refused = await migrate(conn.client, set, { to: 'phase2' });
      expect(refused.error?.code).toBe('DATA_LOSS');
      expect(refused.error?.message).toContain('1 row(s) in conversations');

      const down = await migrate(conn.client, set, { to: 'phase2', allowDataLoss: true });
      expect(down.ok).toBe(true);
      expect(await conn.client.query('select count(*)::int as n from tasks')).toEqual([{ n: 2 }]);
      expect(await conn.client.query('select count(*)::int as n from users')).toEqual([{ n: 1 }]);
      expect(await conn.client.query(`select to_regclass('conversations') as t`)).toEqual([{ t: null }]);
      const rls = await conn.client.query<{ r: boolean }>(
        `select relrowsecurity as r from pg_class where relname = 'tasks'`,
      );
      expect(rls).toEqual([{ r: false }]);

      const up = await migrate(conn.client, set);
      expect(up.ok).toBe(true);
      expect((await readStatus(conn.client, set)).generation).toBe('isolation');
      expect(
        await conn.client.query(
          `select relname, relrowsecurity as r, relforcerowsecurity as f from pg_class
           where relname in ('tasks', 'users') order by relname`,
        ),
      ).toEqual([
        { relname: 'tasks', r: true, f: true },
        { relname: 'users', r: true, f: true },
      ]);
    } finally {
      await conn.close();
    }
  });

  it('goes down from archive-search to phase3 (refusing while a conversation is archived) and back up', async () => {
    const conn = await connectRaw(await backend.create());
    const indexes = async () =>
      (
        await conn.client.query<{ name: string }>(
          `select indexname as name from pg_indexes where tablename = 'messages' and indexname in
            ('idx_messages_content_fts', 'idx_messages_conversation_recent') order by 1`,
        )
      ).map((r) => r.name);
    try {
      expect((await migrate(conn.client, set)).ok).toBe(true);
      expect(await indexes()).toEqual(['idx_messages_content_fts', 'idx_messages_conversation_recent']);
      await conn.client.query(`insert into users (id, email) values ('u1', 'u1@example.com')`);
      await conn.client.query(`insert into conversations (user_id, archived_at) values ('u1', now())`);

      const refused = await migrate(conn.client, set, { to: 'phase3' });
      expect(refused.error?.code).toBe('DATA_LOSS');
      expect(refused.error?.message).toContain('archived_at');
      expect(await indexes()).toHaveLength(2);

      await conn.client.query('update conversations set archived_at = null');
      const down = await migrate(conn.client, set, { to: 'phase3' });
      expect(down.ok).toBe(true);
      expect(await indexes()).toEqual([]);
      expect(await conn.client.query('select count(*)::int as n from conversations')).toEqual([{ n: 1 }]);
      expect((await migrate(conn.client, set)).ok).toBe(true);
      expect(await indexes()).toHaveLength(2);
    } finally {
      await conn.close();
    }
  });

  it('goes down from isolation to archive-search (policies as 0002_phase3__rls left them) and back up', async () => {
    const conn = await connectRaw(await backend.create());
    const security = () =>
      conn.client.query<{ relname: string; r: boolean; f: boolean }>(
        `select relname, relrowsecurity as r, relforcerowsecurity as f from pg_class
         where relname in ('users', 'messages') order by relname`,
      );
    const policies = () =>
      conn.client.query<{ policyname: string; qual: string }>(
        `select policyname, qual from pg_policies order by policyname`,
      );
    try {
      expect((await migrate(conn.client, set, { to: 'archive-search' })).ok).toBe(true);
      const before = await policies();
      expect((await migrate(conn.client, set)).ok).toBe(true);
      expect(await security()).toEqual([
        { relname: 'messages', r: true, f: true },
        { relname: 'users', r: true, f: true },
      ]);
      const down = await migrate(conn.client, set, { to: 'archive-search' });
      expect(down.ok, down.error?.message).toBe(true);
      expect(await security()).toEqual([
        { relname: 'messages', r: true, f: false },
        { relname: 'users', r: false, f: false },
      ]);
      expect(await policies()).toEqual(before);
      expect((await migrate(conn.client, set)).ok).toBe(true);
      expect((await readStatus(conn.client, set)).generation).toBe('isolation');
    } finally {
      await conn.close();
    }
  });
});
