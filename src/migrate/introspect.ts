import type { Row, SqlClient } from '../connect/sql-client';
import { ledgerTable } from './ledger';

/**
 * A live schema as flat facts: `table users / column email` → `character varying(320) not null`.
 * Flat facts make two schemas comparable key by key and the differences readable.
 */
export type SchemaFacts = ReadonlyMap<string, string>;

/** Tables of the database other than chatstore's ledger. */
export async function userTables(client: SqlClient): Promise<string[]> {
  const rows =
    client.dialect === 'postgresql'
      ? await client.query<{ name: string }>(
          `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1`,
        )
      : await client.query<{ name: string }>(
          `select name from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\' order by 1`,
        );
  return rows.map((r) => r.name).filter((name) => name !== ledgerTable);
}

/** Reads tables, columns, types, nullability, defaults, keys, indexes, checks (and on PostgreSQL enums, policies, extensions). */
export async function introspect(client: SqlClient): Promise<SchemaFacts> {
  return client.dialect === 'postgresql' ? introspectPostgres(client) : introspectSqlite(client);
}

async function introspectPostgres(client: SqlClient): Promise<SchemaFacts> {
  const facts = new Map<string, string>();
  const tables = `select c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relname <> '${ledgerTable}'`;
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

async function introspectSqlite(client: SqlClient): Promise<SchemaFacts> {
  const facts = new Map<string, string>();
  // chatstore_kept_* tables hold what an application wrote that has no place in the target's
  // model (docs/decisions/010): kept beside the target's tables, not part of its schema.
  const tables = await client.query<{ name: string; sql: string }>(
    `select name, sql from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\' and name <> ?
       and name not like 'chatstore\\_kept\\_%' escape '\\'`,
    [ledgerTable],
  );
  for (const { name: t, sql } of tables) {
    facts.set(`table ${t}`, /\bautoincrement\b/i.test(sql) ? 'table autoincrement' : 'table');
    for (const c of await client.query(`select * from pragma_table_xinfo(?)`, [t])) {
      const parts = [`#${c.cid}`, normalizeType(String(c.type)), c.notnull ? 'not null' : 'null'];
      if (c.dflt_value !== null) parts.push(`default ${normalizeSql(String(c.dflt_value))}`);
      if (Number(c.pk) > 0) parts.push(`pk ${c.pk}`);
      if (Number(c.hidden) > 0) parts.push(`hidden ${c.hidden}`);
      facts.set(`table ${t} / column ${c.name}`, parts.join(' '));
    }
    for (const index of await client.query(`select * from pragma_index_list(?)`, [t])) {
      const columns = await client.query<Row>(`select name from pragma_index_info(?) order by seqno`, [index.name]);
      const list = columns.map((c) => c.name ?? '<expr>').join(', ');
      if (index.origin === 'c') {
        const ddl = await client.query<{ sql: string }>(
          `select sql from sqlite_master where type = 'index' and name = ?`,
          [index.name],
        );
        const where = /\bwhere\b([\s\S]*)$/i.exec(ddl[0]?.sql ?? '')?.[1];
        const def = `${index.unique ? 'unique ' : ''}(${list})${where ? ` where ${normalizeSql(where)}` : ''}`;
        facts.set(`table ${t} / index ${index.name}`, def);
      } else {
        // Names of automatic indexes (sqlite_autoindex_…) depend on declaration order: key by columns.
        facts.set(`table ${t} / ${index.origin === 'pk' ? 'primary key' : 'unique'} (${list})`, 'constraint');
      }
    }
    const keys = new Map<number, Row[]>();
    for (const fk of await client.query(`select * from pragma_foreign_key_list(?)`, [t])) {
      const id = Number(fk.id);
      keys.set(id, [...(keys.get(id) ?? []), fk]);
    }
    for (const parts of keys.values()) {
      const first = parts[0] as Row;
      const from = parts.map((p) => p.from).join(', ');
      const to = parts.map((p) => p.to ?? '<pk>').join(', ');
      facts.set(
        `table ${t} / foreign key (${from})`,
        `references ${first.table}(${to}) on update ${String(first.on_update).toLowerCase()} on delete ${String(first.on_delete).toLowerCase()}`,
      );
    }
    for (const check of checkClauses(sql)) facts.set(`table ${t} / check ${check}`, 'check');
  }
  return facts;
}

/** Declared SQLite types compare case- and space-insensitively (`VARCHAR(50)` = `varchar( 50 )`). */
function normalizeType(type: string): string {
  return type
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/\s*([(),])\s*/g, '$1')
    .trim();
}

/** SQL text compared modulo case, identifier quotes and whitespace. */
export function normalizeSql(text: string): string {
  return text
    .replace(/["`[\]]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([(),=<>])\s*/g, '$1')
    .trim()
    .replace(/;$/, '')
    .toLowerCase();
}

/** The `CHECK (…)` expressions in a CREATE TABLE statement, normalized. */
export function checkClauses(createTable: string): string[] {
  const checks: string[] = [];
  const pattern = /\bcheck\s*\(/gi;
  for (let match = pattern.exec(createTable); match; match = pattern.exec(createTable)) {
    let depth = 1;
    let i = match.index + match[0].length;
    const start = i;
    for (; i < createTable.length && depth > 0; i++) {
      if (createTable[i] === '(') depth++;
      else if (createTable[i] === ')') depth--;
    }
    checks.push(normalizeSql(createTable.slice(start, i - 1)));
  }
  return checks.sort();
}

export interface SchemaDifference {
  key: string;
  expected?: string;
  actual?: string;
}

export function diffSchemas(expected: SchemaFacts, actual: SchemaFacts): SchemaDifference[] {
  const keys = [...new Set([...expected.keys(), ...actual.keys()])].sort();
  return keys
    .filter((key) => expected.get(key) !== actual.get(key))
    .map((key) => ({ key, expected: expected.get(key), actual: actual.get(key) }));
}

export function formatDifferences(differences: readonly SchemaDifference[]): string {
  return differences
    .map(({ key, expected, actual }) => {
      if (actual === undefined) return `  - missing   ${key}: ${expected}`;
      if (expected === undefined) return `  + unexpected ${key}: ${actual}`;
      return `  ~ differs   ${key}\n      expected: ${expected}\n      actual:   ${actual}`;
    })
    .join('\n');
}
