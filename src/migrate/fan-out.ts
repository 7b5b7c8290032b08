/**
 * `chatstore migrate tatlock --dir <folder>`: brings a Tatlock installation's files to the latest
 * generation — `system.db` first (created if missing), then every `{username}_longterm.db` —
 * adopting files that the seed's SQL created, and reporting a result per file. A failing file
 * does not stop the others; its migration step rolled back, so it is as it was before that step.
 */
import path from 'node:path';
import { type Connection, connect, type SqlClient } from '../connect';
import { ChatstoreError, type ErrorCode, toChatstoreError } from '../errors';
import { targets } from '../targets';
import { listUserDatabases, systemDatabaseFile } from '../tatlock-files';
import { adopt } from './adopt';
import { migrate } from './engine';
import { loadMigrations, type MigrationSet } from './migrations';

export type TatlockTarget = 'tatlock-system' | 'tatlock-user';

/** What `bringToLatest` did to an open database. */
export interface Upgrade {
  /** The file had no ledger and was identified as this generation (`adopt`). */
  adopted: string | null;
  /** Generation before (after identifying an unmanaged file); `null` for a new or empty file. */
  from: string | null;
  /** Generation after. */
  to: string | null;
  /** Migrations applied, in order. */
  applied: string[];
  error?: { code: ErrorCode; message: string };
}

const nothingDone: Upgrade = { adopted: null, from: null, to: null, applied: [] };

/** What happened to one file. */
export interface FileResult extends Upgrade {
  target: TatlockTarget;
  file: string;
  /** The user the file belongs to (`null` for system.db, or a file name that is no valid username). */
  username: string | null;
  ok: boolean;
  ms: number;
}

export interface FanOutResult {
  dir: string;
  ok: boolean;
  files: FileResult[];
  /** Wall-clock time of the whole run. */
  ms: number;
}

export interface FanOutOptions {
  /** Files migrated at the same time. Default 1: see the note on `migrateTatlockFolder`. */
  concurrency?: number;
  onProgress?: (event: { done: number; total: number; tag: string }) => void;
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

/**
 * Migrates an open database of `target` to its latest generation, adopting it first when the
 * seed's SQL created it (tables, no ledger). Failures are in the result.
 *
 * @example const { error } = await bringToLatest(conn.client, 'tatlock-user');
 */
export async function bringToLatest(client: SqlClient, target: TatlockTarget): Promise<Upgrade> {
  const set = migrationsOf(target);
  let run = await migrate(client, set);
  let adopted: string | null = null;
  if (run.error?.code === 'NEEDS_ADOPT') {
    const identified = await adopt(client, set);
    if (!identified.ok) {
      const { code, message } = identified.error ?? { code: 'ADOPT_MISMATCH' as const, message: 'adopt failed' };
      return { ...nothingDone, error: { code, message } };
    }
    adopted = identified.generation;
    run = await migrate(client, set);
  }
  return {
    adopted,
    from: adopted ?? run.from,
    to: run.to,
    applied: run.results.filter((r) => r.status === 'applied').map((r) => r.tag),
    ...(run.error ? { error: run.error } : {}),
  };
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

/**
 * Brings one file of a Tatlock installation to the latest generation of `target`, creating it if
 * it does not exist and adopting it first if the seed's SQL created it. Never throws: failures
 * are in the result.
 *
 * @example const result = await upgradeFile('tatlock-user', 'data/tatlock/alice_longterm.db', 'alice');
 */
export async function upgradeFile(target: TatlockTarget, file: string, username: string | null): Promise<FileResult> {
  const started = performance.now();
  const result = (upgrade: Upgrade): FileResult => ({
    target,
    file,
    username,
    ok: upgrade.error === undefined,
    ms: Math.round(performance.now() - started),
    ...upgrade,
  });
  let conn: Connection<TatlockTarget> | undefined;
  try {
    conn = await connect(target, file, { requireLatest: false });
    return result(await bringToLatest(conn.client, target));
  } catch (error) {
    const { code, message } = toChatstoreError(error);
    return result({ ...nothingDone, error: { code, message } });
  } finally {
    await conn?.close();
  }
}

/**
 * Migrates every database of the Tatlock installation in `dir`: `system.db` first (created if
 * missing), then each `*_longterm.db` in name order, `concurrency` files at a time. A file whose
 * name carries no valid username is reported as failed and not opened.
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
  const users = listUserDatabases(dir);
  const total = users.length + 1;
  let done = 0;
  const progress = (tag: string) => options.onProgress?.({ done, total, tag });
  progress('system.db');
  // system.db first: Tatlock reads users from it before it opens their files.
  const files: FileResult[] = [await upgradeFile('tatlock-system', systemDatabaseFile(dir), null)];
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
              ...nothingDone,
              target: 'tatlock-user',
              file: entry.file,
              username: null,
              ok: false,
              ms: 0,
              error: {
                code: 'VALIDATION',
                message: 'The file name carries no valid username (letters, digits and _ . @ + - only); not opened',
              },
            }
          : await upgradeFile('tatlock-user', entry.file, entry.username);
      done++;
    }
  };
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 1, users.length || 1));
  await Promise.all(Array.from({ length: concurrency }, worker));
  progress('');
  files.push(...results);
  return { dir, ok: files.every((f) => f.ok), files, ms: Math.round(performance.now() - started) };
}
