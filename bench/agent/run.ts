/**
 * `npm run bench -- agent`: seed 003 on PGlite (pgvector). 10,000 memories × 1536 dimensions:
 * load, hnsw index build time, top-10 recall against exact search and p50/p95 latency at a few
 * `hnsw.ef_search` settings, and ivfflat for comparison (built on the full table and, as a
 * migration would, on an empty one). Then the hot paths — appendMessage, commitState,
 * searchMemories — beside the raw driver (`pg.query` with the same SQL text captured from the
 * repository), interleaved, p50/p95/p99 and the ratio of p50s.
 * Sizes: BENCH_AGENT_MEMORIES (10000), BENCH_AGENT_QUERIES (100), BENCH_AGENT_ITERATIONS (2000, after
 * BENCH_AGENT_WARMUP 200). BENCH_AGENT_INDEXES=0 skips the index/recall table (only the hnsw index
 * is built, ef_search BENCH_AGENT_EF_SEARCH, default 40) for a quick run of the hot paths; such a
 * run, or one with BENCH_WRITE_RESULTS=0, leaves bench/RESULTS.md alone.
 */
import os from 'node:os';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from '../../src/migrate/engine';
import { loadMigrations } from '../../src/migrate/migrations';
import * as schema from '../../src/schema/agent/v2';
import {
  type AgentDb,
  appendMessage,
  canonicalJson,
  commitState,
  searchMemories,
  startSession,
  stateHash,
} from '../../src/targets/agent';
import { connect } from '../../src/targets/connect';
import { targets } from '../../src/targets/registry';
import { prng } from '../../support/random';
import { writeResultsSection } from '../results';
import { measure, type Percentiles, percentiles } from '../todo/measure';

const N = Number(process.env.BENCH_AGENT_MEMORIES ?? 10_000);
const QUERIES = Number(process.env.BENCH_AGENT_QUERIES ?? 100);
const ITERATIONS = Number(process.env.BENCH_AGENT_ITERATIONS ?? 2000);
const WARMUP = Number(process.env.BENCH_AGENT_WARMUP ?? 200);
const INDEXES = process.env.BENCH_AGENT_INDEXES !== '0';
const WRITE = process.env.BENCH_WRITE_RESULTS !== '0' && INDEXES;
const DIMS = 1536;
const K = 10;
const log = (line: string) => process.stdout.write(`${line}\n`);
const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;

/** Seeded uniform and normal samples, so every run sees the same data. */
function rng(seed: number) {
  const uniform = prng(seed);
  return { uniform, normal: () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform()) };
}

function normalise(v: number[]): number[] {
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}

/** Clustered unit vectors (topics), as real embeddings are; uniform random ones would be easier on no index. */
function makeVectors(count: number, seed: number): number[][] {
  const r = rng(seed);
  const centres = Array.from({ length: 64 }, () => Array.from({ length: DIMS }, r.normal));
  return Array.from({ length: count }, (_, i) => {
    const c = centres[i % centres.length] as number[];
    return normalise(c.map((x) => x + 1.2 * r.normal()));
  });
}

const text = (v: readonly number[]) => `[${v.map((x) => x.toFixed(6)).join(',')}]`;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = process.hrtime.bigint();
  const result = await fn();
  return [result, Number(process.hrtime.bigint() - t0) / 1e6];
}

interface IndexRow {
  index: string;
  setting: string;
  build: string;
  recall: number;
  latency: Percentiles;
}

export async function main(): Promise<void> {
  const started = process.hrtime.bigint();
  const conn = await connect('agent', 'pglite:memory:', { requireLatest: false });
  try {
    const migrated = await migrate(conn.client, loadMigrations(targets.agent));
    if (!migrated.ok) throw new Error(`migrate failed: ${migrated.error?.message}`);
    const pg = (conn.db as unknown as { $client: PGlite }).$client;
    const db = conn.db as AgentDb;
    const agentId = (await pg.query<{ id: string }>(`insert into agents (name) values ('bench') returning id`)).rows[0]
      ?.id as string;

    // --- load, without the vector index (built afterwards, timed on its own) ---
    log(`agent bench: ${N} memories × ${DIMS} dims on PGlite`);
    const vectors = makeVectors(N, 3);
    const queries = makeVectors(QUERIES, 1003).map((q, i) => {
      // Queries near stored memories (a paraphrase of something remembered).
      const base = vectors[(i * 97) % N] as number[];
      return normalise(base.map((x, d) => x + 0.6 * (q[d] ?? 0)));
    });
    await pg.query('drop index idx_memories_embedding');
    // ivfflat's build needs a little more than the 64 MB default at 10k × 1536.
    await pg.query(`set maintenance_work_mem = '512MB'`);
    const [, loadMs] = await timed(async () => {
      for (let i = 0; i < N; i += 500) {
        const batch = vectors.slice(i, i + 500).map(text);
        await pg.query(
          `insert into agent_memories (agent_id, memory_type, content, embeddings, importance)
           select $1, 'semantic', jsonb_build_object('concept', 'c' || n, 'definition', 'd'), e::vector, 0.5
           from unnest($2::text[]) with ordinality as u(e, n)`,
          [agentId, batch],
        );
      }
    });
    log(`  loaded in ${(loadMs / 1000).toFixed(1)} s`);

    const searchSql = `select id from agent_memories where agent_id = $1 order by embeddings <=> $2::vector limit ${K}`;
    const runQueries = async () => {
      const ids: string[][] = [];
      const ms = new Float64Array(QUERIES);
      for (let i = 0; i < QUERIES; i++) {
        const [res, t] = await timed(() => pg.query<{ id: string }>(searchSql, [agentId, text(queries[i] ?? [])]));
        ids.push(res.rows.map((r) => r.id));
        ms[i] = t;
      }
      return { ids, latency: percentiles(ms) };
    };
    const rows: IndexRow[] = [];
    let chosenEf = process.env.BENCH_AGENT_EF_SEARCH ?? '40';
    if (!INDEXES) {
      await pg.query('create index idx_memories_embedding on agent_memories using hnsw (embeddings vector_cosine_ops)');
      await pg.query('analyze agent_memories');
      log('  index/recall table skipped (BENCH_AGENT_INDEXES=0): hnsw built');
    } else {
      const exact = await runQueries();
      log(`  exact (sequential scan): p50 ${exact.latency.p50.toFixed(2)} ms`);
      const recall = (ids: string[][]) =>
        ids.reduce((sum, got, i) => {
          const truth = new Set(exact.ids[i]);
          return sum + got.filter((id) => truth.has(id)).length / K;
        }, 0) / ids.length;

      rows.push({ index: 'none (exact)', setting: '-', build: '-', recall: 1, latency: exact.latency });
      const [, hnswMs] = await timed(() =>
        pg.query('create index idx_memories_embedding on agent_memories using hnsw (embeddings vector_cosine_ops)'),
      );
      log(`  hnsw build (m=16, ef_construction=64): ${(hnswMs / 1000).toFixed(1)} s`);
      await pg.query('analyze agent_memories');
      const plan = await pg.query<Record<string, string>>(`explain analyze ${searchSql}`, [
        agentId,
        text(queries[0] ?? []),
      ]);
      // The plan, without the 1536 numbers of the query vector: shows the hnsw index is used.
      const planLines = plan.rows.map((r) => String(Object.values(r)[0])).filter((l) => !l.includes('Order By'));
      log(planLines.map((l) => `    ${l}`).join('\n'));
      for (const ef of [40, 100, 200]) {
        await pg.query(`set hnsw.ef_search = ${ef}`);
        const r = await runQueries();
        rows.push({
          index: 'hnsw',
          setting: `ef_search=${ef}`,
          build: `${(hnswMs / 1000).toFixed(1)} s`,
          recall: recall(r.ids),
          latency: r.latency,
        });
        log(`  hnsw ef_search=${ef}: recall ${recall(r.ids).toFixed(3)}, p50 ${r.latency.p50.toFixed(2)} ms`);
      }
      chosenEf = rows.find((r) => r.index === 'hnsw' && r.recall >= 0.95)?.setting.split('=')[1] ?? '200';

      // ivfflat, for the decision: on the full table (the best case) and created on an empty
      // table then filled (what a migration does), at the default probes=1 and probes=10.
      await pg.query('drop index idx_memories_embedding');
      const [, ivfMs] = await timed(() =>
        pg.query(
          'create index bench_ivf on agent_memories using ivfflat (embeddings vector_cosine_ops) with (lists = 100)',
        ),
      );
      for (const probes of [1, 10]) {
        await pg.query(`set ivfflat.probes = ${probes}`);
        const r = await runQueries();
        rows.push({
          index: 'ivfflat, built on 10k rows',
          setting: `lists=100, probes=${probes}`,
          build: `${(ivfMs / 1000).toFixed(1)} s`,
          recall: recall(r.ids),
          latency: r.latency,
        });
      }
      await pg.query('drop index bench_ivf');
      await pg.query('create table bench_ivf_empty (id uuid primary key, agent_id uuid, embeddings vector(1536))');
      await pg.query('create index on bench_ivf_empty using ivfflat (embeddings vector_cosine_ops) with (lists = 100)');
      await pg.query('insert into bench_ivf_empty select id, agent_id, embeddings from agent_memories');
      for (const probes of [1, 10]) {
        await pg.query(`set ivfflat.probes = ${probes}`);
        const ids: string[][] = [];
        const ms = new Float64Array(QUERIES);
        for (let i = 0; i < QUERIES; i++) {
          const [res, t] = await timed(() =>
            pg.query<{ id: string }>(searchSql.replace('agent_memories', 'bench_ivf_empty'), [
              agentId,
              text(queries[i] ?? []),
            ]),
          );
          ids.push(res.rows.map((x) => x.id));
          ms[i] = t;
        }
        rows.push({
          index: 'ivfflat, created on the empty table',
          setting: `lists=100, probes=${probes}`,
          build: 'at migration',
          recall: recall(ids),
          latency: percentiles(ms),
        });
      }
      await pg.query('drop table bench_ivf_empty');
      await pg.query('create index idx_memories_embedding on agent_memories using hnsw (embeddings vector_cosine_ops)');
    }
    await pg.query(`set hnsw.ef_search = ${chosenEf}`);

    // --- hot paths beside the raw driver ---
    const captured: { text: string; params: unknown[] }[] = [];
    const logging = drizzle({
      client: pg,
      schema,
      logger: { logQuery: (q, p) => captured.push({ text: q, params: p }) },
    }) as unknown as AgentDb;
    const session = await startSession(db, { agentId });
    const appendInput = {
      conversationId: session.conversationId,
      sessionId: session.id,
      role: 'assistant' as const,
      senderAgentId: agentId,
      content: { type: 'text' as const, text: 'The capital of France is Paris.' },
      metadata: { tokens: 12 },
    };
    captured.length = 0;
    await appendMessage(logging, appendInput);
    const appendSql = captured[0] as { text: string; params: unknown[] };

    const searchInput = { agentId, embedding: queries[0] ?? [], k: K, recordAccess: false };
    captured.length = 0;
    await searchMemories(logging, searchInput);
    const searchCaptured = captured[0] as { text: string; params: unknown[] };
    const vectorAt = searchCaptured.params.findIndex((p) => typeof p === 'string' && p.startsWith('['));
    captured.length = 0;
    await searchMemories(logging, { ...searchInput, includeEmbedding: true });
    const searchFullCaptured = captured[0] as { text: string; params: unknown[] };
    // Same parameters as the repository sends: the query vector replaces the captured one.
    const searchParams = (capturedParams: unknown[], i: number) => {
      const vector = `[${(queries[i % QUERIES] ?? []).join(',')}]`;
      return capturedParams.map((p) => (p === capturedParams[vectorAt] ? vector : p));
    };

    const stateAgent = (await pg.query<{ id: string }>(`insert into agents (name) values ('s') returning id`)).rows[0]
      ?.id as string;
    await commitState(db, { agentId: stateAgent, localState: { n: -1 } });
    captured.length = 0;
    await commitState(logging, { agentId: stateAgent, localState: { n: -2 } });
    const commitTexts = captured.map((c) => c.text).filter((t) => !/^(begin|commit)/i.test(t));
    if (process.env.BENCH_DEBUG) for (const c of captured) log(`${c.text}\n  ${JSON.stringify(c.params)}`);
    if (commitTexts.length !== 3) throw new Error(`commitState ran ${commitTexts.length} statements, expected 3`);
    const [lockSql, currentSql, writeSql] = commitTexts as [string, string, string];
    const paths = [
      {
        name: 'appendMessage (insert + session counters)',
        statements: [appendSql.text],
        check: async () => {},
        chatstore: async () => {
          await appendMessage(db, appendInput);
        },
        raw: async () => {
          await pg.query(appendSql.text, appendSql.params);
        },
      },
      {
        name: `searchMemories top-${K} (hnsw, ef_search=${chosenEf}; hits without their embedding, the default)`,
        statements: [searchCaptured.text],
        check: async () => {},
        chatstore: async (i: number) => {
          await searchMemories(db, { ...searchInput, embedding: queries[i % QUERIES] ?? [] });
        },
        raw: async (i: number) => {
          await pg.query(searchCaptured.text, searchParams(searchCaptured.params, i));
        },
      },
      {
        // The raw side leaves the ten 1536-number vectors as pgvector's text; chatstore parses them (decision 030).
        name: `searchMemories top-${K}, includeEmbedding: true (hits with their embedding as numbers)`,
        statements: [searchFullCaptured.text],
        check: async () => {},
        chatstore: async (i: number) => {
          await searchMemories(db, { ...searchInput, embedding: queries[i % QUERIES] ?? [], includeEmbedding: true });
        },
        raw: async (i: number) => {
          await pg.query(searchFullCaptured.text, searchParams(searchFullCaptured.params, i));
        },
      },
      {
        name: 'commitState (lock, current, close + insert state + transition; one transaction)',
        statements: commitTexts,
        check: async () => {},
        chatstore: async (i: number) => {
          await commitState(db, { agentId: stateAgent, localState: { n: i, note: 'chatstore' } });
        },
        raw: async (i: number) => {
          await pg.transaction(async (tx) => {
            await tx.query(lockSql, [`chatstore:agent-state:${stateAgent}`]);
            const current = (await tx.query<Record<string, unknown>>(currentSql, [stateAgent])).rows[0] as
              | { id: string; local_state: Record<string, unknown>; modification_count: number }
              | undefined;
            const partitions = {
              localState: { n: i, note: 'raw' },
              sharedState: {},
              sessionState: {},
              persistentState: {},
            };
            // The parameters in the order the repository's statement binds them.
            await tx.query(writeSql, [
              current?.id ?? null,
              stateAgent,
              '1.0.0',
              JSON.stringify(partitions.localState),
              '{}',
              '{}',
              '{}',
              stateHash(partitions),
              (current?.modification_count ?? -1) + 1,
              stateAgent,
              current?.id ?? null,
              'update',
              null,
              canonicalJson({ localState: { set: partitions.localState, removed: [] } }),
              current !== undefined,
              JSON.stringify({ ...partitions, localState: current?.local_state ?? {} }),
            ]);
          });
        },
      },
    ];
    const results = [];
    for (const path of paths) {
      const r = await measure(path, ITERATIONS, WARMUP);
      results.push(r);
      log(
        `  ${r.name}: chatstore p50 ${r.chatstore.p50.toFixed(3)} ms, raw ${r.raw.p50.toFixed(3)} ms, ratio ${r.ratio.toFixed(2)}×`,
      );
    }

    const f = (x: number) => x.toFixed(2);
    const md = [
      '## agent (seed 003) — PGlite 0.5.14 + pgvector',
      '',
      `${N} memories × ${DIMS} dimensions in 64 topic clusters, ${QUERIES} queries near stored memories, top-${K}; ` +
        `recall = share of the exact top-${K} found. Load without index: ${(loadMs / 1000).toFixed(1)} s. ` +
        `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}. Run took ${seconds(started).toFixed(0)} s.`,
      '',
      '| index | setting | build | recall@10 | p50 ms | p95 ms |',
      '|---|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.index} | ${r.setting} | ${r.build} | ${r.recall.toFixed(3)} | ${f(r.latency.p50)} | ${f(r.latency.p95)} |`,
      ),
      '',
      `Hot paths, ${ITERATIONS} interleaved iterations each after ${WARMUP} warm-up iterations per side; raw = \`pg.query\` with the SQL text captured from the repository.`,
      '',
      '| path | chatstore p50 / p95 / p99 ms | raw p50 / p95 / p99 ms | ratio (p50) |',
      '|---|---|---|---|',
      ...results.map(
        (r) =>
          `| ${r.name} | ${f(r.chatstore.p50)} / ${f(r.chatstore.p95)} / ${f(r.chatstore.p99)} | ${f(r.raw.p50)} / ${f(r.raw.p95)} / ${f(r.raw.p99)} | ${r.ratio.toFixed(2)}× |`,
      ),
    ].join('\n');
    if (WRITE) writeResultsSection('agent', md);
    else log('bench/RESULTS.md left as it is (BENCH_WRITE_RESULTS=0 or BENCH_AGENT_INDEXES=0)');
    log(md);
  } finally {
    await conn.close();
  }
}
