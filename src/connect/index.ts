import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { ChatstoreError } from '../errors';
import { type Target, type TargetName, targets } from '../targets';
import { defaultLocation, type Location, parseLocation, redact } from './location';
import { pgliteClient, postgresClient, type SqlClient, sqliteClient } from './sql-client';

export { defaultLocation, type Location, parseLocation, redact } from './location';
export type { Row, SqlClient } from './sql-client';

type Targets = typeof targets;
type Last<T extends readonly unknown[]> = T extends readonly [...unknown[], infer L] ? L : never;
/** The latest generation's schema module of a target. */
export type LatestSchema<T extends TargetName> =
  Last<Targets[T]['generations']> extends { schema: infer S } ? (S extends Record<string, unknown> ? S : never) : never;

/** A drizzle handle on any PostgreSQL driver chatstore supports (postgres.js or PGlite). */
export type PgDb<TSchema extends Record<string, unknown>> = PgDatabase<PgQueryResultHKT, TSchema>;
export type SqliteDb<TSchema extends Record<string, unknown>> = BetterSQLite3Database<TSchema>;

export type DrizzleDb<T extends TargetName> = Targets[T]['dialect'] extends 'postgresql'
  ? PgDb<LatestSchema<T>>
  : SqliteDb<LatestSchema<T>>;

/** An open database of one target. Close it with `close()`; closing twice is harmless. */
export interface Connection<T extends TargetName = TargetName> {
  readonly target: T;
  readonly location: Location;
  /** The typed drizzle handle, schema = the target's latest generation. */
  readonly db: DrizzleDb<T>;
  /** Raw SQL on the same connection, for the migration engine and introspection. */
  readonly client: SqlClient;
  readonly driver: 'postgres' | 'pglite' | 'better-sqlite3';
  readonly closed: boolean;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Folder for embedded defaults when no location is given. Default `./data`. */
  dataDir?: string;
  /** postgres.js pool size. Default 10. */
  maxConnections?: number;
}

/**
 * Opens a target's database. With no location, the target's embedded default under `./data/`
 * (PGlite for PostgreSQL targets, a SQLite file otherwise).
 *
 * @example
 * const conn = await connect('todo', process.env.DATABASE_URL);
 * try { await listConversations(conn.db, { userId: 'u1' }); } finally { await conn.close(); }
 */
export async function connect<T extends TargetName>(
  target: T,
  location?: string,
  options: ConnectOptions = {},
): Promise<Connection<T>> {
  const definition = targets[target];
  if (!definition)
    throw new ChatstoreError('UNKNOWN_TARGET', `Unknown target "${String(target)}"`, { field: 'target' });
  const given =
    location ?? defaultLocation(target, definition.dialect, options.dataDir, (definition as Target).embeddedFile);
  const parsed = parseLocation(given);
  if (parsed.dialect !== definition.dialect) {
    throw new ChatstoreError(
      'DIALECT_MISMATCH',
      `Target ${target} is ${definition.dialect}, but "${redact(given)}" is a ${parsed.dialect} location`,
      { field: 'location' },
    );
  }
  const schema = definition.generations.at(-1)?.schema as LatestSchema<T>;
  const opened = await openLocation(parsed, schema, options);
  let closed = false;
  return {
    target,
    location: parsed,
    db: opened.db as DrizzleDb<T>,
    client: opened.client,
    driver: opened.driver,
    get closed() {
      return closed;
    },
    async close() {
      if (closed) return;
      closed = true;
      await opened.close();
    },
  };
}

/** A database opened without a target: raw SQL only. For tools and scratch databases. */
export interface RawConnection {
  readonly location: Location;
  readonly client: SqlClient;
  readonly driver: Connection['driver'];
  close(): Promise<void>;
}

/**
 * Opens any location for raw SQL, without a target's schema or dialect check.
 *
 * @example const scratch = await connectRaw('pglite:memory:');
 */
export async function connectRaw(location: string, options: ConnectOptions = {}): Promise<RawConnection> {
  const parsed = parseLocation(location);
  const { client, driver, close } = await openLocation(parsed, {}, options);
  let closed = false;
  return {
    location: parsed,
    client,
    driver,
    async close() {
      if (closed) return;
      closed = true;
      await close();
    },
  };
}

interface Opened {
  db: unknown;
  client: SqlClient;
  driver: Connection['driver'];
  close(): Promise<void>;
}

async function openLocation(
  location: Location,
  schema: Record<string, unknown>,
  options: ConnectOptions,
): Promise<Opened> {
  switch (location.kind) {
    case 'postgres':
      return openPostgres(location.url, schema, options);
    case 'pglite':
      return openPglite(location.dir, schema);
    case 'sqlite':
      return openSqlite(location.file, schema);
  }
}

async function openPostgres(url: string, schema: Record<string, unknown>, options: ConnectOptions): Promise<Opened> {
  const sql = postgres(url, { max: options.maxConnections ?? 10, onnotice: () => {}, connect_timeout: 10 });
  try {
    await sql`select 1`;
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => {});
    const code = (error as { code?: string }).code;
    if (code === '3D000') {
      throw new ChatstoreError('DATABASE_NOT_FOUND', `Database in "${redact(url)}" does not exist; create it first`, {
        cause: error,
        field: 'location',
      });
    }
    throw new ChatstoreError(
      'CONNECTION_FAILED',
      `Cannot reach PostgreSQL at "${redact(url)}": ${(error as Error).message}`,
      { cause: error, field: 'location' },
    );
  }
  return {
    db: drizzlePostgres({ client: sql, schema }),
    client: postgresClient(sql),
    driver: 'postgres',
    close: () => sql.end({ timeout: 5 }),
  };
}

async function openPglite(dir: string | null, schema: Record<string, unknown>): Promise<Opened> {
  if (dir !== null) ensureDirectory(dir);
  let pg: PGlite;
  try {
    pg = await PGlite.create(dir ?? 'memory://', { extensions: { vector } });
  } catch (error) {
    throw new ChatstoreError('UNWRITABLE_PATH', `Cannot open PGlite at "${dir}": ${(error as Error).message}`, {
      cause: error,
      field: 'location',
    });
  }
  return {
    db: drizzlePglite({ client: pg, schema }),
    client: pgliteClient(pg),
    driver: 'pglite',
    close: () => pg.close(),
  };
}

async function openSqlite(file: string, schema: Record<string, unknown>): Promise<Opened> {
  if (file !== ':memory:') ensureDirectory(path.dirname(file));
  let sqlite: Database.Database;
  try {
    sqlite = new Database(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = NORMAL');
  } catch (error) {
    throw new ChatstoreError('UNWRITABLE_PATH', `Cannot open SQLite file "${file}": ${(error as Error).message}`, {
      cause: error,
      field: 'location',
    });
  }
  return {
    db: drizzleSqlite({ client: sqlite, schema }),
    client: sqliteClient(sqlite),
    driver: 'better-sqlite3',
    close: async () => {
      sqlite.close();
    },
  };
}

function ensureDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new ChatstoreError('UNWRITABLE_PATH', `Cannot create folder "${dir}": ${(error as Error).message}`, {
      cause: error,
      field: 'location',
    });
  }
}
