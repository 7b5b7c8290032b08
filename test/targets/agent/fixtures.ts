/**
 * Shared set-up for the agent suites: one migrated database per backend per file (PGlite, and
 * postgres.js against a server with pgvector or PGlite via pglite-socket), unique rows, and
 * row counts for "nothing was written" assertions.
 */

import { agents, channels, users } from '../../../src/schema/agent';
import type { AgentDb } from '../../../src/targets/agent';
import type { Connection } from '../../../src/targets/connect';
import type { Backend } from '../../support/backends';
import {
  type DatabaseFixture,
  type DatabaseOptions,
  expectChatstoreError,
  onlyRow,
  rowCountsOf,
  useTargetDatabase,
} from '../../support/database';

export type AgentFixture = DatabaseFixture<'agent'>;

/** Opens one migrated agent database (a backend of `vectorBackends`) for the enclosing `describe`. */
export const useAgentDatabase = (backend: Backend, options?: DatabaseOptions<'agent'>): AgentFixture =>
  useTargetDatabase('agent', backend, options);

export const newUser = async (db: AgentDb, name = 'user') =>
  onlyRow(await db.insert(users).values({ name }).returning(), 'user');

export const newAgent = async (db: AgentDb, name = 'agent') =>
  onlyRow(await db.insert(agents).values({ name }).returning(), 'agent');

export const newChannel = async (db: AgentDb, name = 'channel') =>
  onlyRow(await db.insert(channels).values({ name }).returning(), 'channel');

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
