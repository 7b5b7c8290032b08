/**
 * The CLI under concurrency and crashes, as separate processes (decision 015): concurrent
 * migrators of one embedded database, a migrator while an app holds the database, and
 * `kill -9` at random points followed by a rerun that must end where a clean migration does.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRaw, lockFileOf, type SqlClient } from '../../src/connect';
import { lockHolder } from '../../src/connect/lock';
import { migrate, readStatus } from '../../src/migrate/engine';
import { diffSchemas, introspect, type SchemaFacts } from '../../src/migrate/introspect';
import { readLedger } from '../../src/migrate/ledger';
import { loadMigrations } from '../../src/migrate/migrations';
import { connect } from '../../src/targets/connect';
import { type TargetName, targets } from '../../src/targets/registry';
import { prng } from '../../support/random';
import { postgresBackend, serverUrl } from '../support/backends';

const dir = mkdtempSync(path.join(tmpdir(), 'chatstore-concurrency-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bin = path.resolve(import.meta.dirname, '..', '..', 'bin', 'chatstore.js');
// Spawned CLIs start tsx and PGlite; on a busy 2-core machine that takes a while.
const slow = { timeout: 240_000 };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], cwd = dir): { child: ChildProcess; done: Promise<Run> } {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [bin, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

const tagsOf = (target: TargetName) => loadMigrations(targets[target]).migrations.map((m) => m.tag);

async function facts(client: SqlClient, target: TargetName) {
  const ledger = (await readLedger(client, target)).map((r) => `${r.tag} ${r.sha256}`);
  return { schema: await introspect(client), ledger };
}

/** The schema and ledger of a clean migration of `target`, on a throwaway database. */
async function clean(target: TargetName): Promise<{ schema: SchemaFacts; ledger: string[] }> {
  const conn = await connectRaw(targets[target].dialect === 'postgresql' ? 'pglite:memory:' : ':memory:');
  try {
    const result = await migrate(conn.client, loadMigrations(targets[target]));
    expect(result.ok).toBe(true);
    return await facts(conn.client, target);
  } finally {
    await conn.close();
  }
}

/** Asserts that the database at `location` ended exactly where a clean migration does. */
async function expectLikeClean(target: TargetName, location: string, reference: Awaited<ReturnType<typeof clean>>) {
  const conn = await connect(target, location, { requireLatest: false });
  try {
    const status = await readStatus(conn.client, loadMigrations(targets[target]));
    expect(status).toMatchObject({ generation: status.latest, pending: [], problems: [] });
    const actual = await facts(conn.client, target);
    expect(diffSchemas(reference.schema, actual.schema)).toEqual([]);
    expect(actual.ledger).toEqual(reference.ledger);
  } finally {
    await conn.close();
  }
}

/** Outcomes of concurrent `migrate --json` runs: who applied what, and who gave up with LOCKED. */
function outcomes(runs: Run[]) {
  const applied: string[] = [];
  let appliers = 0;
  let idle = 0;
  let locked = 0;
  for (const run of runs) {
    if (run.code === 0) {
      const result = JSON.parse(run.stdout) as { results: { tag: string; status: string }[] };
      const mine = result.results.filter((r) => r.status === 'applied').map((r) => r.tag);
      applied.push(...mine);
      if (mine.length > 0) appliers++;
      else idle++;
    } else {
      // The only acceptable failure: the wait ran out while another process held the database.
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain('[LOCKED]');
      locked++;
    }
  }
  return { applied: applied.sort(), appliers, idle, locked };
}

describe.each([
  { target: 'agent' as const, store: 'PGlite directory', location: (d: string) => `pglite:${d}` },
  { target: 'letta' as const, store: 'SQLite file', location: (d: string) => `${d}.db` },
])('$target on one $store', ({ target, store, location }) => {
  let reference: Awaited<ReturnType<typeof clean>>;
  beforeAll(async () => {
    reference = await clean(target);
  }, 240_000);

  it(
    '4 concurrent `chatstore migrate` processes: every migration applied once, exit codes tell the truth',
    slow,
    async () => {
      const db = location(path.join(dir, `${target}-four`));
      const runs = await Promise.all([1, 2, 3, 4].map(() => start(['migrate', target, '--db', db, '--json']).done));
      const seen = outcomes(runs);
      expect(seen.applied).toEqual([...tagsOf(target)].sort());
      expect(seen.appliers).toBe(1);
      expect(seen.idle + seen.locked).toBe(3);
      // A SQLite migration lock is held for well under the default wait of 60 s.
      if (store === 'SQLite file') expect(seen.locked).toBe(0);
      await expectLikeClean(target, db, reference);
    },
  );

  it('`kill -9` at random points of `chatstore migrate`, then a rerun, ends like a clean migration', slow, async () => {
    const base = path.join(dir, `${target}-killed`);
    const db = location(base);
    const lockFile = lockFileOf(store === 'SQLite file' ? db : base);
    const random = prng(target === 'agent' ? 13 : 31);
    // PGlite starts, then migrates, over seconds; a SQLite migration is over in a fraction of one.
    const window = store === 'SQLite file' ? 300 : 4000;
    for (let kill = 0; kill < 3; kill++) {
      const { child, done } = start(['migrate', target, '--db', db]);
      // Kill after the child took the database's lock (Linux names the holder), at a random moment.
      const deadline = Date.now() + 120_000;
      while (process.platform === 'linux' && lockHolder(lockFile).pid !== child.pid && Date.now() < deadline) {
        if (child.exitCode !== null) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * window)));
      child.kill('SIGKILL');
      await done;
    }
    const rerun = await start(['migrate', target, '--db', db, '--json', '--wait', '0']).done;
    expect(rerun.code, rerun.stderr).toBe(0);
    await expectLikeClean(target, db, reference);
  });
});

describe.skipIf(!serverUrl)('todo on a PostgreSQL server', () => {
  const server = postgresBackend(serverUrl ?? '');
  afterAll(() => server.cleanup());

  it('`kill -9` at random points of `chatstore migrate`, then a rerun, ends like a clean migration', slow, async () => {
    const reference = await (async () => {
      const conn = await connect('todo', await server.create(), { requireLatest: false });
      try {
        expect((await migrate(conn.client, loadMigrations(targets.todo))).ok).toBe(true);
        return await facts(conn.client, 'todo');
      } finally {
        await conn.close();
      }
    })();
    const db = await server.create();
    const random = prng(47);
    const watcher = postgres(db, { max: 1, onnotice: () => {} });
    try {
      for (let kill = 0; kill < 3; kill++) {
        const { child, done } = start(['migrate', 'todo', '--db', db]);
        // Kill once the child is connected (it migrates next), at a random moment.
        const deadline = Date.now() + 120_000;
        while (child.exitCode === null && Date.now() < deadline) {
          const [row] =
            await watcher`select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`;
          if ((row?.n ?? 0) > 0) break;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 300)));
        child.kill('SIGKILL');
        await done;
      }
    } finally {
      await watcher.end();
    }
    const rerun = await start(['migrate', 'todo', '--db', db, '--json']).done;
    expect(rerun.code, rerun.stderr).toBe(0);
    await expectLikeClean('todo', db, reference);
  });
});

describe('an app holds the embedded database', () => {
  it('`chatstore migrate` with the default ./data gets LOCKED, naming the app, and opens nothing', slow, async () => {
    const cwd = mkdtempSync(path.join(dir, 'app-'));
    const app = await connect('todo', undefined, { dataDir: path.join(cwd, 'data'), requireLatest: false });
    try {
      const run = await start(['migrate', 'todo', '--wait', '0'], cwd).done;
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('[LOCKED]');
      expect(run.stderr).toContain(path.join(cwd, 'data', 'todo'));
      if (process.platform === 'linux') expect(run.stderr).toContain(`process ${process.pid}`);
      // --wait 0: no wait at all, whatever the default.
      expect(run.stderr).toContain('gave up at once');
      expect(run.stderr).not.toContain('waiting up to');
      // The app's database is untouched and still usable.
      expect(
        await app.client.query('select count(*)::int as n from pg_tables where schemaname = $1', ['public']),
      ).toEqual([{ n: 0 }]);
    } finally {
      await app.close();
    }
  });
});
