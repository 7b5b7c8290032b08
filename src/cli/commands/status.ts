/** `chatstore status`: one target, `--all`, or a fan-out's folder; read-only (decision 012). */
import { defaultDataDir } from '../../connect';
import { fanOutNames, fanOuts, isFanOutName } from '../../targets/commands';
import { usage } from '../args';
import type { Command } from '../command';
import { targetArg } from '../context';
import { statusAllCommand, statusCommand, statusFolderCommand } from '../inspect';

const folderForms = () => fanOutNames.map((name) => `${name} --dir <folder>`);

export const command: Command = {
  name: 'status',
  flags: ['db', 'json', 'all', 'dir'],
  positionals: 1,
  lines: () => [
    ['status  <target> [--db L] [--json]', 'generation, applied, pending, drift, checksum problems'],
    [
      `status  --all${fanOutNames.map((name) => ` | ${name} --dir D`).join('')} [--json]`,
      'the same for every database, read-only',
    ],
  ],
  help: () => `Usage: chatstore status <target> [--db L] [--json]
       chatstore status --all [--json]
${folderForms()
  .map((form) => `       chatstore status ${form} [--json]`)
  .join('\n')}

Shows the database's generation, applied and pending migrations, applied migrations whose
files changed or disappeared, and drift: how its live schema differs from the schema of the
generation its ledger records (compared as adopt compares). Writes nothing and creates
nothing: a database that does not exist is reported, not made. Exits 1 when something is
pending, drifted, changed on disk or not yet adopted. --all covers every target's embedded
database under ./${defaultDataDir}/${fanOutNames.map((name) => `; ${name} --dir ${fanOuts[name].statusHelp}`).join('')}.`,

  /** Three forms: one target, `--all`, or `<fan-out> --dir`. */
  check(options, positionals) {
    if (options.all) {
      const extra = [...(options.db === undefined ? [] : ['--db']), ...(options.dir === undefined ? [] : ['--dir'])];
      if (extra.length > 0 || positionals.length > 0)
        throw usage(`status --all takes no other arguments (got ${[...extra, ...positionals].join(' ')})`, 'status');
      return;
    }
    const [first] = positionals;
    if (options.dir !== undefined || (first !== undefined && isFanOutName(first))) {
      if (first === undefined || !isFanOutName(first) || options.dir === undefined)
        throw usage(
          `--dir is for a ${fanOutNames.map((name) => fanOuts[name].label).join(' or ')} folder: ${fanOutNames.map((name) => `status ${name} --dir <folder>`).join(' or ')}`,
          'status',
        );
      if (options.db !== undefined) throw usage(`status ${first} --dir does not take --db`, 'status');
      return;
    }
    if (positionals.length === 0) throw usage('Missing <target>', 'status');
  },

  async run(context) {
    const { options, positionals } = context;
    if (options.all) return await statusAllCommand(context, options.json);
    const [first] = positionals;
    if (options.dir !== undefined && first !== undefined && isFanOutName(first))
      return await statusFolderCommand(fanOuts[first], options.dir, context, options.json);
    return await statusCommand(targetArg(positionals), options.db, context, options.json);
  },
};
