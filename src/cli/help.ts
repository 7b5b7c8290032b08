/**
 * `chatstore help`: the overview is built from the verbs' lines (targets' forms included, from
 * the registry), so a verb or a target's command appears in it once it is registered.
 */
import { defaultDataDir } from '../connect';
import type { HelpLine } from '../targets/command';
import type { Command } from './command';

/** Where the overview's descriptions start. */
const column = 53;

function helpLine([form, what]: HelpLine): string {
  const head = `  chatstore ${form}`;
  if (what === undefined) return head;
  return head.length < column ? `${head.padEnd(column)}${what}` : `${head}\n${' '.repeat(column)}${what}`;
}

/** The text of `chatstore help` (no verb). */
export function overview(commands: readonly Command[]): string {
  const lines: HelpLine[] = [
    ...commands.flatMap((c) => c.lines()),
    ['help [<command>]', "this text, or one command's"],
    ['--version'],
  ];
  return `chatstore — typed data access and safe migrations for conversational-AI databases

Usage:
${lines.map(helpLine).join('\n')}

A location L is postgres://…, pglite:<dir>, pglite:memory: or a SQLite file path. Without --db,
PostgreSQL targets use DATABASE_URL when set, otherwise the embedded default under ./${defaultDataDir}/.
An embedded database is one process's at a time: --wait S waits up to S seconds (default 60;
0 = fail at once) for a process that holds it, then exits 1 with [LOCKED] naming its pid.
Exit codes: 0 success, 1 failure (the message says what to do), 2 usage.
With --json, every outcome (errors included) is one JSON document on stdout:
{ "command": <verb>, "ok": true|false, "error": null | { "code", "message" }, …the verb's fields };
timestamps are ISO 8601.
Run \`chatstore help <command>\` for one command.`;
}
