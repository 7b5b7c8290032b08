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
  "**The 1M-message load runs at 53,000–88,000 rows/s, under the 300,000 target.** It drops the messages' indexes, keys and foreign keys, COPYs, and builds them again (pg_restore's order); with `archive-search`'s full-text GIN index (`to_tsvector` over every message) the builds cost more than the COPY. The section todo: importMessages below times each build: per 200,000 messages on the server the COPY into the bare table takes 0.37 s and the builds 1.59 s, the GIN index alone 1.13 s, which caps any load into this schema near 126,000 rows/s on this machine.",
  "**What remains above the raw driver** (1.01–1.03× on the server, 1.02–1.09× on PGlite in this run): every hot path runs its drizzle-built SQL at the driver's floor (decision 026), so the difference is the repository's own work — input parsing (decisions 029, 031), decoding array rows into objects with `Date`s, and error mapping — a few microseconds per call, which weighs most on the shortest calls (PGlite update, 0.26 ms).",
  '**p99 on PGlite moves by more than 20 % between runs**: GC pauses and the machine land on either side of an iteration. In this run list and append measured 1.30× and 1.37× of the raw p99; two runs of `npm run bench -- todo` right after (2026-11-30) gave 1.03× and 0.96× (list), 1.16× and 1.05× (append).',
  "The seed's own budgets (load 20 < 50 ms, list < 100 ms, insert < 10 ms, update < 10 ms, 1 M messages ≈ 500 MB) are met on both backends by one to two orders of magnitude; messages with their indexes take ~303 MB.",
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
