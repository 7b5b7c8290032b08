import type { SqlClient } from '../connect/sql-client';
import { type ErrorCode, isChatstoreError } from '../errors';
import { dialectOf } from './dialects';
import { userTables } from './introspect';
import {
  createLedger,
  forgetApplied,
  type LedgerRow,
  ledgerExists,
  lockTarget,
  readLedger,
  recordApplied,
} from './ledger';
import type { DownMigration, Migration, MigrationSet } from './migrations';
import type { Target } from './target';

export type MigrationOutcome = 'applied' | 'skipped' | 'failed' | 'reverted';

/** What happened to one migration in a run. The runner never throws mid-way; it reports. */
export interface MigrationResult {
  tag: string;
  generation: string;
  direction: 'up' | 'down';
  status: MigrationOutcome;
  ms: number;
  /**
   * For `failed`: which statement (1-based; 0 = before any, e.g. waiting for the write lock)
   * failed and why. Nothing of the migration stays applied.
   */
  error?: { statement: number; sql: string; message: string; code?: ErrorCode };
  /** For a discard path (`discard/<generation>`): the rows it deleted, e.g. `12 row(s) in users`. */
  deleted?: string[];
}

export interface RunError {
  code: ErrorCode;
  message: string;
}

export interface MigrateResult {
  target: string;
  ok: boolean;
  from: string | null;
  to: string | null;
  results: MigrationResult[];
  error?: RunError;
}

export type LedgerProblem =
  | { kind: 'checksum'; tag: string; recorded: string; onDisk: string }
  | { kind: 'missing'; tag: string };

export interface Status {
  target: string;
  /** The newest generation whose migrations (and all before them) are applied; null if none. */
  generation: string | null;
  latest: string;
  /** The ledger has rows for this target. */
  managed: boolean;
  /** Tables other than the ledger exist. */
  hasTables: boolean;
  /** Tables exist but chatstore's ledger does not: the database was made by other means. */
  needsAdopt: boolean;
  applied: LedgerRow[];
  pending: Migration[];
  problems: LedgerProblem[];
}

export interface MigrateOptions {
  /** Generation to end at; default the latest. Older than the current one means going down. */
  to?: string;
  /** Allow a down migration or a discard path that drops tables or columns holding rows. */
  allowDataLoss?: boolean;
  /**
   * Reach a generation that ships a discard path (`drizzle/<target>/discard/<generation>.sql`,
   * e.g. a seed's drop-and-recreate) by that path instead of its migrations, which keep the
   * data. Deleting rows also needs `allowDataLoss`; without it the run stops, listing them.
   */
  discardData?: boolean;
  onProgress?: (event: { done: number; total: number; tag: string }) => void;
}

/** Reads the ledger and compares it with the migrations on disk. Writes nothing. */
export async function readStatus(client: SqlClient, set: MigrationSet): Promise<Status> {
  const { target, migrations } = set;
  const ledger = await ledgerExists(client);
  const applied = ledger ? await readLedger(client, target.name) : [];
  const appliedTags = new Map(applied.map((row) => [row.tag, row]));
  const byTag = new Map(migrations.map((m) => [m.tag, m]));
  const problems: LedgerProblem[] = [];
  for (const row of applied) {
    const migration = byTag.get(row.tag);
    if (!migration) problems.push({ kind: 'missing', tag: row.tag });
    else if (migration.sha256 !== row.sha256)
      problems.push({ kind: 'checksum', tag: row.tag, recorded: row.sha256, onDisk: migration.sha256 });
  }
  const hasTables = (await userTables(client)).length > 0;
  return {
    target: target.name,
    generation: currentGeneration(target, migrations, appliedTags),
    latest: target.generations.at(-1)?.name ?? '',
    managed: applied.length > 0,
    hasTables,
    needsAdopt: !ledger && hasTables,
    applied,
    pending: migrations.filter((m) => !appliedTags.has(m.tag)),
    problems,
  };
}

function currentGeneration(target: Target, migrations: readonly Migration[], applied: ReadonlyMap<string, unknown>) {
  if (applied.size === 0) return null;
  let current: string | null = null;
  for (const { name } of target.generations) {
    const own = migrations.filter((m) => m.generation === name);
    if (own.length === 0 || !own.every((m) => applied.has(m.tag))) break;
    current = name;
  }
  return current;
}

function problemMessage(target: string, problems: readonly LedgerProblem[]): RunError {
  const lines = problems.map((p) =>
    p.kind === 'checksum'
      ? `${p.tag} was applied with sha256 ${p.recorded.slice(0, 12)}… but the file on disk is ${p.onDisk.slice(0, 12)}…`
      : `${p.tag} is recorded as applied but no longer exists in drizzle/${target}`,
  );
  return {
    code: problems.some((p) => p.kind === 'checksum') ? 'CHECKSUM_MISMATCH' : 'MISSING_MIGRATION',
    message: `Refusing to migrate ${target}: applied migrations changed on disk.\n  ${lines.join('\n  ')}\nRestore the released files; never edit a migration that has been applied — add a new one.`,
  };
}

/**
 * Brings a database to a generation: applies pending migrations in journal order (set
 * difference against the ledger, so a migration merged late is still applied), each in its
 * own transaction under a per-target lock; or, for an older `to`, runs down migrations.
 *
 * @example
 * const result = await migrate(conn.client, loadMigrations(targets.todo));
 * if (!result.ok) console.error(result.error?.message);
 */
export async function migrate(
  client: SqlClient,
  set: MigrationSet,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  if (!client.withMigrationLock) return migrateLocked(client, set, options);
  try {
    return await client.withMigrationLock(() => migrateLocked(client, set, options));
  } catch (error) {
    // Another process holds the file's migration lock beyond the wait: reported, not thrown.
    if (!isChatstoreError(error, 'LOCKED')) throw error;
    const { code, message } = error;
    return { target: set.target.name, ok: false, from: null, to: null, results: [], error: { code, message } };
  }
}

async function migrateLocked(client: SqlClient, set: MigrationSet, options: MigrateOptions): Promise<MigrateResult> {
  const { target } = set;
  const status = await readStatus(client, set);
  // `results` fills as the run goes, so any failure reports what ran before it.
  const results: MigrationResult[] = [];
  const base = { target: target.name, from: status.generation, to: status.generation, results };
  const fail = (error: RunError): MigrateResult => ({ ...base, ok: false, error });
  if (status.problems.length > 0) return fail(problemMessage(target.name, status.problems));
  if (status.needsAdopt) {
    return fail({
      code: 'NEEDS_ADOPT',
      message: `The database of ${target.name} has tables but no chatstore ledger. Run \`chatstore adopt ${target.name}\` first: it identifies the generation and takes the database over.`,
    });
  }
  const names = target.generations.map((g) => g.name);
  const to = options.to ?? names.at(-1) ?? '';
  const toIndex = names.indexOf(to);
  if (toIndex < 0) {
    return fail({
      code: 'UNKNOWN_GENERATION',
      message: `Unknown generation "${to}" for ${target.name}; one of: ${names.join(', ')}`,
    });
  }
  const fromIndex = status.generation === null ? -1 : names.indexOf(status.generation);
  if (toIndex < fromIndex)
    return migrateDown(client, set, names.slice(toIndex + 1, fromIndex + 1).reverse(), to, base, fail, options);

  const wanted = new Set(names.slice(0, toIndex + 1));
  const pending = status.pending.filter((m) => wanted.has(m.generation));
  const todo = options.discardData ? discardSteps(set, pending) : pending.map(migrationStep);
  if (!Array.isArray(todo)) return fail(todo);
  for (const [i, step] of todo.entries()) {
    options.onProgress?.({ done: i, total: todo.length, tag: step.tag });
    const deleted = step.discard ? await dataAtRisk(client, step.discard) : [];
    if (deleted.length > 0 && !options.allowDataLoss) {
      return fail({
        code: 'DATA_LOSS',
        message: `${step.tag} (drizzle/${target.name}/${step.tag}.sql) would delete ${deleted.join('; ')}, instead of keeping them as ${step.records.map((m) => m.tag).join(', ')} does. Pass --allow-data-loss to delete them (take a backup first).`,
      });
    }
    const result = await applyUp(client, target.name, step);
    if (step.discard && result.status === 'applied') result.deleted = deleted;
    results.push(result);
    if (result.status === 'failed') return fail(runError(result));
  }
  options.onProgress?.({ done: todo.length, total: todo.length, tag: '' });
  const after = await readStatus(client, set);
  return { ...base, ok: true, to: after.generation };
}

class StatementError extends Error {
  constructor(
    readonly statement: number,
    readonly sql: string,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

async function runStatements(tx: SqlClient, statements: readonly string[]): Promise<void> {
  for (const [i, statement] of statements.entries()) {
    try {
      await tx.query(statement);
    } catch (error) {
      throw new StatementError(i + 1, statement, error);
    }
  }
}

function failure(error: unknown): MigrationResult['error'] {
  if (error instanceof StatementError) return { statement: error.statement, sql: error.sql, message: error.message };
  const code = isChatstoreError(error) ? { code: error.code } : {};
  return { statement: 0, sql: '', message: error instanceof Error ? error.message : String(error), ...code };
}

/** A failed step as the run's error: a lock timed out before any statement is LOCKED, not MIGRATION_FAILED. */
function runError(result: MigrationResult): RunError {
  const { statement = 0, message = '', code } = result.error ?? {};
  if (statement === 0 && code === 'LOCKED') return { code, message: `${result.tag} did not start: ${message}` };
  return { code: 'MIGRATION_FAILED', message: `${result.tag} failed at statement ${statement}: ${message}` };
}

/**
 * One step up: a migration (`records` = itself), or a generation's discard path, which runs
 * instead of that generation's migrations and records them all.
 */
interface UpStep {
  tag: string;
  generation: string;
  statements: readonly string[];
  rebuildsTables: boolean;
  records: readonly Migration[];
  discard?: DownMigration;
}

const migrationStep = (migration: Migration): UpStep => ({ ...migration, records: [migration] });

/**
 * `pending` with each generation that ships a discard path replaced by that path; a
 * generation only partly applied cannot take it. An error when no generation has one.
 */
function discardSteps(set: MigrationSet, pending: readonly Migration[]): UpStep[] | RunError {
  const { target } = set;
  const steps: UpStep[] = [];
  for (const migration of pending) {
    const discard = set.discards?.get(migration.generation);
    if (!discard) {
      steps.push(migrationStep(migration));
      continue;
    }
    if (steps.some((s) => s.discard === discard)) continue;
    const own = set.migrations.filter((m) => m.generation === migration.generation);
    if (!own.every((m) => pending.includes(m))) {
      return {
        code: 'NO_DISCARD_PATH',
        message: `Generation ${migration.generation} of ${target.name} is partly applied; its discard path starts from the generation before. Run \`chatstore migrate ${target.name}\` without --discard-data.`,
      };
    }
    const tag = `discard/${migration.generation}`;
    steps.push({ ...discard, tag, records: own, discard });
  }
  if (!steps.some((s) => s.discard)) {
    const generations = [...new Set(pending.map((m) => m.generation))];
    return {
      code: 'NO_DISCARD_PATH',
      message: `Nothing to discard: ${generations.length ? `pending generation(s) ${generations.join(', ')} of ${target.name} ship` : `${target.name} has no pending generation, so it ships`} no discard path (drizzle/${target.name}/discard/<generation>.sql). Nothing was changed.`,
    };
  }
  return steps;
}

async function applyUp(client: SqlClient, target: string, step: UpStep): Promise<MigrationResult> {
  const started = performance.now();
  const result = (status: MigrationOutcome, error?: MigrationResult['error']): MigrationResult => ({
    tag: step.tag,
    generation: step.generation,
    direction: 'up',
    status,
    ms: Math.round(performance.now() - started),
    ...(error ? { error } : {}),
  });
  try {
    const applied = await dialectOf(client).migrationTransaction(
      client,
      async (tx) => {
        await ensureLedger(tx, target);
        // Another migrator may have applied it while we waited for the lock.
        const done = new Set((await readLedger(tx, target)).map((row) => row.tag));
        if (step.records.some((m) => done.has(m.tag))) return false;
        await runStatements(tx, step.statements);
        for (const migration of step.records) await recordApplied(tx, target, migration);
        return true;
      },
      { rebuildsTables: step.rebuildsTables },
    );
    return result(applied ? 'applied' : 'skipped');
  } catch (error) {
    return result('failed', failure(error));
  }
}

/** Creates the ledger inside the caller's transaction, after taking the target lock. */
async function ensureLedger(tx: SqlClient, target: string): Promise<void> {
  await lockTarget(tx, target);
  await createLedger(tx);
}

async function migrateDown(
  client: SqlClient,
  set: MigrationSet,
  generations: readonly string[],
  to: string,
  base: Omit<MigrateResult, 'ok'>,
  fail: (error: RunError) => MigrateResult,
  options: MigrateOptions,
): Promise<MigrateResult> {
  const { target } = set;
  const { results } = base;
  const missing = generations.filter((g) => !set.downs.has(g));
  if (missing.length > 0) {
    return fail({
      code: 'NO_DOWN_MIGRATION',
      message: `Cannot go back to ${to}: generation ${missing.join(', ')} of ${target.name} ships no down migration (drizzle/${target.name}/down/<generation>.sql)`,
    });
  }
  for (const [i, generation] of generations.entries()) {
    const down = set.downs.get(generation) as DownMigration;
    options.onProgress?.({ done: i, total: generations.length, tag: `down/${generation}` });
    if (!options.allowDataLoss) {
      const losses = await dataAtRisk(client, down);
      if (losses.length > 0) {
        return fail({
          code: 'DATA_LOSS',
          message: `Going back from ${generation} would delete data: ${losses.join('; ')}. Pass --allow-data-loss to do it anyway (take a backup first).`,
        });
      }
    }
    const started = performance.now();
    const own = set.migrations.filter((m) => m.generation === generation);
    const result: MigrationResult = {
      tag: `down/${generation}`,
      generation,
      direction: 'down',
      status: 'reverted',
      ms: 0,
    };
    try {
      await dialectOf(client).migrationTransaction(
        client,
        async (tx) => {
          await lockTarget(tx, target.name);
          await runStatements(tx, down.statements);
          for (const m of own) await forgetApplied(tx, target.name, m.tag);
        },
        { rebuildsTables: down.rebuildsTables },
      );
    } catch (error) {
      result.status = 'failed';
      result.error = failure(error);
    }
    result.ms = Math.round(performance.now() - started);
    results.push(result);
    if (result.error) return fail(runError(result));
  }
  return { ...base, ok: true, to };
}

const dropTable = /^drop\s+table\s+(?:if\s+exists\s+)?[`"]?(\w+)[`"]?/i;
const renameTo = /^alter\s+table\s+\S+\s+rename\s+to\s+[`"]?(\w+)[`"]?/i;
const dropColumn = /^alter\s+table\s+[`"]?(\w+)[`"]?\s+drop\s+column\s+(?:if\s+exists\s+)?[`"]?(\w+)[`"]?/i;

/** Tables (and columns) a down migration or discard path drops that still hold rows. */
async function dataAtRisk(client: SqlClient, down: DownMigration): Promise<string[]> {
  const existing = new Set(await userTables(client));
  const statements = down.statements.map((s) => s.replace(/^\s*--.*$/gm, '').trim());
  // A table rebuilt (copied, dropped, the copy renamed into its place) keeps its rows.
  const rebuilt = new Set(statements.map((s) => renameTo.exec(s)?.[1]).filter(Boolean));
  const risks: string[] = [];
  for (const text of statements) {
    const table = dropTable.exec(text)?.[1] ?? dropColumn.exec(text)?.[1];
    if (!table || !existing.has(table) || (rebuilt.has(table) && dropTable.test(text))) continue;
    const column = dropColumn.exec(text)?.[2];
    const n = await dialectOf(client).countRows(client, table, column);
    const what = column ? `${table}.${column}` : table;
    if (n === null)
      risks.push(`${what} may hold rows this role cannot see (row-level security); count them as its owner`);
    else if (n > 0) risks.push(column ? `${n} value(s) in ${what}` : `${n} row(s) in ${what}`);
  }
  return risks;
}
