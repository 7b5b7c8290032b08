/**
 * A verb of the `chatstore` CLI (decision 023): one module under src/cli/commands/ each, listed
 * in commands/index.ts. The parser reads its grammar, the help is built from its lines and text,
 * and src/cli/index.ts only dispatches to `run`.
 */
import type { HelpLine } from '../targets/command';
import type { Grammar } from './args';
import type { RunContext } from './context';

export interface Command extends Grammar {
  readonly name: string;
  /** Its lines in `chatstore help` (forms a target adds included). */
  lines(): readonly HelpLine[];
  /** `chatstore help <verb>`: usage lines, a blank line, then what it does. */
  help(): string;
  /** Runs the verb; returns the exit code. */
  run(context: RunContext): Promise<number>;
}
