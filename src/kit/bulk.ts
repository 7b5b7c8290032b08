/**
 * Bulk import, shared by every target's `import*` functions (docs/decisions/027): rows come
 * from an array or an (async) iterable, each is checked like any repository input (values no
 * column can hold, then zod) and a bad row is a `VALIDATION` error naming its index
 * (`rows.1234.content`); the rows are written in ONE transaction — COPY on PostgreSQL
 * (postgres.js `COPY … FROM STDIN` as a stream, PGlite `COPY … FROM '/dev/blob'` in batches),
 * one prepared statement per transaction on SQLite — so on any error nothing is written.
 *
 * @example
 * const rows = await copyImport(db, source, options, { entity: 'messages', table: 'messages', … });
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type BetterSqlite3 from 'better-sqlite3';
import { z } from 'zod';
import { ChatstoreError } from '../errors';
import { MISS, parseField, validOrMiss } from './index';
import type { RowsNeeded } from './rls';

/** How far an import is: rows validated and handed to the database so far, of `total` when known. */
export interface ImportProgress {
  done: number;
  /** The number of rows, when the source is an array. */
  total?: number;
}

/**
 * How an import keeps the table's indexes (and, on PostgreSQL, its keys and foreign keys):
 * - `'maintain'`: every row updates every index and is checked by every foreign key as it goes
 *   in. Others keep reading and writing the table meanwhile.
 * - `'rebuild'`: they are dropped inside the import's transaction and built again after the
 *   rows are in — one sorted pass per index, one join per foreign key (pg_restore's order) —
 *   which is several times cheaper per row. The rebuild covers the rows already in the table,
 *   and on PostgreSQL the table is locked against readers and writers until the import commits.
 *   A key or foreign key violated by the rows fails the import as it would row by row.
 * - `'auto'` (the default): `'rebuild'` when the table holds no rows as the import starts, so a
 *   fresh database loads fast and a live one is never locked; `'maintain'` otherwise.
 */
export type IndexStrategy = 'auto' | 'maintain' | 'rebuild';
const indexStrategies: readonly IndexStrategy[] = ['auto', 'maintain', 'rebuild'];

export interface ImportOptions {
  /** Called as rows go in (about every 10,000 rows) and once at the end, with `done` = all rows. */
  onProgress?: (progress: ImportProgress) => void;
  /** How the table's indexes are kept; default `'auto'` (see `IndexStrategy`). */
  indexes?: IndexStrategy;
}

/** Where rows come from: an array, any iterable (a generator) or an async iterable (a stream). */
export type RowSource<T> = Iterable<T> | AsyncIterable<T>;

/** What every import returns: the rows written, per table. */
export interface ImportCounts {
  rows: number;
}

/** Rows per progress report and per chunk handed to the driver. */
export const importChunk = 10_000;

/**
 * The options, checked: anything but an object, `onProgress` other than a function or `indexes`
 * other than a strategy is `VALIDATION` naming the option.
 */
export function importOptions(
  options: unknown,
  entity: string,
): Required<Pick<ImportOptions, 'indexes'>> & ImportOptions {
  if (options === undefined || options === null) return { indexes: 'auto' };
  if (typeof options !== 'object' || Array.isArray(options))
    throw new ChatstoreError('VALIDATION', 'Invalid options: must be an object', { field: 'options', entity });
  const { onProgress, indexes = 'auto' } = options as { onProgress?: unknown; indexes?: unknown };
  if (onProgress !== undefined && typeof onProgress !== 'function')
    throw new ChatstoreError('VALIDATION', 'Invalid options.onProgress: must be a function', {
      field: 'options.onProgress',
      entity,
    });
  if (!indexStrategies.includes(indexes as IndexStrategy))
    throw new ChatstoreError('VALIDATION', `Invalid options.indexes: must be one of ${indexStrategies.join(', ')}`, {
      field: 'options.indexes',
      entity,
    });
  return { onProgress: onProgress as ImportOptions['onProgress'], indexes: indexes as IndexStrategy };
}

/** The source, checked: an array, an iterable other than a string, or an async iterable. */
export function rowSource(source: unknown, entity: string): RowSource<unknown> {
  if (Array.isArray(source)) return source;
  if (typeof source === 'object' && source !== null) {
    const s = source as Partial<Record<symbol, unknown>>;
    if (typeof s[Symbol.asyncIterator] === 'function' || typeof s[Symbol.iterator] === 'function')
      return source as RowSource<unknown>;
  }
  throw new ChatstoreError('VALIDATION', 'Invalid rows: must be an array or an (async) iterable of rows', {
    field: 'rows',
    entity,
  });
}

/**
 * Each row of `source`, parsed with `schema` (`findUnstorable` first) into what `take` gets, in
 * chunks of `importChunk`: `take` is called per row, `flush` after each chunk and at the end
 * (where the caller hands its buffer to the driver), progress is reported after each flush.
 * Arrays and sync iterables are read without an `await` per row. Returns the number of rows.
 */
export async function readRows<S extends z.ZodType>(
  source: unknown,
  options: unknown,
  schema: S,
  entity: string,
  take: (row: z.output<S>, index: number) => void,
  flush: () => void | Promise<void>,
): Promise<number> {
  const rows = rowSource(source, entity);
  const { onProgress } = importOptions(options, entity);
  const total = Array.isArray(rows) ? rows.length : undefined;
  let index = 0;
  let reported = -1;
  const report = () => {
    if (reported === index) return;
    reported = index;
    onProgress?.(total === undefined ? { done: index } : { done: index, total });
  };
  const one = (raw: unknown) => {
    const valid = validOrMiss(schema, raw);
    // A bad row is checked again by parseField, which names its field in the error it throws.
    take(valid !== MISS ? valid : parseField(schema, raw, `rows.${index}`, entity), index);
    index++;
  };
  if (Array.isArray(rows)) {
    for (let start = 0; start < rows.length; start += importChunk) {
      const end = Math.min(rows.length, start + importChunk);
      for (let i = start; i < end; i++) one(rows[i]);
      await flush();
      report();
    }
  } else if (Symbol.asyncIterator in rows) {
    for await (const raw of rows) {
      one(raw);
      if (index % importChunk === 0) {
        await flush();
        report();
      }
    }
    if (index % importChunk !== 0 || index === 0) await flush();
  } else {
    for (const raw of rows) {
      one(raw);
      if (index % importChunk === 0) {
        await flush();
        report();
      }
    }
    if (index % importChunk !== 0 || index === 0) await flush();
  }
  report();
  return index;
}

// ---------------------------------------------------------------------------------------------
// COPY text (PostgreSQL's text format: tab-separated, `\N` for NULL, backslash escapes).

const special = /[\\\t\n\r]/;

/** A text value as a COPY field. */
export function copyText(value: string): string {
  if (!special.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** A nullable text value as a COPY field. */
export const copyNullable = (value: string | null | undefined): string =>
  value === null || value === undefined ? '\\N' : copyText(value);

/** A JSON value as a `json`/`jsonb` COPY field (JSON text has no raw tabs or newlines, only backslashes). */
export function copyJson(value: unknown): string {
  if (value === undefined || value === null) return '\\N';
  const text = JSON.stringify(value);
  return text.includes('\\') ? text.replaceAll('\\', '\\\\') : text;
}

/** A `uuid[]` COPY field. */
export const copyUuids = (ids: readonly string[] | null | undefined): string =>
  ids === null || ids === undefined ? '\\N' : `{${ids.join(',')}}`;

/** A pgvector `vector` COPY field. */
export const copyVector = (values: readonly number[] | null | undefined): string =>
  values === null || values === undefined ? '\\N' : `[${values.join(',')}]`;

/**
 * When an imported row was written: a `Date` or an ISO 8601 string (both checked by zod: a valid
 * date, a real calendar day), or absent. Turned into text by `isoMoment`, not by a zod
 * `.transform`, which costs more per row than all the rest of a row's checks.
 */
export const importMoment = z.union([z.date(), z.iso.datetime({ offset: true, local: true })]).optional();

/**
 * A moment as ISO 8601 UTC text with microseconds: `at`, or when absent `base` plus `index`
 * microseconds, so rows imported without a time keep their order.
 */
export function isoMoment(at: Date | string | undefined, base: number, index: number): string {
  if (at !== undefined) return (typeof at === 'string' ? new Date(at) : at).toISOString();
  const iso = new Date(base + Math.floor(index / 1000)).toISOString();
  return `${iso.slice(0, -1)}${String(index % 1000).padStart(3, '0')}Z`;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: one transaction, COPY through whichever driver the handle has.

/** Runs one statement in the import's transaction; rows as objects. */
export type Exec = (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

interface PostgresJsClient {
  unsafe(
    text: string,
    params?: unknown[],
  ): PromiseLike<Record<string, unknown>[]> & {
    writable(): Promise<NodeJS.WritableStream>;
  };
}
interface PgliteClient {
  query(text: string, params?: unknown[], options?: { blob?: Blob }): Promise<{ rows: Record<string, unknown>[] }>;
}

/** What a drizzle PostgreSQL handle (or transaction) can do here; `session` is internal to drizzle. */
interface PgHandle {
  transaction<T>(fn: (tx: PgHandle) => Promise<T>): Promise<T>;
}
const driverOf = (tx: PgHandle) =>
  (tx as unknown as { session: { client: PostgresJsClient | PgliteClient } }).session.client;

/** Rows per PGlite COPY: the blob (and its copy inside PGlite) stays small. */
const pgliteBatch = 100_000;

/** One COPY into a table: which columns, and each row as its line of COPY text. */
export interface CopyPlan<S extends z.ZodType> {
  /** The table, for error messages and `dbError`. */
  entity: string;
  /** `copy <table> (<columns>) from …` */
  table: string;
  columns: readonly string[];
  schema: S;
  /** The row's COPY line, `\n` included; may collect what `after` needs. */
  line(row: z.output<S>, index: number): string;
  /** Runs in the transaction before the COPY (checks that need no rows). */
  before?(exec: Exec): Promise<void>;
  /** Runs in the transaction after the COPY (ownership checks, counters); throwing rolls all back. */
  after?(exec: Exec, rows: number): Promise<void>;
}

/**
 * Validates and COPYs every row of `source` in one transaction on `db` (postgres.js or PGlite,
 * a database handle or a caller's transaction, where it becomes a savepoint). Returns the rows
 * written; on any error the transaction rolls back and the error is thrown (driver errors
 * through `dbError`).
 */
export async function copyImport<S extends z.ZodType>(
  db: object,
  source: unknown,
  options: unknown,
  plan: CopyPlan<S>,
  dbError: (error: unknown, entity: string) => ChatstoreError,
): Promise<number> {
  // Checked before the transaction opens: a bad argument never reaches the database.
  rowSource(source, plan.entity);
  const { indexes } = importOptions(options, plan.entity);
  const copySql = `copy ${plan.table} (${plan.columns.join(', ')}) from`;
  try {
    return await (db as PgHandle).transaction(async (tx) => {
      const client = driverOf(tx);
      const postgresJs = 'unsafe' in client;
      const exec: Exec = postgresJs
        ? async (text, params) => [...(await client.unsafe(text, params ?? []))]
        : async (text, params) => (await client.query(text, params ?? [])).rows;
      await plan.before?.(exec);
      const rebuild = indexes === 'rebuild' || (indexes === 'auto' && (await pgIsEmpty(exec, plan.table)));
      const restore = rebuild ? await setPgIndexesAside(exec, plan.table) : undefined;
      const count = postgresJs
        ? await copyPostgresJs(client, `${copySql} stdin`, source, options, plan)
        : await copyPglite(client, `${copySql} '/dev/blob'`, source, options, plan);
      // Keys and foreign keys come back before `after`, whose checks rely on them.
      await restore?.();
      await plan.after?.(exec, count);
      return count;
    });
  } catch (error) {
    throw error instanceof ChatstoreError ? error : dbError(error, plan.entity);
  }
}

/**
 * Each chunk of `source`'s rows as COPY text (`readRows`' chunks, one string each) handed to
 * `take` with its row count; resolves with the number of rows.
 */
function readCopyText<S extends z.ZodType>(
  source: unknown,
  options: unknown,
  plan: CopyPlan<S>,
  take: (chunk: string, rows: number) => Promise<void>,
): Promise<number> {
  let lines: string[] = [];
  return readRows(
    source,
    options,
    plan.schema,
    plan.entity,
    (row, index) => {
      lines.push(plan.line(row, index));
    },
    async () => {
      if (lines.length === 0) return;
      const chunk = lines.join('');
      const rows = lines.length;
      lines = [];
      await take(chunk, rows);
    },
  );
}

/** postgres.js: one `COPY … FROM STDIN`, fed chunk by chunk while rows are validated. */
async function copyPostgresJs<S extends z.ZodType>(
  client: PostgresJsClient,
  text: string,
  source: unknown,
  options: unknown,
  plan: CopyPlan<S>,
): Promise<number> {
  const query = client.unsafe(text);
  // postgres.js resolves the query with the stream, so an error the server reports at the end
  // of the COPY (a foreign key) would never reach the stream: catch it where the driver rejects.
  const driver = query as unknown as { reject(error: unknown): void };
  const original = driver.reject;
  const failed = new Promise<never>((_, reject) => {
    driver.reject = (error) => {
      reject(error);
      original(error);
    };
  });
  failed.catch(() => {});
  const writable = await query.writable();
  let count = 0;
  // Rows are parsed in chunks; each chunk is written as soon as it is complete.
  const parts = streamChunks(source, options, plan, (n) => {
    count = n;
  });
  await Promise.race([pipeline(Readable.from(parts), writable as NodeJS.WritableStream), failed]);
  return count;
}

/**
 * The COPY text of the rows, one string per chunk of `importChunk` rows, yielded as each chunk
 * is complete (validation runs as the stream pulls).
 */
async function* streamChunks<S extends z.ZodType>(
  source: unknown,
  options: unknown,
  plan: CopyPlan<S>,
  done: (rows: number) => void,
): AsyncGenerator<string> {
  const ready: string[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  let failure: unknown;
  const reading = readCopyText(source, options, plan, async (chunk) => {
    ready.push(chunk);
    wake?.();
    // Let the stream take the chunk before parsing the next one (backpressure stays bounded).
    while (ready.length > 2) await new Promise<void>((resolve) => setImmediate(resolve));
  }).then(
    (rows) => {
      done(rows);
      finished = true;
      wake?.();
    },
    (error) => {
      failure = error;
      finished = true;
      wake?.();
    },
  );
  while (true) {
    const next = ready.shift();
    if (next !== undefined) {
      yield next;
      continue;
    }
    if (finished) break;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
    wake = undefined;
  }
  await reading;
  if (failure !== undefined) throw failure;
}

/** PGlite: the rows as COPY text in blobs of `pgliteBatch` rows, `COPY … FROM '/dev/blob'` each. */
async function copyPglite<S extends z.ZodType>(
  client: PgliteClient,
  text: string,
  source: unknown,
  options: unknown,
  plan: CopyPlan<S>,
): Promise<number> {
  let parts: string[] = [];
  let pending = 0;
  const send = async () => {
    if (parts.length === 0) return;
    const blob = new Blob(parts);
    parts = [];
    pending = 0;
    await client.query(text, [], { blob });
  };
  return readCopyText(source, options, plan, async (chunk, rows) => {
    parts.push(chunk);
    pending += rows;
    if (pending >= pgliteBatch) await send();
  }).then(async (rows) => {
    await send();
    return rows;
  });
}

/**
 * What an import into `table` needs of its role (for `requireRowsVisible` in a plan's `before`):
 * PostgreSQL refuses `COPY … FROM` into a table under row-level security, and every table an
 * import writes has FORCE ROW LEVEL SECURITY (decision 019), so the import runs as a role RLS
 * does not bind — the superuser or a BYPASSRLS role that migrates the database.
 */
export const copyNeedsBypass = (table: string): RowsNeeded => ({
  action: `Importing into ${table}`,
  because: 'and PostgreSQL refuses COPY FROM into a table under it',
  entity: table,
});

async function pgIsEmpty(exec: Exec, table: string): Promise<boolean> {
  const [row] = await exec(`select not exists (select 1 from ${table}) as empty`);
  return row?.empty === true;
}

/**
 * Drops the table's foreign keys, primary and unique keys (unless another table's foreign key
 * needs one) and its other valid indexes, and returns what puts them back: keys, then indexes,
 * then foreign keys, each from the definition the catalog had, so what comes back is what the
 * migrations made, with the same names.
 */
async function setPgIndexesAside(exec: Exec, table: string): Promise<() => Promise<void>> {
  const parts = (await exec(
    `select step, drop, "create" from (
       select 1 as step, conname as name,
         format('alter table %s drop constraint %I', conrelid::regclass, conname) as drop,
         format('alter table %s add constraint %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) as "create"
       from pg_constraint where conrelid = $1::regclass and contype = 'f'
       union all
       select 2, c.conname,
         format('alter table %s drop constraint %I', c.conrelid::regclass, c.conname),
         format('alter table %s add constraint %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
       from pg_constraint c where c.conrelid = $1::regclass and c.contype in ('p', 'u')
         and not exists (select 1 from pg_constraint f
           where f.contype = 'f' and f.conindid = c.conindid and f.conrelid <> c.conrelid)
       union all
       select 3, i.relname, format('drop index %s', i.oid::regclass), pg_get_indexdef(i.oid)
       from pg_index x join pg_class i on i.oid = x.indexrelid
       where x.indrelid = $1::regclass and x.indisvalid
         and not exists (select 1 from pg_constraint c where c.conindid = i.oid)
     ) parts order by step, name`,
    [table],
  )) as { step: number; drop: string; create: string }[];
  // Foreign keys go first (they rely on keys) and come back last (each validated by one join).
  for (const part of parts) await exec(part.drop);
  return async () => {
    for (const part of [...parts.filter((p) => p.step !== 1), ...parts.filter((p) => p.step === 1)])
      await exec(part.create);
  };
}

// ---------------------------------------------------------------------------------------------
// SQLite: rows read and validated first (the source may be async; a better-sqlite3 transaction
// may not wait), then written in one synchronous transaction with one prepared statement.

/** The better-sqlite3 connection behind a drizzle handle (or transaction); `session` is internal to drizzle. */
export const sqliteClientOf = (db: object): BetterSqlite3.Database =>
  (db as { session: { client: BetterSqlite3.Database } }).session.client;

/**
 * Reads and validates every row of `source` (`VALIDATION` naming the index), then runs `write`
 * with them in one `BEGIN IMMEDIATE` transaction on the handle's connection (a savepoint when
 * the caller's handle is already in one): anything `write` throws rolls every row back, and is
 * mapped by `dbError`. Progress counts rows as they are validated. With `options.indexes`
 * rebuilding, `table`'s own indexes are dropped before `write` and created again after it, in
 * the same transaction (readers in WAL mode keep their snapshot meanwhile).
 */
export async function sqliteImport<S extends z.ZodType, T>(
  db: object,
  source: unknown,
  options: unknown,
  table: string,
  schema: S,
  write: (client: BetterSqlite3.Database, rows: z.output<S>[]) => T,
  dbError: (error: unknown, entity: string) => ChatstoreError,
): Promise<T> {
  const { indexes } = importOptions(options, table);
  const rows: z.output<S>[] = [];
  await readRows(
    source,
    options,
    schema,
    table,
    (row) => {
      rows.push(row);
    },
    () => {},
  );
  const client = sqliteClientOf(db);
  const isEmpty = () => client.prepare(`select not exists (select 1 from ${table})`).pluck().get() === 1;
  try {
    return client
      .transaction(() => {
        const rebuild = indexes === 'rebuild' || (indexes === 'auto' && isEmpty());
        const restore = rebuild ? setSqliteIndexesAside(client, table) : undefined;
        const result = write(client, rows);
        restore?.();
        return result;
      })
      .immediate();
  } catch (error) {
    throw error instanceof ChatstoreError ? error : dbError(error, table);
  }
}

/**
 * Drops the indexes declared on `table` (not the ones SQLite made for its PRIMARY KEY or UNIQUE
 * columns, which cannot be dropped) and returns what creates them again from their own SQL.
 */
function setSqliteIndexesAside(client: BetterSqlite3.Database, table: string): () => void {
  const indexes = client
    .prepare("select name, sql from sqlite_master where type = 'index' and tbl_name = ? and sql is not null")
    .all(table) as { name: string; sql: string }[];
  for (const { name } of indexes) client.exec(`drop index "${name.replaceAll('"', '""')}"`);
  return () => {
    for (const { sql } of indexes) client.exec(sql);
  };
}
