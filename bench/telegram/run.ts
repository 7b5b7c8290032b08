/**
 * `npm run bench -- telegram`: the task queue's claim-next and the response store, chatstore's
 * repository call beside the same SQL through the raw driver (captured from the repository,
 * parameters checked), interleaved; then queue throughput with 8 workers on the server.
 * PGlite always; the PostgreSQL server at DATABASE_URL too. Output: stdout and bench/RESULTS.md.
 * Settings: BENCH_ITERATIONS (default 3000), BENCH_WARMUP (300), BENCH_QUEUE_TASKS (10000),
 * BENCH_WRITE_RESULTS=0 to leave RESULTS.md alone.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { PGlite } from '@electric-sql/pglite';
import type { Logger } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { migrate } from '../../src/migrate/engine';
import { loadMigrations } from '../../src/migrate/migrations';
import * as schema from '../../src/schema/telegram';
import { type Connection, connect } from '../../src/targets/connect';
import { targets } from '../../src/targets/registry';
import {
  claimNextTask,
  completeTask,
  registerUser,
  selectDialog,
  storeSuggestion,
  type TelegramDb,
} from '../../src/targets/telegram';
import { writeResultsSection } from '../results';
import type { HotPath } from '../todo/hot-paths';
import { measure, type PathResult } from '../todo/measure';

const int = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const config = {
  iterations: int('BENCH_ITERATIONS', 3000),
  warmup: int('BENCH_WARMUP', 300),
  queueTasks: int('BENCH_QUEUE_TASKS', 10_000),
  serverUrl: process.env.DATABASE_URL,
  writeResults: process.env.BENCH_WRITE_RESULTS !== '0',
};
const log = (line: string) => process.stdout.write(`${line}\n`);

type Raw = (text: string, params: unknown[]) => Promise<unknown>;

interface Backend {
  name: 'pglite' | 'postgres';
  conn: Connection<'telegram'>;
  raw: Raw;
  logging(logger: Logger): TelegramDb;
  /** Extra single-connection handles for the throughput run (server only). */
  workers?(n: number): Promise<{ db: TelegramDb; raw: Raw; close(): Promise<void> }[]>;
  dispose(): Promise<void>;
}

async function migrated(location: string) {
  const conn = await connect('telegram', location, { requireLatest: false });
  const result = await migrate(conn.client, loadMigrations(targets.telegram));
  if (!result.ok) throw new Error(`migrating telegram failed: ${result.error?.message}`);
  return conn;
}

const clientOf = <T>(conn: Connection<'telegram'>) => (conn.db as unknown as { $client: T }).$client;
const postgresRaw =
  (sql: postgres.Sql): Raw =>
  (text, params) =>
    sql.unsafe(text, params as never[], { prepare: true }).values();

async function openPglite(): Promise<Backend> {
  const conn = await migrated('pglite:memory:');
  const pg = clientOf<PGlite>(conn);
  return {
    name: 'pglite',
    conn,
    raw: (text, params) => pg.query(text, params),
    logging: (logger) => drizzlePglite({ client: pg, schema, logger }) as unknown as TelegramDb,
    dispose: () => conn.close(),
  };
}

async function openServer(url: string): Promise<Backend> {
  const name = `chatstore_bench_${randomBytes(6).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const location = Object.assign(new URL(url), { pathname: `/${name}` }).toString();
  const conn = await migrated(location);
  const sql = clientOf<postgres.Sql>(conn);
  return {
    name: 'postgres',
    conn,
    raw: postgresRaw(sql),
    logging: (logger) => drizzlePostgres({ client: sql, schema, logger }) as unknown as TelegramDb,
    async workers(n) {
      return Promise.all(
        Array.from({ length: n }, async () => {
          const c = await connect('telegram', location, { maxConnections: 1 });
          return { db: c.db, raw: postgresRaw(clientOf<postgres.Sql>(c)), close: () => c.close() };
        }),
      );
    },
    async dispose() {
      await conn.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** Captures the one statement a repository call runs, to hand the raw side the same text. */
async function capture(backend: Backend, call: (db: TelegramDb) => Promise<unknown>) {
  const seen: { text: string; params: unknown[] }[] = [];
  await call(backend.logging({ logQuery: (text, params) => seen.push({ text, params }) }));
  if (seen.length !== 1) throw new Error(`expected one statement, the repository ran ${seen.length}`);
  return seen[0] as { text: string; params: unknown[] };
}

async function setup(backend: Backend, dialogsWanted: number) {
  const keyring = { currentKeyId: 'k1', keys: { k1: randomBytes(32) } };
  const dialogIds: string[] = [];
  for (let u = 0; dialogIds.length < dialogsWanted; u++) {
    const { user } = await registerUser(backend.conn.db, {
      telegramId: 1_000_000 + u,
      credentials: `session-${u}`,
      keyring,
      session: {
        accessToken: `access-token-${u}-${randomBytes(8).toString('hex')}`,
        expiresAt: new Date(Date.now() + 3_600_000),
      },
    });
    for (let d = 0; d < 10; d++) {
      const dialog = await selectDialog(backend.conn.db, {
        userId: user.id,
        telegramDialogId: `-100${u}${d}`,
        name: `chat ${u}.${d}`,
        type: 'GROUP',
      });
      dialogIds.push(dialog.id);
    }
  }
  return dialogIds;
}

async function preloadTasks(backend: Backend, n: number) {
  await backend.conn.client.query(
    `insert into tasks (type, priority, payload, created_at)
     select 'SYSTEM', (array['LOW','NORMAL','HIGH'])[1 + g % 3]::taskpriority, jsonb_build_object('i', g),
       now() - make_interval(secs => g) from generate_series(1, ${n}) g`,
  );
}

function hotPaths(backend: Backend, dialogIds: string[]): HotPath[] {
  const db = backend.conn.db;
  const base = Date.UTC(2025, 0, 1);
  // Iteration i stores for dialog 2i (chatstore) or 2i+1 (raw) mod n, each call for a newer
  // message than any before (a counter, since the two sides alternate who goes first), so every
  // call replaces that dialog's pending suggestion.
  let clock = 0;
  const suggestion = (i: number, side: 0 | 1) => {
    clock++;
    return {
      dialogId: dialogIds[(2 * i + side) % dialogIds.length] as string,
      lastMessageId: String(clock),
      lastMessageTimestamp: new Date(base + clock),
      suggestedResponse: `Suggested reply number ${i}: sounds good, see you at six!`,
      modelName: 'gpt-4o-mini',
    };
  };
  const storeParams = (s: ReturnType<typeof suggestion>) => {
    const ts = s.lastMessageTimestamp.toISOString();
    return [s.dialogId, s.lastMessageId, ts, s.suggestedResponse, s.modelName];
  };
  let claimText = '';
  let claimParams: (workerId: string) => unknown[] = () => [];
  let storeTemplate: ((s: ReturnType<typeof suggestion>) => unknown)[] = [];
  let storeText = '';
  const claimStatements: string[] = [];
  const storeStatements: string[] = [];
  return [
    {
      name: 'claim next task',
      statements: claimStatements,
      chatstore: () => claimNextTask(db, { workerId: 'bench-chatstore' }),
      raw: () => backend.raw(claimText, claimParams('bench-raw')),
      async check() {
        const seen = await capture(backend, (d) => claimNextTask(d, { workerId: 'bench-check' }));
        if (!seen.params.includes('bench-check')) throw new Error(`claim params ${JSON.stringify(seen.params)}`);
        claimParams = (workerId) => seen.params.map((p) => (p === 'bench-check' ? workerId : p));
        claimText = seen.text;
        claimStatements.push(seen.text);
      },
    },
    {
      name: 'store a suggestion (replacing the pending one)',
      statements: storeStatements,
      chatstore: (i) => storeSuggestion(db, suggestion(i, 0)),
      raw: (i) => {
        const input = suggestion(i, 1);
        return backend.raw(
          storeText,
          storeTemplate.map((f) => f(input)),
        );
      },
      async check() {
        const probe = suggestion(config.iterations + config.warmup + 1, 0);
        const seen = await capture(backend, (d) => storeSuggestion(d, probe));
        // Each captured parameter is either a field of the input or a literal drizzle bound.
        const fields = storeParams(probe);
        storeTemplate = seen.params.map((p) => {
          const at = fields.indexOf(p as string);
          return at >= 0 ? (input: ReturnType<typeof suggestion>) => storeParams(input)[at] : () => p;
        });
        if (fields.some((f) => !seen.params.includes(f)))
          throw new Error(`store params ${JSON.stringify(seen.params)}`);
        storeText = seen.text;
        storeStatements.push(seen.text);
        await backend.conn.client.query(`delete from processed_responses`);
        await backend.conn.client.query(
          `insert into processed_responses (dialog_id, last_message_id, last_message_timestamp, suggested_response, model_name)
           select id, '0', '2024-01-01', 'seed', 'seed' from dialogs`,
        );
      },
    },
  ];
}

/** 8 workers, each on its own connection, claim and complete until the queue is empty. */
async function throughput(
  backend: Backend,
  side: 'chatstore' | 'raw',
  claim: { text: string; params: (workerId: string) => unknown[] },
  complete: { text: string; params: (taskId: unknown, workerId: string) => unknown[] },
) {
  if (!backend.workers) return undefined;
  await backend.conn.client.query(`delete from tasks`);
  await preloadTasks(backend, config.queueTasks);
  const workers = await backend.workers(8);
  const started = process.hrtime.bigint();
  let done = 0;
  await Promise.all(
    workers.map(async (w, n) => {
      const workerId = `${side}-${n}`;
      for (;;) {
        if (side === 'chatstore') {
          const task = await claimNextTask(w.db, { workerId });
          if (!task) break;
          await completeTask(w.db, { taskId: task.id, workerId });
        } else {
          const rows = (await w.raw(claim.text, claim.params(workerId))) as unknown[][];
          const id = rows[0]?.[0];
          if (id === undefined) break;
          await w.raw(complete.text, complete.params(id, workerId));
        }
        done++;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  for (const w of workers) await w.close();
  const [left] = await backend.conn.client.query<{ n: number }>(
    `select count(*)::int as n from tasks where status <> 'COMPLETED'`,
  );
  if (done !== config.queueTasks || left?.n !== 0) throw new Error(`${side}: completed ${done}, ${left?.n} left`);
  return { side, tasks: done, seconds, perSecond: done / seconds };
}

const fmt = (n: number) => n.toFixed(3);

export async function main(): Promise<void> {
  const backends: Backend[] = [await openPglite()];
  if (config.serverUrl) backends.push(await openServer(config.serverUrl));
  const sections: string[] = [];
  for (const backend of backends) {
    try {
      log(`telegram bench on ${backend.name}: setting up`);
      const dialogIds = await setup(backend, 1000);
      await preloadTasks(backend, 2 * (config.iterations + config.warmup) + 10);
      const results: PathResult[] = [];
      for (const path of hotPaths(backend, dialogIds)) {
        const result = await measure(path, config.iterations, config.warmup);
        results.push(result);
        log(
          `  ${result.name}: chatstore p50 ${fmt(result.chatstore.p50)} ms, raw p50 ${fmt(result.raw.p50)} ms, ratio ${result.ratio.toFixed(2)}×`,
        );
      }
      const rows = results.map(
        (r) =>
          `| ${r.name} | ${fmt(r.chatstore.p50)} / ${fmt(r.chatstore.p95)} / ${fmt(r.chatstore.p99)} | ${fmt(r.raw.p50)} / ${fmt(r.raw.p95)} / ${fmt(r.raw.p99)} | **${r.ratio.toFixed(2)}×** |`,
      );
      let queue = '';
      if (backend.workers) {
        const claimed = await capture(backend, (d) => claimNextTask(d, { workerId: 'bench-check' }));
        const held = await claimNextTask(backend.conn.db, { workerId: 'bench-check' });
        if (!held) throw new Error('no task left to capture completeTask with');
        const completed = await capture(backend, (d) => completeTask(d, { taskId: held.id, workerId: 'bench-check' }));
        const claim = {
          text: claimed.text,
          params: (w: string) => claimed.params.map((p) => (p === 'bench-check' ? w : p)),
        };
        const complete = {
          text: completed.text,
          params: (id: unknown, w: string) =>
            completed.params.map((p) => (p === held.id ? id : p === 'bench-check' ? w : p)),
        };
        const mine = await throughput(backend, 'chatstore', claim, complete);
        const raw = await throughput(backend, 'raw', claim, complete);
        if (mine && raw) {
          log(
            `  queue, 8 workers: chatstore ${mine.perSecond.toFixed(0)} tasks/s, raw ${raw.perSecond.toFixed(0)} tasks/s`,
          );
          queue = `\nQueue throughput, 8 workers on their own connections, claim + complete until ${config.queueTasks.toLocaleString('en')} tasks are done: chatstore **${mine.perSecond.toFixed(0)} tasks/s** (${mine.seconds.toFixed(1)} s), raw postgres.js **${raw.perSecond.toFixed(0)} tasks/s** (${raw.seconds.toFixed(1)} s).\n`;
        }
      } else {
        queue = '\nQueue throughput with 8 workers: not measured on PGlite (one connection).\n';
      }
      sections.push(
        `### ${backend.name === 'pglite' ? 'PGlite (in memory)' : 'PostgreSQL server'}\n\n| hot path (ms: p50 / p95 / p99) | chatstore | raw driver | p50 ratio |\n|---|---|---|---|\n${rows.join('\n')}\n${queue}`,
      );
    } finally {
      await backend.dispose();
    }
  }
  const md = `## telegram\n\n${config.iterations} interleaved iterations per side (${config.warmup} warm-up), ${os.cpus().length} cores, ${new Date().toISOString().slice(0, 10)}. chatstore = \`claimNextTask\` / \`storeSuggestion\` (zod parsing included) on \`connect()\`'s handle; raw = the same SQL captured from them through postgres.js \`sql.unsafe(text, params, { prepare: true }).values()\` or PGlite \`query\`. Claim-next runs on a queue of ${(2 * (config.iterations + config.warmup)).toLocaleString('en')}+ pending tasks; each store replaces the dialog's pending suggestion (1,000 dialogs).\n\n${sections.join('\n')}`;
  if (config.writeResults) writeResultsSection('telegram', md);
  log(md);
}
