/**
 * chatstore's entry point: connections, the migration engine and errors. Repositories are
 * imported per target, e.g. `chatstore/todo`.
 */
export {
  type Connection,
  type ConnectOptions,
  connect,
  connectRaw,
  parseLocation,
  type RawConnection,
  redact,
  scrub,
} from './connect';
export { ChatstoreError, type ErrorCode, errorCodes, isChatstoreError } from './errors';
export { adopt } from './migrate/adopt';
export { type MigrateOptions, type MigrateResult, migrate, readStatus, type Status } from './migrate/engine';
export { loadMigrations } from './migrate/migrations';
export { type Target, type TargetName, targetNames, targets } from './targets';
