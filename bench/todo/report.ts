/** The stdout table and bench/RESULTS.md. */
import type { PathResult } from './measure';

export interface ImportResult {
  method: string;
  rows: number;
  messages: number;
  /** Wall time of the whole import (users, conversations, metadata, messages). */
  seconds: number;
  /** Wall time of the messages COPY alone. */
  messageSeconds: number;
  /** VACUUM ANALYZE afterwards, not part of the import rate. */
  vacuumSeconds: number;
}

export interface SizeResult {
  /** pg_total_relation_size('messages'): heap + TOAST + indexes. */
  total: number;
  heap: number;
  indexes: number;
}

export interface BackendResult {
  backend: 'pglite' | 'postgres';
  server: string;
  where: string;
  chatstoreSide: string;
  importResult: ImportResult;
  size: SizeResult;
  paths: PathResult[];
  seconds: number;
}

export interface RunInfo {
  date: string;
  machine: string;
  versions: Record<string, string>;
  data: string;
  iterations: number;
  warmup: number;
  seconds: number;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const f3 = (n: number) => n.toFixed(3);
const rate = (rows: number, seconds: number) => `${Math.round(rows / seconds).toLocaleString('en-US')} rows/s`;

/** Targets: ≤ 1.05 p50 ratio on PostgreSQL, load-20 p50 ≤ 0.5 ms there; none set for PGlite. */
function verdict(result: BackendResult, path: PathResult): string {
  if (result.backend !== 'postgres') return '';
  const marks: string[] = [path.ratio <= 1.05 ? 'ratio ok' : 'ratio > 1.05'];
  if (path.name.startsWith('load')) marks.push(path.chatstore.p50 <= 0.5 ? 'p50 ≤ 0.5 ms' : 'p50 > 0.5 ms');
  return marks.join(', ');
}

function pad(cells: string[][]): string {
  const widths = (cells[0] ?? []).map((_, c) => Math.max(...cells.map((row) => (row[c] ?? '').length)));
  return cells
    .map((row) =>
      row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  '),
    )
    .join('\n');
}

export function importLines(r: BackendResult): string[] {
  const i = r.importResult;
  return [
    `import (${i.method}): ${i.rows.toLocaleString('en-US')} rows in ${i.seconds.toFixed(2)} s = ${rate(i.rows, i.seconds)}; messages alone ${i.messages.toLocaleString('en-US')} in ${i.messageSeconds.toFixed(2)} s = ${rate(i.messages, i.messageSeconds)} (target ≥ 300,000)`,
    `VACUUM ANALYZE afterwards: ${i.vacuumSeconds.toFixed(2)} s (not in the rate)`,
    `messages on disk: ${mb(r.size.total)} total = heap+TOAST ${mb(r.size.total - r.size.indexes)} + indexes ${mb(r.size.indexes)} (target ≤ 550 MB)`,
  ];
}

export function textTable(r: BackendResult): string {
  const rows = [['hot path', 'side', 'p50 ms', 'p95 ms', 'p99 ms', 'p50 ratio', '']];
  for (const p of r.paths) {
    rows.push([
      p.name,
      'chatstore',
      f3(p.chatstore.p50),
      f3(p.chatstore.p95),
      f3(p.chatstore.p99),
      `${p.ratio.toFixed(2)}×`,
      verdict(r, p),
    ]);
    rows.push(['', 'raw', f3(p.raw.p50), f3(p.raw.p95), f3(p.raw.p99), '', '']);
  }
  return pad(rows);
}

function markdownTable(r: BackendResult): string {
  const lines = [
    '| hot path | chatstore p50 | p95 | p99 | raw p50 | p95 | p99 | p50 ratio | |',
    '|---|--:|--:|--:|--:|--:|--:|--:|---|',
  ];
  for (const p of r.paths) {
    lines.push(
      `| ${p.name} | ${f3(p.chatstore.p50)} | ${f3(p.chatstore.p95)} | ${f3(p.chatstore.p99)} | ${f3(p.raw.p50)} | ${f3(p.raw.p95)} | ${f3(p.raw.p99)} | **${p.ratio.toFixed(2)}×** | ${verdict(r, p)} |`,
    );
  }
  return lines.join('\n');
}

const floors: Record<BackendResult['backend'], string> = {
  postgres:
    'postgres.js `sql.unsafe(text, params, { prepare: true }).values()` (named prepared statement, array rows) on the same `postgres()` instance drizzle wraps',
  pglite: 'PGlite `pg.query(text, params)` on the same PGlite instance drizzle wraps',
};

export function markdown(info: RunInfo, results: BackendResult[], notes: readonly string[]): string {
  const out: string[] = [
    '## todo: hot paths and bulk import',
    '',
    `Measured ${info.date} by \`npm run bench\` (whole run ${Math.round(info.seconds)} s).`,
    '',
    `- Machine: ${info.machine}`,
    `- Versions: ${Object.entries(info.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `- Data: ${info.data}`,
    `- Iterations: ${info.iterations.toLocaleString('en-US')} timed per side per hot path, after ${info.warmup.toLocaleString('en-US')} warm-up iterations per side`,
    '',
    "Times are milliseconds per call, from the caller's side (`process.hrtime.bigint()` around the awaited call). Ratio = chatstore p50 / raw p50.",
    '',
  ];
  for (const r of results) {
    out.push(`### ${r.backend === 'postgres' ? 'PostgreSQL server' : 'PGlite'} — ${r.server}`, '');
    out.push(`Database: ${r.where}. Chatstore side: ${r.chatstoreSide}. Raw floor: ${floors[r.backend]}.`, '');
    out.push(markdownTable(r), '');
    for (const line of importLines(r)) out.push(`- ${line}`);
    out.push('', '<details><summary>SQL the raw side runs</summary>', '');
    for (const p of r.paths) {
      out.push(`${p.name}:`, '', '```sql', ...p.statements.map((s) => `${s};`), '```', '');
    }
    out.push('</details>', '');
  }
  out.push(
    '### Method',
    '',
    '- **Floor baseline.** The raw side is the fastest call of the same SQL on each driver (see docs/DESIGN "Benchmarks: what the raw driver means"): postgres.js prepared in array mode, PGlite `query`. It runs on the same driver instance as the chatstore side (`db.$client`), so connection, type parsers and process are shared; only the layer on top differs.',
    '- **Interleaving.** Each iteration calls both sides back to back on the same input (a random conversation or user drawn before timing), a seeded coin deciding which goes first (a fixed alternation can lock onto a periodic event such as a WAL checkpoint), so drift (GC, autovacuum, checkpoints, CPU frequency) and cache warmth fall on both alike. Warm-up iterations use other inputs and are not timed.',
    '- **Append** is one transaction on both sides: insert the message (RETURNING), set `conversations.updated_at = now()`, bump `conversation_metadata.message_count` (and `task_count_created` for `add_task`). **Update a conversation** sets `updated_at = now()` RETURNING the row.',
    "- **Data.** Deterministic generator (bench/todo/data.ts): conversations of 50–150 messages alternating user/assistant, ~30 % of assistant turns with a tool (~12 % `add_task`, with `action_taken`), a metadata row per conversation. Messages are written in time order within groups of 100 concurrently running conversations, so one conversation's rows are spread over the heap as in a live database. The migrated schema is the latest generation: the seed's indexes and foreign keys plus `archive-search`'s (conversation_id, created_at, id) B-tree and full-text GIN index on messages.",
    "- **Import** is COPY into the migrated tables: postgres.js `sql.unsafe('copy … from stdin').writable()` fed by a Node stream; PGlite `COPY … FROM '/dev/blob'` with the `blob` query option, in batches of ~100,000 rows. The rate is rows over the wall time of all four COPYs; VACUUM ANALYZE runs afterwards and is reported apart.",
    "- **Size** is `pg_total_relation_size('messages')` (heap, TOAST, every index) after VACUUM ANALYZE, before the hot paths write.",
    '- Scale down for a quick run: `BENCH_MESSAGES=100000 BENCH_ITERATIONS=1000 npm run bench` (RESULTS.md is rewritten only by full-size runs or with `BENCH_WRITE_RESULTS=1`). `BENCH_PGLITE=memory|skip`, `DATABASE_URL` adds the server.',
    '',
  );
  if (notes.length > 0) out.push('### Notes', '', ...notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}
