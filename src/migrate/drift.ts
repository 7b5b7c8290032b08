import { defaultLocation, embeddedExists, parseLocation, redact, type SqlClient } from '../connect';
import { ChatstoreError } from '../errors';
import { blocking, expectedSchemas, withScratch } from './adopt';
import { dialectOf, type ReadOnlyDatabase } from './dialects';
import { migrate, readStatus, type Status } from './engine';
import { diffSchemas, formatDifferences, introspect, type SchemaDifference } from './introspect';
import type { MigrationSet } from './migrations';
import type { Target } from './target';

/**
 * Read-only inspection for `status` and `migrate --dry-run`: opens a database without creating
 * anything (a missing file, folder or PGlite directory is reported as missing, not made), and
 * compares a managed database's live schema with the schema its ledger says it has (decision 012).
 */

/** The location a command uses: `--db`, else DATABASE_URL for PostgreSQL targets, else the embedded default. */
export function resolveLocation(target: Target, db?: string): string {
  return (
    db ??
    dialectOf(target).locationFromEnvironment() ??
    defaultLocation(target.name, target.dialect, undefined, target.embeddedFile)
  );
}

export type { ReadOnlyDatabase } from './dialects';

/**
 * Opens a target's database for reading, or returns null when it does not exist yet. SQLite files
 * open read-only; PGlite opens only an initialised directory; a server database is only queried.
 */
export async function openReadOnly(target: Target, location: string): Promise<ReadOnlyDatabase | null> {
  const parsed = parseLocation(location);
  if (parsed.dialect !== target.dialect) {
    throw new ChatstoreError(
      'DIALECT_MISMATCH',
      `Target ${target.name} is ${target.dialect}, but "${redact(location)}" is a ${parsed.dialect} location`,
      { field: 'location' },
    );
  }
  if (!embeddedExists(parsed)) return null;
  return dialectOf(target).openReadOnly(location);
}

/**
 * How a managed database's live schema differs from the schema after the migrations its ledger
 * records, built on a scratch database and compared as `adopt` compares (extensions the database
 * has beyond its migrations do not count). Null when there is nothing to compare against: no
 * ledger, or applied files that changed on disk.
 *
 * @example
 * const drift = await driftOf(conn.client, set, await readStatus(conn.client, set));
 * if (drift?.length) console.log(formatDifferences(drift));
 */
export async function driftOf(
  client: SqlClient,
  set: MigrationSet,
  status: Status,
): Promise<SchemaDifference[] | null> {
  if (!status.managed || status.problems.length > 0) return null;
  const appliedTags = new Set(status.applied.map((row) => row.tag));
  const applied = set.migrations.filter((m) => appliedTags.has(m.tag));
  const last = applied.at(-1);
  if (!last) return null;
  const expected =
    applied.length === last.index + 1
      ? (await expectedSchemas(set))[last.index]?.facts
      : // A migration merged late is pending behind applied ones: build exactly what was applied.
        await withScratch(set.target.dialect, async (scratch) => {
          const subset = { ...set, migrations: applied.map((m, index) => ({ ...m, index })) };
          const result = await migrate(scratch, subset);
          if (!result.ok) throw new Error(`Scratch build of ${set.target.name} failed: ${result.error?.message}`);
          return introspect(scratch);
        });
  if (!expected) return null;
  return blocking(diffSchemas(expected, await introspect(client)), set);
}

/** What `chatstore status` reports for one database. */
export interface StatusReport {
  target: string;
  location: string;
  /** False when the file, folder or PGlite directory does not exist (nothing was created). */
  exists: boolean;
  generation: string | null;
  latest: string;
  managed: boolean;
  needsAdopt: boolean;
  /** Applied migrations, oldest first, `appliedAt` in ISO 8601. */
  applied: { tag: string; appliedAt: string }[];
  pending: string[];
  problems: Status['problems'];
  /** Differences between the live schema and the recorded generation's; null when not compared. */
  drift: SchemaDifference[] | null;
  /** Nothing pending, nothing drifted, no changed files, no adoption needed. */
  ok: boolean;
}

/**
 * Reads a database's status and drift without writing anything.
 *
 * @example const report = await inspectDatabase(targets.todo, loadMigrations(targets.todo), 'pglite:./data/todo');
 */
export async function inspectDatabase(target: Target, set: MigrationSet, location: string): Promise<StatusReport> {
  const shown = redact(location);
  const db = await openReadOnly(target, location);
  if (!db) {
    return {
      target: target.name,
      location: shown,
      exists: false,
      generation: null,
      latest: target.generations.at(-1)?.name ?? '',
      managed: false,
      needsAdopt: false,
      applied: [],
      pending: set.migrations.map((m) => m.tag),
      problems: [],
      drift: null,
      ok: false,
    };
  }
  try {
    const status = await readStatus(db.client, set);
    const drift = await driftOf(db.client, set, status);
    return {
      target: target.name,
      location: shown,
      exists: true,
      generation: status.generation,
      latest: status.latest,
      managed: status.managed,
      needsAdopt: status.needsAdopt,
      applied: status.applied.map((r) => ({ tag: r.tag, appliedAt: r.appliedAt })),
      pending: status.pending.map((m) => m.tag),
      problems: status.problems,
      drift,
      ok: status.pending.length === 0 && status.problems.length === 0 && !status.needsAdopt && !drift?.length,
    };
  } finally {
    await db.close();
  }
}

/** The human form of a report: lines for stdout and for stderr. */
export function formatStatusReport(report: StatusReport): { out: string[]; err: string[] } {
  const out = [`${report.target} at ${report.location}`];
  const err: string[] = [];
  const generation = !report.exists
    ? 'none: no database there yet (migrate creates it)'
    : (report.generation ?? (report.needsAdopt ? 'unmanaged (run adopt)' : 'empty'));
  out.push(`  generation: ${generation} (latest ${report.latest})`);
  out.push(`  applied:    ${report.applied.map((r) => r.tag).join(', ') || '-'}`);
  out.push(`  pending:    ${report.pending.join(', ') || '-'}`);
  if (report.drift === null) out.push(`  drift:      ${report.managed ? 'not compared (applied files changed)' : '-'}`);
  else if (report.drift.length === 0) out.push("  drift:      none (the live schema is the recorded generation's)");
  else {
    err.push(`  drift:      ${report.drift.length} difference(s) from the schema after ${report.applied.at(-1)?.tag}:`);
    err.push(formatDifferences(report.drift));
  }
  for (const p of report.problems)
    err.push(
      `  problem: ${p.kind === 'checksum' ? `${p.tag} changed on disk since it was applied` : `${p.tag} is applied but missing on disk`}`,
    );
  return { out, err };
}
