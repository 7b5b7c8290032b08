/**
 * The `chatstore` command line: parses `argv` against the verbs of src/cli/commands/, prints
 * help and the version, and dispatches to one verb's `run` (decision 023). Everything a verb
 * prints goes through one scrubbing `Io`, and every failure becomes an exit code here.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { scrub } from '../connect';
import { type ErrorCode, isChatstoreError, toChatstoreError } from '../errors';
import { findPackageRoot } from '../paths';
import { parseCommandLine, usage, verbOf } from './args';
import { commands, verbs } from './commands';
import { defaultIo, document, exitCodes, type Io, runContext } from './context';
import { overview } from './help';

export { exitCodes, type Io, progressBar } from './context';

/** Errors about the command line itself rather than the database: exit code 2. */
const usageCodes: readonly ErrorCode[] = ['USAGE', 'UNKNOWN_TARGET', 'UNKNOWN_GENERATION'];

/** `chatstore help [<verb>]`. */
function helpText(verb: string | null): string {
  const command = verb === null ? undefined : verbs[verb];
  return command === undefined ? overview(commands) : command.help();
}

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
  const json = argv.includes('--json');
  const verb = verbOf(argv, verbs);
  try {
    const line = parseCommandLine(argv, verbs);
    if (line.kind === 'version') {
      const v = version();
      io.out(json ? document('version', { ok: true, version: v }) : v);
      return exitCodes.ok;
    }
    if (line.kind === 'help') {
      const text = helpText(line.verb);
      io.out(json ? document('help', { ok: true, text }) : text);
      return exitCodes.ok;
    }
    const command = verbs[line.verb];
    if (command === undefined) throw usage(`Unknown command "${line.verb}"`);
    return await command.run(runContext(line.verb, line.options, line.positionals, io));
  } catch (raw) {
    const error = isChatstoreError(raw) ? raw : toChatstoreError(raw);
    const usageError = usageCodes.includes(error.code);
    if (json) {
      io.out(document(verb ?? argv[0] ?? null, { ok: false, error: { code: error.code, message: error.message } }));
    } else if (error.code === 'USAGE') {
      io.err(`${error.message}\n\n${helpText(verb)}`);
    } else {
      io.err(`error [${error.code}]: ${error.message}`);
    }
    return usageError ? exitCodes.usage : exitCodes.failure;
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
