/**
 * What a target may add to the `chatstore` CLI (decision 023), and what the CLI gives it in
 * return. The CLI sits above the targets, so the contract lives here: a target's `cli.ts` exports
 * a `TargetCli`, src/targets/commands.ts collects them by registry name, and src/cli/ builds its
 * verbs, checks and help text from that collection. A target never parses arguments or prints a
 * JSON document itself.
 */
import type { Connection } from './connect';
import type { Target, TargetName } from './registry';

/** Progress of long work: `done` of `total`, `tag` naming the current step. */
export type Progress = (event: { done: number; total: number; tag: string }) => void;

/** What the CLI gives a target's command: output in the CLI's one format, and its database. */
export interface CommandContext {
  readonly json: boolean;
  out(line: string): void;
  err(line: string): void;
  /** With `--json`: the command's one JSON document (`command`, `ok`, `error`, …data); else `human()`. */
  print<D extends { ok: boolean; error?: unknown }>(data: D, human: () => void): void;
  /** Column-aligned rows under a header, on stdout. */
  table(header: string[], rows: string[][]): void;
  /** A progress bar on stderr for long work; undefined with `--json` or off a terminal. */
  progress(label: string): Progress | undefined;
  /**
   * Opens an existing database of `target` (`--db`, else DATABASE_URL for PostgreSQL, else the
   * embedded default; waiting as `--wait` says), runs `fn` and closes it.
   */
  withDatabase<T extends TargetName, R>(target: T, fn: (conn: Connection<T>) => Promise<R>): Promise<R>;
}

/** One line of the CLI's help: a command's form and what it does (omitted on a continued form). */
export type HelpLine = readonly [form: string, what?: string];

/** One database of `migrate --all`: a row of its table; `data` is what `--json` prints for it. */
export interface DatabaseRow {
  target: string;
  location: string;
  to: string | null;
  applied: number;
  ok: boolean;
  error?: string | undefined;
  data: unknown;
}

/**
 * A folder of databases that one application keeps together (Tatlock: system.db and one file
 * per user), named by the registry entries' `fanOut`: `chatstore migrate <name> --dir D`,
 * `status <name> --dir D`, and the folder under the data folder that `--all` covers.
 */
export interface FanOut {
  /** Names the folder in messages: `--dir is for a Tatlock folder`. */
  readonly label: string;
  /** `chatstore migrate <name> --dir …`: its form in the main help, and the form's paragraph in `help migrate`. */
  readonly migrateHelp: { readonly line: HelpLine; readonly form: string; readonly text: string };
  /** The end of `help status`'s `--dir` sentence: `every database of a Tatlock folder`. */
  readonly statusHelp: string;
  /** The folder's databases, in the order status lists them. */
  databases(dir: string): { target: Target; file: string }[];
  /** `migrate <name> --dir D [--dry-run] [--backup-dir B]`: migrates and prints every file; true when all are ok. */
  migrateFolder(context: CommandContext, dir: string, options: FolderOptions): Promise<boolean>;
  /** `migrate --all`: the folder under the data folder, one row per database. */
  migrateDefault(dir: string, onProgress: Progress | undefined, lockTimeoutMs?: number): Promise<DatabaseRow[]>;
  /** `migrate <target> --db F` (no `--to`) for one of its targets: one file as the folder's run does it. */
  migrateFile(context: CommandContext, target: TargetName, file: string, options: FolderOptions): Promise<boolean>;
  /** `adopt <target> --db F` for one of its targets. */
  adoptFile(context: CommandContext, target: TargetName, file: string): Promise<boolean>;
}

export interface FolderOptions {
  dryRun: boolean;
  backupDir?: string;
  /** How long to wait for another process on the same folder or file (`--wait`), in ms. */
  lockTimeoutMs?: number | undefined;
}

/** `chatstore backfill <target>`: a data move a target's generations need beside their migrations. */
export interface Backfill {
  /** Its form in the main help, e.g. `['backfill agent [--db L] [--json]', 'copy …']`. */
  readonly line: HelpLine;
  /** `help backfill`'s text after the usage line. */
  readonly text: string;
  /** Runs the backfill on the target's database (`context.withDatabase`); true when it succeeded. */
  run(context: CommandContext): Promise<boolean>;
}

/** What one registry name adds to the CLI. */
export interface TargetCli {
  readonly fanOut?: FanOut;
  readonly backfill?: Backfill;
}
