/**
 * The engine on PostgreSQL (a server through postgres.js, or PGlite): `$n` parameters, a
 * `timestamptz` ledger, a transaction-scoped advisory lock per target, the catalogs `pg_class`,
 * `pg_attribute`, `pg_constraint`, `pg_index`, `pg_policies`, `pg_enum` and `pg_extension`,
 * and PGlite in memory as the scratch database.
 */
import type { SqlClient } from '../../connect';
import { type EngineDialect, openRaw, type SchemaFacts, type Snapshot } from './dialect';

export const postgresqlDialect: EngineDialect<'postgresql'> = {
  name: 'postgresql',

  placeholder: (n) => `$${n}`,

  async tableExists(client, table) {
    const rows = await client.query(`select to_regclass('public.${table}') is not null as present`);
    return Boolean(rows[0]?.present);
  },

  appliedAtColumn: 'timestamptz not null default now()',

  async lockTarget(tx, target) {
    await tx.query(`select pg_advisory_xact_lock(hashtext($1))`, [`chatstore:${target}`]);
  },

  // DDL is transactional and foreign keys are never switched off: one plain transaction.
  migrationTransaction: (client, fn) => client.transaction(fn),

  async tables(client) {
    const rows = await client.query<{ name: string }>(
      `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1`,
    );
    return rows.map((r) => r.name);
  },

  async countRows(client, table, column) {
    const where = column ? ` where ${quoteIdentifier(column)} is not null` : '';
    try {
      // With row_security off, a role bound by a policy gets an error instead of a filtered count
      // (FORCE ROW LEVEL SECURITY binds the owner too): never a silent 0.
      return await client.transaction(async (tx) => {
        await tx.query('set local row_security = off');
        const [row] = await tx.query<{ n: number | string }>(
          `select count(*) as n from ${quoteIdentifier(table)}${where}`,
        );
        return Number(row?.n ?? 0);
      });
    } catch (error) {
      if ((error as { code?: string }).code === '42501') return null;
      throw error;
    }
  },

  introspect: introspectPostgres,

  scratchLocation: 'pglite:memory:',

  locationFromEnvironment: () => process.env.DATABASE_URL || undefined,

  // A server database is only queried; PGlite opens only an initialised directory (drift.ts checks).
  openReadOnly: openRaw,

  snapshot: async (kit, schema) => kit.generateDrizzleJson(schema) as Snapshot,

  sqlBetween: (kit, prev, cur) => kit.generateMigration(prev as never, cur as never),
};

async function introspectPostgres(client: SqlClient, ledger: string): Promise<SchemaFacts> {
  const facts = new Map<string, string>();
  const tables = `select c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relname <> '${ledger}'`;
  for (const r of await client.query(
    `select c.relname as t, c.relrowsecurity as rls from pg_class c where c.oid in (${tables})`,
  )) {
    facts.set(`table ${r.t}`, r.rls ? 'row level security' : 'table');
  }
  for (const r of await client.query(
    `select c.relname as t, a.attname as col, a.attnum as pos, format_type(a.atttypid, a.atttypmod) as type,
            a.attnotnull as not_null, pg_get_expr(d.adbin, d.adrelid) as def, a.attidentity as ident, a.attgenerated as gen
     from pg_attribute a join pg_class c on c.oid = a.attrelid
     left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
     where c.oid in (${tables}) and a.attnum > 0 and not a.attisdropped`,
  )) {
    const parts = [String(r.type), r.not_null ? 'not null' : 'null'];
    if (r.def !== null) parts.push(`default ${r.def}`);
    if (r.ident) parts.push(`identity ${r.ident}`);
    if (r.gen) parts.push(`generated ${r.gen}`);
    facts.set(`table ${r.t} / column ${r.col}`, parts.join(' '));
  }
  for (const r of await client.query(
    `select c.relname as t, k.conname as name, pg_get_constraintdef(k.oid) as def
     from pg_constraint k join pg_class c on c.oid = k.conrelid
     where c.oid in (${tables}) and k.contype in ('p', 'u', 'f', 'c', 'x')`,
  )) {
    facts.set(`table ${r.t} / constraint ${r.name}`, String(r.def));
  }
  for (const r of await client.query(
    `select c.relname as t, i.relname as name, pg_get_indexdef(i.oid) as def
     from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class c on c.oid = x.indrelid
     where c.oid in (${tables}) and not exists (select 1 from pg_constraint k where k.conindid = i.oid)`,
  )) {
    facts.set(`table ${r.t} / index ${r.name}`, String(r.def));
  }
  for (const r of await client.query(
    `select tablename as t, policyname as name, permissive, roles::text as roles, cmd, qual, with_check
     from pg_policies where schemaname = 'public'`,
  )) {
    facts.set(
      `table ${r.t} / policy ${r.name}`,
      `${r.permissive} ${r.cmd} to ${r.roles} using ${r.qual ?? '-'} with check ${r.with_check ?? '-'}`,
    );
  }
  for (const r of await client.query(
    `select t.typname as name, string_agg(e.enumlabel, ', ' order by e.enumsortorder) as labels
     from pg_type t join pg_enum e on e.enumtypid = t.oid join pg_namespace n on n.oid = t.typnamespace
     where n.nspname = 'public' group by t.typname`,
  )) {
    facts.set(`enum ${r.name}`, String(r.labels));
  }
  for (const r of await client.query(`select extname as name from pg_extension where extname <> 'plpgsql'`)) {
    facts.set(`extension ${r.name}`, 'installed');
  }
  return facts;
}

const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;
