/** Opening databases: every scheme, the embedded default, and a clear error for each failure. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRaw, parseLocation, redact, scrub } from '../../src/connect';
import { ChatstoreError } from '../../src/errors';
import { connect } from '../../src/targets/connect';
import { serverUrl } from '../support/backends';

const dir = mkdtempSync(path.join(tmpdir(), 'chatstore-connect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function failure(promise: Promise<unknown>): Promise<ChatstoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChatstoreError);
  return error as ChatstoreError;
}

describe('parseLocation', () => {
  it('recognises every scheme', () => {
    expect(parseLocation('postgres://u@h/db')).toMatchObject({ kind: 'postgres', url: 'postgres://u@h/db' });
    expect(parseLocation('postgresql://u@h/db')).toMatchObject({ kind: 'postgres' });
    expect(parseLocation('pglite:memory:')).toEqual({ kind: 'pglite', dialect: 'postgresql', dir: null });
    expect(parseLocation('pglite:./x')).toEqual({ kind: 'pglite', dialect: 'postgresql', dir: path.resolve('x') });
    expect(parseLocation('./a/b.db')).toEqual({ kind: 'sqlite', dialect: 'sqlite', file: path.resolve('a/b.db') });
    expect(parseLocation(':memory:')).toEqual({ kind: 'sqlite', dialect: 'sqlite', file: ':memory:' });
  });

  it('refuses a bare pglite: rather than guessing memory', () => {
    expect(() => parseLocation('pglite:')).toThrowError(/pglite: needs a folder/);
  });

  it('rejects an unknown scheme, naming it', () => {
    expect(() => parseLocation('mysql://root@localhost/x')).toThrowError(/Unknown location scheme "mysql:"/);
    try {
      parseLocation('redis://x');
    } catch (error) {
      expect(error).toMatchObject({ code: 'UNKNOWN_SCHEME', field: 'location' });
    }
  });

  it('masks passwords when printing a location', () => {
    expect(redact('postgres://app:s3cret@db:5432/chat')).toBe('postgres://app:***@db:5432/chat');
    expect(redact('postgres://app@db/chat?sslmode=require&password=s3cret&x=1')).toBe(
      'postgres://app@db/chat?sslmode=require&password=***&x=1',
    );
    expect(redact('postgresql://db/chat?PASSWORD=s3cret')).toBe('postgresql://db/chat?PASSWORD=***');
  });

  it('masks the password of every URL shape, and only the password', () => {
    const shapes: [string, string][] = [
      ['postgres://app:p@ss@db/chat', 'postgres://app:***@db/chat'],
      ['postgres://:secret@db', 'postgres://:***@db'],
      ['postgres://app:p/ss?w#rd@db:5432/chat', 'postgres://app:***@db:5432/chat'],
      ['postgres://app:p ss"w\'d@db/chat', 'postgres://app:***@db/chat'],
      [
        'postgresql://app@db/chat?password=hunter2&sslmode=require',
        'postgresql://app@db/chat?password=***&sslmode=require',
      ],
      [
        'postgres://db/chat?sslmode=verify-full&sslpassword=k3y&pass%77ord=x',
        'postgres://db/chat?sslmode=verify-full&sslpassword=***&pass%77ord=***',
      ],
      ['postgres://app@db/chat', 'postgres://app@db/chat'],
      ['pglite:./data/todo', 'pglite:./data/todo'],
      ['./data/letta.db', './data/letta.db'],
    ];
    for (const [location, shown] of shapes) expect(redact(location)).toBe(shown);
    // Inside a message, every URL is masked.
    expect(redact('at postgres://a:b1@h/x and postgres://c:d2@h/y: boom')).toBe(
      'at postgres://a:***@h/x and postgres://c:***@h/y: boom',
    );
  });

  it('scrubs the secrets a location carries wherever a message echoes them', () => {
    const location = 'postgres://app:p@ss%2Fw0rd@db/chat?sslpassword=k3yfile';
    expect(scrub('auth failed for p@ss/w0rd; key k3yfile; {"pw":"p@ss/w0rd"}', location)).toBe(
      'auth failed for ***; key ***; {"pw":"***"}',
    );
    // A piece after an '@' of the password, as a driver that splits at the first '@' would echo it.
    expect(scrub('getaddrinfo ENOTFOUND ss%2Fw0rd@db', location)).not.toContain('w0rd');
  });
});

describe('connect', () => {
  it('opens PGlite in a folder, with pgvector available, and closes idempotently', async () => {
    const conn = await connect('todo', `pglite:${path.join(dir, 'pg')}`, { requireLatest: false });
    expect(conn.driver).toBe('pglite');
    await conn.client.query('create extension if not exists vector');
    expect(await conn.client.query(`select '[1,2]'::vector(2) <-> '[1,3]'::vector(2) as d`)).toEqual([{ d: 1 }]);
    await conn.close();
    await conn.close();
    expect(conn.closed).toBe(true);
  });

  it('uses the embedded default under the data folder when no location is given', async () => {
    const conn = await connect('todo', undefined, { requireLatest: false, dataDir: path.join(dir, 'data') });
    expect(conn.location).toEqual({ kind: 'pglite', dialect: 'postgresql', dir: path.join(dir, 'data', 'todo') });
    await conn.close();
  });

  it('opens SQLite files with WAL, foreign keys and a busy timeout', async () => {
    const conn = await connectRaw(path.join(dir, 'nested', 'x.db'));
    expect(await conn.client.query('pragma journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    expect(await conn.client.query('pragma foreign_keys')).toEqual([{ foreign_keys: 1 }]);
    expect(await conn.client.query('pragma busy_timeout')).toEqual([{ timeout: 5000 }]);
    await conn.close();
  });

  it('refuses a location of the wrong dialect for the target', async () => {
    const error = await failure(connect('todo', path.join(dir, 'todo.db')));
    expect(error.code).toBe('DIALECT_MISMATCH');
    expect(error.message).toContain('todo is postgresql');
  });

  it('reports an unwritable path', async () => {
    // A folder cannot be created under a regular file, whoever runs the test (even root).
    writeFileSync(path.join(dir, 'a-file'), '');
    const error = await failure(connectRaw(path.join(dir, 'a-file', 'x.db')));
    expect(error.code).toBe('UNWRITABLE_PATH');
    expect(error.message).toContain('a-file');
  });

  it('reports an unreachable server', async () => {
    const error = await failure(connect('todo', 'postgres://postgres@127.0.0.1:1/none'));
    expect(error.code).toBe('CONNECTION_FAILED');
    expect(error.message).toContain('127.0.0.1:1');
  });

  it.skipIf(!serverUrl)('reports a missing database on a reachable server', async () => {
    const url = new URL(serverUrl ?? '');
    url.pathname = '/chatstore_no_such_database';
    const error = await failure(connect('todo', url.toString()));
    expect(error.code).toBe('DATABASE_NOT_FOUND');
  });
});
