/**
 * The API an app calls: `connect()` refuses a database below its latest generation unless asked
 * to migrate it, `migrate()` by target name or on a connection, and migrations found from the
 * package or a `migrationsFolder`, never silently missing.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChatstoreError, connect, migrate } from '../../src/index';
import { findPackageRoot } from '../../src/paths';

const dir = mkdtempSync(path.join(tmpdir(), 'chatstore-api-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => path.join(dir, name);

async function failure(promise: Promise<unknown>): Promise<ChatstoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChatstoreError);
  return error as ChatstoreError;
}

describe('connect() and migrate() from code', () => {
  it('refuses a database that does not exist yet, naming the command, and creates nothing', async () => {
    const error = await failure(connect('letta', file('nested/missing.db')));
    expect(error.code).toBe('NOT_MIGRATED');
    expect(error.message).toContain(`npx chatstore migrate letta --db ${file('nested/missing.db')}`);
    expect(existsSync(file('nested'))).toBe(false);
  });

  it('migrates on connect when asked, then opens the migrated database as it is', async () => {
    const conn = await connect('letta', file('on-connect.db'), { migrate: true });
    expect(await conn.client.query('select count(*) as n from letta_users')).toEqual([{ n: 0 }]);
    await conn.close();
    const again = await connect('letta', file('on-connect.db'));
    await again.close();
  });

  it('migrates by target name to a generation, refuses the older database, and migrates a connection', async () => {
    const location = file('by-name.db');
    const result = await migrate('letta', location, { to: 'v1' });
    expect(result).toMatchObject({ ok: true, target: 'letta', from: null, to: 'v1' });
    const error = await failure(connect('letta', location));
    expect(error.code).toBe('NOT_MIGRATED');
    expect(error.message).toContain('is at generation v1, not at the latest generation v2');
    const conn = await connect('letta', location, { requireLatest: false });
    try {
      expect(await migrate(conn)).toMatchObject({ ok: true, from: 'v1', to: 'v2' });
    } finally {
      await conn.close();
    }
    expect((await migrate('letta', location)).results).toEqual([]);
  });

  it('throws the engine error instead of returning a failed result', async () => {
    const error = await failure(migrate('letta', file('bad-to.db'), { to: 'v9' }));
    expect(error.code).toBe('UNKNOWN_GENERATION');
    expect((await failure(migrate('nope' as 'letta'))).code).toBe('UNKNOWN_TARGET');
  });

  it('uses a copy of the migrations folder, and refuses a folder without migrations before creating anything', async () => {
    const copy = file('copy-of-drizzle');
    cpSync(path.join(findPackageRoot() ?? '', 'drizzle'), copy, { recursive: true });
    const conn = await connect('letta', file('from-copy.db'), { migrate: true, migrationsFolder: copy });
    await conn.close();
    mkdirSync(file('empty'));
    const error = await failure(migrate('letta', file('never.db'), { migrationsFolder: file('empty') }));
    expect(error.code).toBe('MIGRATIONS_NOT_FOUND');
    expect(error.message).toContain(path.join(file('empty'), 'letta'));
    expect((await failure(connect('letta', file('never.db'), { migrationsFolder: file('empty') }))).code).toBe(
      'MIGRATIONS_NOT_FOUND',
    );
    expect(existsSync(file('never.db'))).toBe(false);
  });
});
