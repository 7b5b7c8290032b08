/**
 * The `chatstore` command line, parsed and validated before anything is opened: an unknown verb
 * or flag, a flag the verb would ignore, or an extra argument is a `USAGE` error (exit code 2),
 * so a typo never creates a database.
 */
import { parseArgs } from 'node:util';
import { ChatstoreError } from '../errors';

type OptionName =
  | 'db'
  | 'to'
  | 'dir'
  | 'json'
  | 'all'
  | 'allow-data-loss'
  | 'discard-data'
  | 'dry-run'
  | 'backup-dir'
  | 'generation'
  | 'wait'
  | 'root';

const optionTypes = {
  db: { type: 'string' },
  to: { type: 'string' },
  dir: { type: 'string' },
  'backup-dir': { type: 'string' },
  generation: { type: 'string' },
  wait: { type: 'string' },
  root: { type: 'string' },
  json: { type: 'boolean' },
  all: { type: 'boolean' },
  'allow-data-loss': { type: 'boolean' },
  'discard-data': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
} as const satisfies Record<OptionName, { type: 'string' | 'boolean' }>;

/** Per verb: the flags it reads and how many positionals (e.g. `<target>`) it takes. */
export const verbs = {
  targets: { options: ['json'], positionals: 0 },
  migrate: {
    options: ['db', 'to', 'dir', 'json', 'all', 'allow-data-loss', 'discard-data', 'dry-run', 'backup-dir', 'wait'],
    positionals: 1,
  },
  status: { options: ['db', 'json', 'all', 'dir'], positionals: 1 },
  adopt: { options: ['db', 'json', 'wait'], positionals: 1 },
  check: { options: ['json', 'root'], positionals: 0 },
  diagram: { options: ['generation'], positionals: 1 },
  backfill: { options: ['db', 'json', 'wait'], positionals: 1 },
} as const satisfies Record<string, { options: readonly OptionName[]; positionals: number }>;

export type Verb = keyof typeof verbs;

export interface Options {
  db?: string;
  to?: string;
  dir?: string;
  'backup-dir'?: string;
  generation?: string;
  wait?: string;
  root?: string;
  json: boolean;
  all: boolean;
  'allow-data-loss': boolean;
  'discard-data': boolean;
  'dry-run': boolean;
}

export type CommandLine =
  | { kind: 'help'; verb: Verb | null; json: boolean }
  | { kind: 'version'; json: boolean }
  | { kind: 'run'; verb: Verb; options: Options; positionals: string[] };

export const usage = (message: string, verb?: string) =>
  new ChatstoreError('USAGE', message, verb === undefined ? {} : { entity: verb });

const isVerb = (name: string): name is Verb => Object.hasOwn(verbs, name);

/** The verb a command line names, if any: for help text and the JSON document of a usage error. */
export function verbOf(argv: readonly string[]): Verb | null {
  const [first, second] = argv;
  if (first === 'help' && second !== undefined) return isVerb(second) ? second : null;
  return first !== undefined && isVerb(first) ? first : null;
}

/**
 * Parses `argv` (without node and the script). Throws `USAGE` for anything it would not run
 * exactly as written.
 *
 * @example parseCommandLine(['status', 'todo', '--json']) // { kind: 'run', verb: 'status', … }
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const [first, ...rest] = argv;
  const json = argv.includes('--json');
  if (first === undefined) throw usage('Missing command');
  if (first === '--version' || first === '-v' || first === 'version') {
    if (rest.some((a) => a !== '--json')) throw usage(`${first} takes no arguments`);
    return { kind: 'version', json };
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const others = rest.filter((a) => a !== '--json');
    if (others.length > 1) throw usage(`help takes one command at most, got: ${others.join(' ')}`);
    const [verb] = others;
    if (verb === undefined) return { kind: 'help', verb: null, json };
    if (!isVerb(verb)) throw usage(`Unknown command "${verb}"`);
    return { kind: 'help', verb, json };
  }
  if (!isVerb(first)) throw usage(`Unknown command "${first}"`);
  const spec = verbs[first];
  const allowed: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const name of spec.options) allowed[name] = optionTypes[name];
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...rest], options: allowed, allowPositionals: true, strict: true });
  } catch (error) {
    throw usage(`${(error as Error).message.replace(/\. To specify a positional argument.*$/s, '')}`, first);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) return { kind: 'help', verb: first, json };
  const options: Options = {
    json: values.json === true,
    all: values.all === true,
    'allow-data-loss': values['allow-data-loss'] === true,
    'discard-data': values['discard-data'] === true,
    'dry-run': values['dry-run'] === true,
  };
  for (const name of ['db', 'to', 'dir', 'backup-dir', 'generation', 'wait', 'root'] as const) {
    const value = values[name];
    if (typeof value === 'string') {
      if (value.trim() === '') throw usage(`--${name} needs a value`, first);
      options[name] = value;
    }
  }
  const positionals = parsed.positionals;
  if (positionals.length > spec.positionals) {
    throw usage(`Unexpected argument(s): ${positionals.slice(spec.positionals).join(' ')}`, first);
  }
  if (first === 'migrate') checkMigrate(options, positionals);
  else if (first === 'status') checkStatus(options, positionals);
  else if (positionals.length < spec.positionals) throw usage('Missing <target>', first);
  if (first === 'adopt' && options.db === undefined)
    throw usage('adopt needs --db <location>: the database to take over', first);
  return { kind: 'run', verb: first, options, positionals };
}

/** `migrate` has three forms; a flag that belongs to another form is an error, not ignored. */
function checkMigrate(options: Options, positionals: readonly string[]): void {
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
  if (options.dir !== undefined || positionals[0] === 'tatlock') {
    const extra = given(['db', 'to', 'allow-data-loss', 'discard-data']);
    if (extra.length > 0)
      throw usage(`migrate ${positionals[0] ?? ''} --dir does not take ${extra.join(' ')}`, 'migrate');
    return;
  }
  if (positionals.length === 0) throw usage('Missing <target>', 'migrate');
  // Backups are made by the copy-based tatlock path alone (decision 010).
  const tatlockFile = positionals[0] === 'tatlock-user' || positionals[0] === 'tatlock-system';
  if ((!tatlockFile || options.to !== undefined) && options['backup-dir'] !== undefined)
    throw usage(`migrate ${positionals[0]} does not take --backup-dir`, 'migrate');
}

/** `status` has three forms too: one target, `--all`, or `tatlock --dir`. */
function checkStatus(options: Options, positionals: readonly string[]): void {
  if (options.all) {
    const extra = [...(options.db === undefined ? [] : ['--db']), ...(options.dir === undefined ? [] : ['--dir'])];
    if (extra.length > 0 || positionals.length > 0)
      throw usage(`status --all takes no other arguments (got ${[...extra, ...positionals].join(' ')})`, 'status');
    return;
  }
  if (options.dir !== undefined || positionals[0] === 'tatlock') {
    if (positionals[0] !== 'tatlock' || options.dir === undefined)
      throw usage('--dir is for a Tatlock folder: status tatlock --dir <folder>', 'status');
    if (options.db !== undefined) throw usage('status tatlock --dir does not take --db', 'status');
    return;
  }
  if (positionals.length === 0) throw usage('Missing <target>', 'status');
}
