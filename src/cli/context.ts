/**
 * What every verb shares (decision 023): where output goes, the one `--json` document, tables,
 * progress bars, and opening a target's database the way `--db` and `--wait` say.
 */
import { ChatstoreError } from '../errors';
import type { CommandContext, Progress } from '../targets/command';
import { type Connection, type ConnectOptions, connect } from '../targets/connect';
import { isTargetName, type Target, type TargetName, targetNames, targets } from '../targets/registry';
import { type Options, usage } from './args';

/** Exit codes: 0 success, 1 a failure the operator must act on, 2 usage. */
export const exitCodes = { ok: 0, failure: 1, usage: 2 } as const;

export const exitCode = (ok: boolean) => (ok ? exitCodes.ok : exitCodes.failure);

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  progress: boolean;
}

export const defaultIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  progress: Boolean(process.stderr.isTTY),
};

/** One `--json` document: `command`, `ok`, `error` (null on success), then the verb's fields. */
export function document<D extends { ok: boolean; error?: unknown }>(command: string | null, data: D): string {
  const { ok, error, ...rest } = data;
  return JSON.stringify({ command, ok, error: error ?? null, ...rest }, null, 2);
}

export function table(io: Pick<Io, 'out'>, header: string[], rows: string[][]): void {
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
export function progressBar(label: string): Progress {
  return ({ done, total, tag }) => {
    const width = 24;
    const filled = total === 0 ? width : Math.round((done / total) * width);
    const text = `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${tag}`;
    process.stderr.write(done === total ? `${text}\n` : text);
  };
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

/** The `<target>` argument, validated, without opening anything. */
export function targetArg(positionals: readonly string[]): Target {
  return targets[targetNameArg(positionals)];
}

/** The `<target>` argument's name, validated. */
export function targetNameArg(positionals: readonly string[]): TargetName {
  const [name] = positionals;
  if (!name) throw usage('Missing <target>');
  if (!isTargetName(name)) {
    throw new ChatstoreError('UNKNOWN_TARGET', `Unknown target "${name}"; one of: ${targetNames.join(', ')}`, {
      field: 'target',
    });
  }
  return name;
}

/** What a verb runs with: the target-facing context, plus the CLI's own pieces. */
export interface RunContext extends CommandContext {
  /** The command line's flags and positionals, parsed and checked. */
  readonly options: Options;
  readonly positionals: string[];
  /** Prints `data` as the command's `--json` document. */
  document<D extends { ok: boolean; error?: unknown }>(data: D): void;
  /** How the verb opens embedded databases: `--wait`, and its message while waiting. */
  readonly connectOptions: ConnectOptions;
  /**
   * Opens the `<target>` argument's database for one verb. Everything the command line can get
   * wrong (target, `--to`) is checked first, so a usage error opens and creates nothing.
   */
  withTarget<R>(
    options: Pick<ConnectOptions, 'create'> & { to?: string | undefined },
    fn: (name: TargetName, conn: Connection) => Promise<R>,
  ): Promise<R>;
}

/** The context of one run of `command`. Throws `USAGE` for a bad `--wait` before anything runs. */
export function runContext(command: string, options: Options, positionals: string[], io: Io): RunContext {
  const json = options.json;
  const open = connectOptions(options.wait, json ? undefined : io);
  const openTarget = async <T extends TargetName, R>(
    name: T,
    more: Pick<ConnectOptions, 'create'>,
    fn: (conn: Connection<T>) => Promise<R>,
  ): Promise<R> => {
    const location =
      options.db ?? (targets[name].dialect === 'postgresql' ? process.env.DATABASE_URL || undefined : undefined);
    const conn = await connect(name, location, { ...open, ...more, requireLatest: false });
    try {
      return await fn(conn);
    } finally {
      await conn.close();
    }
  };
  return {
    json,
    options,
    positionals,
    connectOptions: open,
    out: io.out,
    err: io.err,
    document: (data) => io.out(document(command, data)),
    print: (data, human) => (json ? io.out(document(command, data)) : human()),
    table: (header, rows) => table(io, header, rows),
    progress: (label) => (io.progress && !json ? progressBar(label) : undefined),
    withDatabase: (target, fn) => openTarget(target, { create: false }, fn),
    withTarget: (more, fn) => {
      const name = targetNameArg(positionals);
      const generations = targets[name].generations.map((g) => g.name as string);
      if (more.to !== undefined && !generations.includes(more.to)) {
        throw new ChatstoreError(
          'UNKNOWN_GENERATION',
          `Unknown generation "${more.to}" for ${name}; one of: ${generations.join(', ')}`,
          { field: 'to' },
        );
      }
      const { to: _to, ...create } = more;
      return openTarget(name, create, (conn) => fn(name, conn));
    },
  };
}
