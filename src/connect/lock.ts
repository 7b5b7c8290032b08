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
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { ChatstoreError, isChatstoreError } from '../errors';
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
  const attempt = await lockAttempt(lockFile);
  const started = Date.now();
  let waited = false;
  for (;;) {
    const lock = attempt.take();
    if (lock) return lock;
    const holder = attempt.holder();
    if (Date.now() - started >= timeoutMs) {
      attempt.close();
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

/** One way of taking a lock: `take` returns it, or null while someone else holds it. */
interface LockAttempt {
  take(): FileLock | null;
  holder(): LockHolder;
  close(): void;
}

/**
 * The kernel's file lock, taken through SQLite. Where better-sqlite3 is not installed (an app on
 * PGlite alone), a pid file instead: exclusive creation, taken over when its process is gone.
 */
async function lockAttempt(lockFile: string): Promise<LockAttempt> {
  let Sqlite: Awaited<ReturnType<typeof loadSqlite>>['Database'];
  try {
    Sqlite = (await loadSqlite()).Database;
  } catch (error) {
    if (isChatstoreError(error, 'MISSING_PACKAGE')) return pidFileAttempt(lockFile);
    throw error;
  }
  let db: Database.Database;
  try {
    // timeout 0: SQLite's own busy wait would block the event loop; acquireLock polls instead.
    db = new Sqlite(lockFile, { timeout: 0 });
  } catch (error) {
    throw new ChatstoreError('UNWRITABLE_PATH', `Cannot create lock file "${lockFile}": ${(error as Error).message}`, {
      cause: error,
      field: 'location',
    });
  }
  return {
    take() {
      try {
        // No journal: the lock file holds no data, and a journal would be one more file to leave behind.
        db.pragma('journal_mode = OFF');
        db.exec('BEGIN EXCLUSIVE');
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return null;
        db.close();
        throw new ChatstoreError('UNWRITABLE_PATH', `Cannot lock "${lockFile}": ${(error as Error).message}`, {
          cause: error,
          field: 'location',
        });
      }
      let released = false;
      return {
        file: lockFile,
        release() {
          if (released) return;
          released = true;
          db.close();
        },
      };
    },
    holder: () => lockHolder(lockFile),
    close: () => db.close(),
  };
}

function pidFileAttempt(lockFile: string): LockAttempt {
  const pidFile = `${lockFile}.pid`;
  const readPid = (): number | null => {
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  };
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  const take = (): FileLock | null => {
    try {
      writeFileSync(pidFile, String(process.pid), { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new ChatstoreError(
          'UNWRITABLE_PATH',
          `Cannot create lock file "${pidFile}": ${(error as Error).message}`,
          {
            cause: error,
            field: 'location',
          },
        );
      const pid = readPid();
      // A holder killed without releasing leaves its pid behind: take the lock over.
      if (pid === null || alive(pid)) return null;
      rmSync(pidFile, { force: true });
      return take();
    }
    let released = false;
    return {
      file: pidFile,
      release() {
        if (released) return;
        released = true;
        rmSync(pidFile, { force: true });
      },
    };
  };
  return { take, holder: () => ({ pid: readPid() }), close: () => {} };
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
