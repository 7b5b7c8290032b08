/**
 * Agent memories (seed 003, "agent_memories", "memory_consolidations"): store with an
 * embedding, cosine top-k search that records access, importance decay, expiry, and
 * consolidation of several memories into one.
 */
import { and, eq, getTableColumns, inArray, lte, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { ChatstoreError } from '../../errors';
import { parseInput } from '../../kit';
import type { PgBuilt } from '../../kit/postgresql';
import { requireRowsVisible, runTextOn, scopedWork } from '../../kit/rls';
import {
  agentMemories,
  consolidationTypes,
  embeddingDimensions,
  JsonObject,
  type MemoryContent,
  memoryConsolidations,
  memoryContentSchemas,
  memoryTypes,
} from '../../schema/agent';
import { type AgentDb, floor, Id, mapped, notFound } from './internal';

export type Memory = typeof agentMemories.$inferSelect;
export type MemoryConsolidation = typeof memoryConsolidations.$inferSelect;
export type MemoryType = (typeof memoryTypes)[number];

export const Embedding = z
  .array(z.number().finite())
  .length(embeddingDimensions, `must have ${embeddingDimensions} dimensions`);

const NewMemoryFields = z.object({
  memoryType: z.enum(memoryTypes),
  content: JsonObject,
  embedding: Embedding.optional(),
  importance: z.number().min(0).max(1).optional(),
  decayRate: z.number().min(0).max(10).optional(),
  relatedMemories: z.array(Id).optional(),
  sourceMessageId: Id.optional(),
  expiresAt: z.date().optional(),
});

/** The content must have the keys its memory type needs (the seed's check_memory_content). */
function withTypedContent<S extends z.ZodType<{ memoryType: MemoryType; content: unknown }>>(schema: S) {
  return schema.superRefine((value, ctx) => {
    const parsed = memoryContentSchemas[value.memoryType].safeParse(value.content);
    if (parsed.success) return;
    for (const issue of parsed.error.issues) {
      ctx.addIssue({ code: 'custom', message: issue.message, path: ['content', ...issue.path] });
    }
  });
}

export const StoreMemoryInput = withTypedContent(NewMemoryFields.extend({ agentId: Id }));
export type StoreMemoryInput = z.input<typeof StoreMemoryInput>;

export const SearchMemoriesInput = z.object({
  agentId: Id,
  embedding: Embedding,
  k: z.number().int().min(1).max(1000).default(10),
  memoryTypes: z.array(z.enum(memoryTypes)).min(1).optional(),
  minImportance: z.number().min(0).max(1).optional(),
  /** Bump `access_count` and `last_accessed` of the hits (default true). */
  recordAccess: z.boolean().default(true),
  /**
   * Return each hit's `embedding` too (default false: 1536 numbers per hit that a caller rarely
   * needs, parsed from pgvector's text; decision 030). `true` types the hits `MemoryHitWithEmbedding`.
   */
  includeEmbedding: z.boolean().default(false),
});
export type SearchMemoriesInput = z.input<typeof SearchMemoriesInput>;

export const DecayMemoriesInput = z.object({
  agentId: Id,
  /** How much time to decay by; only memories not accessed for at least this long decay. */
  idleDays: z.number().positive().max(36500).default(1),
});
export type DecayMemoriesInput = z.input<typeof DecayMemoriesInput>;

export const ConsolidateMemoriesInput = z.object({
  agentId: Id,
  sourceMemoryIds: z
    .array(Id)
    .min(2)
    .refine((ids) => new Set(ids).size === ids.length, 'must not repeat an id'),
  consolidationType: z.enum(consolidationTypes),
  memory: withTypedContent(NewMemoryFields),
  /** Tokens saved; default: estimated as (sources' JSON length − the new one's) / 4. */
  tokensSaved: z.number().int().optional(),
  /** Delete the source memories (default true); the consolidation row keeps their ids. */
  removeSources: z.boolean().default(true),
});
export type ConsolidateMemoriesInput = z.input<typeof ConsolidateMemoriesInput>;

/**
 * A search hit: the memory (after its access was recorded) without its embedding, and its
 * cosine distance and similarity. `includeEmbedding: true` adds the embedding (decision 030).
 */
export type MemoryHit = Omit<Memory, 'embedding'> & { distance: number; similarity: number };
/** A search hit with its embedding (`includeEmbedding: true`); a hit always has one. */
export type MemoryHitWithEmbedding = MemoryHit & { embedding: number[] };

const ph = sql.placeholder;
const vectorText = (v: readonly number[]) => `[${v.join(',')}]`;

// Built by drizzle, executed at the driver's floor (kit `floor`, decision 026).
const statements = floor((db) => {
  const { embedding: _embedding, ...withoutEmbedding } = getTableColumns(agentMemories);
  // The filters are placeholders that switch themselves off when null, so one prepared plan
  // serves every combination. Expired memories are never returned.
  const hits = sql`select "id", "embeddings" <=> ${ph('embedding')}::vector as distance
    from ${agentMemories}
    where "agent_id" = ${ph('agentId')}::uuid and "embeddings" is not null
      and ("expires_at" is null or "expires_at" > now())
      and (${ph('types')}::varchar[] is null or "memory_type" = any(${ph('types')}::varchar[]))
      and (${ph('minImportance')}::float8 is null or "importance" >= ${ph('minImportance')}::float8)
    order by "embeddings" <=> ${ph('embedding')}::vector
    limit ${ph('k')}`;
  // Two shapes: the memory's columns with or without its embedding (decision 030), then the distance.
  const searches = <R>(columns: Record<string, PgColumn>) => {
    const list = sql.join(
      Object.values(columns).map((column) => sql`m.${sql.identifier(column.name)}`),
      sql`, `,
    );
    const fields = { ...columns, distance: sql<number>`distance`.as('distance') };
    const found = db
      .$with('found', fields)
      .as(sql`select ${list}, h.distance from (${hits}) h join ${agentMemories} m on m."id" = h."id"`);
    const touched = db.$with('touched', fields).as(
      sql`update ${agentMemories} m set "access_count" = coalesce(m."access_count", 0) + 1,
          "last_accessed" = clock_timestamp()
        from (${hits}) h where m."id" = h."id"
        returning ${list}, h.distance`,
    );
    // The row type is the one the columns give (drizzle cannot infer it through a generic).
    const typed = (built: PgBuilt) => built as PgBuilt & { execute(): Promise<(R & { distance: number })[]> };
    return {
      search: typed(db.with(found).select().from(found).orderBy(sql`distance`)),
      searchAndTouch: typed(db.with(touched).select().from(touched).orderBy(sql`distance`)),
    };
  };
  const bare = searches<Omit<Memory, 'embedding'>>(withoutEmbedding);
  const full = searches<Memory>(getTableColumns(agentMemories));
  return {
    search: bare.search,
    searchAndTouch: bare.searchAndTouch,
    searchWithEmbedding: full.search,
    searchAndTouchWithEmbedding: full.searchAndTouch,
  };
});

/**
 * Stores a memory. Its content must fit its type (episodic: `event` + `temporal`; semantic:
 * `concept` + `definition`; procedural: `skill` + `steps`; working: `items` + `capacity`),
 * else `VALIDATION` on e.g. `content.definition`. An embedding must have 1536 dimensions.
 *
 * @example
 * const memory = await storeMemory(db, {
 *   agentId, memoryType: 'semantic', content: { concept: 'pgvector', definition: 'vector search in Postgres' },
 *   embedding, importance: 0.8,
 * });
 */
export async function storeMemory(db: AgentDb, input: StoreMemoryInput): Promise<Memory> {
  const m = parseInput(StoreMemoryInput, input, 'agent_memories');
  const [row] = await mapped('agent_memories', () =>
    db
      .insert(agentMemories)
      .values({ ...m, content: m.content as MemoryContent })
      .returning(),
  );
  return row as Memory;
}

/**
 * A memory by id; `undefined` when missing. Reading does not count as access.
 *
 * @example const memory = await getMemory(db, memoryId);
 */
export async function getMemory(db: AgentDb, memoryId: string): Promise<Memory | undefined> {
  const id = parseInput(Id, memoryId, 'agent_memories');
  const [row] = await mapped('agent_memories', () =>
    db.select().from(agentMemories).where(eq(agentMemories.id, id)).limit(1),
  );
  return row;
}

/**
 * The `k` memories of an agent nearest to `embedding` by cosine distance (the hnsw index),
 * optionally only some types and at least some importance; expired ones never. Unless
 * `recordAccess: false`, the hits' `access_count` and `last_accessed` are bumped in the same
 * statement. Nearest first; `similarity` is 1 − cosine distance. Hits leave out their
 * `embedding` unless `includeEmbedding: true` (decision 030). Prepared once per handle.
 *
 * @example
 * const hits = await searchMemories(db, { agentId, embedding: queryEmbedding, k: 5, minImportance: 0.3 });
 * const withVectors = await searchMemories(db, { agentId, embedding: queryEmbedding, includeEmbedding: true });
 * withVectors[0]?.embedding; // number[]
 */
export async function searchMemories(
  db: AgentDb,
  input: SearchMemoriesInput & { includeEmbedding: true },
): Promise<MemoryHitWithEmbedding[]>;
export async function searchMemories(db: AgentDb, input: SearchMemoriesInput): Promise<MemoryHit[]>;
export async function searchMemories(db: AgentDb, input: SearchMemoriesInput): Promise<MemoryHit[]> {
  const s = parseInput(SearchMemoriesInput, input, 'agent_memories');
  const params = {
    agentId: s.agentId,
    embedding: vectorText(s.embedding),
    types: s.memoryTypes ? `{${s.memoryTypes.join(',')}}` : null,
    minImportance: s.minImportance ?? null,
    k: s.k,
  };
  const prepared = statements(db);
  const statement = s.includeEmbedding
    ? s.recordAccess
      ? prepared.searchAndTouchWithEmbedding
      : prepared.searchWithEmbedding
    : s.recordAccess
      ? prepared.searchAndTouch
      : prepared.search;
  const rows = (await mapped('agent_memories', () => statement.execute(params))) as MemoryHit[];
  // drizzle returns the distance as the driver gives it (a float8: a number, or text); similarity is added here.
  for (const row of rows) {
    const distance = Number(row.distance);
    row.distance = distance;
    row.similarity = 1 - distance;
  }
  return rows;
}

/**
 * Decays importance: every memory of the agent not accessed for `idleDays` (default 1) loses
 * `importance × (1 − e^(−decay_rate × idleDays))`. Run it on a schedule with the schedule's
 * period (daily: `idleDays: 1`): a memory idle for ten days has then decayed by ten days'
 * worth, one accessed yesterday not at all. Returns how many memories decayed.
 *
 * @example const decayed = await decayMemories(db, { agentId, idleDays: 1 });
 */
export async function decayMemories(db: AgentDb, input: DecayMemoriesInput): Promise<number> {
  const { agentId, idleDays } = parseInput(DecayMemoriesInput, input, 'agent_memories');
  const rows = await mapped('agent_memories', () =>
    db
      .update(agentMemories)
      .set({
        importance: sql`${agentMemories.importance} * exp(-coalesce(${agentMemories.decayRate}, 0) * ${idleDays}::float8)`,
      })
      .where(
        and(
          eq(agentMemories.agentId, agentId),
          sql`${agentMemories.importance} is not null`,
          sql`coalesce(${agentMemories.lastAccessed}, ${agentMemories.createdAt}) <= now() - ${idleDays}::float8 * interval '1 day'`,
        ),
      )
      .returning({ id: agentMemories.id }),
  );
  return rows.length;
}

/**
 * Deletes expired memories (`expires_at` ≤ now), of one agent or all; consolidations that
 * produced one keep their record with `consolidated_memory_id` cleared. Returns the count.
 *
 * @example const purged = await purgeExpiredMemories(db, { agentId });
 */
export async function purgeExpiredMemories(db: AgentDb, input: { agentId?: string } = {}): Promise<number> {
  const { agentId } = parseInput(z.object({ agentId: Id.optional() }), input, 'agent_memories');
  const expired = and(
    lte(agentMemories.expiresAt, sql`now()`),
    agentId === undefined ? undefined : eq(agentMemories.agentId, agentId),
  );
  return mapped('agent_memories', () =>
    db.transaction(async (tx) => {
      await requireRowsVisible(
        runTextOn(tx),
        scopedWork('Purging expired memories', 'agent', agentId, 'agent_memories'),
      );
      const ids = tx.select({ id: agentMemories.id }).from(agentMemories).where(expired);
      await tx
        .update(memoryConsolidations)
        .set({ consolidatedMemoryId: null })
        .where(inArray(memoryConsolidations.consolidatedMemoryId, ids));
      const deleted = await tx.delete(agentMemories).where(expired).returning({ id: agentMemories.id });
      return deleted.length;
    }),
  );
}

const estimateTokens = (value: unknown) => Math.ceil(JSON.stringify(value).length / 4);

/**
 * Consolidates several memories of one agent into a new one, in one transaction: the sources
 * are locked (all must exist and belong to the agent, else `NOT_FOUND` on `sourceMemoryIds`),
 * the new memory gets `related_memories` = the sources, importance (default) = the highest
 * of theirs and their summed access count; a `memory_consolidations` row records the sources,
 * type and tokens saved; the sources are deleted unless `removeSources: false`.
 *
 * @example
 * const { memory, consolidation } = await consolidateMemories(db, {
 *   agentId, sourceMemoryIds: [a.id, b.id], consolidationType: 'summarize',
 *   memory: { memoryType: 'semantic', content: { concept: 'user prefs', definition: 'likes tea, hates mornings' } },
 * });
 */
export async function consolidateMemories(
  db: AgentDb,
  input: ConsolidateMemoriesInput,
): Promise<{ memory: Memory; consolidation: MemoryConsolidation }> {
  const c = parseInput(ConsolidateMemoriesInput, input, 'memory_consolidations');
  return mapped('memory_consolidations', () =>
    db.transaction(async (tx) => {
      const sources = await tx
        .select()
        .from(agentMemories)
        .where(and(eq(agentMemories.agentId, c.agentId), inArray(agentMemories.id, c.sourceMemoryIds)))
        .for('update');
      if (sources.length !== c.sourceMemoryIds.length) {
        const missing = c.sourceMemoryIds.filter((id) => !sources.some((s) => s.id === id));
        throw notFound('agent_memories', 'sourceMemoryIds', missing.join(', '));
      }
      const [memory] = await tx
        .insert(agentMemories)
        .values({
          ...c.memory,
          content: c.memory.content as MemoryContent,
          agentId: c.agentId,
          importance: c.memory.importance ?? Math.max(...sources.map((s) => s.importance ?? 0)),
          accessCount: sources.reduce((n, s) => n + (s.accessCount ?? 0), 0),
          relatedMemories: c.memory.relatedMemories ?? c.sourceMemoryIds,
        })
        .returning();
      if (!memory) throw new ChatstoreError('DATABASE_ERROR', 'Inserting the consolidated memory returned no row');
      const tokensSaved =
        c.tokensSaved ?? sources.reduce((n, s) => n + estimateTokens(s.content), 0) - estimateTokens(memory.content);
      const [consolidation] = await tx
        .insert(memoryConsolidations)
        .values({
          agentId: c.agentId,
          sourceMemories: c.sourceMemoryIds,
          consolidatedMemoryId: memory.id,
          consolidationType: c.consolidationType,
          tokensSaved,
        })
        .returning();
      if (c.removeSources) {
        // Earlier consolidations that produced a source keep their record, minus the link.
        await tx
          .update(memoryConsolidations)
          .set({ consolidatedMemoryId: null })
          .where(inArray(memoryConsolidations.consolidatedMemoryId, c.sourceMemoryIds));
        await tx.delete(agentMemories).where(inArray(agentMemories.id, c.sourceMemoryIds));
      }
      return { memory, consolidation: consolidation as MemoryConsolidation };
    }),
  );
}
