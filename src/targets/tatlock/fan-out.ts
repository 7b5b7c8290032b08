/**
 * `chatstore migrate tatlock --dir <folder>`: brings a Tatlock installation's files to the latest
 * generation — `system.db` first (created if missing), then every user file — in the
 * specification's layout or the application's own (`hippocampus/`), adopting files that the seed's
 * SQL or the application created, and reporting a result per file. Each existing file is migrated
 * on a copy that replaces it only when everything succeeded (docs/decisions/010): a failing file is
 * left byte for byte as it was, and does not stop the others.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { lockFileOf, type SqlClient } from '../../connect';
import { acquireLock } from '../../connect/lock';
import { ChatstoreError, type ErrorCode, toChatstoreError } from '../../errors';
import { type AdoptResult, adopt } from '../../migrate/adopt';
import { migrate, readStatus } from '../../migrate/engine';
import { loadMigrations, type MigrationSet } from '../../migrate/migrations';
import { type Connection, connect } from '../connect';
import { targets } from '../registry';
import { importFieldVariant, type Reconciled, reconcileTurns } from './field';
import { resolveTatlockFolder, type TatlockFolder } from './folder';

export type TatlockTarget = 'tatlock-system' | 'tatlock-user';

/** What `bringToLatest` did to an open database. */
export interface Upgrade {
  /** The file had no ledger and was identified as this generation (`adopt`). */
  adopted: string | null;
  /** Changes that turned the application's own file into the seed's shape before adopting it. */
  imported: string[];
  /** Generation before (after identifying an unmanaged file); `null` for a new or empty file. */
  from: string | null;
  /** Generation the database is at now (where it stopped, on failure). */
  to: string | null;
  /** Migrations applied, in order. */
  applied: string[];
  /** Rows of deleted conversations removed, per table (`reconcileTurns`). */
  orphans: Record<string, number>;
  orphansRemoved: number;
  /** Messages written from memories. */
  rowsMoved: number;
  error?: { code: ErrorCode; message: string };
}

const nothingDone = (): Upgrade => ({
  adopted: null,
  imported: [],
  from: null,
  to: null,
  applied: [],
  orphans: {},
  orphansRemoved: 0,
  rowsMoved: 0,
});

/** What happened to one file. */
export interface FileResult extends Omit<Upgrade, 'from' | 'to'> {
  target: TatlockTarget;
  file: string;
  /** The user the file belongs to (`null` for system.db, or a file name that is no valid username). */
  username: string | null;
  /** Generation of the file before the run (as identified, for an unmanaged one); `null` for a new or empty file. */
  before: string | null;
  /** Generation the file on disk is at after the run (with `dryRun`: would be at). */
  after: string | null;
  /** The copy of the file as it was, kept before it was replaced; `null` when it was not changed. */
  backup: string | null;
  dryRun: boolean;
  ok: boolean;
  ms: number;
}

export interface FanOutResult {
  dir: string;
  layout: 'specification' | 'application';
  dryRun: boolean;
  ok: boolean;
  files: FileResult[];
  /** Wall-clock time of the whole run. */
  ms: number;
}

export interface FanOutOptions {
  /**
   * How long to wait, in ms, for another process that is upgrading the same file (another
   * fan-out, or an app opening it); past it the file fails with `LOCKED`. Default 5000.
   */
  lockTimeoutMs?: number | undefined;
  /** Files migrated at the same time. Default 1: see the note on `migrateTatlockFolder`. */
  concurrency?: number;
  /** Run everything on copies in a temporary folder and report; the installation is not touched. */
  dryRun?: boolean;
  /** Keep the copies of replaced files here (same relative paths) instead of beside them. */
  backupDir?: string;
  onProgress?: (event: { done: number; total: number; tag: string }) => void;
}

export interface UpgradeFileOptions {
  dryRun?: boolean;
  /** See `FanOutOptions.lockTimeoutMs`. */
  lockTimeoutMs?: number | undefined;
  backupDir?: string;
  /** The installation's folder: backups keep their path relative to it inside `backupDir`. */
  root?: string;
}

const sets = new Map<TatlockTarget, MigrationSet>();
function migrationsOf(target: TatlockTarget): MigrationSet {
  let set = sets.get(target);
  if (!set) {
    set = loadMigrations(targets[target]);
    sets.set(target, set);
  }
  return set;
}

const failed = (upgrade: Upgrade, error: unknown): Upgrade => {
  const { code, message } = toChatstoreError(error);
  return { ...upgrade, error: { code, message } };
};

/**
 * Migrates an open database of `target` to its latest generation, adopting it first when the
 * seed's SQL or the application created it (tables, no ledger). A tatlock-user file is brought to
 * 0.3.20 first, then its turns are reconciled (`reconcileTurns`: orphans of deleted conversations
 * removed, every turn once in conversation_messages) before the destructive generations run.
 * Failures are in the result.
 *
 * @example const { error } = await bringToLatest(conn.client, 'tatlock-user');
 */
export async function bringToLatest(client: SqlClient, target: TatlockTarget): Promise<Upgrade> {
  // Identify, import, reconcile and migrate as one step under the file's migration lock: another
  // process doing the same waits, then finds the file at the latest generation (decision 024).
  try {
    return client.withMigrationLock
      ? await client.withMigrationLock(() => upgradeOpen(client, target))
      : await upgradeOpen(client, target);
  } catch (error) {
    return failed(nothingDone(), error);
  }
}

async function upgradeOpen(client: SqlClient, target: TatlockTarget): Promise<Upgrade> {
  const set = migrationsOf(target);
  let upgrade: Upgrade = nothingDone();
  try {
    const status = await readStatus(client, set);
    upgrade.from = upgrade.to = status.generation;
    if (status.needsAdopt) {
      upgrade.imported = await importFieldVariant(client, target);
      const identified = await adopt(client, set);
      if (!identified.ok) {
        const { code, message } = identified.error ?? { code: 'ADOPT_MISMATCH' as const, message: 'adopt failed' };
        return { ...upgrade, error: { code, message } };
      }
      upgrade.adopted = upgrade.from = upgrade.to = identified.generation;
    }
    const names = set.target.generations.map((g) => g.name);
    const steps: (string | undefined)[] = [];
    // The turns are reconciled once conversation_messages exists (0.3.20) and before 0.3.21 moves them.
    if (target === 'tatlock-user') {
      if (names.indexOf(upgrade.to ?? '') < names.indexOf('0.3.20')) steps.push('0.3.20');
      steps.push('reconcile');
    }
    steps.push(undefined);
    for (const step of steps) {
      if (step === 'reconcile') {
        const reconciled: Reconciled = await reconcileTurns(client);
        upgrade = { ...upgrade, ...reconciled };
        continue;
      }
      const run = await migrate(client, set, step === undefined ? {} : { to: step });
      upgrade.applied.push(...run.results.filter((r) => r.status === 'applied').map((r) => r.tag));
      upgrade.to = (await readStatus(client, set)).generation;
      if (run.error) return { ...upgrade, error: run.error };
    }
    return upgrade;
  } catch (error) {
    return failed(upgrade, error);
  }
}

/**
 * Opens a file of `target` for an app, creating it and bringing it to the latest generation on
 * first use (`bringToLatest`); on failure the file is closed and the error thrown.
 *
 * @example const conn = await openLatest('tatlock-system', 'data/tatlock/system.db');
 */
export async function openLatest<T extends TatlockTarget>(target: T, file: string): Promise<Connection<T>> {
  const conn = await connect(target, file, { requireLatest: false });
  try {
    const upgrade = await bringToLatest(conn.client, target);
    if (upgrade.error)
      throw new ChatstoreError(upgrade.error.code, `${file}: ${upgrade.error.message}`, { entity: target });
    return conn;
  } catch (error) {
    await conn.close();
    throw error;
  }
}

/** The name of the copy kept of a file before it is replaced: `{file}.before-<step>`, never overwriting one. */
function backupPath(file: string, step: string, options: UpgradeFileOptions): string {
  const base = options.backupDir
    ? path.join(path.resolve(options.backupDir), path.relative(options.root ?? path.dirname(file), file))
    : file;
  let candidate = `${base}.before-${step}`;
  // An older copy may be the only one of an earlier state.
  for (let n = 2; existsSync(candidate); n++) candidate = `${base}.before-${step}.${n}`;
  return candidate;
}

/** Named after the first destructive generation the run applied (else the first one, else the import). */
function backupStep(applied: string[]): string {
  const generations = applied.map((tag) => tag.replace(/^\d+_/, '').split('__')[0] ?? '');
  return generations.find((g) => g >= '0.3.21') ?? generations[0] ?? 'import';
}

/**
 * Brings one file of a Tatlock installation to the latest generation of `target`, creating it if
 * it does not exist and adopting it first if the seed's SQL or the application created it. An
 * existing file is migrated on a copy beside it (`{file}.chatstore-work`) that replaces it only when
 * every step succeeded, after the original was copied to `{file}.before-<generation>` (or into
 * `backupDir`); on failure the copy is deleted and the file is byte for byte as it was. With
 * `dryRun` the copy lives in a temporary folder and nothing in the installation changes. Never
 * throws: failures are in the result.
 *
 * @example const result = await upgradeFile('tatlock-user', 'data/tatlock/alice_longterm.db', 'alice');
 */
export async function upgradeFile(
  target: TatlockTarget,
  file: string,
  username: string | null,
  options: UpgradeFileOptions = {},
): Promise<FileResult> {
  const started = performance.now();
  const dryRun = options.dryRun ?? false;
  let before: string | null = null;
  const result = (upgrade: Upgrade, after: string | null, backup: string | null = null): FileResult => {
    const { from: _from, to: _to, ...rest } = upgrade;
    return {
      target,
      file,
      username,
      before,
      after,
      backup,
      dryRun,
      ok: upgrade.error === undefined,
      ms: Math.round(performance.now() - started),
      ...rest,
    };
  };
  const exists = existsSync(file);
  const scratch = dryRun ? mkdtempSync(path.join(tmpdir(), 'chatstore-dry-run-')) : undefined;
  const work = scratch ? path.join(scratch, path.basename(file)) : exists ? `${file}.chatstore-work` : file;
  let conn: Connection<TatlockTarget> | undefined;
  let upgrade: Upgrade = nothingDone();
  try {
    if (exists) {
      // A non-empty journal or WAL holds changes the file alone does not have yet: copying the
      // file would miss them.
      for (const companion of ['-journal', '-wal']) {
        if (existsSync(file + companion) && statSync(file + companion).size > 0)
          throw new ChatstoreError(
            'CONFLICT',
            `${path.basename(file)}${companion} exists: the application may be writing this file; stop it and run again`,
            { field: 'file' },
          );
      }
      rmSync(work, { force: true });
      copyFileSync(file, work);
    }
    conn = await connect(target, work, { requireLatest: false, lockTimeoutMs: options.lockTimeoutMs });
    const status = await readStatus(conn.client, migrationsOf(target));
    before = status.generation;
    upgrade = await bringToLatest(conn.client, target);
    // An unmanaged file is at the generation it was identified as.
    before = upgrade.adopted ?? before;
    await conn.close();
    conn = undefined;
    if (upgrade.error || dryRun || !exists) {
      if (exists) rmSync(work, { force: true });
      // A failed existing file was never touched (nothing applied to it, nothing removed or moved);
      // a new one stops where the engine stopped.
      if (upgrade.error && exists)
        return result({ ...nothingDone(), adopted: upgrade.adopted, error: upgrade.error }, before);
      return result(upgrade, upgrade.to);
    }
    const changed =
      upgrade.applied.length > 0 ||
      upgrade.imported.length > 0 ||
      upgrade.orphansRemoved > 0 ||
      upgrade.rowsMoved > 0 ||
      upgrade.adopted !== null;
    if (!changed) {
      rmSync(work, { force: true });
      return result(upgrade, upgrade.to);
    }
    const backup = backupPath(file, backupStep(upgrade.applied), options);
    mkdirSync(path.dirname(backup), { recursive: true });
    copyFileSync(file, backup);
    renameSync(work, file);
    return result(upgrade, upgrade.to, backup);
  } catch (error) {
    await conn?.close();
    if (exists || dryRun) rmSync(work, { force: true });
    return result(failed(upgrade, error), exists ? before : null);
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    // The work copy is this run's alone, so its migration lock file may go with it (decision 015).
    else if (exists) rmSync(lockFileOf(work), { force: true });
  }
}

/** What `adoptTatlockFile` did. */
export interface FieldAdoptResult extends AdoptResult {
  /** Changes that turned the application's own file into the seed's shape (see `importFieldVariant`). */
  imported: string[];
  /** The copy of the file as it was, when it was replaced. */
  backup: string | null;
}

/**
 * `chatstore adopt` for a Tatlock file: identifies it as the seed's or the application's own
 * 0.3.19/0.3.20 and takes it over. Works on a copy that replaces the file only on success (the
 * original kept as `{file}.before-adopt`), so on a mismatch the file is as it was.
 *
 * @example const result = await adoptTatlockFile('tatlock-user', 'hippocampus/longterm/alice.db');
 */
export async function adoptTatlockFile(target: TatlockTarget, file: string): Promise<FieldAdoptResult> {
  if (!existsSync(file))
    throw new ChatstoreError('DATABASE_NOT_FOUND', `No database file ${file}: nothing to adopt`, { field: 'db' });
  const work = `${file}.chatstore-work`;
  let conn: Connection<TatlockTarget> | undefined;
  try {
    rmSync(work, { force: true });
    copyFileSync(file, work);
    conn = await connect(target, work, { requireLatest: false });
    const status = await readStatus(conn.client, migrationsOf(target));
    const imported = status.needsAdopt ? await importFieldVariant(conn.client, target) : [];
    const result = await adopt(conn.client, migrationsOf(target));
    await conn.close();
    conn = undefined;
    if (!result.ok) return { ...result, imported: [], backup: null };
    const backup = backupPath(file, 'adopt', {});
    copyFileSync(file, backup);
    renameSync(work, file);
    return { ...result, imported, backup };
  } finally {
    await conn?.close();
    rmSync(work, { force: true });
    rmSync(lockFileOf(work), { force: true });
  }
}

/**
 * Migrates every database of the Tatlock installation in `dir` (either layout, see
 * `resolveTatlockFolder`): `system.db` first (created if missing), then each user file in name
 * order, `concurrency` files at a time. A file whose name carries no valid username is reported
 * as failed and not opened.
 *
 * better-sqlite3 is synchronous, so files of one process never overlap on the CPU; `concurrency`
 * bounds how many are open at once and only interleaves them. One after another is fast enough:
 * docs/decisions/009-tatlock-fan-out-in-process.md.
 *
 * @example
 * const run = await migrateTatlockFolder('data/tatlock');
 * for (const f of run.files.filter((f) => !f.ok)) console.error(f.file, f.error?.message);
 */
export async function migrateTatlockFolder(dir: string, options: FanOutOptions = {}): Promise<FanOutResult> {
  const started = performance.now();
  const folder = resolveTatlockFolder(dir);
  // One fan-out per installation at a time, whole: a second one waits, then finds every file at
  // the latest generation (decision 024). The lock is the folder's sibling `<folder>.lock`, as a
  // PGlite directory's is, so nothing is added inside the installation.
  const lock = options.dryRun
    ? undefined
    : await acquireLock(lockFileOf(folder.root), {
        what: `Tatlock installation ${folder.root}`,
        timeoutMs: options.lockTimeoutMs,
        hint: 'wait longer (--wait <seconds>)',
      });
  try {
    return await migrateFolder(dir, folder, options, started);
  } finally {
    lock?.release();
  }
}

async function migrateFolder(
  dir: string,
  folder: TatlockFolder,
  options: FanOutOptions,
  started: number,
): Promise<FanOutResult> {
  const users = folder.users;
  const fileOptions: UpgradeFileOptions = {
    dryRun: options.dryRun,
    backupDir: options.backupDir,
    root: folder.root,
    lockTimeoutMs: options.lockTimeoutMs,
  };
  const total = users.length + 1;
  let done = 0;
  const progress = (tag: string) => options.onProgress?.({ done, total, tag });
  progress('system.db');
  // system.db first: Tatlock reads users from it before it opens their files.
  const files: FileResult[] = [await upgradeFile('tatlock-system', folder.systemFile, null, fileOptions)];
  done++;
  const results: FileResult[] = new Array(users.length);
  let next = 0;
  const worker = async () => {
    while (next < users.length) {
      const i = next++;
      const entry = users[i] as (typeof users)[number];
      progress(path.basename(entry.file));
      results[i] =
        entry.username === null
          ? {
              ...nothingDone(),
              target: 'tatlock-user',
              file: entry.file,
              username: null,
              before: null,
              after: null,
              backup: null,
              dryRun: options.dryRun ?? false,
              ok: false,
              ms: 0,
              error: {
                code: 'VALIDATION',
                message: 'The file name carries no valid username (letters, digits and _ . @ + - only); not opened',
              },
            }
          : await upgradeFile('tatlock-user', entry.file, entry.username, fileOptions);
      done++;
    }
  };
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 1, users.length || 1));
  await Promise.all(Array.from({ length: concurrency }, worker));
  progress('');
  files.push(...results);
  return {
    dir,
    layout: folder.layout,
    dryRun: options.dryRun ?? false,
    ok: files.every((f) => f.ok),
    files,
    ms: Math.round(performance.now() - started),
  };
}
