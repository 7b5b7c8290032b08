/**
 * Before a down migration or a discard path drops a table or column, the engine counts what it
 * would delete. Under FORCE ROW LEVEL SECURITY the tables' owner is bound by the policies too, so
 * a plain count run as the owner sees 0 rows and would let the drop through: the count must see
 * every row, or say it cannot.
 */
import { describe, expect, it } from 'vitest';
import { connectRaw } from '../../src/connect';
import { dialectOf } from '../../src/migrate/dialects';
import { pgBackends } from '../support/backends';

describe.each(pgBackends)('counting rows at risk on $name', (backend) => {
  it('counts every row, and gives null (not 0) to a role a policy binds', async () => {
    const location = await backend.create();
    const conn = await connectRaw(location);
    const role = `chatstore_risk_${process.pid}_${Date.now()}`;
    try {
      const { client } = conn;
      await client.query(`create role ${role} nologin`);
      await client.query('create table notes (id int primary key, owner text not null, body text)');
      await client.query(`alter table notes owner to ${role}`);
      await client.query('alter table notes enable row level security');
      await client.query('alter table notes force row level security');
      await client.query(`create policy own on notes using (owner = current_setting('chatstore.user_id', true))`);
      await client.query(`insert into notes values (1, 'alice', 'x'), (2, 'bob', null)`);
      const dialect = dialectOf(client);
      expect(await dialect.countRows(client, 'notes')).toBe(2);
      expect(await dialect.countRows(client, 'notes', 'body')).toBe(1);
      // As the owner, with the policy forced on it: a plain count would say 0.
      await client.transaction(async (tx) => {
        await tx.query(`set local role ${role}`);
        expect(await tx.query('select count(*)::int as n from notes')).toEqual([{ n: 0 }]);
      });
      await client.query(`set role ${role}`);
      expect(await dialect.countRows(client, 'notes')).toBeNull();
      await client.query('reset role');
    } finally {
      await conn.client.query('reset role').catch(() => {});
      await conn.client.query('drop table if exists notes').catch(() => {});
      await conn.client.query(`drop role if exists ${role}`).catch(() => {});
      await conn.close();
      await backend.cleanup();
    }
  });
});
