/**
 * The tatlock-user target's repositories (seed 001): one memory database per user. Every
 * function takes the user's drizzle handle first (`openUserDatabase(username)`'s `db`) and
 * validates its input with zod before touching the database.
 *
 * @example
 * import { appendMessage, loadModelContext, openUserDatabase, startConversation } from 'chatstore/tatlock-user';
 */
export { Username } from '../tatlock/folder';
export * from './conversations';
export * from './import';
export type { TatlockUserSchema, UserDb } from './internal';
export * from './messages';
export * from './open';
export * from './personal-variables';
export * from './short-term';
export * from './topics';
