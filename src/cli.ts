import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type Connection, type ConnectOptions, connect, redact, scrub } from './connect';
import { ChatstoreError, isChatstoreError } from './errors';
import { adopt } from './migrate/adopt';
import { checkTarget } from './migrate/check';
import { type MigrateResult, migrate, readStatus } from './migrate/engine';
import { type FanOutResult, migrateTatlockFolder } from './migrate/fan-out';
import { loadMigrations } from './migrate/migrations';
import { isTargetName, type Target, type TargetName, targetNames, targets } from './targets';

/** Exit codes: 0 success, 1 a failure the operator must act on, 2 usage. */
export const exitCodes = { ok: 0, failure: 1, usage: 2 } as const;

class UsageError extends Error {}

const help: Record<string, string> = {
  main: `chatstore — typed data access and safe migrations for conversational-AI databases

Usage:
  chatstore targets [--json]                         list targets, dialects, generations
  chatstore migrate <target> [--db L] [--to G] [--allow-data-loss] [--discard-data] [--json]
  chatstore migrate --all [--json]                   every target's embedded database under ./data/
  chatstore migrate tatlock --dir D [--json]         a Tatlock folder: system.db, then every *_longterm.db
  chatstore status  <target> [--db L] [--json]       generation, applied, pending, checksum problems
  chatstore adopt   <target> --db L [--json]         take over a database created without chatstore
  chatstore check [--json]                           schema modules and committed migrations agree
  chatstore backfill agent [--db L] [--json]         copy chat_messages into chat_messages_v2, then validate

A location L is postgres://…, pglite:<dir>, pglite:memory: or a SQLite file path. Without --db,
PostgreSQL targets use DATABASE_URL when set, otherwise the embedded default under ./data/.
An embedded database is one process's at a time: --wait S waits up to S seconds (default 60;
0 = fail at once) for a process that holds it, then exits 1 with [LOCKED] naming its pid.
Exit codes: 0 success, 1 failure (the message says what to do), 2 usage.
Run \`chatstore <command> --help\` for one command.`,
  targets: `Usage: chatstore targets [--json]

Lists every target with its dialect, seed and generations (oldest first).`,
  migrate: `Usage: chatstore migrate <target> [--db L] [--to G] [--allow-data-loss] [--discard-data] [--wait S] [--json]
       chatstore migrate --all [--wait S] [--json]
       chatstore migrate tatlock --dir <folder> [--json]

Applies pending migrations, each in its own transaction, up to generation G (default: latest).
A G older than the database's generation runs the hand-written down migrations; one that
would drop data is refused unless --allow-data-loss. A database with tables but no chatstore
ledger must be adopted first. --all brings every target's embedded database under ./data/
to its latest generation and prints a status table (Tatlock's files: the fan-out over
./data/tatlock).

\`migrate tatlock --dir <folder>\` upgrades a Tatlock installation: system.db first (created if
missing), then every {username}_longterm.db, adopting files the seed's SQL created. It prints
a result per file (generation before and after, migrations applied, error); a failing file
does not stop the others and makes the exit code 1.

--discard-data reaches a generation that ships a discard path (e.g. letta v2: the seed's
drop-and-recreate) by that path instead of the migrations that keep the data. It lists the
rows it would delete and stops, unless --allow-data-loss is given too.

--wait S: how long to wait for another process that holds an embedded database (a PGlite
directory, for as long as it has it open; a SQLite file, while it migrates). Default 60 s;
0 fails at once. Past it: exit 1, [LOCKED], naming the holder's pid. Concurrent migrators
therefore run one after another: the first applies, the others find nothing pending.`,
  status: `Usage: chatstore status <target> [--db L] [--wait S] [--json]

Shows the database's generation, applied and pending migrations, and applied migrations whose
files changed or disappeared. Writes nothing. Exits 1 when there are such problems.`,
  adopt: `Usage: chatstore adopt <target> --db L [--wait S] [--json]

For a database created without chatstore (e.g. by the seed's SQL): compares its live schema
(tables, columns, types, nullability, defaults, keys, indexes, checks) with each generation
and, on an exact match, records that generation's migrations as applied. Otherwise exits 1
with the differences to the closest generation and writes nothing.`,
  check: `Usage: chatstore check [--json]

Verifies, for every target, that each generation's schema module equals its committed
snapshot, each generated migration equals what drizzle-kit derives from the snapshots, and
hand-written migrations match their recorded checksums. Exits 1 naming each difference.`,
  backfill: `Usage: chatstore backfill agent [--db L] [--json]

Copies chat_messages into chat_messages_v2 (seed 003's move to structured messages) in
resumable batches of 1000, each in its own transaction, keeping an old-id → new-id map in
chat_message_id_map; a rerun continues where the last one stopped. Then prints a validation
report per channel (counts and content checksums). The database must be at generation v2.
Exits 1 when validation finds a difference.`,
};

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  progress: boolean;
}

const defaultIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  progress: Boolean(process.stderr.isTTY),
};

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code.
 *
 * @example process.exitCode = await main(['status', 'todo', '--json']);
 */
export async function main(argv: string[], given: Io = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  // Every line, --json included, is scrubbed of the secrets of the locations in play: a driver
  // or an error message can echo a password outside any code that knows to redact it.
  const locations = [...locationsIn(rest), process.env.DATABASE_URL];
  const io: Io = {
    ...given,
    out: (line) => given.out(scrub(line, ...locations)),
    err: (line) => given.err(scrub(line, ...locations)),
  };
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.out(help.main ?? '');
      return command === undefined ? exitCodes.usage : exitCodes.ok;
    }
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        db: { type: 'string' },
        to: { type: 'string' },
        wait: { type: 'string' },
        dir: { type: 'string' },
        json: { type: 'boolean', default: false },
        all: { type: 'boolean', default: false },
        'allow-data-loss': { type: 'boolean', default: false },
        'discard-data': { type: 'boolean', default: false },
        root: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    const text = help[command];
    if (!text || command === 'main') throw new UsageError(`Unknown command "${command}"`);
    if (values.help) {
      io.out(text);
      return exitCodes.ok;
    }
    const json = values.json;
    const print = (data: unknown, human: () => void) => (json ? io.out(JSON.stringify(data, null, 2)) : human());
    const progress = io.progress && !json;
    const open = connectOptions(values.wait, json ? undefined : io);
    switch (command) {
      case 'targets': {
        const list = targetNames.map((name) => {
          const t = targets[name];
          return {
            name,
            dialect: t.dialect,
            seed: t.seed,
            generations: t.generations.map((g) => g.name),
            description: t.description,
          };
        });
        print(list, () =>
          table(
            io,
            ['target', 'dialect', 'seed', 'generations'],
            list.map((t) => [t.name, t.dialect, t.seed, t.generations.join(' → ')]),
          ),
        );
        return exitCodes.ok;
      }
      case 'check': {
        const problems = (await Promise.all(targetNames.map((name) => checkTarget(targets[name], values.root)))).flat();
        print({ ok: problems.length === 0, problems }, () => {
          if (problems.length === 0) io.out(`ok: ${targetNames.length} target(s), schema modules and migrations agree`);
          for (const p of problems) io.err(`${p.target}: ${p.message}`);
        });
        return problems.length === 0 ? exitCodes.ok : exitCodes.failure;
      }
      case 'migrate':
        if (values.all) return await migrateAll(io, json, progress, open);
        if (values.dir !== undefined || positionals[0] === 'tatlock')
          return await migrateFolder(positionals, values.dir, io, json, progress);
        return await withTarget(positionals, values.db, open, async (name, conn) => {
          const result = await migrate(conn.client, loadMigrations(targets[name]), {
            to: values.to,
            allowDataLoss: values['allow-data-loss'],
            discardData: values['discard-data'],
            onProgress: progress ? progressBar(`migrate ${name}`) : undefined,
          });
          print(result, () => printMigrateResult(io, result));
          return result.ok ? exitCodes.ok : exitCodes.failure;
        });
      case 'status':
        return await withTarget(positionals, values.db, open, async (name, conn) => {
          const status = await readStatus(conn.client, loadMigrations(targets[name]));
          const data = { ...status, location: redact(describe(conn)), pending: status.pending.map((m) => m.tag) };
          print(data, () => {
            io.out(`${name} at ${data.location}`);
            io.out(
              `  generation: ${status.generation ?? (status.hasTables ? 'unmanaged (run adopt)' : 'empty')} (latest ${status.latest})`,
            );
            io.out(`  applied:    ${status.applied.map((r) => r.tag).join(', ') || '-'}`);
            io.out(`  pending:    ${data.pending.join(', ') || '-'}`);
            for (const p of status.problems)
              io.err(
                `  problem: ${p.kind === 'checksum' ? `${p.tag} changed on disk since it was applied` : `${p.tag} is applied but missing on disk`}`,
              );
          });
          return status.problems.length === 0 ? exitCodes.ok : exitCodes.failure;
        });
      case 'backfill': {
        if (positionals[0] !== 'agent')
          throw new UsageError('backfill exists for the agent target only: backfill agent');
        return await withTarget(positionals, values.db, open, async (_name, conn) => {
          const { runBackfill } = await import('./repositories/agent/backfill');
          const bar = progress ? progressBar('backfill agent') : undefined;
          const agent = conn as unknown as Connection<'agent'>;
          const report = await runBackfill(agent.db, agent.client, {
            onProgress: bar && (({ done, total, batch }) => bar({ done, total, tag: `batch ${batch}` })),
          });
          print(report, () => {
            const { result, validation } = report;
            io.out(
              `copied ${result.copied} message(s) in ${result.batches} batch(es); ${result.done}/${result.total} mapped`,
            );
            for (const c of validation.channels.filter((ch) => !ch.ok))
              io.err(
                `  channel ${c.channelId}: ${c.legacyCount} legacy, ${c.migratedCount} copied, checksums ${c.legacyChecksum} / ${c.migratedChecksum}`,
              );
            io.out(validation.ok ? `validation ok: ${validation.channels.length} channel(s)` : 'validation FAILED');
          });
          return report.validation.ok ? exitCodes.ok : exitCodes.failure;
        });
      }
      case 'adopt':
        if (!values.db) throw new UsageError('adopt needs --db <location>: the database to take over');
        return await withTarget(positionals, values.db, open, async (name, conn) => {
          const result = await adopt(conn.client, loadMigrations(targets[name]));
          print(result, () => {
            if (result.ok)
              io.out(`adopted ${name} at generation ${result.generation}; recorded ${result.recorded.join(', ')}`);
            else io.err(`adopt ${name} failed: ${result.error?.message}`);
          });
          return result.ok ? exitCodes.ok : exitCodes.failure;
        });
    }
    throw new UsageError(`Unknown command "${command}"`);
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      io.err(`${error.message}\n\n${help[command ?? ''] && command !== 'main' ? help[command ?? ''] : help.main}`);
      return exitCodes.usage;
    }
    if (isChatstoreError(error)) {
      io.err(`error [${error.code}]: ${error.message}`);
      return error.code === 'UNKNOWN_TARGET' ? exitCodes.usage : exitCodes.failure;
    }
    io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
    return exitCodes.failure;
  }
}

/** The values of `--db` in raw arguments, before parsing (which may fail). */
function locationsIn(args: readonly string[]): string[] {
  const found: string[] = [];
  for (const [i, arg] of args.entries()) {
    if (arg === '--db' && args[i + 1] !== undefined) found.push(args[i + 1] as string);
    else if (arg.startsWith('--db=')) found.push(arg.slice('--db='.length));
  }
  return found;
}

/** The CLI waits this long for an embedded database another process holds (decision 015). */
export const defaultWaitSeconds = 60;

function connectOptions(wait: string | undefined, io: Io | undefined): ConnectOptions {
  const seconds = wait === undefined ? defaultWaitSeconds : Number(wait);
  if (wait !== undefined && (wait.trim() === '' || !Number.isFinite(seconds) || seconds < 0))
    throw new UsageError(`--wait takes a number of seconds (0 = fail at once), not "${wait}"`);
  return {
    lockTimeoutMs: Math.round(seconds * 1000),
    onLockWait: ({ pid }) =>
      io?.err(
        `waiting up to ${seconds} s for ${pid === null ? 'another process' : `process ${pid}`}, which has the database open (--wait to change)`,
      ),
  };
}

async function withTarget(
  positionals: string[],
  db: string | undefined,
  options: ConnectOptions,
  fn: (name: TargetName, conn: Connection) => Promise<number>,
): Promise<number> {
  const [name] = positionals;
  if (!name) throw new UsageError('Missing <target>');
  if (!isTargetName(name)) {
    throw new ChatstoreError('UNKNOWN_TARGET', `Unknown target "${name}"; one of: ${targetNames.join(', ')}`, {
      field: 'target',
    });
  }
  const location = db ?? (targets[name].dialect === 'postgresql' ? process.env.DATABASE_URL || undefined : undefined);
  const conn = await connect(name, location, options);
  try {
    return await fn(name, conn as Connection);
  } finally {
    await conn.close();
  }
}

function describe(conn: Connection): string {
  const l = conn.location;
  return l.kind === 'postgres' ? l.url : l.kind === 'pglite' ? `pglite:${l.dir ?? 'memory:'}` : l.file;
}

/** A fan-out pseudo-target (`migrate tatlock --dir`) → its runner. */
const fanOuts: Record<string, (dir: string, onProgress?: ReturnType<typeof progressBar>) => Promise<FanOutResult>> = {
  tatlock: (dir, onProgress) => migrateTatlockFolder(dir, { onProgress }),
};

async function migrateFolder(
  positionals: string[],
  dir: string | undefined,
  io: Io,
  json: boolean,
  progress: boolean,
): Promise<number> {
  const [name] = positionals;
  const run = name === undefined ? undefined : fanOuts[name];
  if (!run) throw new UsageError(`--dir is for a fan-out over a folder: one of ${Object.keys(fanOuts).join(', ')}`);
  if (dir === undefined) throw new UsageError(`migrate ${name} needs --dir <folder>: the folder with its databases`);
  if (!existsSync(dir)) {
    throw new ChatstoreError('DATABASE_NOT_FOUND', `No folder ${dir}: create it first (system.db is created in it)`, {
      field: 'dir',
    });
  }
  const result = await run(dir, progress ? progressBar(`migrate ${name}`) : undefined);
  if (json) io.out(JSON.stringify(result, null, 2));
  else {
    table(
      io,
      ['database', 'target', 'before', 'after', 'applied now', 'ms', 'status'],
      result.files.map((f) => [
        path.relative(dir, f.file) || f.file,
        f.target,
        f.adopted ? `${f.from} (adopted)` : (f.from ?? (f.ok ? 'empty' : '-')),
        f.to ?? '-',
        String(f.applied.length),
        String(f.ms),
        f.ok ? 'ok' : `FAILED [${f.error?.code}]: ${f.error?.message}`,
      ]),
    );
    const failed = result.files.filter((f) => !f.ok).length;
    io.out(
      `${name} ${dir}: ${result.files.length} file(s) in ${(result.ms / 1000).toFixed(1)} s, ${failed === 0 ? 'all ok' : `${failed} FAILED`}`,
    );
  }
  return result.ok ? exitCodes.ok : exitCodes.failure;
}

interface AllRow {
  target: string;
  location: string;
  to: string | null;
  applied: number;
  ok: boolean;
  error?: string;
  /** What `--json` prints: a MigrateResult, or a FileResult for a fan-out's file. */
  data: unknown;
}

async function migrateAll(io: Io, json: boolean, progress: boolean, options: ConnectOptions): Promise<number> {
  const rows: AllRow[] = [];
  const done = new Set<string>();
  for (const name of targetNames) {
    // One database per user: the fan-out over ./data/<fan-out> covers every file of its targets.
    const fanOut = (targets[name] as Target).fanOut;
    const runFanOut = fanOut === undefined ? undefined : fanOuts[fanOut];
    if (fanOut !== undefined && runFanOut) {
      if (done.has(fanOut)) continue;
      done.add(fanOut);
      const result = await runFanOut(
        path.join('data', fanOut),
        progress ? progressBar(`migrate ${fanOut}`) : undefined,
      );
      for (const f of result.files) {
        rows.push({ ...f, location: f.file, applied: f.applied.length, error: f.error?.message, data: f });
      }
      continue;
    }
    const conn = await connect(name, undefined, options);
    try {
      const result = await migrate(conn.client, loadMigrations(targets[name]), {
        onProgress: progress ? progressBar(`migrate ${name}`) : undefined,
      });
      rows.push({
        target: name,
        location: describe(conn),
        to: result.to,
        applied: result.results.filter((r) => r.status === 'applied').length,
        ok: result.ok,
        error: result.error?.message,
        data: result,
      });
    } finally {
      await conn.close();
    }
  }
  if (json)
    io.out(
      JSON.stringify(
        rows.map((r) => r.data),
        null,
        2,
      ),
    );
  else {
    table(
      io,
      ['target', 'database', 'generation', 'applied now', 'status'],
      rows.map((r) => [r.target, r.location, r.to ?? '-', String(r.applied), r.ok ? 'ok' : `FAILED: ${r.error}`]),
    );
  }
  return rows.every((r) => r.ok) ? exitCodes.ok : exitCodes.failure;
}

function printMigrateResult(io: Io, result: MigrateResult): void {
  for (const r of result.results) {
    const line = `  ${r.status.padEnd(8)} ${r.tag} (${r.ms} ms)`;
    if (r.status === 'failed') {
      io.err(line);
      io.err(
        `    statement ${r.error?.statement}: ${r.error?.message}\n    ${r.error?.sql.split('\n').join('\n    ')}`,
      );
    } else io.out(line);
    if (r.deleted?.length) io.out(`    deleted ${r.deleted.join('; ')}`);
  }
  if (result.ok) {
    const applied = result.results.length;
    io.out(
      applied
        ? `${result.target}: ${result.from ?? 'empty'} → ${result.to}`
        : `${result.target}: already at ${result.to}`,
    );
  } else io.err(`${result.target}: ${result.error?.message}`);
}

function table(io: Io, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  io.out(line(header));
  io.out(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) io.out(line(row));
}

/** A one-line progress bar on stderr, for TTYs only. */
export function progressBar(label: string) {
  return ({ done, total, tag }: { done: number; total: number; tag: string }) => {
    const width = 24;
    const filled = total === 0 ? width : Math.round((done / total) * width);
    const text = `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${tag}`;
    process.stderr.write(done === total ? `${text}\n` : text);
  };
}
