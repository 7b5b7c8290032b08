/**
 * Every failure chatstore reports carries one of these codes, so callers can branch on
 * `error.code` instead of parsing messages.
 */
export const errorCodes = [
  // locations and connections
  'UNKNOWN_SCHEME',
  'CONNECTION_FAILED',
  'DATABASE_NOT_FOUND',
  'UNWRITABLE_PATH',
  'DIALECT_MISMATCH',
  'CLOSED',
  /** An optional peer dependency (a driver, drizzle-kit) is not installed; the message names it. */
  'MISSING_PACKAGE',
  /** Another process holds the embedded database (or its write lock) beyond the wait allowed. */
  'LOCKED',
  /** The database's files are damaged: PGlite cannot start on its directory, or SQLite finds no database. */
  'CORRUPT_DATABASE',
  // registry
  'UNKNOWN_TARGET',
  'UNKNOWN_GENERATION',
  // migrations
  'CHECKSUM_MISMATCH',
  'MISSING_MIGRATION',
  'NEEDS_ADOPT',
  'ADOPT_MISMATCH',
  'ALREADY_MANAGED',
  'NO_DOWN_MIGRATION',
  'DATA_LOSS',
  'NO_DISCARD_PATH',
  'MIGRATION_FAILED',
  /** The database is below its target's latest generation (or does not exist yet); migrate it first. */
  'NOT_MIGRATED',
  /** chatstore's migrations folder cannot be found (e.g. in a bundle): pass `migrationsFolder`. */
  'MIGRATIONS_NOT_FOUND',
  'SCHEMA_DRIFT',
  // repositories
  'VALIDATION',
  'NOT_FOUND',
  'CONFLICT',
  'FOREIGN_KEY',
  'INVALID_TRANSITION',
  /** Encrypted data whose key is missing from the keyring, or wrong (authentication failed). */
  'DECRYPTION_FAILED',
  'PERMISSION_DENIED',
  /**
   * `asUser` / `asAgentUser` would act as a role that row-level security does not bind
   * (a superuser or a role with BYPASSRLS): every user's rows would be visible and writable.
   */
  'RLS_BYPASSED',
  'DATABASE_ERROR',
  // the CLI
  /** A command line chatstore cannot run as given (unknown verb or flag, extra arguments); exit code 2. */
  'USAGE',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export interface ChatstoreErrorDetails {
  /** The input field or column the error is about, e.g. `title` or `userId`. */
  field?: string;
  /** The table or aggregate the error is about, e.g. `conversations`. */
  entity?: string;
  cause?: unknown;
}

export class ChatstoreError extends Error {
  override readonly name = 'ChatstoreError';
  readonly code: ErrorCode;
  readonly field?: string;
  readonly entity?: string;

  constructor(code: ErrorCode, message: string, details: ChatstoreErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.field = details.field;
    this.entity = details.entity;
  }
}

export function isChatstoreError(error: unknown, code?: ErrorCode): error is ChatstoreError {
  return error instanceof ChatstoreError && (code === undefined || error.code === code);
}

interface DriverErrorFields {
  code?: string;
  constraint?: string;
  constraint_name?: string;
  column?: string;
  column_name?: string;
  table?: string;
  table_name?: string;
  message?: string;
}

/** Drizzle wraps driver errors in `DrizzleQueryError`; the driver's fields are on `.cause`. */
function driverError(error: unknown): DriverErrorFields & { message: string } {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const fields = current as Error & DriverErrorFields;
    if (typeof fields.code === 'string' && fields.name !== 'ChatstoreError') {
      return fields;
    }
    current = (current as Error).cause;
  }
  return { message: error instanceof Error ? error.message : String(error) };
}

/**
 * Maps a PostgreSQL or SQLite driver error to a `ChatstoreError`, so raw driver errors never
 * reach callers. Already-mapped errors pass through unchanged.
 */
export function toChatstoreError(error: unknown, entity?: string): ChatstoreError {
  if (error instanceof ChatstoreError) return error;
  const e = driverError(error);
  const constraint = e.constraint ?? e.constraint_name;
  const column = e.column ?? e.column_name;
  const where = constraint ? ` (${constraint})` : '';
  const details = { entity: e.table ?? e.table_name ?? entity, field: column ?? constraint, cause: error };
  switch (e.code) {
    case '23505':
    case 'SQLITE_CONSTRAINT_UNIQUE':
    case 'SQLITE_CONSTRAINT_PRIMARYKEY':
      return new ChatstoreError('CONFLICT', `Duplicate value${where}: ${e.message}`, details);
    case '23503':
    case 'SQLITE_CONSTRAINT_FOREIGNKEY':
      return new ChatstoreError('FOREIGN_KEY', `Referenced row does not exist${where}: ${e.message}`, details);
    case '23502':
    case '23514':
    case '22001':
    case '22P02':
    // Values the column cannot hold: out of range, bad dates, bytes the encoding has no place for.
    case '22003':
    case '22007':
    case '22008':
    case '22021':
    case '22P05':
    case '54001':
    case 'SQLITE_CONSTRAINT_NOTNULL':
    case 'SQLITE_CONSTRAINT_CHECK':
      return new ChatstoreError('VALIDATION', `Rejected by the database${where}: ${e.message}`, details);
    case '42501':
      return new ChatstoreError('PERMISSION_DENIED', e.message, details);
    case '3D000':
      return new ChatstoreError('DATABASE_NOT_FOUND', e.message, details);
    case '55P03':
    case 'SQLITE_BUSY':
    case 'SQLITE_BUSY_SNAPSHOT':
    case 'SQLITE_BUSY_RECOVERY':
    case 'SQLITE_LOCKED':
      return new ChatstoreError(
        'LOCKED',
        `The database is locked by another writer beyond the wait allowed (${e.message}); retry, or wait longer (lockTimeoutMs in connect, --wait on the CLI)`,
        details,
      );
    case 'XX001':
    case 'XX002':
    case 'SQLITE_CORRUPT':
    case 'SQLITE_NOTADB':
      return new ChatstoreError('CORRUPT_DATABASE', `The database is damaged: ${e.message}`, details);
    default:
      // better-sqlite3 reports extended codes (SQLITE_CORRUPT_INDEX, …).
      if (e.code?.startsWith('SQLITE_CORRUPT'))
        return new ChatstoreError('CORRUPT_DATABASE', `The database is damaged: ${e.message}`, details);
      return new ChatstoreError('DATABASE_ERROR', e.message, details);
  }
}
