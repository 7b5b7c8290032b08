/**
 * The tatlock-system target's repositories (seed 001): users and passwords, roles and groups,
 * the tool registry, rise-and-shine instructions, settings. Every function takes the drizzle
 * handle first (`openSystemDatabase()`'s `db`) and validates its input with zod before touching
 * the database.
 *
 * @example
 * import { createUser, openSystemDatabase, verifyPassword } from 'chatstore/tatlock-system';
 */
export * from './access';
export type { SystemDb, TatlockSystemSchema } from './internal';
export * from './open';
export { scryptCost } from './passwords';
export * from './rise-and-shine';
export * from './settings';
export * from './tools';
export * from './users';
