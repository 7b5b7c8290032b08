/**
 * `chatstore migrate --all` when one database is held by another process: that one is reported
 * `LOCKED`, every other database is still migrated, and the exit code says something failed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/targets/connect';
import { targetNames } from '../../src/targets/registry';
import { runNode } from '../support/processes';

const root = path.resolve(import.meta.dirname, '..', '..');
const dir = mkdtempSync(path.join(tmpdir(), 'chatstore-migrate-all-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]) =>
  // The installed command (bin/ runs dist/), from a folder of its own: --all works on ./data.
  runNode([path.join(root, 'bin', 'chatstore.js'), ...args], dir);

describe('migrate --all with one database held by another process', () => {
  it('reports that one LOCKED and migrates the rest', { timeout: 240_000 }, async () => {
    const held = await connect('todo', `pglite:${path.join(dir, 'data', 'todo')}`, { migrate: true });
    try {
      const result = await run(['migrate', '--all', '--wait', '0', '--json']);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stdout, result.stderr).not.toBe('');
      const document = JSON.parse(result.stdout) as {
        ok: boolean;
        results: { target?: string; ok: boolean; error?: { code: string } | string }[];
      };
      expect(document.ok).toBe(false);
      const failed = document.results.filter((r) => !r.ok);
      expect(failed).toEqual([
        expect.objectContaining({ target: 'todo', error: expect.objectContaining({ code: 'LOCKED' }) }),
      ]);
      // Every other database ends migrated (Tatlock's folder holds only system.db: no users yet).
      expect(document.results.filter((r) => r.ok).map((r) => r.target)).toEqual(
        targetNames.filter((t) => t !== 'todo' && t !== 'tatlock-user'),
      );
    } finally {
      await held.close();
    }
  });
});
