/**
 * `connect()`: a target's database, opened with its latest schema and checked (or brought) to
 * its latest generation. Drivers, locations and locks are src/connect/'s; this adds the target.
 */

import {
  type Driver,
  defaultLocation,
  embeddedExists,
  type Location,
  type OpenOptions,
  openLocation,
  type PgDb,
  parseLocation,
  redact,
  type SqlClient,
  type SqliteDb,
} from '../connect';
import { ChatstoreError } from '../errors';
import { type MigrateOptions, migrate, readStatus } from '../migrate/engine';
import { loadMigrations, loadMigrationsFromFolder, type MigrationSet } from '../migrate/migrations';
import { type Target, type TargetName, targets } from './registry';

type Targets = typeof targets;
type Last<T extends readonly unknown[]> = T extends readonly [...unknown[], infer L] ? L : never;
/** The latest generation's schema module of a target. */
export type LatestSchema<T extends TargetName> =
  Last<Targets[T]['generations']> extends { schema: infer S } ? (S extends Record<string, unknown> ? S : never) : never;

export type DrizzleDb<T extends TargetName> = Targets[T]['dialect'] extends 'postgresql'
  ? PgDb<LatestSchema<T>>
  : SqliteDb<LatestSchema<T>>;

/** An open database of one target. Close it with `close()`; closing twice is harmless. */
export interface Connection<T extends TargetName = TargetName> {
  readonly target: T;
  readonly location: Location;
  /** The typed drizzle handle, schema = the target's latest generation. */
  readonly db: DrizzleDb<T>;
  /** Raw SQL on the same connection, for the migration engine and introspection. */
  readonly client: SqlClient;
  readonly driver: Driver;
  readonly closed: boolean;
  close(): Promise<void>;
}

export interface ConnectOptions extends OpenOptions {
  /** Folder for embedded defaults when no location is given. Default `./data`. */
  dataDir?: string;
  /**
   * Bring the database to its latest generation on connect, creating it if needed (as
   * `chatstore migrate` does). Without it, a database below the latest generation is refused
   * with `NOT_MIGRATED`, and a missing embedded one is not created.
   */
  migrate?: boolean | Pick<MigrateOptions, 'onProgress'>;
  /**
   * `false` opens the database as it is, whatever its generation (tools, and code that migrates
   * `conn.client` itself). Default `true`.
   */
  requireLatest?: boolean;
  /**
   * A copy of chatstore's `drizzle/` folder, for when the installed package cannot be found from
   * the running code (some bundles). Default: the package's own.
   */
  migrationsFolder?: string;
}

/** The migrations of `target`, from `migrationsFolder` when given, else the package's own. */
export function migrationsOf(target: Target, options: Pick<ConnectOptions, 'migrationsFolder'> = {}): MigrationSet {
  return options.migrationsFolder === undefined
    ? loadMigrations(target)
    : loadMigrationsFromFolder(target, options.migrationsFolder);
}

/** The command that brings `target` at `location` (as given; null = the default) to its latest generation. */
export function migrateCommand(target: string, location: string | undefined): string {
  return `npx chatstore migrate ${target}${location === undefined ? '' : ` --db ${redact(location)}`}`;
}

/**
 * Opens a target's database. With no location, the target's embedded default under `./data/`
 * (PGlite for PostgreSQL targets, a SQLite file otherwise). The database must be at its latest
 * generation (`NOT_MIGRATED` otherwise, naming the command to run) unless `{ migrate: true }`
 * migrates it here.
 *
 * @example
 * const conn = await connect('todo', process.env.DATABASE_URL);
 * try { await listConversations(conn.db, { userId: 'u1' }); } finally { await conn.close(); }
 * @example
 * const conn = await connect('todo', 'pglite:memory:', { migrate: true });
 */
export async function connect<T extends TargetName>(
  target: T,
  location?: string,
  options: ConnectOptions = {},
): Promise<Connection<T>> {
  const definition = targets[target] as Target | undefined;
  if (!definition)
    throw new ChatstoreError('UNKNOWN_TARGET', `Unknown target "${String(target)}"`, { field: 'target' });
  const given = location ?? defaultLocation(target, definition.dialect, options.dataDir, definition.embeddedFile);
  const parsed = parseLocation(given);
  if (parsed.dialect !== definition.dialect) {
    throw new ChatstoreError(
      'DIALECT_MISMATCH',
      `Target ${target} is ${definition.dialect}, but "${redact(given)}" is a ${parsed.dialect} location`,
      { field: 'location' },
    );
  }
  const check = !options.migrate && options.requireLatest !== false;
  // Found before opening, so a missing migrations folder fails before anything is created.
  const set = options.migrate || check ? migrationsOf(definition, options) : undefined;
  if (!embeddedExists(parsed)) {
    if (options.create === false) {
      throw new ChatstoreError(
        'DATABASE_NOT_FOUND',
        `No ${target} database at "${redact(given)}": run \`${migrateCommand(target, location)}\` to create it`,
        { field: 'location' },
      );
    }
    if (check) {
      throw new ChatstoreError(
        'NOT_MIGRATED',
        `No ${target} database at "${redact(given)}" yet: run \`${migrateCommand(target, location)}\`, or connect with { migrate: true }`,
        { entity: target, field: 'location' },
      );
    }
  }
  const schema = definition.generations.at(-1)?.schema as LatestSchema<T>;
  const opened = await openLocation(parsed, schema, options, definition.extensions?.includes('vector') ?? false);
  try {
    if (set && options.migrate) {
      const onProgress = typeof options.migrate === 'object' ? options.migrate.onProgress : undefined;
      const result = await migrate(opened.client, set, onProgress ? { onProgress } : {});
      if (!result.ok) {
        throw new ChatstoreError(
          result.error?.code ?? 'MIGRATION_FAILED',
          `Migrating ${target} at "${redact(given)}" failed: ${result.error?.message}`,
          { entity: target },
        );
      }
    } else if (set) {
      const status = await readStatus(opened.client, set);
      if (status.generation !== status.latest || status.pending.length > 0 || status.problems.length > 0) {
        const at = status.needsAdopt
          ? 'has tables but no chatstore ledger (run `npx chatstore adopt` first)'
          : status.generation === null
            ? 'is empty'
            : `is at generation ${status.generation}${status.problems.length > 0 ? ' with changed migrations' : ''}`;
        throw new ChatstoreError(
          'NOT_MIGRATED',
          `The ${target} database at "${redact(given)}" ${at}, not at the latest generation ${status.latest}: run \`${migrateCommand(target, location)}\`, or connect with { migrate: true }`,
          { entity: target, field: 'location' },
        );
      }
    }
  } catch (error) {
    await opened.close().catch(() => {});
    throw error;
  }
  let closed = false;
  return {
    target,
    location: parsed,
    db: opened.db as DrizzleDb<T>,
    client: opened.client,
    driver: opened.driver,
    get closed() {
      return closed;
    },
    async close() {
      if (closed) return;
      closed = true;
      await opened.close();
    },
  };
}
