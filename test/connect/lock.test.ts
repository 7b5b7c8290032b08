/**
 * Embedded databases are one process's at a time (decision 015): the lock itself, a second
 * opener of a PGlite directory, a SQLite writer blocked past the wait, and damaged files.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRaw } from '../../src/connect';
import { acquireLock, lockFileOf, lockHolder } from '../../src/connect/lock';
import { toChatstoreError } from '../../src/errors';
import { migrate } from '../../src/migrate/engine';
import { loadMigrations } from '../../src/migrate/migrations';
import { connect } from '../../src/targets/connect';
import { targets } from '../../src/targets/registry';
import { expectChatstoreError } from '../support/database';

const dir = mkdtempSync(path.join(tmpdir(), 'chatstore-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('acquireLock', () => {
  it('is exclusive: a second taker gets LOCKED at once, naming the holder; free again after release', async () => {
    const file = path.join(dir, 'a.lock');
    const first = await acquireLock(file, { what: 'thing A', timeoutMs: 0 });
    const error = await expectChatstoreError(
      acquireLock(file, { what: 'thing A', timeoutMs: 0 }),
      'LOCKED',
      'location',
    );
    expect(error.message).toContain('thing A is in use by this process');
    if (process.platform === 'linux') expect(error.message).toContain(`(pid ${process.pid})`);
    first.release();
    first.release();
    const second = await acquireLock(file, { what: 'thing A', timeoutMs: 0 });
    second.release();
  });

  it('waits up to the timeout, and takes the lock when the holder lets go meanwhile', async () => {
    const file = path.join(dir, 'b.lock');
    const first = await acquireLock(file, { what: 'thing B' });
    const started = Date.now();
    await expectChatstoreError(acquireLock(file, { what: 'thing B', timeoutMs: 300 }), 'LOCKED', 'location');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const waits: unknown[] = [];
    setTimeout(() => first.release(), 200);
    const second = await acquireLock(file, { what: 'thing B', timeoutMs: 5000, onWait: (h) => waits.push(h) });
    expect(waits).toHaveLength(1);
    second.release();
  });

  it('is free as soon as a holder is killed with SIGKILL: no stale lock to clean up', async () => {
    const file = path.join(dir, 'c.lock');
    const script = `const D = require('better-sqlite3'); const d = new D(${JSON.stringify(file)}); d.pragma('journal_mode = OFF'); d.exec('BEGIN EXCLUSIVE'); console.log('held'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const error = await expectChatstoreError(
      acquireLock(file, { what: 'thing C', timeoutMs: 0 }),
      'LOCKED',
      'location',
    );
    if (process.platform === 'linux') {
      expect(lockHolder(file).pid).toBe(child.pid);
      expect(error.message).toContain(`process ${child.pid}`);
    }
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const mine = await acquireLock(file, { what: 'thing C', timeoutMs: 0 });
    mine.release();
  });
});

describe('embedded databases', () => {
  // PGlite starts in seconds, more on a busy machine.
  const slow = { timeout: 180_000 };

  it(
    'a PGlite directory is held for the connection: a second opener gets LOCKED and never opens it',
    slow,
    async () => {
      const location = `pglite:${path.join(dir, 'pg')}`;
      const holder = await connectRaw(location);
      try {
        const error = await expectChatstoreError(connect('todo', location, { lockTimeoutMs: 0 }), 'LOCKED', 'location');
        expect(error.message).toContain(`PGlite database ${path.join(dir, 'pg')}`);
        expect(error.message).toContain('pglite-socket');
        await holder.client.query('select 1');
      } finally {
        await holder.close();
      }
      // Closing let go of the directory.
      (await acquireLock(lockFileOf(path.join(dir, 'pg')), { what: 'x', timeoutMs: 0 })).release();
    },
  );

  it('a SQLite writer blocked past the wait is LOCKED, not a failed statement', async () => {
    const file = path.join(dir, 'busy.db');
    const blocker = new Database(file);
    blocker.pragma('journal_mode = WAL');
    // An uncommitted table: the migrator sees an empty file, then cannot write.
    blocker.exec('BEGIN IMMEDIATE; create table x (a int)');
    const conn = await connect('letta', file, { lockTimeoutMs: 200, requireLatest: false });
    try {
      const result = await migrate(conn.client, loadMigrations(targets.letta));
      expect(result.ok).toBe(false);
      expect(result.error?.code).toBe('LOCKED');
      expect(result.error?.message).not.toContain('statement 0');
      expect(result.error?.message).toMatch(/--wait/);
      blocker.exec('ROLLBACK');
      expect((await migrate(conn.client, loadMigrations(targets.letta))).ok).toBe(true);
    } finally {
      blocker.close();
      await conn.close();
    }
  });

  it("a SQLite migration waits for another process's migration lock, then reports LOCKED", async () => {
    const file = path.join(dir, 'migrating.db');
    const lock = await acquireLock(lockFileOf(file), { what: 'test' });
    const conn = await connect('letta', file, { lockTimeoutMs: 100, requireLatest: false });
    try {
      const result = await migrate(conn.client, loadMigrations(targets.letta));
      expect(result).toMatchObject({ ok: false, error: { code: 'LOCKED' }, results: [] });
      expect(result.error?.message).toContain(`SQLite database ${file} (migration)`);
      lock.release();
      expect((await migrate(conn.client, loadMigrations(targets.letta))).ok).toBe(true);
    } finally {
      lock.release();
      await conn.close();
    }
  });

  it('reports a damaged PGlite directory and a file that is no SQLite database as CORRUPT_DATABASE', slow, async () => {
    const pg = path.join(dir, 'damaged');
    const made = await connectRaw(`pglite:${pg}`);
    await made.close();
    writeFileSync(path.join(pg, 'global', 'pg_control'), Buffer.alloc(8192, 7));
    const error = await expectChatstoreError(connectRaw(`pglite:${pg}`), 'CORRUPT_DATABASE', 'location');
    expect(error.message).toContain('damaged database');
    // The failed open let go of the lock.
    await acquireLock(lockFileOf(pg), { what: 'x', timeoutMs: 0 }).then((l) => l.release());

    const file = path.join(dir, 'text.db');
    writeFileSync(file, 'this is a text file, not a database; SQLite finds no header here at all.');
    await expectChatstoreError(connectRaw(file), 'CORRUPT_DATABASE', 'location');
  });
});

describe('driver errors', () => {
  it('maps lock waits to LOCKED and damaged files to CORRUPT_DATABASE', () => {
    const driver = (code: string) => Object.assign(new Error(`driver says ${code}`), { code });
    for (const code of ['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED', '55P03'])
      expect(toChatstoreError(driver(code)).code, code).toBe('LOCKED');
    expect(toChatstoreError(driver('SQLITE_BUSY')).message).toContain('--wait');
    for (const code of ['SQLITE_CORRUPT', 'SQLITE_CORRUPT_INDEX', 'SQLITE_NOTADB', 'XX001'])
      expect(toChatstoreError(driver(code)).code, code).toBe('CORRUPT_DATABASE');
  });
});
