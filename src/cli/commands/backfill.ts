/** `chatstore backfill <target>`: the data moves targets register (`backfill agent`), decision 023. */
import { backfills } from '../../targets/commands';
import { usage } from '../args';
import type { Command } from '../command';
import { exitCode } from '../context';

export const command: Command = {
  name: 'backfill',
  flags: ['db', 'json', 'wait'],
  positionals: 1,
  lines: () => backfills.map(({ backfill }) => backfill.line),
  help: () => backfills.map(({ backfill }) => `Usage: chatstore ${backfill.line[0]}\n\n${backfill.text}`).join('\n\n'),
  async run(context) {
    const [name] = context.positionals;
    const entry = backfills.find((b) => b.target === name);
    if (entry === undefined) {
      const names = backfills.map((b) => b.target);
      throw usage(
        `backfill exists for the ${names.join(', ')} target${names.length === 1 ? '' : 's'} only: ${names.map((n) => `backfill ${n}`).join(', ')}`,
        'backfill',
      );
    }
    return exitCode(await entry.backfill.run(context));
  },
};
