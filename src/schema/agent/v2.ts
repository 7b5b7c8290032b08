/**
 * agent, generation `v2` (seed 003, "Proposed Schema Design"): structured messages with
 * versions, agent memories with embeddings and consolidations, versioned agent state with
 * checkpoints and transitions, context snapshots and templates, conversation sessions — beside
 * `v1`'s tables, which stay (the seed's "Phase 1: Parallel Tables").
 * Frozen: a released generation never changes; add a new generation instead.
 *
 * Names of constraints and indexes are those PostgreSQL derives from the seed's SQL. Where the
 * seed's SQL is wrong or unwise (the `UNIQUE … WHERE` constraint, ivfflat on an empty table,
 * `uuid_generate_v4()`), see docs/seed-deviations.md. The `vector` extension is created by the
 * custom migration `0001_v2__extensions`; row-level security by `0003_v2__rls`.
 */
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  doublePrecision,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
  varchar,
  vector,
} from 'drizzle-orm/pg-core';
import { oneOf } from '../checks';
import type {
  CheckpointData,
  ContextSegments,
  JsonObject,
  MemoryContent,
  MessageContent,
  MessageMetadata,
  StateChanges,
  StatePartitions,
  Tools,
} from './content';
import {
  checkpointTypes,
  consolidationTypes,
  contentTypes,
  embeddingDimensions,
  memoryTypes,
  messageRoles,
  retentionPolicies,
  sessionStatuses,
  transitionTypes,
} from './content';
import { agents, channels, users } from './v1';

export { agentDatastores, agents, channels, chatMessages, users, workspaces } from './v1';

const createdAt = () => timestamp('created_at', { withTimezone: true }).defaultNow();

export const chatMessagesV2 = pgTable(
  'chat_messages_v2',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    version: varchar('version', { length: 10 }).default('1.0.0').notNull(),
    conversationId: uuid('conversation_id').notNull(),
    sessionId: uuid('session_id').notNull(),
    parentMessageId: uuid('parent_message_id'),
    channelId: uuid('channel_id'),
    senderUserId: uuid('sender_user_id'),
    senderAgentId: uuid('sender_agent_id'),
    role: varchar('role', { length: 20, enum: messageRoles }).notNull(),
    content: jsonb('content').$type<MessageContent>().notNull(),
    metadata: jsonb('metadata').$type<MessageMetadata>().default({}),
    context: jsonb('context').$type<JsonObject>().default({}),
    tools: jsonb('tools').$type<Tools>(),
    memoryRefs: uuid('memory_refs').array(),
    stateSnapshotId: uuid('state_snapshot_id'),
    audit: jsonb('audit').$type<JsonObject>(),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).defaultNow(),
  },
  (t) => [
    check('chat_messages_v2_role_check', oneOf('role', messageRoles)),
    check('check_content_structure', sql`content ? 'type' AND ${oneOf("content->>'type'", contentTypes)}`),
    foreignKey({
      name: 'chat_messages_v2_parent_message_id_fkey',
      columns: [t.parentMessageId],
      foreignColumns: [t.id],
    }),
    foreignKey({ name: 'chat_messages_v2_channel_id_fkey', columns: [t.channelId], foreignColumns: [channels.id] }),
    foreignKey({
      name: 'chat_messages_v2_sender_user_id_fkey',
      columns: [t.senderUserId],
      foreignColumns: [users.id],
    }),
    foreignKey({
      name: 'chat_messages_v2_sender_agent_id_fkey',
      columns: [t.senderAgentId],
      foreignColumns: [agents.id],
    }),
    index('idx_messages_conversation').on(t.conversationId, t.createdAt),
    index('idx_messages_session').on(t.sessionId),
    index('idx_messages_channel').on(t.channelId),
    index('idx_messages_content_gin').using('gin', t.content),
    index('idx_messages_metadata_gin').using('gin', t.metadata),
  ],
);

export const messageVersions = pgTable(
  'message_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    messageId: uuid('message_id').notNull(),
    versionNumber: integer('version_number').notNull(),
    content: jsonb('content').$type<MessageContent>().notNull(),
    metadata: jsonb('metadata').$type<MessageMetadata>(),
    changedBy: uuid('changed_by'),
    changeReason: text('change_reason'),
    createdAt: createdAt(),
  },
  (t) => [
    foreignKey({
      name: 'message_versions_message_id_fkey',
      columns: [t.messageId],
      foreignColumns: [chatMessagesV2.id],
    }).onDelete('cascade'),
    foreignKey({ name: 'message_versions_changed_by_fkey', columns: [t.changedBy], foreignColumns: [users.id] }),
    unique('message_versions_message_id_version_number_key').on(t.messageId, t.versionNumber),
  ],
);

export const agentMemories = pgTable(
  'agent_memories',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    agentId: uuid('agent_id').notNull(),
    memoryType: varchar('memory_type', { length: 20, enum: memoryTypes }).notNull(),
    content: jsonb('content').$type<MemoryContent>().notNull(),
    embedding: vector('embeddings', { dimensions: embeddingDimensions }),
    importance: doublePrecision('importance').default(0.5),
    decayRate: doublePrecision('decay_rate').default(0.1),
    accessCount: integer('access_count').default(0),
    relatedMemories: uuid('related_memories').array(),
    sourceMessageId: uuid('source_message_id'),
    lastAccessed: timestamp('last_accessed', { withTimezone: true }).defaultNow(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
  },
  (t) => [
    check('agent_memories_memory_type_check', oneOf('memory_type', memoryTypes)),
    check('agent_memories_importance_check', sql`importance >= 0 AND importance <= 1`),
    check(
      'check_memory_content',
      sql`CASE memory_type
      WHEN 'episodic' THEN content ? 'event' AND content ? 'temporal'
      WHEN 'semantic' THEN content ? 'concept' AND content ? 'definition'
      WHEN 'procedural' THEN content ? 'skill' AND content ? 'steps'
      WHEN 'working' THEN content ? 'items' AND content ? 'capacity'
      ELSE false
    END`,
    ),
    foreignKey({ name: 'agent_memories_agent_id_fkey', columns: [t.agentId], foreignColumns: [agents.id] }).onDelete(
      'cascade',
    ),
    foreignKey({
      name: 'agent_memories_source_message_id_fkey',
      columns: [t.sourceMessageId],
      foreignColumns: [chatMessagesV2.id],
    }),
    index('idx_memories_agent_type').on(t.agentId, t.memoryType),
    index('idx_memories_importance').on(t.importance.desc().nullsFirst()),
    // hnsw, not the seed's ivfflat: ivfflat's lists are computed at CREATE INDEX time, so on
    // an empty table (which a migration always sees) recall collapses; hnsw builds as rows come.
    index('idx_memories_embedding').using('hnsw', t.embedding.op('vector_cosine_ops')),
    index('idx_memories_content_gin').using('gin', t.content),
  ],
);

export const memoryConsolidations = pgTable(
  'memory_consolidations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    agentId: uuid('agent_id').notNull(),
    sourceMemories: uuid('source_memories').array().notNull(),
    consolidatedMemoryId: uuid('consolidated_memory_id'),
    consolidationType: varchar('consolidation_type', {
      length: 20,
      enum: consolidationTypes,
    }),
    tokensSaved: integer('tokens_saved'),
    createdAt: createdAt(),
  },
  (t) => [
    check('memory_consolidations_consolidation_type_check', oneOf('consolidation_type', consolidationTypes)),
    foreignKey({ name: 'memory_consolidations_agent_id_fkey', columns: [t.agentId], foreignColumns: [agents.id] }),
    foreignKey({
      name: 'memory_consolidations_consolidated_memory_id_fkey',
      columns: [t.consolidatedMemoryId],
      foreignColumns: [agentMemories.id],
    }),
  ],
);

export const agentStates = pgTable(
  'agent_states',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    agentId: uuid('agent_id').notNull(),
    version: varchar('version', { length: 10 }).notNull(),
    localState: jsonb('local_state').$type<StatePartitions['localState']>().default({}).notNull(),
    sharedState: jsonb('shared_state').$type<StatePartitions['sharedState']>().default({}),
    sessionState: jsonb('session_state').$type<StatePartitions['sessionState']>().default({}),
    persistentState: jsonb('persistent_state').$type<StatePartitions['persistentState']>().default({}).notNull(),
    stateHash: varchar('state_hash', { length: 64 }).notNull(),
    modificationCount: integer('modification_count').default(0),
    validFrom: timestamp('valid_from', { withTimezone: true }).defaultNow(),
    validUntil: timestamp('valid_until', { withTimezone: true }),
    isCurrent: boolean('is_current').default(true),
    createdAt: createdAt(),
    lastModified: timestamp('last_modified', { withTimezone: true }).defaultNow(),
  },
  (t) => [
    foreignKey({ name: 'agent_states_agent_id_fkey', columns: [t.agentId], foreignColumns: [agents.id] }),
    // The seed's `CONSTRAINT unique_current_state UNIQUE(agent_id, is_current) WHERE …` is not
    // valid PostgreSQL; a partial unique index is what it means.
    uniqueIndex('unique_current_state').on(t.agentId, t.isCurrent).where(sql`is_current = true`),
    index('idx_states_agent_current').on(t.agentId).where(sql`is_current = true`),
    index('idx_states_valid_range').on(t.validFrom, t.validUntil),
  ],
);

export const stateCheckpoints = pgTable(
  'state_checkpoints',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    agentId: uuid('agent_id').notNull(),
    stateId: uuid('state_id').notNull(),
    checkpointType: varchar('checkpoint_type', { length: 20, enum: checkpointTypes }),
    triggerReason: text('trigger_reason'),
    stateData: jsonb('state_data').$type<CheckpointData>().notNull(),
    compressionType: varchar('compression_type', { length: 10 }),
    sizeBytes: integer('size_bytes'),
    restorationTimeMs: integer('restoration_time_ms'),
    restorationCount: integer('restoration_count').default(0),
    retentionPolicy: varchar('retention_policy', { length: 20, enum: retentionPolicies }),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    check('state_checkpoints_checkpoint_type_check', oneOf('checkpoint_type', checkpointTypes)),
    check('state_checkpoints_retention_policy_check', oneOf('retention_policy', retentionPolicies)),
    foreignKey({ name: 'state_checkpoints_agent_id_fkey', columns: [t.agentId], foreignColumns: [agents.id] }),
    foreignKey({ name: 'state_checkpoints_state_id_fkey', columns: [t.stateId], foreignColumns: [agentStates.id] }),
  ],
);

export const stateTransitions = pgTable(
  'state_transitions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    agentId: uuid('agent_id').notNull(),
    fromStateId: uuid('from_state_id'),
    toStateId: uuid('to_state_id').notNull(),
    transitionType: varchar('transition_type', { length: 20, enum: transitionTypes }),
    trigger: varchar('trigger', { length: 50 }),
    changes: jsonb('changes').$type<StateChanges>().notNull(),
    rollbackAvailable: boolean('rollback_available').default(true),
    rollbackData: jsonb('rollback_data').$type<StatePartitions>(),
    createdAt: createdAt(),
  },
  (t) => [
    check('state_transitions_transition_type_check', oneOf('transition_type', transitionTypes)),
    foreignKey({ name: 'state_transitions_agent_id_fkey', columns: [t.agentId], foreignColumns: [agents.id] }),
    foreignKey({
      name: 'state_transitions_from_state_id_fkey',
      columns: [t.fromStateId],
      foreignColumns: [agentStates.id],
    }),
    foreignKey({
      name: 'state_transitions_to_state_id_fkey',
      columns: [t.toStateId],
      foreignColumns: [agentStates.id],
    }),
  ],
);

export const contextSnapshots = pgTable(
  'context_snapshots',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    messageId: uuid('message_id'),
    agentId: uuid('agent_id'),
    snapshotData: jsonb('snapshot_data').$type<JsonObject>().notNull(),
    totalTokens: integer('total_tokens'),
    compressionRatio: doublePrecision('compression_ratio'),
    segmentCount: integer('segment_count'),
    buildTimeMs: integer('build_time_ms'),
    optimizationCount: integer('optimization_count'),
    createdAt: createdAt(),
  },
  (t) => [
    foreignKey({
      name: 'context_snapshots_message_id_fkey',
      columns: [t.messageId],
      foreignColumns: [chatMessagesV2.id],
    }),
    foreignKey({ name: 'context_snapshots_agent_id_fkey', columns: [t.agentId], foreignColumns: [agents.id] }),
  ],
);

export const contextTemplates = pgTable('context_templates', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: varchar('name', { length: 100 }).notNull().unique('context_templates_name_key'),
  description: text('description'),
  segments: jsonb('segments').$type<ContextSegments>().notNull(),
  variables: jsonb('variables').$type<JsonObject>(),
  totalTokens: integer('total_tokens'),
  useCount: integer('use_count').default(0),
  useCases: text('use_cases').array(),
  agentTypes: text('agent_types').array(),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).defaultNow(),
});

export const conversationSessions = pgTable(
  'conversation_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    conversationId: uuid('conversation_id').notNull(),
    userId: uuid('user_id'),
    agentId: uuid('agent_id'),
    startedAt: timestamp('started_at', { withTimezone: true }).defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    lastActive: timestamp('last_active', { withTimezone: true }).defaultNow(),
    messageCount: integer('message_count').default(0),
    totalTokensUsed: integer('total_tokens_used').default(0),
    toolCallsCount: integer('tool_calls_count').default(0),
    sessionState: jsonb('session_state').$type<JsonObject>().default({}),
    interruptionContext: jsonb('interruption_context').$type<JsonObject>(),
    status: varchar('status', { length: 20, enum: sessionStatuses }).default('active'),
  },
  (t) => [
    check('conversation_sessions_status_check', oneOf('status', sessionStatuses)),
    foreignKey({ name: 'conversation_sessions_user_id_fkey', columns: [t.userId], foreignColumns: [users.id] }),
    foreignKey({ name: 'conversation_sessions_agent_id_fkey', columns: [t.agentId], foreignColumns: [agents.id] }),
  ],
);
