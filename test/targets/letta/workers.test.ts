/**
 * Several processes on one letta SQLite file: every queue entry is claimed by exactly one
 * worker and none is lost; a new identity written from several processes at once becomes one
 * Letta user.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../src/migrate/engine';
import { loadMigrations } from '../../../src/migrate/migrations';
import { type Connection, connect } from '../../../src/targets/connect';
import { queueDepth, resolveIdentity } from '../../../src/targets/letta';
import { targets } from '../../../src/targets/registry';
import { sqliteBackend } from '../../support/backends';
import { rawOf, recordQueued } from './fixtures';

const run = promisify(execFile);
const worker = new URL('./workers/queue-worker.ts', import.meta.url).pathname;
const backend = sqliteBackend();
afterAll(() => backend.cleanup());

async function database(): Promise<{ conn: Connection<'letta'>; file: string }> {
  const file = await backend.create();
  const conn = await connect('letta', file, { requireLatest: false });
  expect((await migrate(conn.client, loadMigrations(targets.letta))).ok).toBe(true);
  return { conn, file };
}

/** Runs `count` workers (they begin together once all have booted); their JSON outputs. */
async function workers(count: number, mode: string, file: string, ...args: string[]): Promise<unknown[]> {
  const outputs = await Promise.all(
    Array.from({ length: count }, () =>
      run(process.execPath, ['--import', 'tsx', worker, mode, file, String(count), ...args], { timeout: 90_000 }),
    ),
  );
  return outputs.map((o) => JSON.parse(o.stdout));
}

describe('letta with several processes on one file', () => {
  it('claims every queue entry exactly once: none twice, none lost', async () => {
    const { conn, file } = await database();
    const entries: number[] = [];
    try {
      for (let u = 0; u < 4; u++) {
        const { profile } = resolveIdentity(conn.db, { platform: 'telegram', platformUserId: 5000 + u });
        for (let i = 0; i < 100; i++) {
          entries.push(recordQueued(conn.db, { profileId: profile.id, message: `u${u} m${i}` }).queueEntry.id);
        }
      }
      const results = (await workers(4, 'claim', file)) as { pid: number; claimed: number[] }[];
      const claimed = results.flatMap((r) => r.claimed);
      expect(claimed).toHaveLength(entries.length);
      expect(new Set(claimed).size).toBe(entries.length);
      expect([...claimed].sort((a, b) => a - b)).toEqual(entries);
      // The work was shared, and each answer is from the worker that claimed the entry.
      expect(results.filter((r) => r.claimed.length > 0).length).toBeGreaterThan(1);
      const answers = rawOf(conn)
        .prepare('select q.id, m.agent_response as answer from queue q join messages m on m.id = q.message_id')
        .all() as { id: number; answer: string }[];
      const claimer = new Map(results.flatMap((r) => r.claimed.map((id) => [id, `answered by ${r.pid}`])));
      for (const { id, answer } of answers) expect(answer).toBe(claimer.get(id));
      expect(queueDepth(conn.db).byStatus).toEqual({ pending: 0, processing: 0, done: entries.length, failed: 0 });
    } finally {
      await conn.close();
    }
  });

  it('creates one Letta user when a new identity arrives in several processes at once', async () => {
    const { conn, file } = await database();
    try {
      const results = (await workers(3, 'resolve', file, '424242', '5')) as {
        users: number[];
        created: number;
      }[];
      const users = new Set(results.flatMap((r) => r.users));
      expect(users.size).toBe(1);
      expect(results.reduce((n, r) => n + r.created, 0)).toBe(1);
      expect(rawOf(conn).prepare('select count(*) as n from letta_users').get()).toEqual({ n: 1 });
      expect(rawOf(conn).prepare('select count(*) as n from platform_profiles').get()).toEqual({ n: 1 });
    } finally {
      await conn.close();
    }
  });
});
