/**
 * tatlock-user `importMessages` against raw better-sqlite3 (one prepared INSERT in one
 * transaction, the same rows as arrays) on a fresh file, runs interleaved, each after
 * `delete from conversation_messages`. `IMPORT_ROWS` (default 200,000), `IMPORT_RUNS` (3).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { connect } from '../../src/targets/connect';
import { type ImportMessageRow, importMessages, startConversation } from '../../src/targets/tatlock-user';
import { writeResultsSection } from '../results';

const rowsWanted = Number(process.env.IMPORT_ROWS ?? 200_000);
const runs = Number(process.env.IMPORT_RUNS ?? 3);
type Strategy = 'rebuild' | 'maintain';
const strategies: Strategy[] = ['rebuild', 'maintain'];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'chatstore-import-'));
  const conn = await connect('tatlock-user', path.join(dir, 'bench_longterm.db'), { migrate: true });
  try {
    const conversations = Array.from({ length: Math.max(1, rowsWanted / 100) }, () =>
      startConversation(conn.db, {}),
    ).map((c) => c.conversationId);
    const start = Date.UTC(2025, 0, 1);
    const rows: ImportMessageRow[] = Array.from({ length: rowsWanted }, (_, i) => ({
      messageId: randomUUID(),
      conversationId: conversations[i % conversations.length] as string,
      role: i % 2 === 0 ? 'user' : 'assistant',
      content:
        i % 2 === 0 ? 'What is on my calendar tomorrow?' : 'You have two meetings: standup at 9 and a review at 2.',
      timestamp: new Date(start + i * 10).toISOString(),
    }));
    const client = (conn.db as unknown as { $client: BetterSqlite3.Database }).$client;
    const insert = client.prepare(
      'insert into conversation_messages (message_id, conversation_id, message_number, role, content, timestamp) values (?, ?, ?, ?, ?, ?)',
    );
    const asArrays = rows.map((r, i) => [
      r.messageId,
      r.conversationId,
      Math.floor(i / conversations.length) + 1,
      r.role,
      r.content,
      r.timestamp,
    ]);
    // For `rebuild` the raw side drops and recreates the same indexes around its inserts.
    const indexSql = client
      .prepare(
        "select name, sql from sqlite_master where type = 'index' and tbl_name = 'conversation_messages' and sql is not null",
      )
      .all() as { name: string; sql: string }[];
    const raw = client.transaction((indexes: Strategy) => {
      if (indexes === 'rebuild') for (const { name } of indexSql) client.exec(`drop index ${name}`);
      const insertNow = indexes === 'rebuild' ? client.prepare(insert.source) : insert;
      for (const a of asArrays) insertNow.run(...a);
      if (indexes === 'rebuild') for (const { sql } of indexSql) client.exec(sql);
    });
    const figures = strategies.map((indexes) => ({ indexes, raw: [] as number[], api: [] as number[] }));
    for (let r = 0; r < runs; r++) {
      for (const f of figures) {
        for (const side of ['raw', 'api'] as const) {
          client.exec('delete from conversation_messages');
          const t0 = performance.now();
          if (side === 'raw') raw.immediate(f.indexes);
          else await importMessages(conn.db, rows, { indexes: f.indexes });
          const rate = rowsWanted / ((performance.now() - t0) / 1000);
          f[side].push(rate);
          process.stdout.write(`  sqlite ${f.indexes} ${side}: ${Math.round(rate).toLocaleString('en')} messages/s\n`);
        }
      }
    }
    const rate = (x: number) => Math.round(x).toLocaleString('en');
    writeResultsSection(
      'tatlock-import',
      [
        '## tatlock-user: importMessages',
        '',
        `${rowsWanted.toLocaleString('en')} messages over ${conversations.length.toLocaleString('en')} conversations into a file database (WAL), after emptying \`conversation_messages\`, ${runs} interleaved runs per side and strategy, medians. \`indexes\`: \`rebuild\` (what \`auto\` picks for an empty table: the two declared indexes dropped in the transaction and created after the inserts; the primary key's own index stays) or \`maintain\` (what it picks for a table with rows). Raw = one better-sqlite3 prepared INSERT per row in one transaction, rows ready as arrays with their numbers, around it the same drops and creates; API = \`importMessages\` from row objects: zod + unstorable check per row, numbering after each conversation's last message, counters. Goal: ≥ 400,000 messages/s.`,
        '',
        '| backend | indexes | importMessages (messages/s) | raw (messages/s) | time ratio API / raw | API runs |',
        '| --- | --- | ---: | ---: | ---: | --- |',
        ...figures.map(
          (f) =>
            `| SQLite (better-sqlite3) | ${f.indexes} | ${rate(median(f.api))} | ${rate(median(f.raw))} | ${(median(f.raw) / median(f.api)).toFixed(2)}× | ${f.api.map(rate).join(', ')} |`,
        ),
      ].join('\n'),
    );
  } finally {
    await conn.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
