/**
 * Shared set-up for the agent suites: one migrated database per backend per file (PGlite, and
 * postgres.js against a server with pgvector or PGlite via pglite-socket), unique rows, and
 * row counts for "nothing was written" assertions.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import type { Connection } from '../../src/connect';
import { type ErrorCode, isChatstoreError } from '../../src/errors';
import type { AgentDb } from '../../src/repositories/agent';
import { agents, channels, users } from '../../src/schema/agent';
import { openMigratedVector, type VectorBackend } from '../support/vector-backends';

export interface AgentFixture {
  readonly conn: Connection<'agent'>;
  readonly db: AgentDb;
}

export function useAgentDatabase(
  backend: VectorBackend,
  options: { beforeClose?: (conn: Connection<'agent'>) => Promise<void> } = {},
): AgentFixture {
  let conn: Connection<'agent'> | undefined;
  beforeAll(async () => {
    conn = await openMigratedVector('agent', backend);
  });
  afterAll(async () => {
    try {
      if (conn && options.beforeClose) await options.beforeClose(conn);
    } finally {
      await conn?.close();
    }
    await backend.cleanup();
  });
  const opened = () => {
    if (!conn) throw new Error('database not open yet: use the fixture inside a test');
    return conn;
  };
  return {
    get conn() {
      return opened();
    },
    get db() {
      return opened().db;
    },
  };
}

export async function newUser(db: AgentDb, name = 'user') {
  const [row] = await db.insert(users).values({ name }).returning();
  if (!row) throw new Error('no user');
  return row;
}

export async function newAgent(db: AgentDb, name = 'agent') {
  const [row] = await db.insert(agents).values({ name }).returning();
  if (!row) throw new Error('no agent');
  return row;
}

export async function newChannel(db: AgentDb, name = 'channel') {
  const [row] = await db.insert(channels).values({ name }).returning();
  if (!row) throw new Error('no channel');
  return row;
}

/** A deterministic unit-ish embedding: `seed` picks the direction. */
export function embedding(seed: number, dims = 1536): number[] {
  let x = seed * 9301 + 49297;
  return Array.from({ length: dims }, () => {
    x = (x * 9301 + 49297) % 233280;
    return x / 233280 - 0.5;
  });
}

/** Row counts of the v2 tables, to show a failed call wrote nothing. */
export async function rowCounts(conn: Connection<'agent'>): Promise<Record<string, number>> {
  const tables = [
    'chat_messages_v2',
    'message_versions',
    'agent_memories',
    'memory_consolidations',
    'agent_states',
    'state_checkpoints',
    'state_transitions',
    'context_snapshots',
    'context_templates',
    'conversation_sessions',
  ];
  const [row] = await conn.client.query<Record<string, number>>(
    `select ${tables.map((t) => `(select count(*)::int from ${t}) as ${t}`).join(', ')}`,
  );
  return row ?? {};
}

export async function expectChatstoreError(promise: Promise<unknown>, code: ErrorCode, field?: string) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a rejection').toBeDefined();
  if (!isChatstoreError(error)) throw new Error(`expected a ChatstoreError, got ${String(error)}`);
  expect({ code: error.code, field: error.field }).toEqual({ code, field });
  return error;
}
