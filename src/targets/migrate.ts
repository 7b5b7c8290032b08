/**
 * `migrate()` as an app calls it: by target name (opening and closing the database) or on an open
 * connection. The engine's `migrate(client, set)` reports failures in its result; this one throws
 * them, so an app that awaits it cannot carry on with a half-migrated database unnoticed.
 */

import { redact } from '../connect/location';
import { ChatstoreError } from '../errors';
import { type MigrateOptions, type MigrateResult, migrate as runMigrations } from '../migrate/engine';
import { type Connection, type ConnectOptions, connect, migrationsOf } from './connect';
import { isTargetName, type Target, type TargetName, targetNames, targets } from './registry';

export interface MigrateDatabaseOptions
  extends MigrateOptions,
    Pick<ConnectOptions, 'dataDir' | 'maxConnections' | 'migrationsFolder'> {}

/**
 * Brings a target's database to a generation (default the latest), creating it if needed, and
 * returns what ran. Throws a `ChatstoreError` with the engine's code (`UNKNOWN_GENERATION`,
 * `NEEDS_ADOPT`, `DATA_LOSS`, `MIGRATION_FAILED`, …) when the run fails.
 *
 * @example
 * await migrate('todo', process.env.DATABASE_URL);            // by name; no location: ./data/todo
 * await migrate('todo', 'pglite:./data/todo', { to: 'phase2' });
 * await migrate(conn);                                         // an open connection
 */
export async function migrate(
  target: TargetName,
  location?: string,
  options?: MigrateDatabaseOptions,
): Promise<MigrateResult>;
export async function migrate<T extends TargetName>(
  conn: Connection<T>,
  options?: MigrateDatabaseOptions,
): Promise<MigrateResult>;
export async function migrate(
  what: TargetName | Connection<TargetName>,
  locationOrOptions?: string | MigrateDatabaseOptions,
  maybeOptions: MigrateDatabaseOptions = {},
): Promise<MigrateResult> {
  if (typeof what === 'object' && what !== null && 'client' in what) {
    const options = typeof locationOrOptions === 'object' ? locationOrOptions : maybeOptions;
    return orThrow(
      await runMigrations(what.client, migrationsOf(targets[what.target] as Target, options), options),
      '',
    );
  }
  if (typeof what !== 'string' || !isTargetName(what)) {
    throw new ChatstoreError('UNKNOWN_TARGET', `Unknown target "${String(what)}"; one of: ${targetNames.join(', ')}`, {
      field: 'target',
    });
  }
  const location = typeof locationOrOptions === 'string' ? locationOrOptions : undefined;
  const options = typeof locationOrOptions === 'object' ? locationOrOptions : maybeOptions;
  const set = migrationsOf(targets[what] as Target, options);
  const conn = await connect(what, location, {
    requireLatest: false,
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
  });
  try {
    return orThrow(await runMigrations(conn.client, set, options), location === undefined ? '' : redact(location));
  } finally {
    await conn.close();
  }
}

function orThrow(result: MigrateResult, where: string): MigrateResult {
  if (result.ok) return result;
  throw new ChatstoreError(
    result.error?.code ?? 'MIGRATION_FAILED',
    `Migrating ${result.target}${where ? ` at "${where}"` : ''} failed: ${result.error?.message}`,
    { entity: result.target },
  );
}
