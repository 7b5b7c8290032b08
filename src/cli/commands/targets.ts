/** `chatstore targets`: the registry as a table or a JSON list. */
import { targetNames, targets } from '../../targets/registry';
import type { Command } from '../command';
import { exitCodes } from '../context';

export const command: Command = {
  name: 'targets',
  flags: ['json'],
  positionals: 0,
  lines: () => [['targets [--json]', 'list targets, dialects, generations']],
  help: () => `Usage: chatstore targets [--json]

Lists every target with its dialect, seed and generations (oldest first).`,
  async run(context) {
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
    context.print({ ok: true, targets: list }, () =>
      context.table(
        ['target', 'dialect', 'seed', 'generations'],
        list.map((t) => [t.name, t.dialect, t.seed, t.generations.join(' → ')]),
      ),
    );
    return exitCodes.ok;
  },
};
