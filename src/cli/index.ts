import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { scrub } from '../connect';
import { ChatstoreError, type ErrorCode, isChatstoreError, toChatstoreError } from '../errors';
import { adopt } from '../migrate/adopt';
import { type MigrateResult, migrate } from '../migrate/engine';
import { loadMigrations } from '../migrate/migrations';
import { findPackageRoot } from '../paths';
import { type Connection, type ConnectOptions, connect } from '../targets/connect';
import { isTargetName, type Target, type TargetName, targetNames, targets } from '../targets/registry';
import {
  adoptTatlockFile,
  type FanOutResult,
  migrateTatlockFolder,
  type TatlockTarget,
  upgradeFile,
} from '../targets/tatlock/fan-out';
import { type CommandLine, parseCommandLine, usage, type Verb, verbOf } from './args';
import { diagram } from './diagram';
import { dryRunCommand, statusAllCommand, statusCommand, statusFolderCommand } from './inspect';

/** Exit codes: 0 success, 1 a failure the operator must act on, 2 usage. */
export const exitCodes = { ok: 0, failure: 1, usage: 2 } as const;

/** Errors about the command line itself rather than the database: exit code 2. */
const usageCodes: readonly ErrorCode[] = ['USAGE', 'UNKNOWN_TARGET', 'UNKNOWN_GENERATION'];

const help: Record<string, string> = {
  main: `chatstore — typed data access and safe migrations for conversational-AI databases

Usage:
  chatstore targets [--json]                         list targets, dialects, generations
  chatstore migrate <target> [--db L] [--to G] [--allow-data-loss] [--discard-data] [--dry-run] [--json]
  chatstore migrate --all [--json]                   every target's embedded database under ./data/
  chatstore migrate tatlock --dir D [--dry-run] [--backup-dir B] [--json]
                                                     a Tatlock folder: system.db, then every user file
  chatstore status  <target> [--db L] [--json]       generation, applied, pending, drift, checksum problems
  chatstore status  --all | tatlock --dir D [--json] the same for every database, read-only
  chatstore adopt   <target> --db L [--json]         take over a database created without chatstore
  chatstore check [--json]                           schema modules and committed migrations agree
  chatstore diagram <target> [--generation G]        Mermaid ER diagram of a generation's schema
  chatstore backfill agent [--db L] [--json]         copy chat_messages into chat_messages_v2, then validate
  chatstore help [<command>]                         this text, or one command's
  chatstore --version

A location L is postgres://…, pglite:<dir>, pglite:memory: or a SQLite file path. Without --db,
PostgreSQL targets use DATABASE_URL when set, otherwise the embedded default under ./data/.
An embedded database is one process's at a time: --wait S waits up to S seconds (default 60;
0 = fail at once) for a process that holds it, then exits 1 with [LOCKED] naming its pid.
Exit codes: 0 success, 1 failure (the message says what to do), 2 usage.
With --json, every outcome (errors included) is one JSON document on stdout:
{ "command": <verb>, "ok": true|false, "error": null | { "code", "message" }, …the verb's fields };
timestamps are ISO 8601.
Run \`chatstore help <command>\` for one command.`,
  targets: `Usage: chatstore targets [--json]

Lists every target with its dialect, seed and generations (oldest first).`,
  migrate: `Usage: chatstore migrate <target> [--db L] [--to G] [--allow-data-loss] [--discard-data] [--dry-run] [--wait S] [--json]
       chatstore migrate --all [--wait S] [--json]
       chatstore migrate tatlock --dir <folder> [--dry-run] [--backup-dir B] [--json]

Applies pending migrations, each in its own transaction, up to generation G (default: latest).
A G older than the database's generation runs the hand-written down migrations; one that
would drop data is refused unless --allow-data-loss. A database with tables but no chatstore
ledger must be adopted first. --all brings every target's embedded database under ./data/
to its latest generation and prints a status table (Tatlock's files: the fan-out over
./data/tatlock).

\`migrate tatlock --dir <folder>\` upgrades a Tatlock installation, in the specification's layout
(system.db + {username}_longterm.db) or the application's (hippocampus/system.db +
hippocampus/longterm/{username}.db): system.db first (created if missing), then every user file,
adopting files the seed's SQL or the application created. Each file is migrated on a copy that
replaces it only when every step succeeded; the file as it was is kept as {file}.before-<generation>
(or under --backup-dir B). --dry-run runs everything on copies and changes nothing. It prints a
result per file (generation before and after, migrations applied, orphans removed, messages
moved, error); a failing file is left as it was, does not stop the others, and makes the exit
code 1.

--discard-data reaches a generation that ships a discard path (e.g. letta v2: the seed's
drop-and-recreate) by that path instead of the migrations that keep the data. It lists the
rows it would delete and stops, unless --allow-data-loss is given too.

--dry-run prints, per migration the run would apply, its SQL and lint findings, and changes
nothing: no database, file or folder is created. Exits 1 when migrate would refuse.

--wait S: how long to wait for another process that holds an embedded database (a PGlite
directory, for as long as it has it open; a SQLite file, while it migrates). Default 60 s;
0 fails at once. Past it: exit 1, [LOCKED], naming the holder's pid. Concurrent migrators
therefore run one after another: the first applies, the others find nothing pending.`,
  status: `Usage: chatstore status <target> [--db L] [--json]
       chatstore status --all [--json]
       chatstore status tatlock --dir <folder> [--json]

Shows the database's generation, applied and pending migrations, applied migrations whose
files changed or disappeared, and drift: how its live schema differs from the schema of the
generation its ledger records (compared as adopt compares). Writes nothing and creates
nothing: a database that does not exist is reported, not made. Exits 1 when something is
pending, drifted, changed on disk or not yet adopted. --all covers every target's embedded
database under ./data/; tatlock --dir every database of a Tatlock folder.`,
  adopt: `Usage: chatstore adopt <target> --db L [--wait S] [--json]

For a database created without chatstore (e.g. by the seed's SQL): compares its live schema
(tables, columns, types, nullability, defaults, keys, indexes, checks) with each generation
and, on an exact match, records that generation's migrations as applied. Otherwise exits 1
with the differences to the closest generation and writes nothing.`,
  check: `Usage: chatstore check [--json]

Verifies, for every target, that each generation's schema module equals its committed
snapshot, each generated migration equals what drizzle-kit derives from the snapshots, and
hand-written migrations match their recorded checksums (drizzle/<target>.chatstore.json). Lints
every migration (drop-table, drop-column, type-change, set-not-null, index-not-concurrent,
fk-not-valid, rename, sqlite-rebuild); a finding must be acknowledged by a
\`-- chatstore-lint allow <rule>: <why>\` comment or in the bookkeeping file. Exits 1 naming each
difference and each unacknowledged finding.`,
  diagram: `Usage: chatstore diagram <target> [--generation G]

Prints a Mermaid erDiagram of the generation's schema module (default: the latest): every
table with its key columns (PK, FK, UK) and every foreign key.`,
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

/** chatstore's version, from its package.json. */
export function version(): string {
  const root = findPackageRoot();
  if (root === null) return 'unknown';
  return (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code.
 *
 * @example process.exitCode = await main(['status', 'todo', '--json']);
 */
export async function main(argv: string[], given: Io = defaultIo): Promise<number> {
  // Every line, --json included, is scrubbed of the secrets of the locations in play: a driver
  // or an error message can echo a password outside any code that knows to redact it.
  const locations = [...locationsIn(argv), process.env.DATABASE_URL];
  const io: Io = {
    ...given,
    out: (line) => given.out(scrub(line, ...locations)),
    err: (line) => given.err(scrub(line, ...locations)),
  };
  let line: CommandLine | undefined;
  const json = argv.includes('--json');
  const verb = verbOf(argv);
  try {
    line = parseCommandLine(argv);
    if (line.kind === 'version') {
      const v = version();
      io.out(json ? document('version', { ok: true, version: v }) : v);
      return exitCodes.ok;
    }
    if (line.kind === 'help') {
      const text = help[line.verb ?? 'main'] ?? '';
      io.out(json ? document('help', { ok: true, text }) : text);
      return exitCodes.ok;
    }
    return await run(line.verb, line.options, line.positionals, io);
  } catch (raw) {
    const error = isChatstoreError(raw) ? raw : toChatstoreError(raw);
    const usageError = usageCodes.includes(error.code);
    if (json) {
      io.out(document(verb ?? argv[0] ?? null, { ok: false, error: { code: error.code, message: error.message } }));
    } else if (error.code === 'USAGE') {
      io.err(`${error.message}\n\n${help[verb ?? 'main']}`);
    } else {
      io.err(`error [${error.code}]: ${error.message}`);
    }
    return usageError ? exitCodes.usage : exitCodes.failure;
  }
}

/** One `--json` document: `command`, `ok`, `error` (null on success), then the verb's fields. */
function document(command: string | null, data: { ok: boolean; error?: unknown } & Record<string, unknown>): string {
  const { ok, error, ...rest } = data;
  return JSON.stringify({ command, ok, error: error ?? null, ...rest }, null, 2);
}

async function run(
  command: Verb,
  values: Extract<CommandLine, { kind: 'run' }>['options'],
  positionals: string[],
  io: Io,
): Promise<number> {
  const json = values.json;
  // The read-only commands print their own output; with --json, through the one document shape.
  const inspectIo = {
    out: io.out,
    err: io.err,
    document: (data: { ok: boolean } & Record<string, unknown>) => io.out(document(command, data)),
  };
  const print = <D extends { ok: boolean; error?: unknown }>(data: D, human: () => void) =>
    json ? io.out(document(command, data as D & Record<string, unknown>)) : human();
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
      print({ ok: true, targets: list }, () =>
        table(
          io,
          ['target', 'dialect', 'seed', 'generations'],
          list.map((t) => [t.name, t.dialect, t.seed, t.generations.join(' → ')]),
        ),
      );
      return exitCodes.ok;
    }
    case 'check': {
      // drizzle-kit is development tooling: loaded for `check` only, never for migrate/status/adopt.
      const { checkTarget } = await loadCheck();
      const problems = (await Promise.all(targetNames.map((name) => checkTarget(targets[name], values.root)))).flat();
      print({ ok: problems.length === 0, problems }, () => {
        if (problems.length === 0) io.out(`ok: ${targetNames.length} target(s), schema modules and migrations agree`);
        for (const p of problems) io.err(`${p.target}: ${p.message}`);
      });
      return problems.length === 0 ? exitCodes.ok : exitCodes.failure;
    }
    case 'migrate':
      if (values['dry-run'] && values.all === false && values.dir === undefined && !isTatlockFile(positionals, values))
        return await dryRunCommand(
          targetArg(positionals),
          { db: values.db, to: values.to, discardData: values['discard-data'] },
          inspectIo,
          json,
        );
      if (values.all) return await migrateAll(io, json, progress, open);
      if (values.dir !== undefined || positionals[0] === 'tatlock')
        return await migrateFolder(positionals, values.dir, io, json, progress, {
          dryRun: values['dry-run'],
          lockTimeoutMs: open.lockTimeoutMs,
          ...(values['backup-dir'] === undefined ? {} : { backupDir: values['backup-dir'] }),
        });
      if (isTatlockFile(positionals, values)) {
        // One file as `migrate tatlock --dir` does it: imported, reconciled, on a copy (decision 010).
        const f = await upgradeFile(positionals[0] as TatlockTarget, values.db as string, null, {
          dryRun: values['dry-run'],
          lockTimeoutMs: open.lockTimeoutMs,
          ...(values['backup-dir'] === undefined ? {} : { backupDir: values['backup-dir'] }),
        });
        print(f, () => {
          const line = `${f.target}: ${f.before ?? 'empty'} → ${f.after ?? '-'}, ${f.applied.length} applied, ${f.orphansRemoved} orphan(s) removed, ${f.rowsMoved} message(s) moved`;
          if (f.ok) io.out(`${line}${f.backup ? `; kept ${f.backup}` : ''}${f.dryRun ? ' (dry run)' : ''}`);
          else io.err(`${line}\n${f.target}: FAILED [${f.error?.code}]: ${f.error?.message}`);
        });
        return f.ok ? exitCodes.ok : exitCodes.failure;
      }
      return await withTarget(positionals, values.db, { ...open, to: values.to }, async (name, conn) => {
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
      if (values.all) return await statusAllCommand(inspectIo, json);
      if (values.dir !== undefined) return await statusFolderCommand(values.dir, inspectIo, json);
      return await statusCommand(targetArg(positionals), values.db, inspectIo, json);
    case 'diagram':
      io.out(diagram(targetArg(positionals), values.generation).trimEnd());
      return exitCodes.ok;
    case 'backfill': {
      if (positionals[0] !== 'agent') throw usage('backfill exists for the agent target only: backfill agent', command);
      return await withTarget(positionals, values.db, { ...open, create: false }, async (_name, conn) => {
        const { runBackfill } = await import('../targets/agent/backfill');
        const bar = progress ? progressBar('backfill agent') : undefined;
        const agent = conn as unknown as Connection<'agent'>;
        const report = await runBackfill(agent.db, agent.client, {
          onProgress: bar && (({ done, total, batch }) => bar({ done, total, tag: `batch ${batch}` })),
        });
        print({ ok: report.validation.ok, ...report }, () => {
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
      if ((positionals[0] === 'tatlock-user' || positionals[0] === 'tatlock-system') && values.db) {
        // The application's own files are imported first, on a copy (docs/decisions/010).
        const result = await adoptTatlockFile(positionals[0], values.db);
        print(result, () => {
          if (result.ok)
            io.out(
              `adopted ${result.target} at generation ${result.generation}; recorded ${result.recorded.join(', ')}`,
            );
          else io.err(`adopt ${result.target} failed: ${result.error?.message}`);
          for (const change of result.imported) io.out(`  imported: ${change}`);
          if (result.backup) io.out(`  kept ${result.backup} (the file as it was)`);
        });
        return result.ok ? exitCodes.ok : exitCodes.failure;
      }
      return await withTarget(positionals, values.db, { ...open, create: false }, async (name, conn) => {
        const result = await adopt(conn.client, loadMigrations(targets[name]));
        print(result, () => {
          if (result.ok)
            io.out(`adopted ${name} at generation ${result.generation}; recorded ${result.recorded.join(', ')}`);
          else io.err(`adopt ${name} failed: ${result.error?.message}`);
        });
        return result.ok ? exitCodes.ok : exitCodes.failure;
      });
  }
}

/** `migrate tatlock-user|tatlock-system --db F` without `--to`: the fan-out's path for one file (decision 010). */
function isTatlockFile(positionals: string[], values: { db?: string; to?: string }): boolean {
  return (positionals[0] === 'tatlock-user' || positionals[0] === 'tatlock-system') && !!values.db && !values.to;
}

/** The `<target>` argument, validated, without opening anything. */
function targetArg(positionals: string[]): Target {
  const [name] = positionals;
  if (!name) throw usage('Missing <target>');
  if (!isTargetName(name)) {
    throw new ChatstoreError('UNKNOWN_TARGET', `Unknown target "${name}"; one of: ${targetNames.join(', ')}`, {
      field: 'target',
    });
  }
  return targets[name];
}

async function loadCheck(): Promise<typeof import('../migrate/check')> {
  try {
    return await import('../migrate/check');
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    if (code === 'ERR_MODULE_NOT_FOUND' && message?.includes("'drizzle-kit'")) {
      throw new ChatstoreError(
        'MISSING_PACKAGE',
        'chatstore check compares schema modules with drizzle-kit, a development tool: npm install --save-dev drizzle-kit',
        { cause: error },
      );
    }
    throw error;
  }
}

/** The `--db` values of a command line: the locations whose secrets output must not show. */
function locationsIn(args: readonly string[]): string[] {
  const found: string[] = [];
  for (const [i, arg] of args.entries()) {
    if (arg === '--db' && args[i + 1] !== undefined) found.push(args[i + 1] as string);
    else if (arg.startsWith('--db=')) found.push(arg.slice('--db='.length));
  }
  return found;
}

/** The CLI waits this long for an embedded database another process holds (decision 015). */
const defaultWaitSeconds = 60;

function connectOptions(wait: string | undefined, io: Io | undefined): ConnectOptions {
  const seconds = wait === undefined ? defaultWaitSeconds : Number(wait);
  if (wait !== undefined && (wait.trim() === '' || !Number.isFinite(seconds) || seconds < 0))
    throw usage(`--wait takes a number of seconds (0 = fail at once), not "${wait}"`);
  return {
    lockTimeoutMs: Math.round(seconds * 1000),
    onLockWait: ({ pid }) =>
      io?.err(
        `waiting up to ${seconds} s for ${pid === null ? 'another process' : `process ${pid}`}, which has the database open (--wait to change)`,
      ),
  };
}

/**
 * Opens a target's database for one verb. Everything the command line can get wrong (target,
 * `--to`) is checked first, so a usage error opens and creates nothing.
 */
async function withTarget(
  positionals: string[],
  db: string | undefined,
  options: Pick<ConnectOptions, 'create' | 'lockTimeoutMs' | 'onLockWait'> & { to?: string | undefined },
  fn: (name: TargetName, conn: Connection) => Promise<number>,
): Promise<number> {
  const [name] = positionals;
  if (!name) throw usage('Missing <target>');
  if (!isTargetName(name)) {
    throw new ChatstoreError('UNKNOWN_TARGET', `Unknown target "${name}"; one of: ${targetNames.join(', ')}`, {
      field: 'target',
    });
  }
  const generations = targets[name].generations.map((g) => g.name as string);
  if (options.to !== undefined && !generations.includes(options.to)) {
    throw new ChatstoreError(
      'UNKNOWN_GENERATION',
      `Unknown generation "${options.to}" for ${name}; one of: ${generations.join(', ')}`,
      { field: 'to' },
    );
  }
  const location = db ?? (targets[name].dialect === 'postgresql' ? process.env.DATABASE_URL || undefined : undefined);
  const { to: _to, ...connectOptions } = options;
  const conn = await connect(name, location, { ...connectOptions, requireLatest: false });
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
const fanOuts: Record<
  string,
  (dir: string, onProgress?: ReturnType<typeof progressBar>, options?: FolderOptions) => Promise<FanOutResult>
> = {
  tatlock: (dir, onProgress, options) => migrateTatlockFolder(dir, { onProgress, ...options }),
};

interface FolderOptions {
  dryRun?: boolean;
  backupDir?: string;
  lockTimeoutMs?: number | undefined;
}

async function migrateFolder(
  positionals: string[],
  dir: string | undefined,
  io: Io,
  json: boolean,
  progress: boolean,
  options: FolderOptions = {},
): Promise<number> {
  const [name] = positionals;
  const run = name === undefined ? undefined : fanOuts[name];
  if (!run) throw usage(`--dir is for a fan-out over a folder: one of ${Object.keys(fanOuts).join(', ')}`, 'migrate');
  if (dir === undefined) throw usage(`migrate ${name} needs --dir <folder>: the folder with its databases`, 'migrate');
  if (!existsSync(dir)) {
    throw new ChatstoreError('DATABASE_NOT_FOUND', `No folder ${dir}: create it first (system.db is created in it)`, {
      field: 'dir',
    });
  }
  const result = await run(dir, progress ? progressBar(`migrate ${name}`) : undefined, options);
  if (json) io.out(document('migrate', result as FanOutResult & Record<string, unknown>));
  else {
    table(
      io,
      ['database', 'target', 'before', 'after', 'applied now', 'orphans', 'moved', 'ms', 'status'],
      result.files.map((f) => [
        path.relative(dir, f.file) || f.file,
        f.target,
        f.adopted ? `${f.adopted} (adopted${f.imported.length ? ', app' : ''})` : (f.before ?? (f.ok ? 'empty' : '-')),
        f.after ?? '-',
        String(f.applied.length),
        String(f.orphansRemoved),
        String(f.rowsMoved),
        String(f.ms),
        f.ok ? 'ok' : `FAILED [${f.error?.code}]: ${f.error?.message}`,
      ]),
    );
    for (const f of result.files.filter((f) => f.backup))
      io.out(`kept ${path.relative(dir, f.backup ?? '')} (the file as it was)`);
    const failed = result.files.filter((f) => !f.ok).length;
    io.out(
      `${name} ${dir}: ${result.files.length} file(s) in ${(result.ms / 1000).toFixed(1)} s, ${failed === 0 ? 'all ok' : `${failed} FAILED`}${result.dryRun ? ' (dry run: nothing was changed)' : ''}`,
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
        { lockTimeoutMs: options.lockTimeoutMs },
      );
      for (const f of result.files) {
        rows.push({ ...f, to: f.after, location: f.file, applied: f.applied.length, error: f.error?.message, data: f });
      }
      continue;
    }
    const conn = await connect(name, undefined, { ...options, requireLatest: false });
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
  if (json) io.out(document('migrate', { ok: rows.every((r) => r.ok), results: rows.map((r) => r.data) }));
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
