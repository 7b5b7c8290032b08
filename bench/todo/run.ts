/**
 * `npm run bench`: bulk import and the todo hot paths, chatstore beside the raw driver.
 * PGlite always; the PostgreSQL server at DATABASE_URL too when it is set.
 * Settings: bench/config.ts. Output: a table on stdout and bench/RESULTS.md.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResultsSection } from '../results';
import { type BenchBackend, openPglite, openServer } from './backends';
import { type BenchConfig, readConfig } from './config';
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
import { chatstoreSide, hotPaths } from './hot-paths';
import { measure } from './measure';
import { type BackendResult, importLines, markdown, textTable } from './report';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;
const log = (line: string) => process.stdout.write(`${line}\n`);

function packageVersion(name: string): string {
  try {
    return (
      JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }
    ).version;
  } catch {
    return '?';
  }
}

/** The COPY text of every table, generated before timing: the rate is the database's, not the generator's. */
interface CopyText {
  users: string[];
  conversations: string[];
  metadata: string[];
  messages: string[];
}

function generateCopyText(data: Dataset, config: BenchConfig): CopyText {
  return {
    users: [...usersCopy(data)],
    conversations: [...conversationsCopy(data)],
    metadata: [...metadataCopy(data)],
    messages: [...messagesCopy(data, config.seed)],
  };
}

interface Rebuild {
  drop: string[];
  create: string[];
}

/**
 * pg_restore's order for a bulk load into an empty table: drop its indexes and foreign keys,
 * COPY, then build the indexes in one pass each and validate each foreign key with one join.
 * The definitions are read back from the catalog, so what is recreated is what migrate made.
 */
export async function rebuildPlan(backend: BenchBackend, table: string): Promise<Rebuild> {
  const fks = (await backend.sql(
    `select conname as name, pg_get_constraintdef(oid) as def from pg_constraint where conrelid = '${table}'::regclass and contype = 'f' order by conname`,
  )) as { name: string; def: string }[];
  const pk = (await backend.sql(
    `select conname as name, pg_get_constraintdef(oid) as def from pg_constraint where conrelid = '${table}'::regclass and contype = 'p'`,
  )) as { name: string; def: string }[];
  const indexes = (await backend.sql(
    `select i.relname as name, pg_get_indexdef(i.oid) as def from pg_index x join pg_class i on i.oid = x.indexrelid
     where x.indrelid = '${table}'::regclass and not exists (select 1 from pg_constraint c where c.conindid = i.oid) order by i.relname`,
  )) as { name: string; def: string }[];
  return {
    drop: [
      ...fks.map((c) => `alter table ${table} drop constraint ${c.name}`),
      ...pk.map((c) => `alter table ${table} drop constraint ${c.name}`),
      ...indexes.map((i) => `drop index ${i.name}`),
    ],
    create: [
      ...pk.map((c) => `alter table ${table} add constraint ${c.name} ${c.def}`),
      ...indexes.map((i) => i.def),
      ...fks.map((c) => `alter table ${table} add constraint ${c.name} ${c.def}`),
    ],
  };
}

async function schemaOf(backend: BenchBackend, table: string): Promise<string> {
  const rows = await backend.sql(
    `select pg_get_indexdef(indexrelid) as def from pg_index where indrelid = '${table}'::regclass
     union all select conname || ' ' || pg_get_constraintdef(oid) from pg_constraint where conrelid = '${table}'::regclass order by 1`,
  );
  return rows.map((r) => String(r.def)).join('\n');
}

async function importData(
  backend: BenchBackend,
  data: Dataset,
  text: CopyText,
  mode: BenchConfig['importMode'],
): Promise<BackendResult['importResult']> {
  const before = await schemaOf(backend, 'messages');
  const plan = mode === 'rebuild' ? await rebuildPlan(backend, 'messages') : { drop: [], create: [] };
  const started = process.hrtime.bigint();
  await backend.copy('users', userColumns, text.users);
  await backend.copy('conversations', conversationColumns, text.conversations);
  await backend.copy('conversation_metadata', metadataColumns, text.metadata);
  const messagesStarted = process.hrtime.bigint();
  for (const statement of plan.drop) await backend.sql(statement);
  await backend.copy('messages', messageColumns, text.messages);
  for (const statement of plan.create) await backend.sql(statement);
  const messageSeconds = seconds(messagesStarted);
  const total = seconds(started);
  if ((await schemaOf(backend, 'messages')) !== before)
    throw new Error('messages indexes/constraints differ after the import');
  const vacuumStarted = process.hrtime.bigint();
  await backend.sql('vacuum analyze');
  const vacuumSeconds = seconds(vacuumStarted);
  const [{ n } = { n: 0 }] = (await backend.sql('select count(*)::int as n from messages')) as { n: number }[];
  if (n !== data.messages) throw new Error(`imported ${n} messages, expected ${data.messages}`);
  const copy =
    backend.name === 'postgres'
      ? 'COPY FROM STDIN through a postgres.js writable stream'
      : "COPY FROM '/dev/blob' with PGlite's `blob` query option, ~100k-row batches";
  return {
    method:
      mode === 'rebuild'
        ? `${copy}; messages' indexes and foreign keys dropped before and rebuilt/validated after, inside the timing`
        : `${copy} into the migrated schema (indexes and foreign keys maintained row by row)`,
    rows: data.totalRows,
    messages: data.messages,
    seconds: total,
    messageSeconds,
    vacuumSeconds,
  };
}

async function sizeOf(backend: BenchBackend): Promise<BackendResult['size']> {
  const [row] = (await backend.sql(
    "select pg_total_relation_size('messages')::bigint as total, pg_relation_size('messages')::bigint as heap, pg_indexes_size('messages')::bigint as indexes",
  )) as { total: string | number; heap: string | number; indexes: string | number }[];
  return { total: Number(row?.total), heap: Number(row?.heap), indexes: Number(row?.indexes) };
}

async function benchBackend(
  open: () => Promise<BenchBackend>,
  data: Dataset,
  text: CopyText,
  config: BenchConfig,
): Promise<BackendResult> {
  const started = process.hrtime.bigint();
  const backend = await open();
  try {
    const [{ version } = { version: '?' }] = (await backend.sql('select version() as version')) as {
      version: string;
    }[];
    const server = version.replace(/ on .*| \(.*/, '').replace(/,.*/, '');
    log(`\n== ${backend.name}: ${server}, ${backend.where}`);
    log(`importing ${data.totalRows.toLocaleString('en-US')} rows…`);
    const importResult = await importData(backend, data, text, config.importMode);
    const size = await sizeOf(backend);
    const partial: BackendResult = {
      backend: backend.name,
      server,
      where: backend.where,
      chatstoreSide,
      importResult,
      size,
      paths: [],
      seconds: 0,
    };
    for (const line of importLines(partial)) log(line);
    const capture = (log: { text: string; params: unknown[] }[]) =>
      backend.logging({ logQuery: (text, params) => log.push({ text, params }) });
    const paths = hotPaths(backend, capture, data, config.iterations + config.warmup, config.seed + 1);
    for (const p of paths) {
      const t = process.hrtime.bigint();
      partial.paths.push(await measure(p, config.iterations, config.warmup));
      log(`  ${p.name}: ${seconds(t).toFixed(1)} s`);
    }
    partial.seconds = seconds(started);
    log(textTable(partial));
    return partial;
  } finally {
    await backend.dispose();
  }
}

/** Analysis of figures off target; the numbers quoted here come from the runs named in them. */
const notes = [
  "**Import rate is below the 300,000 rows/s target on these 2-core machines.** COPY into the migrated schema as it is (`BENCH_IMPORT=live`, 2026-11-23) ran at ~51,000 rows/s on PostgreSQL 15 and ~36,000 rows/s on PGlite: every row maintains five B-trees (two on random uuids) and fires two foreign-key triggers. Taking the table apart step by step with psql's `\\copy` of the same 1,000,000 rows: heap only 2.2 s (~450,000 rows/s, the ceiling), + primary key 4.5 s, + the four seed indexes 8.7 s, + the two foreign keys 17.8 s. Hence the default `rebuild` import (pg_restore's order: drop, COPY, build each index in one sorted pass, validate each foreign key with one join) at 160,000–240,000 rows/s across runs (heap COPY ~2.3 s + rebuild ~1.9 s when the machine is otherwise idle; it is shared with other work, so runs vary). Two concurrent COPY streams were slower (7.2 s; two cores shared with Node). Reaching 300,000 would take server settings the bench does not touch (`max_wal_size`, `wal_level = minimal` with COPY into a table truncated in the same transaction) or more cores.",
  "**p50 ratios above 1.05 on PostgreSQL (load 20, list conversations)** are per-call CPU in Node, not SQL: the raw floor returns arrays, while drizzle maps each row to an object (`mapResultRow`, 20 rows × 8 columns for load), fills placeholders and opens tracer spans, and the repository parses its input with zod. The absolute gaps are ~0.02 ms (load) and ~0.01 ms (list) on calls of 0.12 / 0.05 ms, so the ratio is large because the floor is small. An earlier run of this bench with bare drizzle `.prepare()` statements (no repository, no zod) gave 1.14–1.15× (load) and 1.22–1.28× (list), in line with DESIGN.md's 1.19× for drizzle prepared: most of the gap is drizzle's own, a few points are the repository's. The writes (append, update) are dominated by the server's commit (WAL flush) and stay within ~1.05×.",
  '**PGlite ratios (1.2–1.5×)** have the same cause, larger because PGlite runs in the same process and thread: the floor is `pg.query` in object mode with its default type parsers, and drizzle asks PGlite for array rows and then maps them again. No target is set for PGlite.',
  "The seed's own budgets (load 20 < 50 ms, list < 100 ms, insert < 10 ms, update < 10 ms, 1 M messages ≈ 500 MB) are met on both backends by one to two orders of magnitude; messages with indexes take ~236 MB.",
];

export async function main(): Promise<void> {
  const config = readConfig();
  const started = process.hrtime.bigint();
  const planStarted = process.hrtime.bigint();
  const data = planDataset(config);
  log(
    `data: ${config.users.toLocaleString('en-US')} users, ${config.conversations.toLocaleString('en-US')} conversations, ${config.messages.toLocaleString('en-US')} messages (planned in ${seconds(planStarted).toFixed(1)} s); ${config.iterations} iterations, ${config.warmup} warm-up`,
  );
  log(`chatstore side: ${chatstoreSide}`);
  const generated = process.hrtime.bigint();
  const text = generateCopyText(data, config);
  log(
    `COPY text generated in ${seconds(generated).toFixed(1)} s (${(text.messages.reduce((n, s) => n + s.length, 0) / 2 ** 20).toFixed(0)} MB of messages), before timing`,
  );
  const results: BackendResult[] = [];
  if (!config.skipPglite) results.push(await benchBackend(() => openPglite(config.pgliteStorage), data, text, config));
  if (config.serverUrl) {
    const url = config.serverUrl;
    results.push(await benchBackend(() => openServer(url), data, text, config));
  } else {
    log('\nDATABASE_URL is not set: PostgreSQL server skipped.');
  }
  const total = seconds(started);
  log(`\nwhole run: ${total.toFixed(0)} s`);

  const write = process.env.BENCH_WRITE_RESULTS === '1' || (config.writeResults && config.messages >= 1_000_000);
  if (!write) {
    log('bench/RESULTS.md left as it is (scaled-down run; BENCH_WRITE_RESULTS=1 to write it anyway)');
    return;
  }
  const cpus = os.cpus();
  const info = {
    date: new Date().toISOString().slice(0, 10),
    machine: `${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}`,
    versions: {
      Node: process.version,
      'drizzle-orm': packageVersion('drizzle-orm'),
      'postgres (postgres.js)': packageVersion('postgres'),
      '@electric-sql/pglite': packageVersion('@electric-sql/pglite'),
      ...Object.fromEntries(results.map((r) => [r.backend === 'postgres' ? 'server' : 'PGlite server', r.server])),
    },
    data: `${config.users.toLocaleString('en-US')} users, ${config.conversations.toLocaleString('en-US')} conversations, ${config.messages.toLocaleString('en-US')} messages, ${config.conversations.toLocaleString('en-US')} conversation_metadata rows (seed ${config.seed})`,
    iterations: config.iterations,
    warmup: config.warmup,
    seconds: total,
  };
  writeResultsSection('todo', markdown(info, results, notes));
  log('wrote bench/RESULTS.md');
  await import('./import').then((m) => m.main());
}
