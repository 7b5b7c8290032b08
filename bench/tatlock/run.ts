/**
 * `npm run bench -- tatlock`:
 *   1. the fan-out: BENCH_TATLOCK_FILES (1,000) user databases at 0.3.19, created by the seed's
 *      SQL with BENCH_TATLOCK_MEMORIES (100) memories each, plus system.db, migrated to the latest
 *      by the real command, `chatstore migrate tatlock --dir <folder> --json`, in a child process
 *      (so the wall time includes starting Node and loading chatstore);
 *   2. the hot paths on one migrated user database: `appendMessage` and `loadModelContext`
 *      beside the same SQL on raw better-sqlite3 prepared statements (captured from the
 *      repository, run on the connection drizzle wraps), interleaved in one run.
 * Settings: BENCH_ITERATIONS (20000), BENCH_WARMUP (2000), BENCH_WRITE_RESULTS=0 to leave
 * bench/RESULTS.md alone.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import * as schema from '../../src/schema/tatlock-user';
import type { FanOutResult } from '../../src/targets/tatlock/fan-out';
import {
  appendMessage,
  loadModelContext,
  openUserDatabase,
  startConversation,
  storeCompact,
  type UserDb,
} from '../../src/targets/tatlock-user';
import { createLegacySystemDatabase, createLegacyUserDatabase } from '../../support/tatlock-legacy';
import { writeResultsSection } from '../results';
import type { HotPath } from '../todo/hot-paths';
import { measure, type PathResult } from '../todo/measure';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const int = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const config = {
  files: int('BENCH_TATLOCK_FILES', 1_000),
  memories: int('BENCH_TATLOCK_MEMORIES', 100),
  iterations: int('BENCH_ITERATIONS', 20_000),
  warmup: int('BENCH_WARMUP', 2_000),
  writeResults: process.env.BENCH_WRITE_RESULTS !== '0',
};
const log = (line: string) => process.stdout.write(`${line}\n`);
const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;

interface FanOutFigures {
  files: number;
  wallSeconds: number;
  inProcessSeconds: number;
  ok: number;
  messagesChecked: number;
}

async function fanOut(dir: string): Promise<FanOutFigures> {
  const created = process.hrtime.bigint();
  createLegacySystemDatabase(path.join(dir, 'system.db'), '0.3.19');
  for (let i = 0; i < config.files; i++) {
    createLegacyUserDatabase(path.join(dir, `user${String(i).padStart(4, '0')}_longterm.db`), '0.3.19', {
      oldConversations: 4,
      memories: config.memories,
      seed: i + 1,
    });
  }
  log(
    `created ${config.files} user databases at 0.3.19 (${config.memories} memories each) in ${seconds(created).toFixed(1)} s, untimed`,
  );
  const started = process.hrtime.bigint();
  const out = execFileSync(
    process.execPath,
    [path.join(root, 'bin', 'chatstore.js'), 'migrate', 'tatlock', '--dir', dir, '--json'],
    {
      cwd: root,
      maxBuffer: 256 * 1024 * 1024,
      encoding: 'utf8',
    },
  );
  const wallSeconds = seconds(started);
  const result = JSON.parse(out) as FanOutResult;
  const ok = result.files.filter((f) => f.ok && f.after === (f.target === 'tatlock-user' ? '0.3.23' : '0.3.20')).length;
  if (ok !== config.files + 1) throw new Error(`only ${ok} of ${config.files + 1} files reached the latest generation`);
  // Every file: each memory became two messages.
  const { default: Sqlite } = await import('better-sqlite3');
  let messagesChecked = 0;
  for (const f of result.files.filter((file) => file.target === 'tatlock-user')) {
    const db = new Sqlite(f.file, { readonly: true });
    const { n } = db.prepare('select count(*) as n from conversation_messages').get() as { n: number };
    db.close();
    if (n !== 2 * config.memories) throw new Error(`${f.file} has ${n} messages, expected ${2 * config.memories}`);
    messagesChecked += n;
  }
  return { files: result.files.length, wallSeconds, inProcessSeconds: result.ms / 1000, ok, messagesChecked };
}

/** The repository's SQL, captured by running it once on a logging handle over the same client. */
function capture(client: Database.Database, run: (db: UserDb) => unknown): string[] {
  const texts: string[] = [];
  const logging = drizzle({ client, schema, logger: { logQuery: (text) => texts.push(text) } }) as unknown as UserDb;
  run(logging);
  return texts;
}

async function hotPaths(dir: string): Promise<PathResult[]> {
  const conn = await openUserDatabase('bench', { dataDir: dir });
  try {
    const db = conn.db;
    const client = (db as unknown as { $client: Database.Database }).$client;
    // The context conversation: 90 messages, compacted up to 50, so the model gets 40.
    const context = await startConversation(db, { title: 'context' });
    for (let i = 1; i <= 90; i++) {
      await appendMessage(db, {
        conversationId: context.conversationId,
        role: i % 2 ? 'user' : 'assistant',
        content: `message ${i}: ${'lorem ipsum dolor sit amet '.repeat(8)}`,
      });
    }
    await storeCompact(db, { conversationId: context.conversationId, summary: 'TOPICS DISCUSSED: …', upTo: 50 });
    const append = await startConversation(db, { title: 'append' });

    const appendSql = capture(client, (logging) =>
      appendMessage(logging, { conversationId: append.conversationId, role: 'user', content: 'warm' }),
    );
    const contextSql = capture(client, (logging) =>
      loadModelContext(logging, { conversationId: context.conversationId }),
    );
    const [touchText, insertText] = appendSql.filter((t) => !/^(begin|commit)/i.test(t));
    const [contextText] = contextSql;
    if (!touchText || !insertText || !contextText)
      throw new Error(`unexpected SQL: ${[...appendSql, ...contextSql].join(' | ')}`);
    const touch = client.prepare(touchText);
    const insert = client.prepare(insertText);
    const rawAppend = client.transaction((conversationId: string, role: string, content: string) => {
      const timestamp = new Date().toISOString();
      if (touch.get(timestamp, conversationId) === undefined) return undefined;
      return insert.get(randomUUID(), conversationId, role, content, timestamp, conversationId);
    });
    const contextStatement = client.prepare(contextText).raw();

    const roles = ['user', 'assistant'] as const;
    const paths: HotPath[] = [
      {
        name: 'append a message',
        statements: [touchText, insertText],
        // Both sides async alike: the repositories are synchronous (decision 022), the harness awaits.
        chatstore: async (i) =>
          appendMessage(db, {
            conversationId: append.conversationId,
            role: roles[i % 2] ?? 'user',
            content: `reply ${i}`,
          }),
        raw: async (i) => rawAppend(append.conversationId, roles[i % 2] ?? 'user', `reply ${i}`),
        async check() {
          const mine = await appendMessage(db, {
            conversationId: append.conversationId,
            role: 'user',
            content: 'check',
          });
          const theirs = rawAppend(append.conversationId, 'assistant', 'check') as Record<string, unknown>;
          if (theirs.message_number !== mine.messageNumber + 1) throw new Error('raw append numbered differently');
        },
      },
      {
        name: 'load the model context (40 messages)',
        statements: [contextText],
        chatstore: async () => loadModelContext(db, { conversationId: context.conversationId }),
        raw: async () => contextStatement.all(context.conversationId),
        async check() {
          const mine = await loadModelContext(db, { conversationId: context.conversationId });
          const theirs = contextStatement.all(context.conversationId) as unknown[][];
          if (mine.messages.length !== 40 || theirs.length !== 40) throw new Error('context sizes differ');
        },
      },
    ];
    const results: PathResult[] = [];
    for (const p of paths) {
      const started = process.hrtime.bigint();
      results.push(await measure(p, config.iterations, config.warmup));
      log(`  ${p.name}: ${seconds(started).toFixed(1)} s`);
    }
    return results;
  } finally {
    await conn.close();
  }
}

const fmt = (ms: number) => ms.toFixed(4);

export async function main(): Promise<void> {
  const started = process.hrtime.bigint();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chatstore-bench-tatlock-'));
  try {
    log(`fan-out: ${config.files} files × ${config.memories} memories`);
    const fan = await fanOut(dir);
    log(
      `migrate tatlock --dir: ${fan.files} files in ${fan.wallSeconds.toFixed(1)} s wall (${(fan.files / fan.wallSeconds).toFixed(0)} files/s), ${fan.inProcessSeconds.toFixed(1)} s inside the command; ${fan.messagesChecked.toLocaleString('en-US')} messages checked`,
    );
    log(`hot paths: ${config.iterations} iterations after ${config.warmup} warm-up, per side`);
    const paths = await hotPaths(dir);
    for (const p of paths)
      log(
        `  ${p.name}: chatstore p50 ${fmt(p.chatstore.p50)} ms (p99 ${fmt(p.chatstore.p99)}), raw p50 ${fmt(p.raw.p50)} ms (p99 ${fmt(p.raw.p99)}), ratio ${p.ratio.toFixed(2)}×`,
      );
    const total = seconds(started);
    if (!config.writeResults) return;
    const cpus = os.cpus();
    const version = (name: string) =>
      (JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
        .version;
    const rows = paths.map(
      (p) =>
        `| ${p.name} | ${fmt(p.chatstore.p50)} | ${fmt(p.chatstore.p95)} | ${fmt(p.chatstore.p99)} | ${fmt(p.raw.p50)} | ${fmt(p.raw.p95)} | ${fmt(p.raw.p99)} | **${p.ratio.toFixed(2)}×** | ${p.ratio <= 1.2 ? 'ok' : 'ratio > 1.2'} |`,
    );
    writeResultsSection(
      'tatlock',
      `## tatlock: migrating an installation, and the user database's hot paths

Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench -- tatlock\` (whole run ${total.toFixed(0)} s).

- Machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}, load average ${os.loadavg()[0]?.toFixed(1)} at the end (the machine is shared)
- Versions: Node ${process.version}, drizzle-orm ${version('drizzle-orm')}, better-sqlite3 ${version('better-sqlite3')}

### \`chatstore migrate tatlock --dir\`

${fan.files - 1} user databases at 0.3.19 with ${config.memories} memories each, created by the seed's SQL (adopted by the run), plus system.db at 0.3.19.

| files | wall time (child process, incl. Node start) | files/s | inside the command | goal |
| ----: | ------------------------------------------: | ------: | -----------------: | ---- |
| ${fan.files} | ${fan.wallSeconds.toFixed(1)} s | ${(fan.files / fan.wallSeconds).toFixed(0)} | ${fan.inProcessSeconds.toFixed(1)} s | ≤ 20 s: ${fan.wallSeconds <= 20 ? 'met' : 'missed'} |

Each user file: adopt at 0.3.19, then 8 migrations, each in its own transaction (0.3.20; the 0.3.21 move of ${config.memories} memories into ${2 * config.memories} messages with its checks; the 0.3.21 rebuild; topic links; 0.3.22; 0.3.23). Afterwards every file was opened again and its ${2 * config.memories} messages counted (${fan.messagesChecked.toLocaleString('en-US')} in all). Files are migrated one after another in the command's process (docs/decisions/009-tatlock-fan-out-in-process.md).

### Hot paths (one user database, same connection, interleaved)

Times are milliseconds per call; ${config.iterations.toLocaleString('en-US')} timed iterations per side after ${config.warmup.toLocaleString('en-US')} warm-up. Chatstore side: \`appendMessage\` / \`loadModelContext\` of src/targets/tatlock-user, zod parsing included. Raw floor: better-sqlite3 prepared statements of the same SQL (\`.raw()\` rows for the read), the append in a \`db.transaction()\` built once.

| hot path | chatstore p50 | p95 | p99 | raw p50 | p95 | p99 | p50 ratio | goal ≤ 1.2× |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
${rows.join('\n')}

<details><summary>SQL the raw side runs</summary>

${paths.map((p) => `${p.name}:\n\n\`\`\`sql\n${p.statements.join(';\n')};\n\`\`\``).join('\n\n')}

</details>`,
    );
    log('wrote bench/RESULTS.md');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await import('./import').then((m) => m.main());
}
