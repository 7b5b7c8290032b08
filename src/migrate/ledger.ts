import type { SqlClient } from '../connect/sql-client';
import { dialectOf } from './dialects';

/**
 * The ledger: one row per applied migration of a target. Keyed by target so a database that
 * (unusually) hosts two targets keeps them apart.
 */
export const ledgerTable = 'chatstore_migrations';

export interface LedgerRow {
  tag: string;
  generation: string;
  sha256: string;
  appliedAt: string;
}

/** `$n` on PostgreSQL, `?` on SQLite. */
export const placeholder = (client: SqlClient, n: number) => dialectOf(client).placeholder(n);

export async function ledgerExists(client: SqlClient): Promise<boolean> {
  return dialectOf(client).tableExists(client, ledgerTable);
}

export async function createLedger(client: SqlClient): Promise<void> {
  await client.query(
    `create table if not exists ${ledgerTable} (
      target text not null,
      tag text not null,
      generation text not null,
      sha256 text not null,
      applied_at ${dialectOf(client).appliedAtColumn},
      primary key (target, tag)
    )`,
  );
}

export async function readLedger(client: SqlClient, target: string): Promise<LedgerRow[]> {
  if (!(await ledgerExists(client))) return [];
  const rows = await client.query<{ tag: string; generation: string; sha256: string; applied_at: unknown }>(
    `select tag, generation, sha256, applied_at from ${ledgerTable} where target = ${placeholder(client, 1)} order by tag`,
    [target],
  );
  return rows.map((r) => ({
    tag: r.tag,
    generation: r.generation,
    sha256: r.sha256,
    appliedAt: r.applied_at instanceof Date ? r.applied_at.toISOString() : String(r.applied_at),
  }));
}

export async function recordApplied(
  client: SqlClient,
  target: string,
  migration: { tag: string; generation: string; sha256: string },
): Promise<void> {
  const p = (n: number) => placeholder(client, n);
  await client.query(
    `insert into ${ledgerTable} (target, tag, generation, sha256) values (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)})`,
    [target, migration.tag, migration.generation, migration.sha256],
  );
}

export async function forgetApplied(client: SqlClient, target: string, tag: string): Promise<void> {
  await client.query(
    `delete from ${ledgerTable} where target = ${placeholder(client, 1)} and tag = ${placeholder(client, 2)}`,
    [target, tag],
  );
}

/**
 * Serialises migrators of one target. PostgreSQL: a transaction-scoped advisory lock, so a
 * second migrator waits, then sees the first one's ledger rows. SQLite: `BEGIN IMMEDIATE`
 * already holds the write lock.
 */
export async function lockTarget(tx: SqlClient, target: string): Promise<void> {
  await dialectOf(tx).lockTarget(tx, target);
}
