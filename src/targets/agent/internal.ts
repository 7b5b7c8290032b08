/**
 * What every agent repository module shares: handle types, the prepared-statement cache, ids,
 * and the mapping of driver errors to `ChatstoreError`s that name input fields.
 */
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { PgDb } from '../../connect';
import { pgErrors, preparedPerHandle as sharedPreparedPerHandle } from '../../kit';
import type * as schema from '../../schema/agent/v2';

export type AgentSchema = typeof schema;
/** What repository functions accept: `connect('agent')`'s `db`, or a transaction on it. */
export type AgentDb = PgDb<AgentSchema>;
export type AgentTx = PgTransaction<PgQueryResultHKT, AgentSchema, ExtractTablesWithRelations<AgentSchema>>;

/** PostgreSQL's uuid input format; checked here so a typo is VALIDATION, not a driver error. */
export const Id = z.guid();

/** Prepared statements built once per handle (see `preparedPerHandle` in ../shared). */
export const preparedPerHandle = <T>(build: (db: AgentDb) => T) => sharedPreparedPerHandle(build);

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
  agent_datastores_agent_id_fkey: 'agentId',
};

export const { dbError, mapped } = pgErrors(constraintFields);

export { notFound } from '../../kit';
