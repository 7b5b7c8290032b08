/**
 * What every agent repository module shares: handle types, the prepared-statement cache, ids,
 * and the mapping of driver errors to `ChatstoreError`s that name input fields.
 */
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { PgDb } from '../../connect';
import { postgresqlKit } from '../../kit/postgresql';
import * as latest from '../../schema/agent';
import type * as schema from '../../schema/agent/v2';

export type AgentSchema = typeof schema;
/** What repository functions accept: `connect('agent')`'s `db`, or a transaction on it. */
export type AgentDb = PgDb<AgentSchema>;
export type AgentTx = PgTransaction<PgQueryResultHKT, AgentSchema, ExtractTablesWithRelations<AgentSchema>>;

/** PostgreSQL's uuid input format; checked here so a typo is VALIDATION, not a driver error. */
export const Id = z.guid();

/**
 * The repository kit: prepared statements per handle, and driver errors naming input fields.
 * Constraint names and their fields come from the schema; by hand only what it cannot say.
 */
export const kit = postgresqlKit<AgentDb>(latest, {
  // CASE memory_type WHEN … THEN content ? … : about the content, whatever the type.
  check_memory_content: 'content',
});
export const { dbError, floor, mapped, notFound, prepared } = kit;
