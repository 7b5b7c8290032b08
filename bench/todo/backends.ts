/**
 * The databases the bench runs on: PGlite in a temporary folder (or memory) always, and a
 * fresh `chatstore_bench_<random>` database on the server at DATABASE_URL when it is set.
 * Both are opened with chatstore's `connect()` and migrated with its engine; the raw side
 * talks to the very same driver instance (`db.$client`), so both sides share connection,
 * parsers and process.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PGlite, Transaction as PGliteTransaction } from '@electric-sql/pglite';
import type { Logger } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { PgDb } from '../../src/connect';
import { migrate } from '../../src/migrate/engine';
import { loadMigrations } from '../../src/migrate/migrations';
import * as schema from '../../src/schema/todo';
import { type Connection, connect } from '../../src/targets/connect';
import { targets } from '../../src/targets/registry';

/** A drizzle handle on the todo schema (what the todo repositories take). */
export type TodoDb = PgDb<typeof schema>;

/** The raw driver, as thin as it gets: array-mode prepared on postgres.js, `query` on PGlite. */
export interface RawDriver {
  query(text: string, params: unknown[]): Promise<unknown>;
  transaction<T>(fn: (tx: RawDriver) => Promise<T>): Promise<T>;
}

export interface BenchBackend {
  readonly name: 'pglite' | 'postgres';
  /** Where the data lives, for the report (no credentials). */
  readonly where: string;
  readonly conn: Connection<'todo'>;
  readonly raw: RawDriver;
  /** A second drizzle handle on the same driver instance, logging every statement to `logger`. */
  logging(logger: Logger): TodoDb;
  /** Runs COPY … FROM for one table with the given COPY-text chunks. */
  copy(table: string, columns: string, chunks: Iterable<string>): Promise<void>;
  /** Plain SQL for setup and measurements (not timed). */
  sql(text: string): Promise<Record<string, unknown>[]>;
  /** Closes the connection and removes the database. */
  dispose(): Promise<void>;
}

async function migrated(location: string): Promise<Connection<'todo'>> {
  const conn = await connect('todo', location, { requireLatest: false });
  const result = await migrate(conn.client, loadMigrations(targets.todo));
  if (!result.ok) {
    await conn.close();
    throw new Error(`migrating todo failed: ${result.error?.message}`);
  }
  if (result.to !== targets.todo.generations.at(-1)?.name)
    throw new Error(`todo migrated to ${result.to}, not the latest`);
  return conn;
}

/** The driver instance drizzle wraps (drizzle sets `$client` on every handle). */
function driverOf<T>(conn: Connection<'todo'>): T {
  const client = (conn.db as unknown as { $client?: T }).$client;
  if (client === undefined) throw new Error('drizzle handle has no $client');
  return client;
}

function postgresRaw(sql: postgres.Sql | postgres.TransactionSql): RawDriver {
  return {
    query: (text, params) => sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true }).values(),
    transaction: (fn) => {
      if (!('begin' in sql)) throw new Error('nested transaction');
      return sql.begin((tx) => fn(postgresRaw(tx))) as Promise<Awaited<ReturnType<typeof fn>>>;
    },
  };
}

function pgliteRaw(pg: PGlite | PGliteTransaction): RawDriver {
  return {
    query: (text, params) => pg.query(text, params),
    transaction: (fn) => {
      if (!('transaction' in pg)) throw new Error('nested transaction');
      return pg.transaction((tx) => fn(pgliteRaw(tx)));
    },
  };
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function openServer(url: string): Promise<BenchBackend> {
  const name = `chatstore_bench_${randomBytes(6).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const drop = async () => {
    const again = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await again.unsafe(`drop database if exists ${name} with (force)`);
    } finally {
      await again.end();
    }
  };
  let conn: Connection<'todo'>;
  try {
    conn = await migrated(withDatabase(url, name));
  } catch (error) {
    await drop();
    throw error;
  }
  const sql = driverOf<postgres.Sql>(conn);
  const host = new URL(url);
  return {
    name: 'postgres',
    where: `${host.hostname}:${host.port || 5432}/${name} (dropped afterwards)`,
    conn,
    raw: postgresRaw(sql),
    logging: (logger) => drizzlePostgres({ client: sql, schema, logger }) as unknown as TodoDb,
    async copy(table, columns, chunks) {
      // One stream: two concurrent COPYs into one table were slower on the 2-core machines
      // (relation-extension lock, and Node shares the cores).
      const writable = await sql.unsafe(`copy ${table} (${columns}) from stdin`).writable();
      await pipeline(Readable.from(chunks), writable);
    },
    sql: async (text) => [...(await sql.unsafe(text))] as Record<string, unknown>[],
    async dispose() {
      await conn.close();
      await drop();
    },
  };
}

export async function openPglite(storage: 'dir' | 'memory'): Promise<BenchBackend> {
  const dir = storage === 'dir' ? mkdtempSync(path.join(tmpdir(), 'chatstore-bench-')) : null;
  let conn: Connection<'todo'>;
  try {
    conn = await migrated(dir === null ? 'pglite:memory:' : `pglite:${dir}`);
  } catch (error) {
    if (dir) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const pg = driverOf<PGlite>(conn);
  return {
    name: 'pglite',
    where: dir === null ? 'memory' : `temporary folder ${dir} (removed afterwards)`,
    conn,
    raw: pgliteRaw(pg),
    logging: (logger) => drizzlePglite({ client: pg, schema, logger }) as unknown as TodoDb,
    async copy(table, columns, chunks) {
      // COPY FROM '/dev/blob': PGlite hands the query's `blob` option to the server as that file.
      // Batches of ~100,000 rows keep the blob (and its copy inside PGlite) small.
      let parts: string[] = [];
      let rows = 0;
      const flush = async () => {
        if (parts.length === 0) return;
        await pg.query(`copy ${table} (${columns}) from '/dev/blob'`, [], { blob: new Blob(parts) });
        parts = [];
        rows = 0;
      };
      for (const chunk of chunks) {
        parts.push(chunk);
        rows += chunk.length / 150; // rough, only decides when to flush
        if (rows >= 100_000) await flush();
      }
      await flush();
    },
    sql: async (text) => (await pg.query<Record<string, unknown>>(text)).rows,
    async dispose() {
      await conn.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
