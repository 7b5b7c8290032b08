/**
 * The engine on SQLite (better-sqlite3): `?` parameters, an ISO 8601 text ledger timestamp, no
 * lock of its own (`BEGIN IMMEDIATE` already holds the write lock, and the file's migration lock
 * spans a run, decision 015), introspection through `sqlite_master` and the `pragma_*` table
 * functions, `:memory:` as the scratch database, and the foreign-key dance around table
 * rebuilds (decision 001).
 */
import { existsSync, rmSync } from 'node:fs';
import { parseLocation, type Row, type SqlClient } from '../../connect';
import { loadSqlite } from '../../connect/drivers';
import { sqliteClient } from '../../connect/sql-client';
import { ChatstoreError } from '../../errors';
import { type EngineDialect, openRaw, type SchemaFacts, type Snapshot } from './dialect';

export const sqliteDialect: EngineDialect<'sqlite'> = {
  name: 'sqlite',

  placeholder: () => '?',

  async tableExists(client, table) {
    const rows = await client.query(
      `select count(*) > 0 as present from sqlite_master where type = 'table' and name = ?`,
      [table],
    );
    return Boolean(rows[0]?.present);
  },

  appliedAtColumn: `text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`,

  // `BEGIN IMMEDIATE` (SqlClient.transaction) already holds the database's write lock.
  lockTarget: async () => {},

  /**
   * drizzle-kit writes `PRAGMA foreign_keys=OFF` around a table rebuild, a no-op inside a
   * transaction: the rebuild's `DROP TABLE` would fire `ON DELETE CASCADE`. So foreign keys go
   * off before the transaction, `PRAGMA foreign_key_check` runs before commit (a violation
   * rolls back), and they come back on after it, whatever happened.
   */
  async migrationTransaction(client, fn, { rebuildsTables }) {
    if (!rebuildsTables) return client.transaction(fn);
    await client.query('PRAGMA foreign_keys = OFF');
    try {
      return await client.transaction(async (tx) => {
        const result = await fn(tx);
        const violations = await tx.query<{ table: string; parent: string; rowid: number }>('PRAGMA foreign_key_check');
        const first = violations[0];
        if (first) {
          throw new ChatstoreError(
            'FOREIGN_KEY',
            `${violations.length} row(s) violate foreign keys, first: ${first.table} rowid ${first.rowid} → ${first.parent}`,
            { entity: first.table },
          );
        }
        return result;
      });
    } finally {
      await client.query('PRAGMA foreign_keys = ON');
    }
  },

  async tables(client) {
    const rows = await client.query<{ name: string }>(
      `select name from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\' order by 1`,
    );
    return rows.map((r) => r.name);
  },

  async countRows(client, table, column) {
    const where = column ? ` where ${quoteIdentifier(column)} is not null` : '';
    const [row] = await client.query<{ n: number | string }>(
      `select count(*) as n from ${quoteIdentifier(table)}${where}`,
    );
    return Number(row?.n ?? 0);
  },

  introspect: introspectSqlite,

  scratchLocation: ':memory:',

  // DATABASE_URL names a server; no SQLite target reads it.
  locationFromEnvironment: () => undefined,

  async openReadOnly(location) {
    const parsed = parseLocation(location);
    if (parsed.kind !== 'sqlite' || parsed.file === ':memory:') return openRaw(location);
    const { file } = parsed;
    // A read-only connection to a WAL database creates its -wal and -shm files and cannot
    // remove them on close; remove the ones it created, so reading leaves the folder as it was.
    const sidecars = ['-wal', '-shm'].map((s) => `${file}${s}`).filter((f) => !existsSync(f));
    const { Database } = await loadSqlite();
    const db = new Database(file, { readonly: true, fileMustExist: true });
    return {
      client: sqliteClient(db),
      close: async () => {
        db.close();
        for (const sidecar of sidecars) rmSync(sidecar, { force: true });
      },
    };
  },

  snapshot: async (kit, schema) => (await kit.generateSQLiteDrizzleJson(schema)) as Snapshot,

  sqlBetween: (kit, prev, cur) => kit.generateSQLiteMigration(prev as never, cur as never),
};

async function introspectSqlite(client: SqlClient, ledger: string): Promise<SchemaFacts> {
  const facts = new Map<string, string>();
  // chatstore_kept_* tables hold what an application wrote that has no place in the target's
  // model (docs/decisions/010): kept beside the target's tables, not part of its schema.
  const tables = await client.query<{ name: string; sql: string }>(
    `select name, sql from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\' and name <> ?
       and name not like 'chatstore\\_kept\\_%' escape '\\'`,
    [ledger],
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

const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;
