/**
 * chatstore's entry point: connections, migrations, errors and the target registry.
 * Repositories are imported per target (`chatstore/todo`), tables per target and generation
 * (`chatstore/todo/schema`, `chatstore/todo/schema/phase2`).
 */
export {
  connectRaw,
  type Location,
  type PgDb,
  parseLocation,
  type RawConnection,
  redact,
  type SqlClient,
  type SqliteDb,
  scrub,
} from './connect';
export { ChatstoreError, type ErrorCode, errorCodes, isChatstoreError } from './errors';
export { adopt } from './migrate/adopt';
export {
  type MigrateOptions,
  type MigrateResult,
  type MigrationResult,
  migrate as runMigrations,
  readStatus,
  type Status,
} from './migrate/engine';
export { loadMigrations, type MigrationSet } from './migrate/migrations';
export { type Connection, type ConnectOptions, connect, type DrizzleDb, type LatestSchema } from './targets/connect';
export { type MigrateDatabaseOptions, migrate } from './targets/migrate';
export { type Generation, type Target, type TargetName, targetNames, targets } from './targets/registry';
