/**
 * The todo half of the cost curves (bench/curves.ts): one fresh database per size, filled by
 * COPY straight from the data generator (messages' indexes and foreign keys dropped before and
 * rebuilt after, as bench/todo/run.ts does), VACUUM ANALYZE, then every hot path of
 * bench/todo/hot-paths.ts timed against the raw driver. At the largest size of a backend each
 * hot path's statement is EXPLAINed (ANALYZE, BUFFERS; writes rolled back) and the B-tree
 * depths are read, so a p50 that grows can be told apart from one the index depth explains.
 */
import { type BenchBackend, openPglite, openServer } from './backends';
import type { BenchConfig } from './config';
import {
  conversationColumns,
  conversationsCopy,
  type Dataset,
  messageColumns,
  messagesCopy,
  metadataColumns,
  metadataCopy,
  planDataset,
  userColumns,
  usersCopy,
} from './data';
import { hotPaths } from './hot-paths';
import { measure } from './measure';
import { rebuildPlan } from './run';

export type TodoBackendName = BenchBackend['name'];

export interface TodoCurvePoint {
  backend: TodoBackendName;
  /** The machine it was measured on (bench/curves.ts sets it). */
  machine?: string;
  server: string;
  messages: number;
  conversations: number;
  users: number;
  date: string;
  /** Generation + COPY + index rebuild, seconds (VACUUM ANALYZE apart). */
  loadSeconds: number;
  vacuumSeconds: number;
  /** pg_total_relation_size('messages') after VACUUM ANALYZE, bytes. */
  messagesBytes: number;
  iterations: number;
  paths: { name: string; chatstore: { p50: number; p95: number; p99: number }; raw: { p50: number; p99: number } }[];
  /** B-tree index → levels (root to leaf), where pageinspect is available. */
  depths?: Record<string, number>;
  /** Hot path → EXPLAIN (ANALYZE, BUFFERS) lines, at the largest size of the run. */
  explains?: Record<string, string[]>;
}

export interface TodoCurveOptions {
  backend: TodoBackendName;
  sizes: readonly number[];
  iterations: number;
  warmup: number;
  serverUrl?: string;
  seed: number;
  log(line: string): void;
  /** Called after each size, so a long run keeps what it measured if a later size fails. */
  done(point: TodoCurvePoint): void;
}

const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;

function configFor(messages: number, options: TodoCurveOptions): BenchConfig {
  const conversations = Math.max(1, Math.round(messages / 100));
  return {
    messages,
    conversations,
    users: Math.max(1, Math.round(conversations / 10)),
    iterations: options.iterations,
    warmup: options.warmup,
    serverUrl: options.serverUrl,
    pgliteStorage: 'dir',
    skipPglite: false,
    writeResults: false,
    importMode: 'rebuild',
    seed: options.seed,
  };
}

/** COPY from the generator as it goes (10M messages of text would not fit comfortably in memory). */
export async function load(backend: BenchBackend, config: BenchConfig, data: Dataset): Promise<number> {
  const plan = await rebuildPlan(backend, 'messages');
  const started = process.hrtime.bigint();
  await backend.copy('users', userColumns, usersCopy(data));
  await backend.copy('conversations', conversationColumns, conversationsCopy(data));
  await backend.copy('conversation_metadata', metadataColumns, metadataCopy(data));
  for (const statement of plan.drop) await backend.sql(statement);
  await backend.copy('messages', messageColumns, messagesCopy(data, config.seed));
  for (const statement of plan.create) {
    // The server's default maintenance_work_mem (64 MB) spills the 10M-row sorts to disk.
    await backend.raw.transaction(async (tx) => {
      await tx.query("set local maintenance_work_mem = '1GB'", []);
      await tx.query(statement, []);
    });
  }
  return seconds(started);
}

/** Lines of an EXPLAIN result from either driver (array rows on postgres.js, objects on PGlite). */
function planLines(result: unknown): string[] {
  const rows = Array.isArray(result) ? result : ((result as { rows?: unknown[] }).rows ?? []);
  return rows.map((row) => String(Array.isArray(row) ? row[0] : Object.values(row as object)[0]));
}

class Rollback extends Error {}

async function explain(backend: BenchBackend, text: string, params: unknown[]): Promise<string[]> {
  const query = `explain (analyze, buffers, costs off) ${text}`;
  if (/^\s*select/i.test(text)) return planLines(await backend.raw.query(query, params));
  let lines: string[] = [];
  try {
    await backend.raw.transaction(async (tx) => {
      lines = planLines(await tx.query(query, params));
      throw new Rollback();
    });
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
  }
  return lines;
}

async function btreeDepths(backend: BenchBackend): Promise<Record<string, number> | undefined> {
  try {
    await backend.sql('create extension if not exists pageinspect');
    const rows = (await backend.sql(
      `select c.relname as name, (select level from bt_metap(c.relname::text)) + 1 as depth
       from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am a on a.oid = c.relam
       where a.amname = 'btree' and i.indrelid in ('messages'::regclass, 'conversations'::regclass, 'conversation_metadata'::regclass)
       order by 1`,
    )) as { name: string; depth: number }[];
    return Object.fromEntries(rows.map((r) => [r.name, Number(r.depth)]));
  } catch {
    return undefined;
  }
}

export async function todoCurves(options: TodoCurveOptions): Promise<void> {
  const largest = Math.max(...options.sizes);
  for (const messages of options.sizes) {
    const config = configFor(messages, options);
    const backend =
      options.backend === 'postgres'
        ? await openServer(options.serverUrl ?? '')
        : await openPglite(config.pgliteStorage);
    try {
      const [{ version } = { version: '?' }] = (await backend.sql('select version() as version')) as {
        version: string;
      }[];
      const server = version.replace(/ on .*| \(.*/, '').replace(/,.*/, '');
      options.log(`\n== todo on ${backend.name} (${server}): ${messages.toLocaleString('en-US')} messages`);
      // Planned once: conversation ids are random uuids, and the hot paths draw from the same plan.
      const data = planDataset(config);
      const loadSeconds = await load(backend, config, data);
      const vacuumStarted = process.hrtime.bigint();
      await backend.sql('vacuum analyze');
      const vacuumSeconds = seconds(vacuumStarted);
      const [size] = (await backend.sql(
        "select pg_total_relation_size('messages')::bigint as total, (select count(*) from messages)::int as n",
      )) as { total: string | number; n: number }[];
      if (Number(size?.n) !== messages) throw new Error(`loaded ${size?.n} messages, expected ${messages}`);
      options.log(
        `  loaded in ${loadSeconds.toFixed(1)} s (${Math.round(messages / loadSeconds).toLocaleString('en-US')} messages/s), VACUUM ANALYZE ${vacuumSeconds.toFixed(1)} s, messages ${(Number(size?.total) / 2 ** 20).toFixed(0)} MB`,
      );
      const capture = (log: { text: string; params: unknown[] }[]) =>
        backend.logging({ logQuery: (text, params) => log.push({ text, params }) });
      const paths = hotPaths(backend, capture, data, config.iterations + config.warmup, config.seed + 1);
      const point: TodoCurvePoint = {
        backend: backend.name,
        server,
        messages,
        conversations: config.conversations,
        users: config.users,
        date: new Date().toISOString().slice(0, 10),
        loadSeconds,
        vacuumSeconds,
        messagesBytes: Number(size?.total),
        iterations: config.iterations,
        paths: [],
      };
      for (const p of paths) {
        const r = await measure(p, config.iterations, config.warmup);
        point.paths.push({
          name: r.name,
          chatstore: { p50: r.chatstore.p50, p95: r.chatstore.p95, p99: r.chatstore.p99 },
          raw: { p50: r.raw.p50, p99: r.raw.p99 },
        });
        options.log(
          `  ${r.name}: chatstore p50 ${r.chatstore.p50.toFixed(3)} ms (p99 ${r.chatstore.p99.toFixed(3)}), raw p50 ${r.raw.p50.toFixed(3)} ms`,
        );
      }
      point.depths = await btreeDepths(backend);
      if (point.depths) options.log(`  B-tree depths: ${JSON.stringify(point.depths)}`);
      if (messages === largest) {
        point.explains = {};
        for (const p of paths) {
          const [text] = p.statements;
          const [params] = p.samples ?? [];
          if (text === undefined || params === undefined) continue;
          point.explains[p.name] = await explain(backend, text, params);
        }
      }
      options.done(point);
    } finally {
      await backend.dispose();
    }
  }
}
