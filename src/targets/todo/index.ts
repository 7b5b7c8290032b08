/**
 * The todo target's repositories (seed 004). Every function takes a database handle or a
 * transaction first and validates its input with zod before touching the database.
 *
 * @example
 * import { appendMessage, loadConversationHistory, startConversation } from 'chatstore/todo';
 */
export * from './conversations';
export * from './import';
export type { Jsonified, TodoDb, TodoSchema, TodoTx, TypedTodoDb } from './internal';
export * from './messages';
export * from './security';
export * from './tasks';
export * from './users';
