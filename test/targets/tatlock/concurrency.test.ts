/**
 * Tatlock under concurrency, as separate processes: four `chatstore migrate tatlock --dir` on one
 * folder the application wrote, and four apps opening one legacy user file at once. Every process
 * must succeed (a file another process just brought to the latest generation is "already at the
 * latest", not a failure) and the files must end exactly as one run leaves them.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FanOutResult } from '../../../src/targets/tatlock/fan-out';
import { openUserDatabase } from '../../../src/targets/tatlock-user';
import { createLegacyUserDatabase } from '../../../support/tatlock-legacy';
import { runNode } from '../../support/processes';
import { type AppContent, copyAppFolder, expectImported, readAll, readAppContent } from './app-files';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const temp = mkdtempSync(path.join(tmpdir(), 'chatstore-tatlock-concurrency-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
// Spawned processes start tsx; on a busy 2-core machine that takes a while.
const slow = { timeout: 240_000 };

const run = (args: string[]) => runNode(['--import', 'tsx', ...args], root);

const users = ['admin', 'alice', 'bob', 'carol.w', 'dave_k', 'eve-m', 'frank', 'grace'];

describe('tatlock with four processes at once', () => {
  it('four `migrate tatlock --dir` on one application folder: all exit 0, every file imported once', slow, async () => {
    const dir = copyAppFolder();
    const userFile = (u: string) => path.join(dir, 'hippocampus', 'longterm', `${u}.db`);
    const originals = new Map<string, AppContent>(users.map((u) => [u, readAppContent(userFile(u))]));
    const runs = await Promise.all(
      [1, 2, 3, 4].map(() => run(['src/main.ts', 'migrate', 'tatlock', '--dir', dir, '--json', '--wait', '120'])),
    );
    for (const r of runs) expect(r.code, r.stderr + r.stdout).toBe(0);
    const results = runs.map((r) => JSON.parse(r.stdout) as FanOutResult);
    for (const result of results) {
      expect(result.ok).toBe(true);
      expect(result.files.map((f) => f.after)).toEqual(['0.3.20', ...users.map(() => '0.3.23')]);
    }
    // Each file was changed by exactly one run; the others found it at the latest generation.
    for (let i = 0; i < 1 + users.length; i++) {
      expect(
        results.filter((r) => r.files[i]?.backup !== null),
        `file ${i}`,
      ).toHaveLength(1);
    }
    for (const u of users) expectImported(userFile(u), originals.get(u) as AppContent);
    rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it(
    'four apps opening one legacy user file at once: every open succeeds, the turns are there once',
    slow,
    async () => {
      const dataDir = path.join(temp, 'open');
      mkdirSync(dataDir);
      const legacy = path.join(temp, 'legacy.db');
      createLegacyUserDatabase(legacy, '0.3.19', { memories: 60 });
      copyFileSync(legacy, path.join(dataDir, 'alice_longterm.db'));
      // The reference: the same file opened by one app alone.
      const alone = path.join(temp, 'alone');
      mkdirSync(alone);
      copyFileSync(legacy, path.join(alone, 'alice_longterm.db'));
      const reference = await openUserDatabase('alice', { dataDir: alone });
      const [expected] = await reference.client.query<{ n: number }>('select count(*) as n from conversation_messages');
      await reference.close();
      expect(expected?.n).toBeGreaterThan(0);
      const worker = path.join(root, 'test/fixtures/tatlock-workers/open-user.ts');
      const runs = await Promise.all([1, 2, 3, 4].map(() => run([worker, dataDir, 'alice', '5'])));
      const lines = runs.flatMap((r) => r.stdout.trim().split('\n'));
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      expect(
        lines.filter((l) => !l.startsWith('ok ')),
        lines.join('\n'),
      ).toEqual([]);
      expect(lines).toHaveLength(20);
      const turns = readAll(path.join(dataDir, 'alice_longterm.db'), 'select count(*) as n from conversation_messages');
      expect(turns[0]?.n).toBe(expected?.n);
      expect(lines).toEqual(Array(20).fill(`ok ${expected?.n}`));
    },
  );
});
