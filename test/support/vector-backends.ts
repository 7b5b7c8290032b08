/**
 * Backends for targets that need pgvector (`agent`). PGlite always (it ships pgvector). With
 * `DATABASE_URL`, the wire-protocol path through postgres.js as well: the server itself when it
 * has `vector` available, otherwise PGlite served over the PostgreSQL protocol by
 * `@electric-sql/pglite-socket`, so postgres.js still carries every query (the suite name says
 * which). A pglite-socket server handles one connection at a time, so postgres.js gets `max: 1`.
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import postgres from 'postgres';
import { type Backend, pgliteBackend, postgresBackend, serverUrl } from './backends';

async function serverHasVector(url: string): Promise<boolean> {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await admin`select 1 from pg_available_extensions where name = 'vector'`;
    return rows.length > 0;
  } finally {
    await admin.end();
  }
}

/** PGlite with pgvector behind a pglite-socket server on a free port, one per `create()`. */
export function pgliteSocketBackend(): Backend {
  const running: { server: PGLiteSocketServer; pg: PGlite }[] = [];
  return {
    name: 'postgres.js → pglite-socket (server has no pgvector)',
    connectOptions: { maxConnections: 1 },
    async create() {
      const pg = await PGlite.create('memory://', { extensions: { vector } });
      const server = new PGLiteSocketServer({ db: pg, port: 0, host: '127.0.0.1' });
      await server.start();
      running.push({ server, pg });
      // getServerConn() is "host:port"; the database name is ignored by PGlite.
      return `postgres://postgres@${server.getServerConn()}/postgres`;
    },
    async cleanup() {
      for (const { server, pg } of running.splice(0)) {
        await server.stop();
        await pg.close();
      }
    },
  };
}

async function wireBackend(url: string): Promise<Backend> {
  if (await serverHasVector(url)) return { ...postgresBackend(url), name: 'postgres (pgvector)' };
  console.info(
    'note: the PostgreSQL server at DATABASE_URL has no pgvector; agent suites use PGlite via pglite-socket',
  );
  return pgliteSocketBackend();
}

/** PostgreSQL backends with pgvector for this run (open them with `openMigrated` of ./backends.ts). */
export const vectorBackends: Backend[] = [pgliteBackend, ...(serverUrl ? [await wireBackend(serverUrl)] : [])];
