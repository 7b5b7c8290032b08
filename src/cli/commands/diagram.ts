/** `chatstore diagram <target>`: a generation's Mermaid ER diagram (decision 012). */
import type { Command } from '../command';
import { exitCodes, targetArg } from '../context';
import { diagram } from '../diagram';

export const command: Command = {
  name: 'diagram',
  flags: ['generation'],
  positionals: 1,
  lines: () => [['diagram <target> [--generation G]', "Mermaid ER diagram of a generation's schema"]],
  help: () => `Usage: chatstore diagram <target> [--generation G]

Prints a Mermaid erDiagram of the generation's schema module (default: the latest): every
table with its key columns (PK, FK, UK) and every foreign key.`,
  async run(context) {
    context.out(diagram(targetArg(context.positionals), context.options.generation).trimEnd());
    return exitCodes.ok;
  },
};
