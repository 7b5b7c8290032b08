/**
 * An agent connection searches the hnsw index wider than pgvector's default (decision 028):
 * at 100,000 memories the default width of 40 found 83% of the true 10 nearest.
 */
import { describe, expect, it } from 'vitest';
import { connect } from '../../../src/targets/connect';
import { vectorBackends } from '../../support/vector-backends';

describe.each(vectorBackends)('agent connections on $name', (backend) => {
  it('set hnsw.ef_search to 100', async () => {
    const conn = await connect('agent', await backend.create(), { ...backend.connectOptions, migrate: true });
    try {
      expect(await conn.client.query('show hnsw.ef_search')).toEqual([{ 'hnsw.ef_search': '100' }]);
    } finally {
      await conn.close();
      await backend.cleanup();
    }
  });
});
