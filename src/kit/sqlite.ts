/**
 * The repository kit of the SQLite targets (letta, tatlock-system, tatlock-user): prepared
 * statements cached per connection, and driver errors mapped to `ChatstoreError`s naming the
 * input field. Repository functions are synchronous (docs/decisions/008, 022). SQLite reports a
 * violation by its columns (`UNIQUE constraint failed: roles.role_name`) or a CHECK's name; both
 * are matched against the target's schema module (`getTableConfig`).
 *
 * @example
 * export const { dbError, mapped, notFound, prepared } = sqliteKit<UserDb>(schema);
 */
import type BetterSqlite3 from 'better-sqlite3';
import { getTableColumns, getTableName, is } from 'drizzle-orm';
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { ChatstoreError, toChatstoreError } from '../errors';
import { type FloorShape, type FloorValues, floorShape, loggerOf, mapEntries } from './floor';
import {
  cachedPer,
  camelCase,
  constraintsOf,
  fieldsOf,
  type KitBase,
  notFound,
  type SchemaConstraint,
  tableFacts,
} from './index';

/** Every constraint and unique index of the SQLite tables in a schema module. */
export function sqliteConstraints(schema: Record<string, unknown>): SchemaConstraint[] {
  return constraintsOf(sqliteTables(schema).map((table) => tableFacts(table, getTableConfig(table))));
}

const sqliteTables = (schema: Record<string, unknown>) =>
  Object.values(schema).filter((value): value is SQLiteTable => is(value, SQLiteTable));

export interface SqliteKit<D extends object> extends KitBase {
  /** Runs a synchronous database call and maps whatever it throws; ChatstoreErrors pass through. */
  mapped<T>(entity: string, run: () => T): T;
  /**
   * Builds a set of prepared statements once per connection. A transaction handle shares its
   * database's session (one better-sqlite3 connection), so statements built on either run inside
   * the transaction when called from it. `client` is that connection: a transaction function
   * made once with `client.transaction(fn)` costs what raw `BEGIN … COMMIT` costs (drizzle's
   * `db.transaction` builds a new one per call, about 4 µs), and runs as a savepoint when the
   * caller's handle is already a transaction.
   */
  prepared<T>(build: (db: D, client: BetterSqlite3.Database) => T): (db: D) => T;
  /**
   * Hot-path statements written with drizzle's query builder and executed at the driver's floor
   * (decision 026): `build` returns builders (not `.prepare()`d); each becomes a better-sqlite3
   * statement prepared once per connection in `.raw()` mode, whose rows are decoded by a decoder
   * compiled once per statement. `all`, `get` and `run` return what drizzle's prepared
   * `.all()`, `.get()` and `.run()` would. A transaction handle shares its database's statements.
   */
  floor<S extends Record<string, SqliteBuilt>>(build: (db: D) => S): (db: D) => SqliteFloorStatements<S>;
}

/** A query-builder statement: anything drizzle can `.prepare()` (select, insert/update/delete … returning). */
export interface SqliteBuilt {
  prepare(): object;
  all(...args: never[]): unknown;
}

/** A statement at the floor, returning what drizzle's prepared `.all()`, `.get()`, `.run()` would. */
export interface SqliteFloorStatement<R> {
  readonly text: string;
  all(values?: FloorValues): R[];
  get(values?: FloorValues): R | undefined;
  run(values?: FloorValues): BetterSqlite3.RunResult;
}

type RowOf<B extends SqliteBuilt> = ReturnType<B['all']> extends (infer R)[] ? R : never;

export type SqliteFloorStatements<S extends Record<string, SqliteBuilt>> = {
  [K in keyof S]: SqliteFloorStatement<RowOf<S[K]>>;
};

/** One floor statement on one connection: prepared there once, array rows where it reads. */
function sqliteStatement<R>(
  shape: FloorShape<R>,
  client: BetterSqlite3.Database,
  logger: { logQuery(query: string, params: unknown[]): void } | undefined,
): SqliteFloorStatement<R> {
  const statement = client.prepare(shape.text);
  const { text, fill, decode, decodeAll } = shape;
  if (decode !== undefined) statement.raw(true);
  return {
    text,
    all(values = {}) {
      const params = fill(values);
      logger?.logQuery(text, params);
      return decodeAll(statement.all(...params) as unknown[][]);
    },
    get(values = {}) {
      const params = fill(values);
      logger?.logQuery(text, params);
      // A write with RETURNING makes all its changes on its first step (SQLite), so `get` may
      // reset it after the first row, as drizzle's `.get()` does; reading the rest with `all`
      // cost 0.27 µs more per call.
      const row = statement.get(...params) as unknown[] | undefined;
      return row === undefined || decode === undefined ? (row as R | undefined) : decode(row);
    },
    run(values = {}) {
      const params = fill(values);
      logger?.logQuery(text, params);
      return statement.run(...params);
    },
  };
}

/** See `SqliteKit.floor`. */
export function sqliteFloor<D extends object, S extends Record<string, SqliteBuilt>>(
  build: (db: D) => S,
): (db: D) => SqliteFloorStatements<S> {
  let shapes: Record<keyof S, FloorShape> | undefined;
  return cachedPer(
    (db: D) => sessionOf(db),
    (db: D) => {
      shapes ??= mapEntries(build(db), (built) => floorShape(built.prepare()));
      const session = sessionOf(db);
      const logger = loggerOf(session as Parameters<typeof loggerOf>[0]);
      return mapEntries(shapes, (shape) => sqliteStatement(shape, session.client, logger)) as SqliteFloorStatements<S>;
    },
  );
}

/** drizzle marks `session` internal; it is the same object for a database and its transactions. */
const sessionOf = (db: object) => (db as { session: { client: BetterSqlite3.Database } }).session;

/**
 * The kit of one SQLite target: `schema` is its latest schema module, `handWritten` the
 * constraint → field names the schema cannot say (see `fieldsOf`).
 */
export function sqliteKit<D extends object>(
  schema: Record<string, unknown>,
  handWritten: Record<string, string> = {},
): SqliteKit<D> {
  const constraints = sqliteConstraints(schema);
  const fields = fieldsOf(constraints, handWritten);
  // What SQLite's messages name: `table.column` (NOT NULL), `t.a, t.b` (UNIQUE, PRIMARY KEY)
  // or a CHECK's name.
  const named = new Map<string, string>();
  for (const table of sqliteTables(schema)) {
    for (const [key, column] of Object.entries(getTableColumns(table)))
      named.set(`${getTableName(table)}.${column.name}`, key);
  }
  for (const constraint of constraints) {
    const field = fields[constraint.name];
    if (field === undefined) continue;
    if (constraint.kind === 'check') named.set(constraint.name, field);
    else if (constraint.kind !== 'foreign key')
      named.set(constraint.columns.map((column) => `${constraint.table}.${column}`).join(', '), field);
  }
  const dbError = (error: unknown, entity: string): ChatstoreError => {
    const mapped = toChatstoreError(error, entity);
    if (mapped.field !== undefined || mapped.code === 'DATABASE_ERROR') return mapped;
    const detail = /constraint failed: (.+)$/.exec(mapped.message)?.[1]?.trim();
    if (detail === undefined) return mapped;
    const first = /^(?:\w+\.)?(\w+)/.exec(detail)?.[0];
    const field = named.get(detail) ?? (first === undefined ? undefined : named.get(first));
    const fallback = first === undefined ? undefined : camelCase(first.replace(/^\w+\./, ''));
    if (field === undefined && fallback === undefined) return mapped;
    return new ChatstoreError(mapped.code, mapped.message, {
      field: field ?? fallback,
      entity: mapped.entity,
      cause: mapped.cause,
    });
  };
  return {
    fields,
    handWritten,
    constraints,
    dbError,
    notFound,
    mapped<T>(entity: string, run: () => T): T {
      try {
        return run();
      } catch (error) {
        throw dbError(error, entity);
      }
    },
    prepared: <T>(build: (db: D, client: BetterSqlite3.Database) => T) =>
      cachedPer(
        (db: D) => sessionOf(db),
        (db: D) => build(db, sessionOf(db).client),
      ),
    floor: sqliteFloor,
  };
}
