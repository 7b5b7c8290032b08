/**
 * `importMessages` against the raw driver's COPY of the same rows, on a fresh todo database per
 * backend (PGlite in memory; the server at DATABASE_URL when set): the raw side COPYs ready-made
 * COPY text (what bench/todo/data.ts does for the load), the API side validates row objects and
 * builds the text itself. Runs alternate (raw, API, raw, API, …), each into the live migrated
 * schema after `truncate messages`, so both pay the same indexes. Rate = messages / wall time.
 * `IMPORT_ROWS` (default 200,000) and `IMPORT_RUNS` (default 3) set the size.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import { copyText } from '../../src/kit/bulk';
import { connect } from '../../src/targets/connect';
import { type ImportMessageRow, importMessages } from '../../src/targets/todo';
import { writeResultsSection } from '../results';
import type { BenchBackend } from './backends';
import { rebuildPlan } from './run';

const rowsWanted = Number(process.env.IMPORT_ROWS ?? 200_000);
const runs = Number(process.env.IMPORT_RUNS ?? 3);
const conversationsWanted = Math.max(1, Math.round(rowsWanted / 100));

type Strategy = 'rebuild' | 'maintain';
const strategies: Strategy[] = ['rebuild', 'maintain'];

interface Figures {
  backend: string;
  indexes: Strategy;
  raw: number[];
  api: number[];
  /** Raw `rebuild` runs: the rate of the COPY alone, into the bare table (no index, no key). */
  bare: number[];
  /** Raw `rebuild` runs: seconds of each statement that builds an index, key or foreign key again. */
  builds: Map<string, number[]>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function historyRows(conversations: { id: string; userId: string }[]): ImportMessageRow[] {
  const start = Date.UTC(2025, 0, 1);
  return Array.from({ length: rowsWanted }, (_, i) => {
    const c = conversations[i % conversations.length] as { id: string; userId: string };
    const assistant = i % 2 === 1;
    return {
      id: randomUUID(),
      conversationId: c.id,
      userId: c.userId,
      role: assistant ? 'assistant' : 'user',
      content: assistant
        ? `Done! I've added "Buy groceries" to your tasks for tomorrow. You now have ${i % 12} pending tasks.`
        : 'Add a task to buy groceries tomorrow',
      toolUsed: assistant && i % 8 === 1 ? 'add_task' : null,
      actionTaken: assistant && i % 8 === 1 ? `Created task #${i}` : null,
      createdAt: new Date(start + i * 10),
    };
  });
}

/** The same rows as COPY text, made before timing, as the raw side gets them. */
function copyTextOf(rows: ImportMessageRow[]): string[] {
  const chunks: string[] = [];
  for (let s = 0; s < rows.length; s += 10_000) {
    chunks.push(
      rows
        .slice(s, s + 10_000)
        .map(
          (m) =>
            `${m.id}\t${m.conversationId}\t${m.userId}\t${m.role}\t${copyText(m.content)}\t${m.toolUsed ?? '\\N'}\t${m.actionTaken ?? '\\N'}\t${(m.createdAt as Date).toISOString()}\n`,
        )
        .join(''),
    );
  }
  return chunks;
}

const columns = 'id, conversation_id, user_id, role, content, tool_used, action_taken, created_at';

/** The index or constraint a build statement makes (`create index idx_x on …`, `add constraint x …`). */
function buildName(statement: string): string {
  return /(?:index|constraint)\s+"?([\w]+)"?/i.exec(statement)?.[1] ?? statement;
}

async function bench(name: string, location: string): Promise<Figures[]> {
  const conn = await connect('todo', location, { migrate: true });
  try {
    const users = Array.from({ length: 100 }, (_, i) => `import_user_${i}`);
    await conn.client.query(
      `insert into users (id, email) select id, id || '@example.com' from unnest($1::text[]) as id`,
      [users],
    );
    const conversations = Array.from({ length: conversationsWanted }, (_, i) => ({
      id: randomUUID(),
      userId: users[i % users.length] as string,
    }));
    await conn.client.query('insert into conversations (id, user_id) select * from unnest($1::uuid[], $2::text[])', [
      conversations.map((c) => c.id),
      conversations.map((c) => c.userId),
    ]);
    const rows = historyRows(conversations);
    const text = copyTextOf(rows);
    // The raw side does what the API does for each strategy, with the driver alone: COPY into
    // the live schema, or drop the indexes and foreign keys, COPY, build them again.
    const plan = await rebuildPlan(
      { sql: (text: string) => conn.client.query(text) } as unknown as BenchBackend,
      'messages',
    );
    let bareSeconds = 0;
    let buildSeconds = new Map<string, number>();
    // Each build statement timed on its own: where the rebuild's time goes.
    const timedBuild = async (statement: string, run: (statement: string) => Promise<unknown>) => {
      const start = performance.now();
      await run(statement);
      buildSeconds.set(buildName(statement), (performance.now() - start) / 1000);
    };
    const raw = async (indexes: Strategy) => {
      buildSeconds = new Map();
      const [drop, create] = indexes === 'rebuild' ? [plan.drop, plan.create] : [[], []];
      const db = conn.db as unknown as { $client: unknown };
      const client = db.$client as
        | postgres.Sql
        | { transaction<T>(fn: (tx: { query: (...a: unknown[]) => Promise<unknown> }) => Promise<T>): Promise<T> };
      if (typeof (client as postgres.Sql).begin === 'function') {
        await (client as postgres.Sql).begin(async (tx) => {
          for (const statement of drop) await tx.unsafe(statement);
          const copyStart = performance.now();
          const writable = await tx.unsafe(`copy messages (${columns}) from stdin`).writable();
          await pipeline(Readable.from(text), writable);
          bareSeconds = (performance.now() - copyStart) / 1000;
          for (const statement of create) await timedBuild(statement, (q) => tx.unsafe(q));
        });
      } else {
        await (
          client as {
            transaction<T>(fn: (tx: { query: (...a: unknown[]) => Promise<unknown> }) => Promise<T>): Promise<T>;
          }
        ).transaction(async (tx) => {
          for (const statement of drop) await tx.query(statement);
          const copyStart = performance.now();
          for (let s = 0; s < text.length; s += 10) {
            await tx.query(`copy messages (${columns}) from '/dev/blob'`, [], {
              blob: new Blob(text.slice(s, s + 10)),
            });
          }
          bareSeconds = (performance.now() - copyStart) / 1000;
          for (const statement of create) await timedBuild(statement, (q) => tx.query(q));
        });
      }
    };
    const api = async (indexes: Strategy) => {
      await importMessages(conn.db, rows, { indexes });
    };
    const figures = strategies.map(
      (indexes): Figures => ({
        backend: name,
        indexes,
        raw: [],
        api: [],
        bare: [],
        builds: new Map(),
      }),
    );
    const reset = () => conn.client.query('truncate messages, conversation_metadata');
    for (let r = 0; r < runs; r++) {
      for (const f of figures) {
        for (const [side, run] of [
          ['raw', raw],
          ['api', api],
        ] as const) {
          await reset();
          const t0 = performance.now();
          await run(f.indexes);
          const seconds = (performance.now() - t0) / 1000;
          f[side].push(rowsWanted / seconds);
          if (side === 'raw' && f.indexes === 'rebuild') {
            f.bare.push(rowsWanted / bareSeconds);
            for (const [build, s] of buildSeconds) f.builds.set(build, [...(f.builds.get(build) ?? []), s]);
          }
          process.stdout.write(
            `  ${name} ${f.indexes} ${side}: ${Math.round(rowsWanted / seconds).toLocaleString('en')} messages/s\n`,
          );
        }
      }
    }
    return figures;
  } finally {
    await conn.close();
  }
}

async function serverDatabase(url: string): Promise<{ location: string; drop: () => Promise<void> }> {
  const name = `chatstore_bench_import_${randomBytes(4).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    location: u.toString(),
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

export async function main(): Promise<void> {
  const results: Figures[] = [];
  const url = process.env.DATABASE_URL;
  if (url) {
    const server = await serverDatabase(url);
    try {
      results.push(...(await bench('PostgreSQL server (postgres.js)', server.location)));
    } finally {
      await server.drop();
    }
  }
  results.push(...(await bench('PGlite (in memory)', 'pglite:memory:')));
  const rate = (x: number) => Math.round(x).toLocaleString('en');
  const lines = results.map(
    (f) =>
      `| ${f.backend} | ${f.indexes} | ${rate(median(f.api))} | ${rate(median(f.raw))} | ${(median(f.raw) / median(f.api)).toFixed(2)}× | ${f.bare.length > 0 ? rate(median(f.bare)) : '–'} | ${f.api.map(rate).join(', ')} |`,
  );
  writeResultsSection(
    'todo-import',
    [
      '## todo: importMessages',
      '',
      `${rowsWanted.toLocaleString('en')} messages over ${conversationsWanted.toLocaleString('en')} conversations into the migrated schema (six indexes including the full-text GIN index, a primary key, two foreign keys), after \`truncate\`, one transaction per import, ${runs} interleaved runs per side and strategy, medians. \`indexes\`: \`rebuild\` (what \`auto\` picks for an empty table: indexes, keys and foreign keys dropped in the transaction, built again after the COPY) or \`maintain\` (what it picks for a table with rows: every row maintains every index). Raw = the driver alone doing the same: the same drops and builds around its own COPY of ready-made COPY text (postgres.js \`copy … from stdin\` stream; PGlite \`copy … from '/dev/blob'\`, 100k-row blobs); API = \`importMessages\` from row objects: zod + unstorable check per row, COPY text built, ownership check and counters. "COPY alone" is the raw \`rebuild\` run's COPY step by itself (no index or key to maintain): no import into this schema can beat it. Goals: ≥ 300,000 messages/s on the server, ≥ 150,000 on PGlite.`,
      '',
      '| backend | indexes | importMessages (messages/s) | raw (messages/s) | time ratio API / raw | raw COPY alone, into the bare table (messages/s) | API runs |',
      '| --- | --- | ---: | ---: | ---: | ---: | --- |',
      ...lines,
      '',
      ...results
        .filter((f) => f.builds.size > 0)
        .map((f) => {
          const builds = [...f.builds].map(([name, s]) => ({ name, seconds: median(s) }));
          const total = builds.reduce((sum, b) => sum + b.seconds, 0);
          const copy = rowsWanted / median(f.bare);
          const each = builds
            .sort((a, b) => b.seconds - a.seconds)
            .map((b) => `${b.name} ${b.seconds.toFixed(2)} s`)
            .join(', ');
          return `- ${f.backend}, where the raw \`rebuild\` run's time goes (medians): COPY into the bare table ${copy.toFixed(2)} s, building keys, indexes and foreign keys again ${total.toFixed(2)} s (${each}). Those builds alone allow at most ${rate(rowsWanted / total)} messages/s.`;
        }),
    ].join('\n'),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
