/**
 * The agent half of the cost curves (bench/curves.ts): memory search on PGlite as the memories
 * grow. One PGlite database grows through the sizes; at each size the new memories are written by
 * binary COPY (1536 float4 per vector, no text parsing), the hnsw index is built again on the whole
 * table, exact search (no index) gives the truth, and `searchMemories` is timed against the raw
 * driver running its own SQL. recall@10 is the share of the exact top-10 that `searchMemories`
 * returns. A size that fails (out of memory, a crashed PGlite) is recorded with its error and ends
 * the run: it is where PGlite's memory ends for this workload.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from '../../src/migrate/engine';
import { loadMigrations } from '../../src/migrate/migrations';
import * as schema from '../../src/schema/agent/v2';
import { type AgentDb, searchMemories } from '../../src/targets/agent';
import { connect } from '../../src/targets/connect';
import { targets } from '../../src/targets/registry';
import { prng } from '../../support/random';
import { measure, percentiles } from '../todo/measure';

const DIMS = 1536;
const K = 10;
const CENTRES = 64;

export interface AgentCurvePoint {
  memories: number;
  /** The machine it was measured on (bench/curves.ts sets it). */
  machine?: string;
  date: string;
  storage: string;
  /** COPY of the memories added at this size, seconds. */
  loadSeconds: number;
  /** hnsw build on the whole table (m = 16, ef_construction = 64), seconds. */
  buildSeconds: number;
  /** Exact search (no index, sequential scan), p50 ms. */
  exactP50: number;
  /** `searchMemories` (hnsw, the ef_search `connect` sets) recall@10 against exact search. */
  recall: number;
  chatstore: { p50: number; p95: number; p99: number };
  raw: { p50: number; p99: number };
  /** pg_total_relation_size('agent_memories') and the Node process's RSS after the size, bytes. */
  tableBytes: number;
  rssBytes: number;
  explain?: string[];
}

export interface AgentCurveFailure {
  memories: number;
  date: string;
  storage: string;
  stage: string;
  error: string;
  rssBytes: number;
}

export interface AgentCurveOptions {
  sizes: readonly number[];
  queries: number;
  iterations: number;
  storage: 'memory' | 'dir';
  maintenanceWorkMem: string;
  log(line: string): void;
  done(point: AgentCurvePoint): void;
  failed(failure: AgentCurveFailure): void;
}

const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;

/** Clustered unit vectors (64 topics), as bench/agent/run.ts makes them, generated as they are needed. */
export function vectorSource(seed: number) {
  const uniform = prng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
  const centres = Array.from({ length: CENTRES }, () => Float64Array.from({ length: DIMS }, normal));
  let n = 0;
  return (): Float32Array => {
    const c = centres[n++ % CENTRES] as Float64Array;
    const v = new Float32Array(DIMS);
    let norm = 0;
    for (let d = 0; d < DIMS; d++) {
      const x = (c[d] as number) + 1.2 * normal();
      v[d] = x;
      norm += x * x;
    }
    norm = Math.sqrt(norm) || 1;
    for (let d = 0; d < DIMS; d++) v[d] = (v[d] as number) / norm;
    return v;
  };
}

const vectorText = (v: ArrayLike<number>) => `[${Array.from(v, (x) => x.toFixed(6)).join(',')}]`;

/** COPY … (format binary) rows of agent_memories (agent_id, memory_type, content, embeddings). */
export function binaryCopy(agentId: string, first: number, vectors: Float32Array[]): Blob {
  const parts: Uint8Array[] = [];
  const header = Buffer.alloc(19);
  header.write('PGCOPY\n\xff\r\n\0', 0, 'latin1');
  parts.push(header);
  const uuid = Buffer.from(agentId.replaceAll('-', ''), 'hex');
  const type = Buffer.from('semantic');
  for (const [i, v] of vectors.entries()) {
    const content = Buffer.from(`\x01{"concept": "c${first + i}", "definition": "d"}`, 'latin1');
    const row = Buffer.alloc(2 + 4 + 16 + 4 + type.length + 4 + content.length + 4 + 4 + 4 * DIMS);
    let o = row.writeInt16BE(4, 0);
    o = row.writeInt32BE(16, o);
    o += uuid.copy(row, o);
    o = row.writeInt32BE(type.length, o);
    o += type.copy(row, o);
    o = row.writeInt32BE(content.length, o);
    o += content.copy(row, o);
    // pgvector's binary form: int16 dimensions, int16 unused, float4 × dimensions.
    o = row.writeInt32BE(4 + 4 * DIMS, o);
    o = row.writeInt16BE(DIMS, o);
    o = row.writeInt16BE(0, o);
    for (let d = 0; d < DIMS; d++) o = row.writeFloatBE(v[d] as number, o);
    parts.push(row);
  }
  const trailer = Buffer.alloc(2);
  trailer.writeInt16BE(-1);
  parts.push(trailer);
  return new Blob(parts);
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 300);

export async function agentCurves(options: AgentCurveOptions): Promise<void> {
  const dir = options.storage === 'dir' ? mkdtempSync(path.join(tmpdir(), 'chatstore-curves-')) : null;
  const storage = dir === null ? 'PGlite in memory' : 'PGlite in a temporary folder';
  const conn = await connect('agent', dir === null ? 'pglite:memory:' : `pglite:${dir}`, { requireLatest: false });
  let stage = 'migrate';
  let current = options.sizes[0] ?? 0;
  try {
    const migrated = await migrate(conn.client, loadMigrations(targets.agent));
    if (!migrated.ok) throw new Error(`migrate failed: ${migrated.error?.message}`);
    const pg = (conn.db as unknown as { $client: PGlite }).$client;
    const db = conn.db as AgentDb;
    const agentId = (await pg.query<{ id: string }>(`insert into agents (name) values ('curves') returning id`)).rows[0]
      ?.id as string;
    await pg.query('drop index idx_memories_embedding');
    await pg.query(`set maintenance_work_mem = '${options.maintenanceWorkMem}'`);
    const next = vectorSource(3);
    const noise = vectorSource(1003);
    // Queries near memories of the first size (present at every size): a paraphrase of something remembered.
    const first = options.sizes[0] ?? 0;
    const bases: Float32Array[] = [];
    let loaded = 0;
    const captured: { text: string; params: unknown[] }[] = [];
    const logging = drizzle({
      client: pg,
      schema,
      logger: { logQuery: (q, p) => captured.push({ text: q, params: p }) },
    }) as unknown as AgentDb;
    for (const size of options.sizes) {
      current = size;
      options.log(`\n== agent memory search on ${storage}: ${size.toLocaleString('en-US')} memories`);
      stage = 'load (binary COPY)';
      // Loading into the hnsw index row by row is ~20× slower than building it afterwards.
      await pg.query('drop index if exists idx_memories_embedding');
      const loadStarted = process.hrtime.bigint();
      while (loaded < size) {
        const batch: Float32Array[] = [];
        for (let i = 0; i < Math.min(2_000, size - loaded); i++) {
          const v = next();
          if (loaded + i < first && (loaded + i) % Math.max(1, Math.floor(first / options.queries)) === 0)
            bases.push(v);
          batch.push(v);
        }
        await pg.query(
          `copy agent_memories (agent_id, memory_type, content, embeddings) from '/dev/blob' with (format binary)`,
          [],
          { blob: binaryCopy(agentId, loaded, batch) },
        );
        loaded += batch.length;
      }
      const loadSeconds = seconds(loadStarted);
      await pg.query('analyze agent_memories');
      options.log(`  loaded in ${loadSeconds.toFixed(1)} s`);
      const queries = bases.slice(0, options.queries).map((base) => {
        const q = noise();
        const v = base.map((x, d) => x + 0.6 * (q[d] as number));
        const norm = Math.hypot(...v) || 1;
        return Array.from(v, (x) => x / norm);
      });

      stage = 'exact search';
      const exactSql = `select id from agent_memories where agent_id = $1 order by embeddings <=> $2::vector limit ${K}`;
      const truth: Set<string>[] = [];
      const exactMs = new Float64Array(queries.length);
      for (const [i, q] of queries.entries()) {
        const t0 = process.hrtime.bigint();
        const res = await pg.query<{ id: string }>(exactSql, [agentId, vectorText(q)]);
        exactMs[i] = Number(process.hrtime.bigint() - t0) / 1e6;
        truth.push(new Set(res.rows.map((r) => r.id)));
      }
      const exactP50 = percentiles(exactMs).p50;
      options.log(`  exact search p50 ${exactP50.toFixed(1)} ms`);

      stage = 'hnsw build';
      const buildStarted = process.hrtime.bigint();
      await pg.query('create index idx_memories_embedding on agent_memories using hnsw (embeddings vector_cosine_ops)');
      const buildSeconds = seconds(buildStarted);
      await pg.query('analyze agent_memories');
      options.log(`  hnsw built in ${buildSeconds.toFixed(1)} s`);

      stage = 'searchMemories';
      let found = 0;
      for (const [i, q] of queries.entries()) {
        const hits = await searchMemories(db, { agentId, embedding: q, k: K, recordAccess: false });
        found += hits.filter((h) => truth[i]?.has(h.id)).length;
      }
      const recall = found / (K * queries.length);
      captured.length = 0;
      await searchMemories(logging, { agentId, embedding: queries[0] ?? [], k: K, recordAccess: false });
      const search = captured[0] as { text: string; params: unknown[] };
      const vectorAt = search.params.findIndex((p) => typeof p === 'string' && p.startsWith('['));
      const at = (i: number) => queries[i % queries.length] ?? [];
      const result = await measure(
        {
          name: 'searchMemories',
          statements: [search.text],
          check: async () => {},
          chatstore: (i) => searchMemories(db, { agentId, embedding: at(i), k: K, recordAccess: false }),
          // The repository's statement and parameters; only the query vector changes.
          raw: (i) =>
            pg.query(
              search.text,
              search.params.map((p, j) => (j === vectorAt ? `[${at(i).join(',')}]` : p)),
            ),
        },
        options.iterations,
        Math.min(30, options.iterations),
      );
      const plan = await pg.query<Record<string, string>>(
        `explain (analyze, buffers, costs off) ${search.text}`,
        search.params,
      );
      const explain = plan.rows
        .map((r) => String(Object.values(r)[0]))
        .map((l) => l.replace(/'\[[^\]]*\]'::vector/g, "'[…1536 numbers…]'::vector"))
        .filter((l) => l.length < 400);
      const [bytes] = (await pg.query<{ n: string }>(`select pg_total_relation_size('agent_memories')::text as n`))
        .rows;
      const point: AgentCurvePoint = {
        memories: size,
        date: new Date().toISOString().slice(0, 10),
        storage,
        loadSeconds,
        buildSeconds,
        exactP50,
        recall,
        chatstore: { p50: result.chatstore.p50, p95: result.chatstore.p95, p99: result.chatstore.p99 },
        raw: { p50: result.raw.p50, p99: result.raw.p99 },
        tableBytes: Number(bytes?.n),
        rssBytes: process.memoryUsage().rss,
        explain,
      };
      options.log(
        `  searchMemories recall@10 ${recall.toFixed(3)}, p50 ${result.chatstore.p50.toFixed(2)} ms (raw ${result.raw.p50.toFixed(2)} ms); table ${(point.tableBytes / 2 ** 20).toFixed(0)} MB, RSS ${(point.rssBytes / 2 ** 20).toFixed(0)} MB`,
      );
      options.log(explain.map((l) => `    ${l}`).join('\n'));
      options.done(point);
    }
  } catch (error) {
    options.log(`  FAILED at ${current.toLocaleString('en-US')} memories during ${stage}: ${message(error)}`);
    options.failed({
      memories: current,
      date: new Date().toISOString().slice(0, 10),
      storage,
      stage,
      error: message(error),
      rssBytes: process.memoryUsage().rss,
    });
  } finally {
    await conn.close().catch(() => {});
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
