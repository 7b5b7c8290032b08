/**
 * The telegram target's repositories (seed 002). Every function takes a database handle or a
 * transaction first and validates its input with zod before touching the database.
 *
 * @example
 * import { claimNextTask, registerUser, storeSuggestion } from 'chatstore/telegram';
 */
export * from './credentials';
export { decryptFor, encryptFor, KeyId, Keyring, type ParsedKeyring } from './crypto';
export * from './dialogs';
export {
  DialogId,
  ResponseId,
  SessionId,
  TaskId,
  type TelegramDb,
  TelegramId,
  type TelegramSchema,
  type TelegramTx,
  UserId,
} from './internal';
export * from './models';
export * from './responses';
// sessionValues and tokenExpiries build rows for registerUser: not part of the API.
export {
  CleanupSessionsInput,
  CreateSessionInput,
  cleanupExpiredSessions,
  createSession,
  defaultMaxIdleSeconds,
  defaultTokenLifetimes,
  expireSession,
  FindSessionInput,
  findActiveSession,
  getSessionOrThrow,
  NewSessionFields,
  RefreshSessionInput,
  refreshSession,
  type Session,
  type SessionStatus,
  settleSession,
  Token,
  TokenLifetimes,
  type TokenType,
  tokenDigest,
} from './sessions';
export * from './tasks';
export * from './users';
