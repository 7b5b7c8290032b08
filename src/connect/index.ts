import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { ChatstoreError, toChatstoreError } from '../errors';
import { loadPglite, loadPostgres, loadSqlite } from './drivers';
import { type Location, parseLocation, redact, scrub } from './location';
import { acquireLock, defaultLockTimeoutMs, type LockHolder, lockFileOf } from './lock';
import { pgliteClient, postgresClient, type SqlClient, sqliteClient } from './sql-client';

export { type Dialect, defaultDataDir, defaultLocation, type Location, parseLocation, redact, scrub } from './location';
export { type LockHolder, lockFileOf } from './lock';
export type { Row, SqlClient } from './sql-client';

/** A drizzle handle on any PostgreSQL driver chatstore supports (postgres.js or PGlite). */
export type PgDb<TSchema extends Record<string, unknown>> = PgDatabase<PgQueryResultHKT, TSchema>;
export type SqliteDb<TSchema extends Record<string, unknown>> = BetterSQLite3Database<TSchema>;

/**
 * hnsw's search width when a connection does not choose one: pgvector's default of 40 found 83%
 * of the true 10 nearest among 100,000 memories; 100 finds nearly all (0.93–0.96 there), for
 * about twice the time of a search that is still milliseconds (decision 028).
 */
const defaultEfSearch = 100;

/** Session settings of a database with vectors, from the connection's options. */
function vectorSettings(options: OpenOptions): Record<string, string> {
  const width = options.hnswEfSearch ?? defaultEfSearch;
  // pgvector's own range for hnsw.ef_search.
  if (!Number.isInteger(width) || width < 1 || width > 1000) {
    throw new ChatstoreError(
      'VALIDATION',
      `Invalid hnswEfSearch: must be an integer from 1 to 1000, got ${String(width)}`,
      {
        field: 'hnswEfSearch',
      },
    );
  }
  return { 'hnsw.ef_search': String(width) };
}

/** How a database is opened, whatever its target. */
export interface OpenOptions {
  /** postgres.js pool size. Default 10. */
  maxConnections?: number;
  /**
   * `false`: a missing SQLite file or PGlite folder is `DATABASE_NOT_FOUND` instead of being
   * created. Read-only tools use it. Default `true` (with `migrate`, or `requireLatest: false`).
   */
  create?: boolean;
  /**
   * How long to wait, in ms, for another process that holds an embedded database: a PGlite
   * directory (locked for a connection's life), a SQLite file's migration lock, and SQLite's
   * busy timeout for writers. Past it: `ChatstoreError` `LOCKED`, naming the holder's pid.
   * 0 fails at once. Default 5000.
   */
  lockTimeoutMs?: number;
  /** Called once when a PGlite directory is held by another process and the wait begins. */
  onLockWait?: (holder: LockHolder) => void;
  /**
   * Targets with vectors (agent): how wide memory search walks the hnsw index (pgvector's
   * `hnsw.ef_search`, 1–1000, for every connection). Wider finds more of the true nearest for
   * more time per search: at 100,000 memories 100 found 93–96 % of the true top 10
   * (bench/RESULTS.md, cost curves). Default 100.
   */
  hnswEfSearch?: number;
}

/** Whether an embedded database exists; servers and in-memory databases always "exist". */
export function embeddedExists(location: Location): boolean {
  if (location.kind === 'pglite') return location.dir === null || existsSync(path.join(location.dir, 'PG_VERSION'));
  if (location.kind === 'sqlite') return location.file === ':memory:' || existsSync(location.file);
  return true;
}

export type Driver = 'postgres' | 'pglite' | 'better-sqlite3';

/** A database opened without a target: raw SQL only. For tools and scratch databases. */
export interface RawConnection {
  readonly location: Location;
  readonly client: SqlClient;
  readonly driver: Driver;
  close(): Promise<void>;
}

/**
 * Opens any location for raw SQL, without a target's schema or dialect check.
 *
 * @example const scratch = await connectRaw('pglite:memory:');
 */
export async function connectRaw(location: string, options: OpenOptions = {}): Promise<RawConnection> {
  const parsed = parseLocation(location);
  if (options.create === false && !embeddedExists(parsed)) {
    throw new ChatstoreError('DATABASE_NOT_FOUND', `No database at "${redact(location)}"`, { field: 'location' });
  }
  const { client, driver, close } = await openLocation(parsed, {}, options, false);
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

export interface Opened {
  db: unknown;
  client: SqlClient;
  driver: Driver;
  close(): Promise<void>;
}

/** Opens a location with a drizzle handle over `schema`, taking the embedded lock. */
export async function openLocation(
  location: Location,
  schema: Record<string, unknown>,
  options: OpenOptions,
  vector: boolean,
): Promise<Opened> {
  const settings = vector ? vectorSettings(options) : undefined;
  switch (location.kind) {
    case 'postgres':
      return openPostgres(location.url, schema, options, settings);
    case 'pglite':
      return openPglite(location.dir, schema, settings, options);
    case 'sqlite':
      return openSqlite(location.file, schema, options);
  }
}

async function openPostgres(
  url: string,
  schema: Record<string, unknown>,
  options: OpenOptions,
  settings: Record<string, string> | undefined,
): Promise<Opened> {
  const { postgres, drizzle: drizzlePostgres } = await loadPostgres();
  let sql: ReturnType<typeof postgres>;
  try {
    sql = postgres(url, {
      max: options.maxConnections ?? 10,
      onnotice: () => {},
      connect_timeout: 10,
      ...(settings ? { connection: settings } : {}),
    });
  } catch (error) {
    // postgres.js parses the URL here: a malformed one throws with the URL or a piece of it.
    throw new ChatstoreError('CONNECTION_FAILED', `Cannot use "${redact(url)}": ${scrub(String(error), url)}`, {
      field: 'location',
    });
  }
  try {
    await sql`select 1`;
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => {});
    // SQLSTATE 3D000 (no such database): the mapping in errors.ts decides, here with the location.
    if (toChatstoreError(error).code === 'DATABASE_NOT_FOUND') {
      throw new ChatstoreError('DATABASE_NOT_FOUND', `Database in "${redact(url)}" does not exist; create it first`, {
        cause: error,
        field: 'location',
      });
    }
    throw new ChatstoreError(
      'CONNECTION_FAILED',
      `Cannot reach PostgreSQL at "${redact(url)}": ${scrub((error as Error).message, url)}`,
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

async function openPglite(
  dir: string | null,
  schema: Record<string, unknown>,
  settings: Record<string, string> | undefined,
  options: OpenOptions,
): Promise<Opened> {
  if (dir === null) return startPglite(null, schema, settings, () => {});
  // PGlite is single-process: a second process on the directory corrupts it. The lock comes
  // first and lives as long as the connection (decision 015).
  ensureDirectory(path.dirname(dir));
  const lock = await acquireLock(lockFileOf(dir), {
    what: `PGlite database ${dir}`,
    timeoutMs: options.lockTimeoutMs,
    onWait: options.onLockWait,
    hint: 'wait longer (lockTimeoutMs in connect, --wait <seconds> on the CLI); processes share a PGlite database through a PostgreSQL server or @electric-sql/pglite-socket',
  });
  try {
    ensureDirectory(dir);
    return await startPglite(dir, schema, settings, () => lock.release());
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function startPglite(
  dir: string | null,
  schema: Record<string, unknown>,
  /** The vector settings of a target with vectors (pgvector is then required); none otherwise. */
  settings: Record<string, string> | undefined,
  release: () => void,
): Promise<Opened> {
  const { PGlite, extensions, drizzle: drizzlePglite } = await loadPglite(settings ? 'required' : 'optional');
  let pg: InstanceType<typeof PGlite>;
  try {
    pg = await PGlite.create(dir ?? 'memory://', { extensions });
  } catch (error) {
    // An existing cluster (PG_VERSION present) that will not start is damaged, not unwritable.
    if (dir !== null && existsSync(path.join(dir, 'PG_VERSION'))) {
      throw new ChatstoreError(
        'CORRUPT_DATABASE',
        `PGlite cannot start on "${dir}", which holds a damaged database (${(error as Error).message}). Restore the folder from a backup, or move it away to start empty.`,
        { cause: error, field: 'location' },
      );
    }
    throw new ChatstoreError('UNWRITABLE_PATH', `Cannot open PGlite at "${dir}": ${(error as Error).message}`, {
      cause: error,
      field: 'location',
    });
  }
  for (const [name, value] of Object.entries(settings ?? {})) await pg.query(`set ${name} = ${value}`);
  return {
    db: drizzlePglite({ client: pg, schema }),
    client: pgliteClient(pg),
    driver: 'pglite',
    close: async () => {
      try {
        await pg.close();
      } finally {
        release();
      }
    },
  };
}

async function openSqlite(file: string, schema: Record<string, unknown>, options: OpenOptions): Promise<Opened> {
  const { Database, drizzle: drizzleSqlite } = await loadSqlite();
  if (file !== ':memory:') ensureDirectory(path.dirname(file));
  const lockTimeoutMs = options.lockTimeoutMs ?? defaultLockTimeoutMs;
  let sqlite: InstanceType<typeof Database>;
  try {
    sqlite = new Database(file, { timeout: lockTimeoutMs });
  } catch (error) {
    throw new ChatstoreError('UNWRITABLE_PATH', `Cannot open SQLite file "${file}": ${(error as Error).message}`, {
      cause: error,
      field: 'location',
    });
  }
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = NORMAL');
  } catch (error) {
    sqlite.close();
    const code = (error as { code?: string }).code ?? '';
    if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
      throw new ChatstoreError(
        'CORRUPT_DATABASE',
        `"${file}" is not a usable SQLite database (${(error as Error).message}). Restore it from a backup.`,
        { cause: error, field: 'location' },
      );
    }
    if (code.startsWith('SQLITE_BUSY')) throw toChatstoreError(error);
    throw new ChatstoreError('UNWRITABLE_PATH', `Cannot open SQLite file "${file}": ${(error as Error).message}`, {
      cause: error,
      field: 'location',
    });
  }
  return {
    db: drizzleSqlite({ client: sqlite, schema }),
    client: sqliteClient(sqlite, { lockTimeoutMs }),
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
