/**
 * The repository kit of the PostgreSQL targets (todo, telegram, agent): prepared statements
 * cached per handle, and driver errors mapped to `ChatstoreError`s naming the input field.
 * PostgreSQL reports a violated constraint by name (`tasks_user_id_fkey`); the names and the
 * fields they cover come from the target's schema module (`getTableConfig`).
 *
 * @example
 * export const { dbError, mapped, notFound, prepared } = postgresqlKit<TodoDb>(schema);
 */
import { DrizzleQueryError, is } from 'drizzle-orm';
import { getTableConfig, PgDate, PgTable, PgTimestamp } from 'drizzle-orm/pg-core';
import { ChatstoreError, toChatstoreError } from '../errors';
import { type FloorShape, type FloorValues, floorShape, loggerOf, mapEntries, sessionOf } from './floor';
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

/** Every constraint and unique index of the PostgreSQL tables in a schema module. */
export function postgresqlConstraints(schema: Record<string, unknown>): SchemaConstraint[] {
  const tables = Object.values(schema).filter((value): value is PgTable => is(value, PgTable));
  return constraintsOf(tables.map((table) => tableFacts(table, getTableConfig(table))));
}

export interface PostgresqlKit<D extends object> extends KitBase {
  /** Runs a database call and maps whatever it throws; ChatstoreErrors pass through. */
  mapped<T>(entity: string, run: () => Promise<T>): Promise<T>;
  /**
   * Builds a set of prepared statements once per drizzle handle. Statements are bound to the
   * session they were built on, so a transaction handle gets its own set (built on first use).
   */
  prepared<T>(build: (db: D) => T): (db: D) => T;
  /**
   * Hot-path statements written with drizzle's query builder and executed at the driver's floor
   * (decision 026): `build` returns builders (not `.prepare()`d); each becomes a statement whose
   * `execute(values)` resolves to what drizzle's `.prepare(…).execute(values)` would, through
   * postgres.js' named prepared `.values()` or PGlite's array rows, decoded by a decoder compiled
   * once per statement. Built once (on the first handle); bound per session, so a transaction
   * handle runs them on its own connection.
   */
  floor<S extends Record<string, PgBuilt>>(build: (db: D) => S): (db: D) => PgFloorStatements<S>;
}

/** A query-builder statement: anything drizzle can `.prepare(name)` (select, insert/update/delete … returning). */
export interface PgBuilt {
  prepare(name: string): object;
  execute(...args: never[]): PromiseLike<unknown>;
}

/** A statement at the floor: `execute(values)` resolves to what drizzle's prepared `execute` would. */
export interface PgFloorStatement<R> {
  readonly text: string;
  execute(values?: FloorValues): Promise<R>;
}

export type PgFloorStatements<S extends Record<string, PgBuilt>> = {
  [K in keyof S]: PgFloorStatement<Awaited<ReturnType<S[K]['execute']>>>;
};

/** What drizzle's PostgreSQL sessions (postgres.js, PGlite) hold. */
interface PgSessionLike {
  client: PostgresJsClient | PgliteClient;
  logger?: { logQuery(query: string, params: unknown[]): void };
}
interface PostgresJsClient {
  unsafe(
    text: string,
    params: unknown[],
    options: { prepare: boolean },
  ): PromiseLike<unknown[]> & {
    values(): PromiseLike<unknown[][]>;
  };
}
interface PgliteClient {
  query(
    text: string,
    params: unknown[],
    options: object,
  ): Promise<{ rows: unknown[]; fields: { dataTypeID: number }[] }>;
}

/**
 * One statement of a `floor` group: its compiled shape and, on PGlite, how PGlite's default
 * array rows decode once its first run has shown the result types (null: keep drizzle's parsers).
 */
interface FloorEntry {
  readonly shape: FloorShape;
  pglite: ((rows: readonly (readonly unknown[])[]) => unknown[]) | null | undefined;
}

type Run = (entry: FloorEntry, values: FloorValues) => Promise<unknown>;

const prepare = { prepare: true } as const;
// PGlite: the parsers drizzle's PGlite session passes (dates, intervals and their arrays stay
// text; the columns' mapFromDriverValue turns them into what drizzle returns).
const text = (value: string) => value;
const pgliteParsers = {
  1114: text, // timestamp
  1184: text, // timestamptz
  1186: text, // interval
  1082: text, // date
  1231: text, // numeric[]
  1115: text, // timestamp[]
  1185: text, // timestamptz[]
  1187: text, // interval[]
  1182: text, // date[]
};
const pgliteArrays = { rowMode: 'array', parsers: pgliteParsers } as const;
const pgliteObjects = { rowMode: 'object', parsers: pgliteParsers } as const;
const pgliteDefaultArrays = { rowMode: 'array' } as const;

/** Whether this process reads a zone-less timestamp text as UTC (the zone is UTC all year). */
const processInUtc = () =>
  ['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Etc/Universal', 'Universal', 'Etc/Zulu', 'Zulu', 'UCT', 'Etc/UCT'].includes(
    Intl.DateTimeFormat().resolvedOptions().timeZone,
  );

/**
 * PGlite merges per-query `parsers` into its whole parser table on every query (thousands of
 * types: it costs more than a small query itself). So after a statement's first run (with
 * drizzle's parsers, exact), its result types decide whether PGlite's default parsing gives
 * the same values: every type but the nine drizzle overrides parses alike; `timestamptz` and
 * `date` become `new Date(text)` in PGlite, which is what a Date-mode timestamptz or date
 * column maps its text to; a zone-less `timestamp` the same when the process is in UTC. Those
 * positions pass PGlite's value through; any other overridden type keeps drizzle's parsers.
 */
function pgliteDefaultDecoder(
  shape: FloorShape,
  types: readonly number[],
): ((rows: readonly (readonly unknown[])[]) => unknown[]) | undefined {
  const passThrough = new Set<number>();
  for (let at = 0; at < types.length; at++) {
    const type = types[at] as number;
    if (!(type in pgliteParsers)) continue;
    const field = shape.fields[at]?.field;
    const dateColumn =
      (is(field, PgTimestamp) && (type === 1184 || (type === 1114 && processInUtc()))) ||
      (is(field, PgDate) && type === 1082);
    if (!dateColumn) return undefined;
    if (type === 1184 && !(field as { withTimezone: boolean }).withTimezone) return undefined;
    if (type === 1114 && (field as { withTimezone: boolean }).withTimezone) return undefined;
    passThrough.add(at);
  }
  return shape.variant(passThrough);
}

/**
 * How a drizzle PostgreSQL session's driver runs a floor statement. postgres.js: a named
 * prepared statement with array rows (what drizzle's prepared queries send); PGlite: `query`
 * with array rows and drizzle's parsers. A driver error is wrapped the way drizzle wraps it
 * (`DrizzleQueryError`, the driver's error as `cause`); the session's logger, if any, logs.
 */
function pgRunner(session: PgSessionLike): Run {
  const { client } = session;
  const logger = loggerOf(session);
  if (typeof (client as PostgresJsClient).unsafe === 'function') {
    const sql = client as PostgresJsClient;
    return async ({ shape }, values) => {
      const params = shape.fill(values);
      logger?.logQuery(shape.text, params);
      try {
        if (shape.decode === undefined) return await sql.unsafe(shape.text, params, prepare);
        return shape.decodeAll(await sql.unsafe(shape.text, params, prepare).values());
      } catch (error) {
        throw new DrizzleQueryError(shape.text, params, error as Error);
      }
    };
  }
  const pg = client as PgliteClient;
  return async (entry, values) => {
    const { shape } = entry;
    const params = shape.fill(values);
    logger?.logQuery(shape.text, params);
    try {
      if (shape.decode === undefined) return await pg.query(shape.text, params, pgliteObjects);
      const fast = entry.pglite;
      if (fast) return fast((await pg.query(shape.text, params, pgliteDefaultArrays)).rows as unknown[][]);
      const result = await pg.query(shape.text, params, pgliteArrays);
      if (fast === undefined) {
        entry.pglite =
          pgliteDefaultDecoder(
            shape,
            result.fields.map((f) => f.dataTypeID),
          ) ?? null;
      }
      return shape.decodeAll(result.rows as unknown[][]);
    } catch (error) {
      throw new DrizzleQueryError(shape.text, params, error as Error);
    }
  };
}

/** See `PostgresqlKit.floor`. */
export function pgFloor<D extends object, S extends Record<string, PgBuilt>>(
  build: (db: D) => S,
): (db: D) => PgFloorStatements<S> {
  let entries: Record<keyof S, FloorEntry> | undefined;
  // The bound statements live on the session itself, under a key of this group: every
  // transaction has a session of its own, and a WeakMap entry per transaction is garbage the
  // collector must treat as an ephemeron; a property dies with the session, and reading it is
  // an ordinary (inline-cached) property load.
  const key = Symbol('chatstore floor statements');
  return (db) => {
    const session = sessionOf<PgSessionLike & { [key]?: PgFloorStatements<S> }>(db);
    const statements = session[key];
    if (statements !== undefined) return statements;
    entries ??= mapEntries(build(db), (built) => ({
      shape: floorShape(built.prepare('chatstore_floor')),
      pglite: undefined,
    }));
    const run = pgRunner(session);
    const bound = mapEntries(entries, (entry) => ({
      text: entry.shape.text,
      execute: (values: FloorValues = {}) => run(entry, values),
    })) as PgFloorStatements<S>;
    session[key] = bound;
    return bound;
  };
}

/**
 * The kit of one PostgreSQL target: `schema` is its latest schema module, `handWritten` the
 * constraint → field names the schema cannot say (see `fieldsOf`).
 */
export function postgresqlKit<D extends object>(
  schema: Record<string, unknown>,
  handWritten: Record<string, string> = {},
): PostgresqlKit<D> {
  const constraints = postgresqlConstraints(schema);
  const fields = fieldsOf(constraints, handWritten);
  // toChatstoreError puts the constraint's name (or the column's, for NOT NULL) in `field`.
  const dbError = (error: unknown, entity: string): ChatstoreError => {
    const mapped = toChatstoreError(error, entity);
    if (mapped.field === undefined) return mapped;
    const field = (Object.hasOwn(fields, mapped.field) ? fields[mapped.field] : undefined) ?? camelCase(mapped.field);
    if (field === mapped.field) return mapped;
    return new ChatstoreError(mapped.code, mapped.message, { field, entity: mapped.entity, cause: mapped.cause });
  };
  return {
    fields,
    handWritten,
    constraints,
    dbError,
    notFound,
    mapped<T>(entity: string, run: () => Promise<T>): Promise<T> {
      // Not an async function: one promise (the call's own) instead of two on every hot path.
      const fail = (error: unknown): never => {
        throw dbError(error, entity);
      };
      try {
        return run().then(undefined, fail);
      } catch (error) {
        return Promise.reject(dbError(error, entity));
      }
    },
    prepared: <T>(build: (db: D) => T) => cachedPer((db: D) => db, build),
    floor: pgFloor,
  };
}
