/**
 * `chatstore migrate`: one target (or `--dry-run`), `--all`, a fan-out's folder (`tatlock --dir`),
 * or one file of a fan-out's target, which the fan-out migrates as its folder run does.
 */
import path from 'node:path';
import { defaultDataDir } from '../../connect';
import { toChatstoreError } from '../../errors';
import { type MigrateResult, migrate } from '../../migrate/engine';
import { loadMigrations } from '../../migrate/migrations';
import type { DatabaseRow, FanOut } from '../../targets/command';
import { fanOutNames, fanOutOf, fanOuts, isFanOutName } from '../../targets/commands';
import { type Connection, connect } from '../../targets/connect';
import { type Target, targetNames, targets } from '../../targets/registry';
import { type Options, usage } from '../args';
import type { Command } from '../command';
import { exitCode, type RunContext, targetArg, targetNameArg } from '../context';
import { dryRunCommand } from '../inspect';

/** The form `migrate <target> --db F` (no `--to`) for a target a fan-out covers: the fan-out's one-file path. */
function fileOfFanOut(positionals: readonly string[], options: Options): FanOut | undefined {
  const [name] = positionals;
  if (name === undefined || !options.db || options.to) return undefined;
  return fanOutOf(name);
}

export const command: Command = {
  name: 'migrate',
  flags: ['db', 'to', 'dir', 'json', 'all', 'allow-data-loss', 'discard-data', 'dry-run', 'backup-dir', 'wait'],
  positionals: 1,
  lines: () => [
    ['migrate <target> [--db L] [--to G] [--allow-data-loss] [--discard-data] [--dry-run] [--json]'],
    ['migrate --all [--json]', `every target's embedded database under ./${defaultDataDir}/`],
    ...fanOutNames.map((name) => fanOuts[name].migrateHelp.line),
  ],
  help: () => `Usage: chatstore migrate <target> [--db L] [--to G] [--allow-data-loss] [--discard-data] [--dry-run] [--wait S] [--json]
       chatstore migrate --all [--wait S] [--json]
${fanOutNames.map((name) => `       chatstore ${fanOuts[name].migrateHelp.form}`).join('\n')}

Applies pending migrations, each in its own transaction, up to generation G (default: latest).
A G older than the database's generation runs the hand-written down migrations; one that
would drop data is refused unless --allow-data-loss. A database with tables but no chatstore
ledger must be adopted first. --all brings every target's embedded database under ./${defaultDataDir}/
to its latest generation and prints a status table (${fanOutNames.map((name) => `${fanOuts[name].label}'s files: the fan-out over\n./${defaultDataDir}/${name}`).join('; ')}).
${fanOutNames.map((name) => `\n${fanOuts[name].migrateHelp.text}\n`).join('')}
--discard-data reaches a generation that ships a discard path (e.g. letta v2: the seed's
drop-and-recreate) by that path instead of the migrations that keep the data. It lists the
rows it would delete and stops, unless --allow-data-loss is given too.

--dry-run prints, per migration the run would apply, its SQL and lint findings, and changes
nothing: no database, file or folder is created. Exits 1 when migrate would refuse.

--wait S: how long to wait for another process that holds an embedded database (a PGlite
directory, for as long as it has it open; a SQLite file, while it migrates). Default 60 s;
0 fails at once. Past it: exit 1, [LOCKED], naming the holder's pid. Concurrent migrators
therefore run one after another: the first applies, the others find nothing pending.`,

  /** Three forms; a flag that belongs to another form is an error, not ignored. */
  check(options, positionals) {
    const given = (names: readonly (keyof Options)[]) =>
      names.filter((n) => options[n] !== undefined && options[n] !== false).map((n) => `--${n}`);
    if (options.all) {
      const extra = [
        ...given(['db', 'to', 'dir', 'allow-data-loss', 'discard-data', 'dry-run', 'backup-dir']),
        ...positionals,
      ];
      if (extra.length > 0) throw usage(`migrate --all takes no other arguments (got ${extra.join(' ')})`, 'migrate');
      return;
    }
    const [first] = positionals;
    if (options.dir !== undefined || (first !== undefined && isFanOutName(first))) {
      const extra = given(['db', 'to', 'allow-data-loss', 'discard-data']);
      if (extra.length > 0) throw usage(`migrate ${first ?? ''} --dir does not take ${extra.join(' ')}`, 'migrate');
      return;
    }
    if (first === undefined) throw usage('Missing <target>', 'migrate');
    // Backups are made by a fan-out's copy-based path alone (decision 010).
    if ((fanOutOf(first) === undefined || options.to !== undefined) && options['backup-dir'] !== undefined)
      throw usage(`migrate ${first} does not take --backup-dir`, 'migrate');
  },

  async run(context) {
    const { options, positionals } = context;
    const folderOptions = {
      dryRun: options['dry-run'],
      ...(options['backup-dir'] === undefined ? {} : { backupDir: options['backup-dir'] }),
      lockTimeoutMs: context.connectOptions.lockTimeoutMs,
    };
    const fileFanOut = fileOfFanOut(positionals, options);
    if (options['dry-run'] && !options.all && options.dir === undefined && fileFanOut === undefined)
      return await dryRunCommand(
        targetArg(positionals),
        { db: options.db, to: options.to, discardData: options['discard-data'] },
        context,
        options.json,
      );
    if (options.all) return await migrateAll(context);
    const [name] = positionals;
    if (options.dir !== undefined || (name !== undefined && isFanOutName(name))) {
      const fanOut = name !== undefined && isFanOutName(name) ? fanOuts[name] : undefined;
      if (fanOut === undefined)
        throw usage(`--dir is for a fan-out over a folder: one of ${fanOutNames.join(', ')}`, 'migrate');
      if (options.dir === undefined)
        throw usage(`migrate ${name} needs --dir <folder>: the folder with its databases`, 'migrate');
      return exitCode(await fanOut.migrateFolder(context, options.dir, folderOptions));
    }
    if (fileFanOut !== undefined && name !== undefined && options.db !== undefined) {
      // One file as the folder's run does it: imported, reconciled, on a copy (decision 010).
      return exitCode(await fileFanOut.migrateFile(context, targetNameArg(positionals), options.db, folderOptions));
    }
    return await context.withTarget({ to: options.to }, async (target, conn) => {
      const result = await migrate(conn.client, loadMigrations(targets[target]), {
        to: options.to,
        allowDataLoss: options['allow-data-loss'],
        discardData: options['discard-data'],
        onProgress: context.progress(`migrate ${target}`),
      });
      context.print(result, () => printMigrateResult(context, result));
      return exitCode(result.ok);
    });
  },
};

/** A `migrate --all` row for a database or folder that could not be opened. */
function failedRow(target: string, location: string, error: unknown): DatabaseRow {
  const { code, message } = toChatstoreError(error);
  return {
    target,
    location,
    to: null,
    applied: 0,
    ok: false,
    error: `[${code}] ${message}`,
    data: { target, location, ok: false, error: { code, message } },
  };
}

/** `migrate --all`: every target's embedded default, a fan-out's targets through its folder. */
async function migrateAll(context: RunContext): Promise<number> {
  const rows: DatabaseRow[] = [];
  const done = new Set<string>();
  for (const name of targetNames) {
    // One database per user: the fan-out over ./data/<fan-out> covers every file of its targets.
    const entry: Target = targets[name];
    const folder = entry.fanOut;
    if (folder !== undefined && isFanOutName(folder)) {
      if (done.has(folder)) continue;
      done.add(folder);
      try {
        rows.push(
          ...(await fanOuts[folder].migrateDefault(
            path.join(defaultDataDir, folder),
            context.progress(`migrate ${folder}`),
            context.connectOptions.lockTimeoutMs,
          )),
        );
      } catch (error) {
        rows.push(failedRow(folder, path.join(defaultDataDir, folder), error));
      }
      continue;
    }
    // One database that cannot be opened (held by another process, say) does not stop the others.
    let conn: Connection;
    try {
      conn = await connect(name, undefined, { ...context.connectOptions, requireLatest: false });
    } catch (error) {
      rows.push(failedRow(name, path.join(defaultDataDir, name), error));
      continue;
    }
    try {
      const result = await migrate(conn.client, loadMigrations(targets[name]), {
        onProgress: context.progress(`migrate ${name}`),
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
  if (context.json) context.document({ ok: rows.every((r) => r.ok), results: rows.map((r) => r.data) });
  else {
    context.table(
      ['target', 'database', 'generation', 'applied now', 'status'],
      rows.map((r) => [r.target, r.location, r.to ?? '-', String(r.applied), r.ok ? 'ok' : `FAILED: ${r.error}`]),
    );
  }
  return exitCode(rows.every((r) => r.ok));
}

function describe(conn: Connection): string {
  const l = conn.location;
  return l.kind === 'postgres' ? l.url : l.kind === 'pglite' ? `pglite:${l.dir ?? 'memory:'}` : l.file;
}

function printMigrateResult(context: RunContext, result: MigrateResult): void {
  for (const r of result.results) {
    const line = `  ${r.status.padEnd(8)} ${r.tag} (${r.ms} ms)`;
    if (r.status === 'failed') {
      context.err(line);
      context.err(
        `    statement ${r.error?.statement}: ${r.error?.message}\n    ${r.error?.sql.split('\n').join('\n    ')}`,
      );
    } else context.out(line);
    if (r.deleted?.length) context.out(`    deleted ${r.deleted.join('; ')}`);
  }
  if (result.ok) {
    const applied = result.results.length;
    context.out(
      applied
        ? `${result.target}: ${result.from ?? 'empty'} → ${result.to}`
        : `${result.target}: already at ${result.to}`,
    );
  } else context.err(`${result.target}: ${result.error?.message}`);
}
