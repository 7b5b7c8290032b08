/**
 * Hot paths at the driver's floor: drizzle builds, chatstore executes (docs/decisions/026).
 *
 * A hot-path statement is still written with drizzle's query builder — its SQL, its parameter
 * order and its row type come from the schema — but it is not executed through drizzle's
 * prepared query, which fills placeholders generically, opens tracer spans, runs its cache
 * checks and maps every row field by field (`mapResultRow`). Instead the built query is read
 * once — SQL text, parameters (values, placeholders, placeholders behind a column's encoder),
 * selected fields — and compiled into two plain functions: `fill` (placeholder values → the
 * parameter array, in the statement's order) and `decode` (an array row → the object drizzle
 * would have returned, with each column's own `mapFromDriverValue` only where it has one). The
 * dialect kits (postgresql.ts, sqlite.ts) run the text through the driver's fastest call with
 * array rows and decode them with these.
 *
 * This module knows no driver; it reads what every drizzle prepared query carries.
 */
import { Column, getTableName, is, NoopLogger, noopDecoder, noopEncoder, Param, Placeholder, SQL } from 'drizzle-orm';
import { PgTimestamp, PgVector } from 'drizzle-orm/pg-core';
import { timestampFromText } from './timestamps';

/** What a drizzle prepared query (any dialect, any driver) carries about its statement. */
interface DrizzlePrepared {
  getQuery(): { sql: string; params: readonly unknown[] };
  fields?: readonly { path: readonly string[]; field: unknown }[];
  joinsNotNullableMap?: Record<string, boolean>;
  customResultMapper?: unknown;
}

/** Placeholder values by name, as drizzle's `execute(values)` takes them. */
export type FloorValues = Readonly<Record<string, unknown>>;

/** One statement shape, compiled once: its SQL, how its parameters are filled, how its rows decode. */
export interface FloorShape<T = unknown> {
  /** The SQL text exactly as drizzle would send it. */
  readonly text: string;
  /** Placeholder values → the parameter array, in the statement's order (drizzle's `fillPlaceholders`). */
  readonly fill: (values: FloorValues) => unknown[];
  /** An array row → the typed object; `undefined` when the statement selects nothing (no RETURNING). */
  readonly decode: ((row: readonly unknown[]) => T) | undefined;
  /** Every row of a result, decoded. */
  readonly decodeAll: (rows: readonly (readonly unknown[])[]) => T[];
  /** The selected fields in column order (what a driver-specific variant decides on). */
  readonly fields: readonly { path: readonly string[]; field: unknown }[];
  /**
   * A decoder for rows whose values at `passThrough` positions the driver already made into
   * what the field's mapping would return (PGlite's own `Date` for a timestamptz column).
   */
  variant(passThrough: ReadonlySet<number>): (rows: readonly (readonly unknown[])[]) => T[];
}

type Decoder = { mapFromDriverValue(value: unknown): unknown };
type Encoder = { mapToDriverValue(value: unknown): unknown };

const identityDecoders = new Set<unknown>([Column.prototype.mapFromDriverValue, noopDecoder.mapFromDriverValue]);
const identityEncoders = new Set<unknown>([Column.prototype.mapToDriverValue, noopEncoder.mapToDriverValue]);

/** drizzle's timestamp decoding, without the engine's date parser (src/kit/timestamps.ts). */
const timestampDecoders = {
  withTimezone: { mapFromDriverValue: (v: unknown) => (typeof v === 'string' ? timestampFromText(v, true) : v) },
  withoutTimezone: { mapFromDriverValue: (v: unknown) => (typeof v === 'string' ? timestampFromText(v, false) : v) },
};

/**
 * pgvector's text (`[0.1,-2e-05,…]`, finite numbers only) is a JSON array: the engine's JSON
 * parser reads a 1536-number vector in half the time of drizzle's split and parseFloat.
 */
const vectorDecoder = { mapFromDriverValue: (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) };

/** The decoder drizzle's `mapResultRow` uses for a selected field (or one that returns the same). */
function decoderOf(field: unknown): Decoder {
  if (is(field, PgTimestamp))
    return field.withTimezone ? timestampDecoders.withTimezone : timestampDecoders.withoutTimezone;
  if (is(field, PgVector)) return vectorDecoder;
  if (is(field, Column)) {
    // A CTE's or an alias's column is a Proxy (drizzle's ColumnAliasProxyHandler): its decoder is
    // read once here, not through the proxy's trap for every value of every row.
    const map = field.mapFromDriverValue;
    return { mapFromDriverValue: identityDecoders.has(map) ? map : map.bind(field) };
  }
  // drizzle marks an SQL's `decoder` (set by `.mapWith`) internal.
  const decoderOfSql = (sql: SQL | undefined) => (sql as { decoder?: Decoder } | undefined)?.decoder;
  if (is(field, SQL)) return decoderOfSql(field) ?? noopDecoder;
  const f = field as { _?: { sql?: SQL }; sql?: SQL };
  // A subquery (`field._.sql`) or an aliased SQL (`field.sql`).
  return decoderOfSql(f._?.sql ?? f.sql) ?? noopDecoder;
}

/**
 * Compiles drizzle's `fillPlaceholders` for one parameter list: a placeholder is read from the
 * values by name, a placeholder behind a `Param` goes through its encoder (a column's
 * `mapToDriverValue`, skipped where that is the identity), anything else is a constant.
 */
export function compileFill(params: readonly unknown[]): (values: FloorValues) => unknown[] {
  const constants: unknown[] = [];
  const encoders: Encoder[] = [];
  const items = params.map((param, at) => {
    if (is(param, Placeholder)) return `v[${JSON.stringify(param.name)}]`;
    if (is(param, Param) && is(param.value, Placeholder)) {
      const read = `v[${JSON.stringify(param.value.name)}]`;
      if (identityEncoders.has(param.encoder.mapToDriverValue)) return read;
      encoders[at] = param.encoder as Encoder;
      return `e[${at}].mapToDriverValue(${read})`;
    }
    constants[at] = param;
    return `c[${at}]`;
  });
  return new Function('c', 'e', `return (v) => [${items.join(', ')}];`)(constants, encoders);
}

interface Tree {
  readonly children: Map<string, Tree | number>;
}

/**
 * Compiles drizzle's `mapResultRow` for one list of selected fields into a single object
 * literal (nested for `select({ user: users, profile: profiles })`): a value goes through its
 * field's `mapFromDriverValue` only where that is not the identity, and null stays null. A
 * nested object of a table that may be missing from a join (left join) is `null` when drizzle
 * would make it null: its first column is null and all its columns are that table's.
 */
export function compileDecoder<T>(
  fields: readonly { path: readonly string[]; field: unknown }[],
  joinsNotNullableMap?: Record<string, boolean>,
  passThrough: ReadonlySet<number> = new Set(),
): (row: readonly unknown[]) => T {
  const decoders: Decoder[] = [];
  const root: Tree = { children: new Map() };
  fields.forEach(({ path, field }, at) => {
    let node = root;
    path.forEach((chunk, depth) => {
      if (depth === path.length - 1) {
        node.children.set(chunk, at);
        return;
      }
      let next = node.children.get(chunk);
      if (typeof next !== 'object') {
        next = { children: new Map() };
        node.children.set(chunk, next);
      }
      node = next;
    });
    const decoder = decoderOf(field);
    if (!identityDecoders.has(decoder.mapFromDriverValue) && !passThrough.has(at)) decoders[at] = decoder;
  });
  // drizzle's nullify rule (mapResultRow): only columns at depth 2 count; the first one's value
  // decides, and columns of two tables in one object switch it off.
  const nullIf = new Map<string, number>();
  if (joinsNotNullableMap) {
    const seen = new Map<string, { first: number; table: string; mixed: boolean }>();
    fields.forEach(({ path, field }, at) => {
      if (path.length !== 2 || !is(field, Column)) return;
      const name = path[0] as string;
      const table = getTableName(field.table);
      const entry = seen.get(name);
      if (!entry) seen.set(name, { first: at, table, mixed: false });
      else if (entry.table !== table) entry.mixed = true;
    });
    for (const [name, { first, table, mixed }] of seen) {
      if (!mixed && !joinsNotNullableMap[table]) nullIf.set(name, first);
    }
  }
  const value = (at: number) =>
    decoders[at] === undefined ? `r[${at}]` : `(r[${at}] === null ? null : d[${at}].mapFromDriverValue(r[${at}]))`;
  const literal = (tree: Tree, depth: number): string =>
    `{ ${[...tree.children]
      .map(([key, child]) => {
        if (typeof child === 'number') return `${JSON.stringify(key)}: ${value(child)}`;
        const inner = literal(child, depth + 1);
        const first = depth === 0 ? nullIf.get(key) : undefined;
        return `${JSON.stringify(key)}: ${first === undefined ? inner : `r[${first}] === null ? null : ${inner}`}`;
      })
      .join(', ')} }`;
  // A literal of fixed shape is what V8 builds fastest; the keys are the schema's own.
  return new Function('d', `return (r) => (${literal(root, 0)});`)(decoders);
}

/**
 * Reads a drizzle prepared query (what `.prepare()` returns on any driver) into a compiled
 * shape. Relational queries (`db.query.…`, which map rows with their own mapper) are refused.
 */
export function floorShape<T>(prepared: object): FloorShape<T> {
  const p = prepared as DrizzlePrepared;
  if (p.customResultMapper !== undefined) {
    throw new Error('floor statements take query-builder statements, not relational queries (db.query…)');
  }
  const { sql: text, params } = p.getQuery();
  const fields = p.fields ?? [];
  const all = (decode: ((row: readonly unknown[]) => T) | undefined) =>
    decode
      ? (rows: readonly (readonly unknown[])[]) => {
          const out = new Array<T>(rows.length);
          for (let i = 0; i < rows.length; i++) out[i] = decode(rows[i] as readonly unknown[]);
          return out;
        }
      : (rows: readonly (readonly unknown[])[]) => rows as unknown as T[];
  const decode = p.fields ? compileDecoder<T>(fields, p.joinsNotNullableMap) : undefined;
  return {
    text,
    fill: compileFill(params),
    decode,
    decodeAll: all(decode),
    fields,
    variant: (passThrough) => all(p.fields ? compileDecoder<T>(fields, p.joinsNotNullableMap, passThrough) : undefined),
  };
}

/** The logger of a drizzle session, or `undefined` when it is drizzle's no-op one. */
export function loggerOf(session: {
  logger?: { logQuery(query: string, params: unknown[]): void };
}): { logQuery(query: string, params: unknown[]): void } | undefined {
  const logger = session.logger;
  return logger === undefined || is(logger, NoopLogger) ? undefined : logger;
}

/** drizzle marks `session` internal; a handle and its transactions each carry one. */
export const sessionOf = <S>(db: object): S => (db as { session: S }).session;

/** `build`'s entries, each turned by `map`. */
export function mapEntries<S extends Record<string, unknown>, R>(
  entries: S,
  map: (value: S[keyof S], key: keyof S) => R,
): { [K in keyof S]: R } {
  const out = {} as { [K in keyof S]: R };
  for (const key of Object.keys(entries) as (keyof S)[]) out[key] = map(entries[key], key);
  return out;
}
