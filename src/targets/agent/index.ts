/**
 * The agent target's repositories (seed 003). Every function takes a database handle or a
 * transaction first and validates its input with zod before touching the database.
 *
 * @example
 * import { appendMessage, commitState, searchMemories, storeMemory } from 'chatstore/agent';
 */
export * from './backfill';
export * from './context';
export * from './datastores';
export * from './import';
export type { AgentDb, AgentSchema, AgentTx } from './internal';
export * from './memories';
export * from './messages';
export * from './security';
export * from './sessions';
export * from './state';
