/**
 * What Tatlock adds to the `chatstore` CLI (decision 023): the fan-out over a Tatlock folder
 * (`migrate tatlock --dir`, `status tatlock --dir`, Tatlock's part of `--all`), and one file
 * migrated or adopted the way the fan-out does it (decision 010).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ChatstoreError } from '../../errors';
import type { TargetCli } from '../command';
import { type TargetName, targets } from '../registry';
import { adoptTatlockFile, migrateTatlockFolder, type TatlockTarget, upgradeFile } from './fan-out';
import { resolveTatlockFolder } from './folder';

function tatlockTarget(name: TargetName): TatlockTarget {
  if (name === 'tatlock-system' || name === 'tatlock-user') return name;
  throw new ChatstoreError('UNKNOWN_TARGET', `${name} is no Tatlock target`, { field: 'target' });
}

export const cli = {
  fanOut: {
    label: 'Tatlock',
    migrateHelp: {
      line: [
        'migrate tatlock --dir D [--dry-run] [--backup-dir B] [--json]',
        'a Tatlock folder: system.db, then every user file',
      ],
      form: 'migrate tatlock --dir <folder> [--dry-run] [--backup-dir B] [--json]',
      text: `\`migrate tatlock --dir <folder>\` upgrades a Tatlock installation, in the specification's layout
(system.db + {username}_longterm.db) or the application's (hippocampus/system.db +
hippocampus/longterm/{username}.db): system.db first (created if missing), then every user file,
adopting files the seed's SQL or the application created. Each file is migrated on a copy that
replaces it only when every step succeeded; the file as it was is kept as {file}.before-<generation>
(or under --backup-dir B). --dry-run runs everything on copies and changes nothing. It prints a
result per file (generation before and after, migrations applied, orphans removed, messages
moved, error); a failing file is left as it was, does not stop the others, and makes the exit
code 1.`,
    },
    statusHelp: 'every database of a Tatlock folder',

    databases(dir) {
      // Either layout: the specification's or the application's hippocampus/ (decision 010).
      const folder = resolveTatlockFolder(dir);
      return [
        { target: targets['tatlock-system'], file: folder.systemFile },
        ...folder.users.map((entry) => ({ target: targets['tatlock-user'], file: entry.file })),
      ];
    },

    async migrateFolder(context, dir, options) {
      if (!existsSync(dir)) {
        throw new ChatstoreError(
          'DATABASE_NOT_FOUND',
          `No folder ${dir}: create it first (system.db is created in it)`,
          {
            field: 'dir',
          },
        );
      }
      const result = await migrateTatlockFolder(dir, {
        onProgress: context.progress('migrate tatlock'),
        dryRun: options.dryRun,
        lockTimeoutMs: options.lockTimeoutMs,
        ...(options.backupDir === undefined ? {} : { backupDir: options.backupDir }),
      });
      context.print(result, () => {
        context.table(
          ['database', 'target', 'before', 'after', 'applied now', 'orphans', 'moved', 'ms', 'status'],
          result.files.map((f) => [
            path.relative(dir, f.file) || f.file,
            f.target,
            f.adopted
              ? `${f.adopted} (adopted${f.imported.length ? ', app' : ''})`
              : (f.before ?? (f.ok ? 'empty' : '-')),
            f.after ?? '-',
            String(f.applied.length),
            String(f.orphansRemoved),
            String(f.rowsMoved),
            String(f.ms),
            f.ok ? 'ok' : `FAILED [${f.error?.code}]: ${f.error?.message}`,
          ]),
        );
        for (const f of result.files.filter((f) => f.backup))
          context.out(`kept ${path.relative(dir, f.backup ?? '')} (the file as it was)`);
        const failed = result.files.filter((f) => !f.ok).length;
        context.out(
          `tatlock ${dir}: ${result.files.length} file(s) in ${(result.ms / 1000).toFixed(1)} s, ${failed === 0 ? 'all ok' : `${failed} FAILED`}${result.dryRun ? ' (dry run: nothing was changed)' : ''}`,
        );
      });
      return result.ok;
    },

    async migrateDefault(dir, onProgress, lockTimeoutMs) {
      const result = await migrateTatlockFolder(dir, { onProgress, lockTimeoutMs });
      return result.files.map((f) => ({
        target: f.target,
        location: f.file,
        to: f.after,
        applied: f.applied.length,
        ok: f.ok,
        error: f.error?.message,
        data: f,
      }));
    },

    async migrateFile(context, target, file, options) {
      const f = await upgradeFile(tatlockTarget(target), file, null, {
        dryRun: options.dryRun,
        lockTimeoutMs: options.lockTimeoutMs,
        ...(options.backupDir === undefined ? {} : { backupDir: options.backupDir }),
      });
      context.print(f, () => {
        const line = `${f.target}: ${f.before ?? 'empty'} → ${f.after ?? '-'}, ${f.applied.length} applied, ${f.orphansRemoved} orphan(s) removed, ${f.rowsMoved} message(s) moved`;
        if (f.ok) context.out(`${line}${f.backup ? `; kept ${f.backup}` : ''}${f.dryRun ? ' (dry run)' : ''}`);
        else context.err(`${line}\n${f.target}: FAILED [${f.error?.code}]: ${f.error?.message}`);
      });
      return f.ok;
    },

    async adoptFile(context, target, file) {
      // The application's own files are imported first, on a copy (docs/decisions/010).
      const result = await adoptTatlockFile(tatlockTarget(target), file);
      context.print(result, () => {
        if (result.ok)
          context.out(
            `adopted ${result.target} at generation ${result.generation}; recorded ${result.recorded.join(', ')}`,
          );
        else context.err(`adopt ${result.target} failed: ${result.error?.message}`);
        for (const change of result.imported) context.out(`  imported: ${change}`);
        if (result.backup) context.out(`  kept ${result.backup} (the file as it was)`);
      });
      return result.ok;
    },
  },
} as const satisfies TargetCli;
