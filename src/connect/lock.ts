/**
 * Cross-process locks for embedded databases (decision 015). A PGlite directory is held for a
 * connection's life; a SQLite file for the length of a migration run.
 *
 * The lock is the kernel's own file lock (fcntl on POSIX, LockFileEx on Windows), taken through
 * SQLite on a small side file `<database>.lock`: the kernel drops it when the holder exits, even
 * on `kill -9`, so there is no stale lock to detect and no pid to trust. The side file is never
 * deleted: removing it while another process waits on it would let two processes lock two
 * different files of the same name.
 */
import { readFileSync, statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { ChatstoreError } from '../errors';
import { loadSqlite } from './drivers';

/** The default wait for another process's lock, in ms: the same as SQLite's busy timeout. */
export const defaultLockTimeoutMs = 5000;

export interface LockOptions {
  /** How long to wait for another holder, in ms. 0: fail at once. Default 5000. */
  timeoutMs?: number;
  /** Called once when the lock is taken by someone else and we start waiting. */
  onWait?: (holder: LockHolder) => void;
  /** What the lock protects, for messages, e.g. `PGlite database /srv/data/todo`. */
  what: string;
  /** How to ask for a longer wait, for messages. */
  hint?: string;
}

export interface LockHolder {
  /** The holder's process id, when the platform says (Linux: /proc/locks); null otherwise. */
  pid: number | null;
}

export interface FileLock {
  readonly file: string;
  /** Releases the lock; releasing twice is harmless. */
  release(): void;
}

/** The side file that carries the lock of a database at `target` (a directory or a file). */
export const lockFileOf = (target: string) => `${target}.lock`;

const pollMs = 100;

/**
 * Takes the exclusive lock on `lockFile`, waiting up to `timeoutMs`; throws `LOCKED` naming the
 * holder's pid when it cannot.
 *
 * @example const lock = await acquireLock(lockFileOf(dir), { what: `PGlite database ${dir}` });
 */
export async function acquireLock(lockFile: string, options: LockOptions): Promise<FileLock> {
  const timeoutMs = Math.max(0, options.timeoutMs ?? defaultLockTimeoutMs);
  // The kernel's file lock, taken through SQLite: embedded databases need better-sqlite3.
  const { Database: Sqlite } = await loadSqlite();
  let db: Database.Database;
  try {
    // timeout 0: SQLite's own busy wait would block the event loop; this function polls instead.
    db = new Sqlite(lockFile, { timeout: 0 });
  } catch (error) {
    throw new ChatstoreError('UNWRITABLE_PATH', `Cannot create lock file "${lockFile}": ${(error as Error).message}`, {
      cause: error,
      field: 'location',
    });
  }
  const started = Date.now();
  let waited = false;
  for (;;) {
    try {
      // No journal: the lock file holds no data, and a journal would be one more file to leave behind.
      db.pragma('journal_mode = OFF');
      db.exec('BEGIN EXCLUSIVE');
      let released = false;
      return {
        file: lockFile,
        release() {
          if (released) return;
          released = true;
          db.close();
        },
      };
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== 'SQLITE_BUSY' && code !== 'SQLITE_LOCKED') {
        db.close();
        throw new ChatstoreError('UNWRITABLE_PATH', `Cannot lock "${lockFile}": ${(error as Error).message}`, {
          cause: error,
          field: 'location',
        });
      }
    }
    const holder = lockHolder(lockFile);
    if (Date.now() - started >= timeoutMs) {
      db.close();
      const who =
        holder.pid === null
          ? 'another process'
          : holder.pid === process.pid
            ? `this process (pid ${holder.pid})`
            : `process ${holder.pid}`;
      const wait = timeoutMs > 0 ? `after waiting ${formatSeconds(timeoutMs)}` : 'at once (no wait asked for)';
      throw new ChatstoreError(
        'LOCKED',
        `${options.what} is in use by ${who}; gave up ${wait}. ` +
          `An embedded database has one process at a time: stop that process, or ${options.hint ?? 'wait longer'}.`,
        { field: 'location' },
      );
    }
    if (!waited) {
      waited = true;
      options.onWait?.(holder);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, timeoutMs)));
  }
}

const formatSeconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

/**
 * The process holding the write lock on `lockFile`, from Linux's /proc/locks (which names
 * every fcntl lock by pid and device:inode). Elsewhere, or when the table is unreadable: null.
 */
export function lockHolder(lockFile: string): LockHolder {
  try {
    const { dev, ino } = statSync(lockFile);
    // Linux's dev_t: major in bits 8–19 (and 32+), minor in bits 0–7 (and 20+); /proc/locks prints them in hex.
    const major = Math.floor(dev / 256) % 4096;
    const minor = (dev % 256) + Math.floor(dev / 1_048_576) * 256;
    const id = `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}:${ino}`;
    for (const line of readFileSync('/proc/locks', 'utf8').split('\n')) {
      const fields = line.trim().split(/\s+/);
      // e.g. "1: POSIX  ADVISORY  WRITE 13753 fe:00:2146807 1073741824 1073742335"
      const [, kind, , mode, pid, device] = fields;
      if ((kind === 'POSIX' || kind === 'OFDLCK') && mode === 'WRITE' && device === id) {
        const n = Number(pid);
        if (Number.isInteger(n) && n > 0) return { pid: n };
      }
    }
  } catch {
    // Not Linux, or /proc is not mounted: the message says "another process".
  }
  return { pid: null };
}
