/**
 * An agent connection searches the hnsw index wider than pgvector's default (decision 028):
 * at 100,000 memories the default width of 40 found 83% of the true 10 nearest. A connection
 * may choose its own width (`hnswEfSearch`); a bad one is refused before anything opens.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLocation, parseLocation } from '../../../src/connect';
import { connect } from '../../../src/targets/connect';
import { serverUrl } from '../../support/backends';
import { expectChatstoreError } from './fixtures';

describe('agent connections search with hnsw.ef_search 100', () => {
  it('on PGlite', async () => {
    const conn = await connect('agent', 'pglite:memory:', { migrate: true });
    try {
      expect(await conn.client.query('show hnsw.ef_search')).toEqual([{ 'hnsw.ef_search': '100' }]);
    } finally {
      await conn.close();
    }
  });

  // A startup parameter of every pooled connection. (pglite-socket, which stands in for a
  // pgvector server in the agent suites, ignores startup parameters; a server applies them.)
  it.runIf(serverUrl)('on a PostgreSQL server, for every pooled connection', async () => {
    const opened = await openLocation(parseLocation(serverUrl as string), {}, { maxConnections: 3 }, true);
    try {
      const settings = await Promise.all(
        [1, 2, 3].map(() =>
          opened.client.query<{ v: string }>("select current_setting('hnsw.ef_search') as v, pg_sleep(0.05)"),
        ),
      );
      expect(settings.map((rows) => rows[0]?.v)).toEqual(['100', '100', '100']);
    } finally {
      await opened.close();
    }
  });

  it('takes the width a connection chooses (hnswEfSearch), on PGlite and for every pooled connection of a server', async () => {
    const conn = await connect('agent', 'pglite:memory:', { migrate: true, hnswEfSearch: 400 });
    try {
      expect(await conn.client.query('show hnsw.ef_search')).toEqual([{ 'hnsw.ef_search': '400' }]);
    } finally {
      await conn.close();
    }
    if (!serverUrl) return;
    const opened = await openLocation(parseLocation(serverUrl), {}, { maxConnections: 2, hnswEfSearch: 7 }, true);
    try {
      const settings = await Promise.all(
        [1, 2].map(() =>
          opened.client.query<{ v: string }>("select current_setting('hnsw.ef_search') as v, pg_sleep(0.05)"),
        ),
      );
      expect(settings.map((rows) => rows[0]?.v)).toEqual(['7', '7']);
    } finally {
      await opened.close();
    }
  });

  it("refuses a width outside pgvector's 1–1000 (VALIDATION on hnswEfSearch) before creating anything", async () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'chatstore-ef-'));
    try {
      for (const hnswEfSearch of [0, 1001, 2.5, Number.NaN]) {
        await expectChatstoreError(
          connect('agent', `pglite:${path.join(parent, 'db')}`, { migrate: true, hnswEfSearch }),
          'VALIDATION',
          'hnswEfSearch',
        );
      }
      expect(readdirSync(parent)).toEqual([]);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
