import { connectRaw, type SqlClient } from '../connect';
import type { Dialect } from '../connect/location';
import type { ErrorCode } from '../errors';
import { dialectOf } from './dialects';
import { migrate, readStatus } from './engine';
import { diffSchemas, formatDifferences, introspect, type SchemaDifference, type SchemaFacts } from './introspect';
import { createLedger, lockTarget, readLedger, recordApplied } from './ledger';
import type { Migration, MigrationSet } from './migrations';

export interface AdoptResult {
  target: string;
  ok: boolean;
  /** The generation the database was identified as. */
  generation: string | null;
  /** Migrations recorded as applied (the database already had their effect). */
  recorded: string[];
  error?: {
    code: ErrorCode;
    message: string;
    closest?: string;
    differences?: SchemaDifference[];
    /** Later application versions the database looks like (`Target.fieldVersions`). */
    fieldVersions?: string[];
  };
}

/** The schema after each migration, built on a scratch database of the same dialect. */
export interface ExpectedSchema {
  /** Migrations up to and including this one. */
  through: Migration;
  facts: SchemaFacts;
}

/** Runs `fn` on an empty in-memory database of the dialect (PGlite or SQLite `:memory:`). */
export async function withScratch<T>(dialect: Dialect, fn: (client: SqlClient) => Promise<T>): Promise<T> {
  const scratch = await connectRaw(dialectOf(dialect).scratchLocation);
  try {
    return await fn(scratch.client);
  } finally {
    await scratch.close();
  }
}

// A migration set never changes once loaded, so its expected schemas are built once: adopting
// many files of one target (`migrate tatlock --dir`) pays for the scratch database once.
const expectedCache = new WeakMap<MigrationSet, Promise<ExpectedSchema[]>>();

/**
 * Applies a target's migrations one by one to a scratch database, reading the schema after each.
 * Memoized per migration set.
 */
export function expectedSchemas(set: MigrationSet): Promise<ExpectedSchema[]> {
  let schemas = expectedCache.get(set);
  if (!schemas) {
    schemas = buildExpectedSchemas(set);
    expectedCache.set(set, schemas);
    schemas.catch(() => expectedCache.delete(set));
  }
  return schemas;
}

async function buildExpectedSchemas(set: MigrationSet): Promise<ExpectedSchema[]> {
  return withScratch(set.target.dialect, async (client) => {
    const schemas: ExpectedSchema[] = [];
    for (const migration of set.migrations) {
      const partial = { ...set, migrations: set.migrations.slice(0, migration.index + 1) };
      const result = await migrate(client, partial, { to: migration.generation });
      if (!result.ok)
        throw new Error(`Scratch build of ${set.target.name} failed at ${migration.tag}: ${result.error?.message}`);
      schemas.push({ through: migration, facts: await introspect(client) });
    }
    return schemas;
  });
}

/**
 * Extensions a database has beyond those its migrations create (a legacy app's `pgcrypto` or
 * `vector`) add functions and types, not tables or columns, and do not block adoption; a
 * missing extension still does.
 */
export function blocking(differences: SchemaDifference[], set: MigrationSet): SchemaDifference[] {
  // A target may also accept legacy shapes its seed allows (Target.adoptTolerates).
  const tolerated = (d: SchemaDifference) =>
    (set.target.adoptTolerates ?? []).some(
      (t) => t.key === d.key && t.expected === d.expected && t.actual === d.actual,
    );
  return differences.filter((d) => !(d.key.startsWith('extension ') && d.expected === undefined) && !tolerated(d));
}

/**
 * The target's known later application versions that explain every difference between the
 * database and one generation, or `[]` when some difference is unexplained.
 */
function recognise(set: MigrationSet, expected: ExpectedSchema[], live: SchemaFacts): string[] {
  const versions = set.target.fieldVersions ?? [];
  for (const generation of new Set(versions.map((v) => v.generation))) {
    const point = expected.filter((e) => e.through.generation === generation).at(-1);
    if (!point) continue;
    const keys = blocking(diffSchemas(point.facts, live), set).map((d) => d.key);
    const candidates = versions.filter((v) => v.generation === generation);
    if (keys.length === 0 || !keys.every((k) => candidates.some((v) => v.keys.includes(k)))) continue;
    return candidates.filter((v) => v.keys.some((k) => keys.includes(k))).map((v) => v.version);
  }
  return [];
}

/**
 * Takes over a database that was created without chatstore (e.g. by the seed's hand-written
 * SQL): compares its live schema with the schema after each migration and, on an exact
 * match, records those migrations as applied. Later migrations are left for `migrate`.
 * Without a match it writes nothing and reports the differences to the closest generation. On a
 * SQLite file it holds the file's migration lock throughout, as `migrate` does: a second process
 * adopting or migrating at the same time waits, then finds the database managed.
 *
 * @example
 * const result = await adopt(conn.client, loadMigrations(targets.todo));
 * if (result.ok) console.log(`adopted at ${result.generation}`);
 */
export async function adopt(client: SqlClient, set: MigrationSet): Promise<AdoptResult> {
  return client.withMigrationLock ? client.withMigrationLock(() => identify(client, set)) : identify(client, set);
}

async function identify(client: SqlClient, set: MigrationSet): Promise<AdoptResult> {
  const name = set.target.name;
  const status = await readStatus(client, set);
  const fail = (
    code: ErrorCode,
    message: string,
    extra: Partial<NonNullable<AdoptResult['error']>> = {},
  ): AdoptResult => ({
    target: name,
    ok: false,
    generation: status.generation,
    recorded: [],
    error: { code, message, ...extra },
  });
  if (status.managed) {
    return fail(
      'ALREADY_MANAGED',
      `${name} is already managed by chatstore (at ${status.generation ?? 'no complete generation'}); use \`chatstore migrate\``,
    );
  }
  if (!status.hasTables) {
    return fail(
      'ADOPT_MISMATCH',
      `The database of ${name} is empty: nothing to adopt. Run \`chatstore migrate ${name}\` to create it.`,
    );
  }
  const live = await introspect(client);
  const expected = await expectedSchemas(set);
  const match = expected.find((e) => blocking(diffSchemas(e.facts, live), set).length === 0);
  if (!match) {
    const ranked = expected
      .map((e) => ({ e, differences: blocking(diffSchemas(e.facts, live), set) }))
      .sort((a, b) => a.differences.length - b.differences.length);
    const closest = ranked[0];
    const generation = closest?.e.through.generation ?? '';
    const differences = closest?.differences ?? [];
    const fieldVersions = recognise(set, expected, live);
    const looksLike =
      fieldVersions.length > 0
        ? `\nIt looks like a later version of the application, which chatstore does not model: ${fieldVersions.join('; ')}. Nothing was written.`
        : '';
    return fail(
      'ADOPT_MISMATCH',
      `The database of ${name} matches no generation exactly. Closest: ${generation} (after ${closest?.e.through.tag}), ${differences.length} difference(s):\n${formatDifferences(differences)}${looksLike}`,
      { closest: generation, differences, ...(fieldVersions.length > 0 ? { fieldVersions } : {}) },
    );
  }
  const toRecord = set.migrations.slice(0, match.through.index + 1);
  await client.transaction(async (tx) => {
    await lockTarget(tx, name);
    await createLedger(tx);
    if ((await readLedger(tx, name)).length > 0) throw new Error(`${name} was taken over by another process meanwhile`);
    for (const migration of toRecord) await recordApplied(tx, name, migration);
  });
  const after = await readStatus(client, set);
  return { target: name, ok: true, generation: after.generation, recorded: toRecord.map((m) => m.tag) };
}
