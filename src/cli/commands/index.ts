/**
 * The verbs of `chatstore`, in the order `chatstore help` lists them: one module each
 * (decision 023). A new verb is a module here and a line in this list; a target's own command
 * is registered in src/targets/commands.ts instead and reaches its verb from there.
 */
import type { Command } from '../command';
import { command as adopt } from './adopt';
import { command as backfill } from './backfill';
import { command as check } from './check';
import { command as diagram } from './diagram';
import { command as migrate } from './migrate';
import { command as status } from './status';
import { command as targets } from './targets';

export const commands: readonly Command[] = [targets, migrate, status, adopt, check, diagram, backfill];

/** The verbs by name, as the parser reads them. */
export const verbs: Readonly<Record<string, Command>> = Object.fromEntries(commands.map((c) => [c.name, c]));
