/**
 * The backends every suite runs against: embedded ones always, and a PostgreSQL server when
 * `DATABASE_URL` is set. Each server suite gets a database of its own, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { migrate } from '../../src/migrate/engine';
import { loadMigrations } from '../../src/migrate/migrations';
import { type Connection, type ConnectOptions, connect } from '../../src/targets/connect';
import { type TargetName, targets } from '../../src/targets/registry';

export interface Backend {
  /** `pglite`, `postgres` or `sqlite`: used in suite names. */
  name: string;
  /** Creates an empty database and returns its location. */
  create(): Promise<string>;
  /** Drops every database this backend created. */
  cleanup(): Promise<void>;
  /** Options for `connect` on this backend's locations (e.g. a pool size). */
  connectOptions?: ConnectOptions;
}

export const serverUrl = process.env.DATABASE_URL;

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A PostgreSQL server backend: each `create()` makes a fresh database. */
export function postgresBackend(url: string): Backend {
  const created: string[] = [];
  return {
    name: 'postgres',
    async create() {
      const name = `chatstore_test_${randomBytes(6).toString('hex')}`;
      const admin = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe(`create database ${name}`);
      } finally {
        await admin.end();
      }
      created.push(name);
      return withDatabase(url, name);
    },
    async cleanup() {
      const admin = postgres(url, { max: 1, onnotice: () => {} });
      try {
        for (const name of created.splice(0)) await admin.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await admin.end();
      }
    },
  };
}

export const pgliteBackend: Backend = {
  name: 'pglite',
  create: async () => 'pglite:memory:',
  cleanup: async () => {},
};

/** SQLite files in a temporary folder, removed on cleanup. */
export function sqliteBackend(): Backend {
  let dir: string | undefined;
  let n = 0;
  return {
    name: 'sqlite',
    async create() {
      dir ??= mkdtempSync(path.join(tmpdir(), 'chatstore-test-'));
      return path.join(dir, `db-${++n}.db`);
    },
    async cleanup() {
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    },
  };
}

/** PostgreSQL backends for this run: PGlite always, the server when `DATABASE_URL` is set. */
export const pgBackends: Backend[] = [pgliteBackend, ...(serverUrl ? [postgresBackend(serverUrl)] : [])];

/** Opens a fresh database of `target` on `backend`, migrated to `to` (default the latest). */
export async function openMigrated<T extends TargetName>(
  target: T,
  backend: Backend,
  to?: string,
): Promise<Connection<T>> {
  const conn = await connect(target, await backend.create(), { ...backend.connectOptions, requireLatest: false });
  const result = await migrate(conn.client, loadMigrations(targets[target]), { to });
  if (!result.ok) {
    await conn.close();
    throw new Error(`migrating ${target} failed: ${result.error?.message}`);
  }
  return conn;
}
