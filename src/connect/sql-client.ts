import type { PGlite, Transaction as PGliteTransaction } from '@electric-sql/pglite';
import type BetterSqlite3 from 'better-sqlite3';
import type postgres from 'postgres';
import { toChatstoreError } from '../errors';
import type { Dialect } from './location';
import { acquireLock, defaultLockTimeoutMs, type FileLock, lockFileOf } from './lock';

export type Row = Record<string, unknown>;

/**
 * The small raw-SQL surface the migration engine and introspection need, the same on every
 * driver. Repositories use the drizzle handle instead.
 */
export interface SqlClient {
  readonly dialect: Dialect;
  /** Runs one statement; `params` are `$1…` (PostgreSQL) or `?` (SQLite) placeholders. */
  query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws.
   * SQLite starts it with `BEGIN IMMEDIATE`, so writers queue instead of failing mid-way.
   */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` holding the database's cross-process migration lock, where the driver needs one:
   * a SQLite file (`<file>.lock`, decision 015). Absent elsewhere: a PGlite directory is locked
   * for the connection's life, a server takes advisory locks. Reentrant on one client.
   */
  withMigrationLock?<T>(fn: () => Promise<T>): Promise<T>;
}

export function postgresClient(sql: postgres.Sql | postgres.TransactionSql): SqlClient {
  return {
    dialect: 'postgresql',
    async query<R extends Row>(text: string, params: readonly unknown[] = []) {
      return (await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[])) as unknown as R[];
    },
    async transaction(fn) {
      if (!('begin' in sql)) throw new Error('nested transactions are not supported by SqlClient');
      return (await sql.begin((tx) => fn(postgresClient(tx)))) as Awaited<ReturnType<typeof fn>>;
    },
  };
}

export function pgliteClient(pg: PGlite | PGliteTransaction): SqlClient {
  return {
    dialect: 'postgresql',
    async query<R extends Row>(text: string, params: readonly unknown[] = []) {
      return (await pg.query<R>(text, params as unknown[])).rows;
    },
    async transaction(fn) {
      if (!('transaction' in pg)) throw new Error('nested transactions are not supported by SqlClient');
      return pg.transaction((tx) => fn(pgliteClient(tx)));
    },
  };
}

export interface SqliteClientOptions {
  /** How long to wait for another process's migration lock, in ms. Default 5000. */
  lockTimeoutMs?: number;
}

export function sqliteClient(db: BetterSqlite3.Database, options: SqliteClientOptions = {}): SqlClient {
  const lockTimeoutMs = options.lockTimeoutMs ?? defaultLockTimeoutMs;
  let lock: FileLock | undefined;
  let depth = 0;
  const client: SqlClient = {
    dialect: 'sqlite',
    async query<R extends Row>(text: string, params: readonly unknown[] = []) {
      const statement = db.prepare(text);
      if (statement.reader) return statement.all(...params) as R[];
      statement.run(...params);
      return [];
    },
    async transaction(fn) {
      if (db.inTransaction) throw new Error('nested transactions are not supported by SqlClient');
      try {
        db.exec('BEGIN IMMEDIATE');
      } catch (error) {
        // Another writer held the file beyond busy_timeout: LOCKED, not a failed statement.
        throw toChatstoreError(error);
      }
      try {
        const result = await fn(client);
        db.exec('COMMIT');
        return result;
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    },
    async withMigrationLock(fn) {
      if (db.memory || db.name === '') return fn();
      if (depth === 0) {
        lock = await acquireLock(lockFileOf(db.name), {
          what: `SQLite database ${db.name} (migration)`,
          timeoutMs: lockTimeoutMs,
          hint: 'wait longer (lockTimeoutMs in connect, --wait <seconds> on the CLI)',
        });
      }
      depth++;
      try {
        return await fn();
      } finally {
        depth--;
        if (depth === 0) {
          lock?.release();
          lock = undefined;
        }
      }
    },
  };
  return client;
}
