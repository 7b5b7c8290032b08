import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
// Imported statically, so that without drizzle-kit this module fails to load (the CLI says MISSING_PACKAGE).
import * as drizzleKit from 'drizzle-kit/api';
import { packageRoot } from '../paths';
import { bookkeepingFile, legacyChecksumsFile, readBookkeeping } from './bookkeeping';
import { dialectOf, type Snapshot } from './dialects';
import { formatFinding, lintSet, staleAcknowledgements } from './lint';
import { generationOfTag, loadMigrations, readJournal, sha256 } from './migrations';
import type { Target } from './target';

export interface CheckProblem {
  target: string;
  message: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * JSON with sorted keys, without the ids that change on every generate. Empty objects count as
 * absent: drizzle-kit's CLI writes `_meta.schemas: {}` into SQLite snapshots, its API leaves it out.
 */
export function canonical(snapshot: Snapshot): string {
  const { id: _id, prevId: _prevId, ...rest } = snapshot;
  return JSON.stringify(rest, (_key, value) =>
    isObject(value)
      ? Object.fromEntries(
          Object.entries(value)
            .filter(([, v]) => !isObject(v) || Object.keys(v).length > 0)
            .sort(([a], [b]) => a.localeCompare(b)),
        )
      : value,
  );
}

/** drizzle-kit's snapshot of a schema module, as its CLI writes it (without `id`/`prevId`). */
export async function snapshotOf(target: Target, schema: Record<string, unknown>): Promise<Snapshot> {
  return dialectOf(target).snapshot(drizzleKit, schema);
}

async function sqlBetween(target: Target, prev: Snapshot, cur: Snapshot): Promise<string[]> {
  return dialectOf(target).sqlBetween(drizzleKit, prev, cur);
}

/**
 * `sqlBetween` for a report: where drizzle-kit would have to ask whether a table or column was
 * renamed (it only asks on a terminal), says so instead of failing.
 */
async function describeChange(target: Target, prev: Snapshot, cur: Snapshot): Promise<string[]> {
  try {
    return await sqlBetween(target, prev, cur);
  } catch (error) {
    return [`(drizzle-kit cannot list the statements without asking about renames: ${(error as Error).message})`];
  }
}

/** drizzle-kit's snapshot of the migration at journal position `idx`. */
export function snapshotFile(dir: string, idx: number): string {
  return path.join(dir, 'meta', `${String(idx).padStart(4, '0')}_snapshot.json`);
}

/** Hand-written files pinned by sha256, from the target's bookkeeping file (decision 012). */
export function readChecksums(dir: string): Record<string, string> {
  return readBookkeeping(dir).checksums;
}

/** Files whose content drizzle-kit cannot regenerate: custom migrations and down migrations. */
export function handWrittenFiles(target: Target, dir: string): string[] {
  const custom = readJournal(dir)
    .filter((e) => e.tag.includes('__'))
    .map((e) => `${e.tag}.sql`);
  const downs = target.generations
    .flatMap((g) => [`down/${g.name}.sql`, `discard/${g.name}.sql`])
    .filter((f) => existsSync(path.join(dir, f)));
  return [...custom, ...downs];
}

/**
 * Verifies that a target's schema modules and committed migrations agree: every generation
 * has a migration, every migration its snapshot; a generated migration equals what drizzle-kit
 * derives from the snapshots, a hand-written one leaves the snapshot unchanged (unless it is its
 * generation's whole schema change, written by hand because drizzle-kit's would lose data); each
 * schema module equals the snapshot its generation ends at; hand-written files match their checksums.
 */
export async function checkTarget(target: Target, root = packageRoot): Promise<CheckProblem[]> {
  const dir = path.join(root, target.migrationsDir);
  const problems: CheckProblem[] = [];
  const report = (message: string) => problems.push({ target: target.name, message });
  const journal = readJournal(dir);
  let previous = await snapshotOf(target, {});
  for (const generation of target.generations) {
    const entries = journal.filter((e) => generationOfTag(e.tag) === generation.name);
    if (entries.length === 0) {
      report(`generation ${generation.name} has no migration in ${target.migrationsDir}; run \`npm run db:generate\``);
      continue;
    }
    for (const entry of entries) {
      const file = snapshotFile(dir, entry.idx);
      if (!existsSync(file)) {
        report(`snapshot of ${entry.tag} is missing (${path.relative(root, file)})`);
        continue;
      }
      const snapshot = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
      if (entry.tag.includes('__')) {
        // A generation without a generated migration has its schema change written by hand
        // (`npm run db:generate -- --by-hand`): that step carries the generation's snapshot.
        const byHand = !entries.some((e) => !e.tag.includes('__'));
        if (canonical(snapshot) !== canonical(previous) && !byHand) {
          report(
            `${entry.tag} is hand-written but its snapshot changes the schema; schema changes belong in generated migrations`,
          );
        }
      } else {
        const sqlFile = path.join(dir, `${entry.tag}.sql`);
        const expected = await sqlBetween(target, previous, snapshot).then(
          (statements) => statements.join('--> statement-breakpoint\n'),
          (error: Error) => error,
        );
        const actual = existsSync(sqlFile) ? readFileSync(sqlFile, 'utf8') : undefined;
        if (actual === undefined) report(`${entry.tag}.sql is missing`);
        else if (expected instanceof Error)
          report(
            `${entry.tag}.sql cannot be re-derived: drizzle-kit would ask whether tables or columns were renamed (${expected.message}); write such a generation by hand (\`npm run db:generate -- --by-hand\`)`,
          );
        else if (actual !== expected)
          report(`${entry.tag}.sql was edited: it no longer equals what drizzle-kit generates from its snapshots`);
      }
      previous = snapshot;
    }
    const schema = await snapshotOf(target, generation.schema);
    if (canonical(previous) !== canonical(schema)) {
      const ahead = await describeChange(target, previous, schema);
      const last = entries.at(-1)?.tag;
      report(
        `${generation.file} differs from the snapshot of ${last}${ahead.length ? `; the module would need:\n    ${ahead.join('\n    ')}` : ''}\n  Released generations are frozen: revert the edit and add a new generation.`,
      );
    }
  }
  if (existsSync(legacyChecksumsFile(dir))) {
    report(
      `${path.relative(root, legacyChecksumsFile(dir))} is inside drizzle-kit's meta folder, where drizzle-kit cannot read its snapshots; run \`npm run db:generate\` to move it to ${path.relative(root, bookkeepingFile(dir))}`,
    );
  }
  const checksums = readChecksums(dir);
  for (const file of handWrittenFiles(target, dir)) {
    const full = path.join(dir, file);
    if (!existsSync(full)) report(`${file} is missing`);
    else if (!checksums[file])
      report(`${file} is not recorded in ${path.relative(root, bookkeepingFile(dir))}; run \`npm run db:generate\``);
    else if (checksums[file] !== sha256(readFileSync(full, 'utf8'))) report(`${file} was edited after it was recorded`);
  }
  for (const message of lintProblems(target, root)) report(message);
  return problems;
}

/**
 * Lint findings no migration acknowledges, and acknowledgements that match nothing. A finding is
 * acknowledged by `-- chatstore-lint allow <rule>: <why>` in a hand-written migration, or, for a
 * generated or released one, in `acknowledged` of the target's bookkeeping file (decision 012).
 */
function lintProblems(target: Target, root: string): string[] {
  let set: ReturnType<typeof loadMigrations>;
  try {
    set = loadMigrations(target, root);
  } catch {
    return []; // the journal problems above already say what is wrong
  }
  const bookkeeping = readBookkeeping(set.dir);
  const findings = lintSet(set, bookkeeping);
  const where = path.relative(root, bookkeepingFile(set.dir));
  return [
    ...findings
      .filter((f) => f.acknowledged === undefined)
      .map(
        (f) =>
          `lint ${formatFinding(f)}\n  If intended, acknowledge it: \`-- chatstore-lint allow ${f.rule}: <why>\` in a new hand-written migration, or "acknowledged": { "${f.tag}.sql": { "${f.rule}": "<why>" } } in ${where}`,
      ),
    ...staleAcknowledgements(set, findings, bookkeeping).map((s) => `lint: ${s}`),
  ];
}
