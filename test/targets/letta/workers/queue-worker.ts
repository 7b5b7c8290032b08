/**
 * A separate process working one letta database, for the multi-process tests. Once connected
 * it waits until all <workers> processes are (a file each in <file>.ready/), so they start
 * together however long each took to boot, then:
 *   claim <file> <workers>             claims and completes entries until none is pending
 *   resolve <file> <workers> <id> <n>  resolves the telegram identity <id> n times
 * and prints what it did as JSON.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connect } from '../../../../src/targets/connect';
import { claimNextQueueEntry, completeQueueEntry, resolveIdentity } from '../../../../src/targets/letta';

const [mode, file, workers, ...rest] = process.argv.slice(2);
if (!file || !workers) throw new Error('usage: queue-worker.ts claim|resolve <file> <workers> …');
const conn = await connect('letta', file);
const ready = `${file}.ready`;
mkdirSync(ready, { recursive: true });
writeFileSync(path.join(ready, String(process.pid)), '');
const deadline = Date.now() + 60_000;
while (readdirSync(ready).length < Number(workers)) {
  if (Date.now() > deadline) throw new Error('the other workers never started');
  await new Promise((resolve) => setTimeout(resolve, 2));
}

if (mode === 'claim') {
  const claimed: number[] = [];
  for (;;) {
    const next = claimNextQueueEntry(conn.db);
    if (!next) break;
    claimed.push(next.entry.id);
    completeQueueEntry(conn.db, { queueId: next.entry.id, agentResponse: `answered by ${process.pid}` });
  }
  process.stdout.write(JSON.stringify({ pid: process.pid, claimed }));
} else if (mode === 'resolve') {
  const [platformUserId = '', times = '1'] = rest;
  const results = Array.from({ length: Number(times) }, () =>
    resolveIdentity(conn.db, { platform: 'telegram', platformUserId, username: `p${process.pid}` }),
  );
  process.stdout.write(
    JSON.stringify({
      pid: process.pid,
      users: results.map((r) => r.user.id),
      created: results.filter((r) => r.created).length,
    }),
  );
} else {
  throw new Error(`unknown mode ${mode}`);
}
await conn.close();
