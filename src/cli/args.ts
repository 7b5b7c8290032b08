/**
 * The `chatstore` command line, parsed and validated before anything is opened: an unknown verb
 * or flag, a flag the verb would ignore, or an extra argument is a `USAGE` error (exit code 2),
 * so a typo never creates a database.
 */
import { parseArgs } from 'node:util';
import { ChatstoreError } from '../errors';

export type OptionName =
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

/**
 * What the parser needs of a verb (src/cli/commands/<verb>.ts): the flags it reads, how many
 * positionals (e.g. `<target>`) it takes, and the checks of its forms beyond that. Without
 * `check`, fewer positionals than `positionals` is `Missing <target>`.
 */
export interface Grammar {
  readonly flags: readonly OptionName[];
  readonly positionals: number;
  check?(options: Options, positionals: readonly string[]): void;
}

export type Grammars = Readonly<Record<string, Grammar>>;

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
  | { kind: 'help'; verb: string | null; json: boolean }
  | { kind: 'version'; json: boolean }
  | { kind: 'run'; verb: string; options: Options; positionals: string[] };

export const usage = (message: string, verb?: string) =>
  new ChatstoreError('USAGE', message, verb === undefined ? {} : { entity: verb });

/** The verb a command line names, if any: for help text and the JSON document of a usage error. */
export function verbOf(argv: readonly string[], verbs: Grammars): string | null {
  const isVerb = (name: string) => Object.hasOwn(verbs, name);
  const [first, second] = argv;
  if (first === 'help' && second !== undefined) return isVerb(second) ? second : null;
  return first !== undefined && isVerb(first) ? first : null;
}

/**
 * Parses `argv` (without node and the script). Throws `USAGE` for anything it would not run
 * exactly as written.
 *
 * @example parseCommandLine(['status', 'todo', '--json'], commands) // { kind: 'run', verb: 'status', … }
 */
export function parseCommandLine(argv: readonly string[], verbs: Grammars): CommandLine {
  const isVerb = (name: string) => Object.hasOwn(verbs, name);
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
  const spec = verbs[first];
  if (spec === undefined || !isVerb(first)) throw usage(`Unknown command "${first}"`);
  const allowed: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const name of spec.flags) allowed[name] = optionTypes[name];
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
  if (spec.check) spec.check(options, positionals);
  else if (positionals.length < spec.positionals) throw usage('Missing <target>', first);
  return { kind: 'run', verb: first, options, positionals };
}
