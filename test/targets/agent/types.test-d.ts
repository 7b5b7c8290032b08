import { describe, expectTypeOf, it } from 'vitest';
import { type AgentDb, type MemoryHit, type MemoryHitWithEmbedding, searchMemories } from '../../../src/targets/agent';

describe('agent types', () => {
  it('types search hits without their embedding unless includeEmbedding: true asks for it', () => {
    const db = {} as AgentDb;
    const input = { agentId: 'a', embedding: [] as number[] };
    expectTypeOf(searchMemories(db, input)).resolves.toEqualTypeOf<MemoryHit[]>();
    expectTypeOf<MemoryHit>().not.toHaveProperty('embedding');
    expectTypeOf(searchMemories(db, { ...input, includeEmbedding: false })).resolves.toEqualTypeOf<MemoryHit[]>();
    expectTypeOf(searchMemories(db, { ...input, includeEmbedding: true })).resolves.toEqualTypeOf<
      MemoryHitWithEmbedding[]
    >();
    expectTypeOf<MemoryHitWithEmbedding['embedding']>().toEqualTypeOf<number[]>();
    expectTypeOf<MemoryHitWithEmbedding['similarity']>().toEqualTypeOf<number>();
  });
});
