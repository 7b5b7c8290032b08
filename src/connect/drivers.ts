/**
 * Database drivers are optional peer dependencies, loaded only for the dialect a location needs:
 * a PostgreSQL-only app never installs or loads better-sqlite3. Each driver package is imported
 * before its drizzle adapter, because the adapter imports it too and would fail less clearly.
 */
import type { Extensions } from '@electric-sql/pglite';
import { ChatstoreError, isChatstoreError } from '../errors';

function isMissing(error: unknown, pkg: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    message.includes(`'${pkg}'`)
  );
}

async function load<M>(pkg: string, purpose: string, importer: () => Promise<M>): Promise<M> {
  try {
    return await importer();
  } catch (error) {
    if (isMissing(error, pkg)) {
      throw new ChatstoreError('MISSING_PACKAGE', `${purpose} needs the package ${pkg}: npm install ${pkg}`, {
        cause: error,
        field: 'location',
      });
    }
    throw error;
  }
}

export async function loadPostgres() {
  const { default: postgres } = await load('postgres', 'A postgres:// location', () => import('postgres'));
  const { drizzle } = await import('drizzle-orm/postgres-js');
  return { postgres, drizzle };
}

/**
 * PGlite, with pgvector when the target needs it (`required`) or when it is installed anyway
 * (`optional`: raw connections, so scratch databases behave like the server's).
 */
export async function loadPglite(vector: 'required' | 'optional') {
  const { PGlite } = await load('@electric-sql/pglite', 'A pglite: location', () => import('@electric-sql/pglite'));
  let extensions: Extensions = {};
  try {
    const pgvector = await load(
      '@electric-sql/pglite-pgvector',
      'pgvector on a pglite: location',
      () => import('@electric-sql/pglite-pgvector'),
    );
    extensions = { vector: pgvector.vector };
  } catch (error) {
    if (vector === 'required' || !isChatstoreError(error, 'MISSING_PACKAGE')) throw error;
  }
  const { drizzle } = await import('drizzle-orm/pglite');
  return { PGlite, extensions, drizzle };
}

export async function loadSqlite() {
  const { default: Database } = await load('better-sqlite3', 'A SQLite location', () => import('better-sqlite3'));
  const { drizzle } = await import('drizzle-orm/better-sqlite3');
  return { Database, drizzle };
}
