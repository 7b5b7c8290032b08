import { Column, getTableColumns, is, SQL, StringChunk, type Table } from 'drizzle-orm';
import { compile, type z } from 'zod';
import { ChatstoreError } from '../errors';
import { fastInput, MISS } from './fast-input';
import { findUnstorable } from './storable';

export { MISS } from './fast-input';

/**
 * Parses repository input with its zod schema before anything touches the database.
 * The first issue becomes a `VALIDATION` error naming the field (`title`, `messages.0.role`);
 * values no column can hold as given (NUL, lone surrogates, circular or very deep JSON, BigInt,
 * dates outside years 1–9999: `findUnstorable`) are refused first, the same way.
 *
 * @example const input = parseInput(StartConversationInput, args);
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, entity?: string): z.output<S> {
  return parseAt(schema, input, [], entity);
}

/**
 * `parseInput` for a single argument (`getUser(db, username)`): a bad value is a `VALIDATION`
 * error naming `field`, as if it had been passed as `{ [field]: value }`.
 *
 * @example const username = parseField(Username, input, 'username', 'users');
 */
export function parseField<S extends z.ZodType>(
  schema: S,
  value: unknown,
  field: string,
  entity?: string,
): z.output<S> {
  return parseAt(schema, value, [field], entity);
}

/**
 * `schema`'s output for a valid `value`, or `MISS`; nothing is built for an error (import rows
 * ask this of every row and name the bad one's field only when there is one). Tried in order:
 * the fast path of simple object schemas (decision 031), then `findUnstorable` and the schema's
 * compiled twin (decision 029).
 */
export function validOrMiss<S extends z.ZodType>(schema: S, value: unknown): z.output<S> | typeof MISS {
  const fast = fastInput(schema, value);
  if (fast !== MISS) return fast;
  if (findUnstorable(value) !== undefined) return MISS;
  const parsed = compiled(schema).safeParse(value);
  return parsed.success ? parsed.data : MISS;
}

/** `validOrMiss`, and for a value it refuses the `VALIDATION` error naming where (after `prefix`). */
function parseAt<S extends z.ZodType>(schema: S, value: unknown, prefix: string[], entity?: string): z.output<S> {
  const valid = validOrMiss(schema, value);
  if (valid !== MISS) return valid;
  refuseUnstorable(value, prefix, entity);
  const parsed = compiled(schema).safeParse(value);
  if (parsed.success) return parsed.data;
  throw validationError(parsed.error, prefix, entity);
}

const compiledSchemas = new WeakMap<z.ZodType, z.ZodType>();

/**
 * A schema's compiled twin (decision 029; zod's `compile`: generated code for the valid case, about 3× faster
 * on the hot paths' inputs; anything it rejects is parsed again by the schema itself, so the
 * issues are the schema's). JSON fields use `jsonValue` (src/schema/json.ts), not the recursive
 * `z.json()`, which `compile` cannot make a fast path of.
 */
function compiled<S extends z.ZodType>(schema: S): S {
  let twin = compiledSchemas.get(schema);
  if (twin === undefined) {
    twin = compile(schema);
    compiledSchemas.set(schema, twin);
  }
  return twin as S;
}

/** A value no column can hold as given (`findUnstorable`) is a `VALIDATION` error naming where it is. */
export function refuseUnstorable(input: unknown, prefix: string[] = [], entity?: string): void {
  const problem = findUnstorable(input);
  if (!problem) return;
  const field = [...prefix, ...problem.path.map(String)].join('.') || 'input';
  throw new ChatstoreError('VALIDATION', `Invalid ${field}: ${problem.rule}`, { field, entity });
}

/** The first zod issue as a `VALIDATION` error whose field is its path (after `prefix`). */
function validationError(error: z.ZodError, prefix: string[], entity?: string): ChatstoreError {
  const issue = error.issues[0];
  const field = [...prefix, ...(issue?.path.map(String) ?? [])].join('.') || 'input';
  return new ChatstoreError('VALIDATION', `Invalid ${field}: ${issue?.message ?? 'invalid input'}`, {
    field,
    entity,
    cause: error,
  });
}

export function notFound(entity: string, field: string, id: unknown): ChatstoreError {
  return new ChatstoreError('NOT_FOUND', `No ${entity} row with ${field} ${String(id)}`, { entity, field });
}

/**
 * Builds a value once per key object and keeps it as long as the key lives: the prepared-statement
 * cache of both dialects' kits (keyed by the handle on PostgreSQL, by the connection on SQLite).
 */
export function cachedPer<K extends object, A extends unknown[], T>(
  keyOf: (...args: A) => K,
  build: (...args: A) => T,
): (...args: A) => T {
  const cache = new WeakMap<K, T>();
  return (...args) => {
    const key = keyOf(...args);
    let value = cache.get(key);
    if (value === undefined) {
      value = build(...args);
      cache.set(key, value);
    }
    return value;
  };
}

export const camelCase = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * A constraint (or unique index) a schema module declares, with the columns it covers in
 * declaration order: SQL names (`user_id`) and the keys callers know them by (`userId`).
 */
export interface SchemaConstraint {
  readonly table: string;
  readonly name: string;
  readonly kind: 'primary key' | 'unique' | 'foreign key' | 'check';
  readonly columns: readonly string[];
  readonly fields: readonly string[];
}

/** A table as both dialects' `getTableConfig` describe it, reduced to what constraint names need. */
export interface TableFacts {
  readonly name: string;
  /** SQL name → key, in declaration order. */
  readonly keys: ReadonlyMap<string, string>;
  readonly primaryKeys: readonly { name: string; columns: readonly string[] }[];
  readonly uniques: readonly { name: string; columns: readonly string[] }[];
  readonly foreignKeys: readonly { name: string; columns: readonly string[] }[];
  readonly checks: readonly { name: string; value: SQL }[];
}

/** What pg-core's and sqlite-core's `getTableConfig` both return, as far as constraints go. */
export interface DialectTableConfig {
  readonly name: string;
  readonly columns: readonly { name: string; primary: boolean; isUnique: boolean; uniqueName?: string | undefined }[];
  readonly primaryKeys: readonly { getName(): string; columns: readonly unknown[] }[];
  readonly uniqueConstraints: readonly { getName(): string | undefined; columns: readonly unknown[] }[];
  readonly indexes: readonly { config: { name?: string; unique: boolean; columns: readonly unknown[] } }[];
  readonly foreignKeys: readonly { getName(): string; reference(): { columns: readonly unknown[] } }[];
  readonly checks: readonly { name: string; value: SQL }[];
}

/** The SQL names of index or constraint columns (expressions have none). */
const columnNames = (columns: readonly unknown[]) =>
  columns.flatMap((column) => {
    const name = (column as { name?: unknown }).name;
    return typeof name === 'string' ? [name] : [];
  });

/**
 * A table's facts from its dialect's `getTableConfig`. An inline `.primaryKey()` is named
 * `<table>_pkey`, PostgreSQL's name for it (SQLite names no key).
 */
export function tableFacts(table: Table, config: DialectTableConfig): TableFacts {
  return {
    name: config.name,
    keys: new Map(Object.entries(getTableColumns(table)).map(([key, column]) => [column.name, key])),
    primaryKeys: [
      ...config.columns.filter((c) => c.primary).map((c) => ({ name: `${config.name}_pkey`, columns: [c.name] })),
      ...config.primaryKeys.map((pk) => ({ name: pk.getName(), columns: columnNames(pk.columns) })),
    ],
    uniques: [
      ...config.columns.flatMap((c) => (c.isUnique && c.uniqueName ? [{ name: c.uniqueName, columns: [c.name] }] : [])),
      ...config.uniqueConstraints.map((u) => ({ name: u.getName() ?? '', columns: columnNames(u.columns) })),
      ...config.indexes.flatMap((i) =>
        i.config.unique && i.config.name ? [{ name: i.config.name, columns: columnNames(i.config.columns) }] : [],
      ),
    ],
    foreignKeys: config.foreignKeys.map((fk) => ({ name: fk.getName(), columns: columnNames(fk.reference().columns) })),
    checks: config.checks.map((check) => ({ name: check.name, value: check.value })),
  };
}

/** The text of a SQL fragment with its columns as their names and its parameters as `?`. */
function sqlText(fragment: SQL): string {
  return fragment.queryChunks
    .map((chunk) =>
      is(chunk, StringChunk)
        ? chunk.value.join('')
        : is(chunk, Column)
          ? chunk.name
          : is(chunk, SQL)
            ? sqlText(chunk)
            : typeof chunk === 'string'
              ? chunk
              : '?',
    )
    .join('');
}

/** The table's columns a CHECK's SQL names, in order of first appearance (string literals skipped). */
function checkedColumns(check: SQL, keys: ReadonlyMap<string, string>): string[] {
  const words = sqlText(check)
    .replace(/'(?:[^']|'')*'/g, ' ')
    .match(/[A-Za-z_][A-Za-z0-9_]*/g);
  return [...new Set(words ?? [])].filter((word) => keys.has(word));
}

/** Every named constraint of the tables, with the columns it covers (see the dialect kits). */
export function constraintsOf(tables: readonly TableFacts[]): SchemaConstraint[] {
  return tables.flatMap((table) => {
    const of = (kind: SchemaConstraint['kind'], name: string, columns: readonly string[]): SchemaConstraint => ({
      table: table.name,
      name,
      kind,
      columns,
      fields: columns.map((column) => table.keys.get(column) ?? camelCase(column)),
    });
    return [
      ...table.primaryKeys.map((pk) => of('primary key', pk.name, pk.columns)),
      ...table.uniques.map((unique) => of('unique', unique.name, unique.columns)),
      ...table.foreignKeys.map((fk) => of('foreign key', fk.name, fk.columns)),
      ...table.checks.map((check) => of('check', check.name, checkedColumns(check.value, table.keys))),
    ];
  });
}

/**
 * The input field each constraint is about: the first column it covers, unless `handWritten`
 * says otherwise (what the schema cannot say: `tasks_attempts_check` is about `maxAttempts`, the
 * one the caller sets; `sessions_token_key` about `accessToken`, the input it is stored from).
 * A hand-written name the schema does not declare is a mistake, and throws.
 */
export function fieldsOf(constraints: readonly SchemaConstraint[], handWritten: Record<string, string>) {
  const fields: Record<string, string> = {};
  for (const constraint of constraints) {
    const field = handWritten[constraint.name] ?? constraint.fields[0];
    if (field !== undefined) fields[constraint.name] = field;
  }
  for (const name of Object.keys(handWritten)) {
    if (!Object.hasOwn(fields, name)) throw new Error(`No constraint ${name} in the schema: remove its field name`);
  }
  return fields;
}

/** What every target's kit gives its repositories, whatever the dialect. */
export interface KitBase {
  /** Constraint name → field, derived from the schema plus the hand-written remainder. */
  readonly fields: Readonly<Record<string, string>>;
  /** The remainder: what the schema cannot say. */
  readonly handWritten: Readonly<Record<string, string>>;
  readonly constraints: readonly SchemaConstraint[];
  /** Maps a driver error to a `ChatstoreError` naming the input field. */
  readonly dbError: (error: unknown, entity: string) => ChatstoreError;
  readonly notFound: typeof notFound;
}
