/** `chatstore adopt <target> --db L`: take over a database created without chatstore (decisions 002, 016). */
import { adopt } from '../../migrate/adopt';
import { loadMigrations } from '../../migrate/migrations';
import { fanOutOf } from '../../targets/commands';
import { targets } from '../../targets/registry';
import { usage } from '../args';
import type { Command } from '../command';
import { exitCode, targetNameArg } from '../context';

export const command: Command = {
  name: 'adopt',
  flags: ['db', 'json', 'wait'],
  positionals: 1,
  lines: () => [['adopt   <target> --db L [--json]', 'take over a database created without chatstore']],
  help: () => `Usage: chatstore adopt <target> --db L [--wait S] [--json]

For a database created without chatstore (e.g. by the seed's SQL): compares its live schema
(tables, columns, types, nullability, defaults, keys, indexes, checks) with each generation
and, on an exact match, records that generation's migrations as applied. Otherwise exits 1
with the differences to the closest generation and writes nothing.`,

  check(options, positionals) {
    if (positionals.length === 0) throw usage('Missing <target>', 'adopt');
    if (options.db === undefined) throw usage('adopt needs --db <location>: the database to take over', 'adopt');
  },

  async run(context) {
    const { options, positionals } = context;
    const [name] = positionals;
    // A fan-out's file is adopted the fan-out's way: the application's own files imported first, on a copy.
    const fanOut = name === undefined ? undefined : fanOutOf(name);
    if (fanOut !== undefined && options.db)
      return exitCode(await fanOut.adoptFile(context, targetNameArg(positionals), options.db));
    return await context.withTarget({ create: false }, async (target, conn) => {
      const result = await adopt(conn.client, loadMigrations(targets[target]));
      context.print(result, () => {
        if (result.ok)
          context.out(`adopted ${target} at generation ${result.generation}; recorded ${result.recorded.join(', ')}`);
        else context.err(`adopt ${target} failed: ${result.error?.message}`);
      });
      return exitCode(result.ok);
    });
  },
};
