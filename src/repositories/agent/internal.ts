/**
 * What every agent repository module shares: handle types, the prepared-statement cache, ids,
 * and the mapping of driver errors to `ChatstoreError`s that name input fields.
 */
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { PgDb } from '../../connect';
import { ChatstoreError, toChatstoreError } from '../../errors';
import type * as schema from '../../schema/agent/v2';

export type AgentSchema = typeof schema;
/** What repository functions accept: `connect('agent')`'s `db`, or a transaction on it. */
export type AgentDb = PgDb<AgentSchema>;
export type AgentTx = PgTransaction<PgQueryResultHKT, AgentSchema, ExtractTablesWithRelations<AgentSchema>>;

/** PostgreSQL's uuid input format; checked here so a typo is VALIDATION, not a driver error. */
export const Id = z.guid();

/** Builds prepared statements once per handle (a transaction gets its own set). */
export function preparedPerHandle<T>(build: (db: AgentDb) => T): (db: AgentDb) => T {
  const cache = new WeakMap<AgentDb, T>();
  return (db) => {
    let statements = cache.get(db);
    if (statements === undefined) {
      statements = build(db);
      cache.set(db, statements);
    }
    return statements;
  };
}

// PostgreSQL reports constraint names, not input fields; callers branch on the field.
const constraintFields: Record<string, string> = {
  chat_messages_v2_parent_message_id_fkey: 'parentMessageId',
  chat_messages_v2_channel_id_fkey: 'channelId',
  chat_messages_v2_sender_user_id_fkey: 'senderUserId',
  chat_messages_v2_sender_agent_id_fkey: 'senderAgentId',
  chat_messages_v2_role_check: 'role',
  check_content_structure: 'content',
  message_versions_changed_by_fkey: 'changedBy',
  agent_memories_agent_id_fkey: 'agentId',
  agent_memories_source_message_id_fkey: 'sourceMessageId',
  agent_memories_importance_check: 'importance',
  check_memory_content: 'content',
  memory_consolidations_agent_id_fkey: 'agentId',
  agent_states_agent_id_fkey: 'agentId',
  unique_current_state: 'agentId',
  state_checkpoints_agent_id_fkey: 'agentId',
  state_checkpoints_state_id_fkey: 'stateId',
  state_transitions_agent_id_fkey: 'agentId',
  context_snapshots_message_id_fkey: 'messageId',
  context_snapshots_agent_id_fkey: 'agentId',
  context_templates_name_key: 'name',
  conversation_sessions_user_id_fkey: 'userId',
  conversation_sessions_agent_id_fkey: 'agentId',
  chat_messages_channel_id_fkey: 'channelId',
  chat_messages_sender_user_id_fkey: 'senderUserId',
  chat_messages_sender_agent_id_fkey: 'senderAgentId',
};

const camelCase = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** `toChatstoreError` with field names callers know (`agentId`, not `agent_states_agent_id_fkey`). */
export function dbError(error: unknown, entity: string): ChatstoreError {
  const mapped = toChatstoreError(error, entity);
  if (mapped.field === undefined) return mapped;
  const field = constraintFields[mapped.field] ?? camelCase(mapped.field);
  if (field === mapped.field) return mapped;
  return new ChatstoreError(mapped.code, mapped.message, { field, entity: mapped.entity, cause: mapped.cause });
}

/** Runs a database call and maps whatever it throws; ChatstoreErrors pass through. */
export async function mapped<T>(entity: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw dbError(error, entity);
  }
}

export function notFound(entity: string, field: string, id: unknown): ChatstoreError {
  return new ChatstoreError('NOT_FOUND', `No ${entity} row with ${field} ${String(id)}`, { entity, field });
}
