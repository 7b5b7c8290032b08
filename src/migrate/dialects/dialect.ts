/**
 * What the migration engine needs from a dialect, in one interface (decision 021): the engine's
 * modules (ledger, introspection, adopt, check, drift, the runner) are written once against it,
 * and everything that differs between PostgreSQL and SQLite lives in ./postgresql.ts and
 * ./sqlite.ts. `dialectOf` (./index.ts) picks the adapter of a client, target or location.
 *
 * An adapter is stateless and takes the raw `SqlClient` of src/connect; it never imports the
 * engine's modules (they import it), so the ledger's table name comes in as an argument.
 */
import { connectRaw, type Dialect, type SqlClient } from '../../connect';

/**
 * A live schema as flat facts: `table users / column email` → `character varying(320) not null`.
 * Flat facts make two schemas comparable key by key and the differences readable.
 */
export type SchemaFacts = ReadonlyMap<string, string>;

/** A database opened for reading only (`status`, `migrate --dry-run`). */
export interface ReadOnlyDatabase {
  client: SqlClient;
  close(): Promise<void>;
}

/** drizzle-kit's snapshot JSON of a schema. */
export type Snapshot = Record<string, unknown>;

/**
 * The functions of `drizzle-kit/api` that `chatstore check` calls. drizzle-kit is a development
 * tool: only src/migrate/check.ts imports it and hands it to the adapter, so the engine itself
 * runs without it.
 */
export interface DrizzleKitApi {
  generateDrizzleJson(schema: Record<string, unknown>): unknown;
  generateMigration(prev: never, cur: never): Promise<string[]>;
  generateSQLiteDrizzleJson(schema: Record<string, unknown>): Promise<unknown>;
  generateSQLiteMigration(prev: never, cur: never): Promise<string[]>;
}

export interface EngineDialect<D extends Dialect = Dialect> {
  readonly name: D;

  /** The `n`-th (1-based) bind parameter in query text: `$n` on PostgreSQL, `?` on SQLite. */
  placeholder(n: number): string;

  // The ledger (src/migrate/ledger.ts).

  /** Whether the database has a table named `table` (in schema `public` on PostgreSQL). */
  tableExists(client: SqlClient, table: string): Promise<boolean>;
  /** The ledger's `applied_at` column: a UTC timestamp the database fills in on insert. */
  readonly appliedAtColumn: string;
  /**
   * Serialises migrators of one target, called first inside each migration's transaction: a
   * second migrator waits, then re-reads the ledger and sees the first one's rows.
   */
  lockTarget(tx: SqlClient, target: string): Promise<void>;
  /**
   * Runs one migration in one transaction. `rebuildsTables`: the migration carries
   * drizzle-kit's foreign-key pragmas around a table rebuild, which must not cascade.
   */
  migrationTransaction<T>(
    client: SqlClient,
    fn: (tx: SqlClient) => Promise<T>,
    options: { rebuildsTables: boolean },
  ): Promise<T>;

  // Introspection (src/migrate/introspect.ts).

  /** Every ordinary table, sorted by name (the ledger included). */
  tables(client: SqlClient): Promise<string[]>;
  /**
   * All rows of `table` (those where `column` is not null, if given), whatever row-level
   * security would show this role; `null` when the role cannot see them all (it is bound by a
   * policy): the caller must then assume there are rows.
   */
  countRows(client: SqlClient, table: string, column?: string): Promise<number | null>;
  /** The schema as flat facts, without the table named `ledger`. */
  introspect(client: SqlClient, ledger: string): Promise<SchemaFacts>;

  // Databases the engine opens itself (adopt, drift, status).

  /** An empty in-memory database of the dialect, for building expected schemas (adopt, drift). */
  readonly scratchLocation: string;
  /** The location a command uses when none is given and before the embedded default, if any. */
  locationFromEnvironment(): string | undefined;
  /** Opens an existing database at `location` without writing to it or its folder. */
  openReadOnly(location: string): Promise<ReadOnlyDatabase>;

  // drizzle-kit (src/migrate/check.ts, scripts/generate.ts).

  /** drizzle-kit's snapshot of a schema module, as its CLI writes it (without `id`/`prevId`). */
  snapshot(kit: DrizzleKitApi, schema: Record<string, unknown>): Promise<Snapshot>;
  /** The statements drizzle-kit generates between two snapshots. */
  sqlBetween(kit: DrizzleKitApi, prev: Snapshot, cur: Snapshot): Promise<string[]>;
}

/** `connectRaw` as a `ReadOnlyDatabase`, for locations that need no special read-only opening. */
export async function openRaw(location: string): Promise<ReadOnlyDatabase> {
  const conn = await connectRaw(location);
  return { client: conn.client, close: () => conn.close() };
}
