/**
 * Shared set-up for the agent suites: one migrated database per backend per file (PGlite, and
 * postgres.js against a server with pgvector or PGlite via pglite-socket), unique rows, and
 * row counts for "nothing was written" assertions.
 */

import { agents, channels, users } from '../../../src/schema/agent';
import type { AgentDb } from '../../../src/targets/agent';
import type { Connection } from '../../../src/targets/connect';
import { type DatabaseFixture, expectChatstoreError, rowCountsOf, useDatabase } from '../../support/database';
import { openMigratedVector, type VectorBackend } from '../../support/vector-backends';

export type AgentFixture = DatabaseFixture<'agent'>;

export function useAgentDatabase(
  backend: VectorBackend,
  options: { beforeClose?: (conn: Connection<'agent'>) => Promise<void> } = {},
): AgentFixture {
  return useDatabase(
    () => openMigratedVector('agent', backend),
    () => backend.cleanup(),
    options,
  );
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

/** Row counts of every agent table, to show a failed call wrote nothing. */
export function rowCounts(conn: Connection<'agent'>): Promise<Record<string, number>> {
  return rowCountsOf(conn.client, [
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
  ]);
}

export { expectChatstoreError };
