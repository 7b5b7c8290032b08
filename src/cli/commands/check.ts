/** `chatstore check`: schema modules, committed migrations, checksums and lint agree (decision 012). */
import { ChatstoreError } from '../../errors';
import { targetNames, targets } from '../../targets/registry';
import type { Command } from '../command';
import { exitCode } from '../context';

export const command: Command = {
  name: 'check',
  flags: ['json', 'root'],
  positionals: 0,
  lines: () => [['check [--json]', 'schema modules and committed migrations agree']],
  help: () => `Usage: chatstore check [--json]

Verifies, for every target, that each generation's schema module equals its committed
snapshot, each generated migration equals what drizzle-kit derives from the snapshots, and
hand-written migrations match their recorded checksums (drizzle/<target>.chatstore.json). Lints
every migration (drop-table, drop-column, type-change, set-not-null, index-not-concurrent,
fk-not-valid, rename, sqlite-rebuild); a finding must be acknowledged by a
\`-- chatstore-lint allow <rule>: <why>\` comment or in the bookkeeping file. Exits 1 naming each
difference and each unacknowledged finding.`,
  async run(context) {
    // drizzle-kit is development tooling: loaded for `check` only, never for migrate/status/adopt.
    const { checkTarget } = await loadCheck();
    const root = context.options.root;
    const problems = (await Promise.all(targetNames.map((name) => checkTarget(targets[name], root)))).flat();
    context.print({ ok: problems.length === 0, problems }, () => {
      if (problems.length === 0)
        context.out(`ok: ${targetNames.length} target(s), schema modules and migrations agree`);
      for (const p of problems) context.err(`${p.target}: ${p.message}`);
    });
    return exitCode(problems.length === 0);
  },
};

async function loadCheck(): Promise<typeof import('../../migrate/check')> {
  try {
    return await import('../../migrate/check');
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    if (code === 'ERR_MODULE_NOT_FOUND' && message?.includes("'drizzle-kit'")) {
      throw new ChatstoreError(
        'MISSING_PACKAGE',
        'chatstore check compares schema modules with drizzle-kit, a development tool: npm install --save-dev drizzle-kit',
        { cause: error },
      );
    }
    throw error;
  }
}
