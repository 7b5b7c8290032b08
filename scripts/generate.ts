/**
 * `npm run db:generate`: runs drizzle-kit for every generation of every target, in order,
 * skipping generations that already have their migration (released ones are frozen), then
 * records checksums of hand-written migrations that are new.
 *
 * A generation's migration is named after it (`0001_phase3`). For a hand-written step, run
 *   CHATSTORE_TARGET=<t> CHATSTORE_GENERATION=<g> npx drizzle-kit generate --custom --name <g>__<step>
 * fill in the SQL, then run this script again to record its checksum.
 *
 * A generation whose change drizzle-kit cannot write without losing data (it drops and
 * recreates what was renamed or reshaped, and asks about renames only on a terminal) is written
 * by hand as a whole:
 *   npm run db:generate -- --by-hand <target> <generation> <step>
 * creates `NNNN_<generation>__<step>.sql`, empty, with the generation's snapshot; write the SQL
 * that takes the previous generation there, then run this script again.
 *
 * Released files are never rewritten: every file of a migrations folder is fingerprinted before
 * drizzle-kit runs and compared after; a changed one is restored and the run stops (decision 012).
 * chatstore's checksums live in `drizzle/<target>.chatstore.json`, outside drizzle-kit's folder.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { absorbLegacyChecksums, bookkeepingFile, readBookkeeping, writeBookkeeping } from '../src/migrate/bookkeeping';
import { canonical, handWrittenFiles, snapshotFile, snapshotOf } from '../src/migrate/check';
import { generationOfTag, type JournalEntry, readJournal, sha256 } from '../src/migrate/migrations';
import { packageRoot } from '../src/paths';
import { type Generation, isTargetName, type Target, targetNames, targets } from '../src/targets/registry';

/** A failure the user must act on: printed without a stack trace, exit code 1. */
class GenerateError extends Error {}

const relative = (file: string) => path.relative(packageRoot, file);

/** The generation's last migration already leaves the schema its module describes. */
async function endsAtModule(target: Target, dir: string, generation: Generation): Promise<boolean> {
  const last = readJournal(dir)
    .filter((e) => generationOfTag(e.tag) === generation.name)
    .at(-1);
  const file = last && snapshotFile(dir, last.idx);
  if (!file || !existsSync(file)) return false;
  return canonical(JSON.parse(readFileSync(file, 'utf8'))) === canonical(await snapshotOf(target, generation.schema));
}

/** Every file under a migrations folder with its sha256, to prove afterwards that none changed. */
function fingerprint(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  if (!existsSync(dir)) return files;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files.set(file, readFileSync(file, 'utf8'));
  }
  return files;
}

/**
 * Runs drizzle-kit for one generation and returns the journal entries it added. drizzle-kit
 * exits 0 even when it wrote nothing, so success is judged by the journal, and any file that
 * existed before and changed (the journal may only grow) is put back and reported.
 */
function drizzleKit(target: Target, generation: Generation, args: string[]): JournalEntry[] {
  const dir = path.join(packageRoot, target.migrationsDir);
  const before = fingerprint(dir);
  const journalBefore = readJournal(dir);
  try {
    execFileSync('npx', ['drizzle-kit', 'generate', ...args], {
      cwd: packageRoot,
      stdio: 'inherit',
      env: { ...process.env, CHATSTORE_TARGET: target.name, CHATSTORE_GENERATION: generation.name },
    });
  } catch {
    throw new GenerateError(
      `drizzle-kit generate ${args.join(' ')} failed for ${target.name} ${generation.name} (its message is above). ` +
        `If it wanted to ask whether a table or column was renamed, write the generation by hand: ` +
        `npm run db:generate -- --by-hand ${target.name} ${generation.name} <step>`,
    );
  }
  const journalFile = path.join(dir, 'meta', '_journal.json');
  const journalAfter = readJournal(dir);
  const changed: string[] = [];
  for (const [file, text] of before) {
    if (file === journalFile) continue;
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) {
      writeFileSync(file, text);
      changed.push(relative(file));
    }
  }
  const kept = journalBefore.every((e, i) => journalAfter[i]?.tag === e.tag && journalAfter[i]?.idx === e.idx);
  if (!kept) {
    const text = before.get(journalFile);
    if (text !== undefined) writeFileSync(journalFile, text);
    changed.push(relative(journalFile));
  }
  if (changed.length > 0) {
    throw new GenerateError(
      `drizzle-kit changed released files; they were restored: ${changed.join(', ')}. Nothing else was recorded.`,
    );
  }
  return journalAfter.slice(journalBefore.length);
}

/** `--by-hand <target> <generation> <step>`: an empty hand-written migration carrying the generation's snapshot. */
async function byHand(targetName = '', generationName = '', step = ''): Promise<void> {
  const usage = 'usage: npm run db:generate -- --by-hand <target> <generation> <step>';
  if (!isTargetName(targetName)) {
    throw new GenerateError(`${usage}
  unknown target "${targetName}"; one of: ${targetNames.join(', ')}`);
  }
  const target: Target = targets[targetName];
  const generation = target.generations.find((g) => g.name === generationName);
  if (!generation) {
    throw new GenerateError(
      `${usage}
  ${target.name} has no generation "${generationName}" (${target.generations.map((g) => g.name).join(', ')}); register it in src/targets/${target.name}/target.ts first`,
    );
  }
  if (!/^[a-z0-9_-]+$/.test(step)) {
    throw new GenerateError(`${usage}
  <step> names the migration: lowercase letters, digits, - and _ (got "${step}")`);
  }
  const dir = path.join(packageRoot, target.migrationsDir);
  const journal = readJournal(dir);
  const own = journal.filter((e) => generationOfTag(e.tag) === generation.name);
  if (own.length > 0) {
    throw new GenerateError(
      `${target.name} ${generation.name} already has migrations (${own.map((e) => e.tag).join(', ')}); a generation written by hand has its schema change in its first migration. ` +
        `For a further step use drizzle-kit generate --custom (README, "Adding a generation").`,
    );
  }
  if (
    journal.at(-1) &&
    generationOfTag(journal.at(-1)?.tag ?? '') !== target.generations[target.generations.indexOf(generation) - 1]?.name
  ) {
    throw new GenerateError(
      `${target.name}: the generation before ${generation.name} must have its migrations first; run npm run db:generate`,
    );
  }
  const name = `${generation.name}__${step}`;
  const [entry, ...extra] = drizzleKit(target, generation, ['--custom', '--name', name]);
  if (!entry?.tag.endsWith(name) || extra.length > 0) throw new GenerateError(`drizzle-kit did not create ${name}`);
  // drizzle-kit gives a custom migration the previous snapshot; this one makes the generation.
  const file = snapshotFile(dir, entry.idx);
  const { id, prevId } = JSON.parse(readFileSync(file, 'utf8')) as { id: string; prevId: string };
  const snapshot = { ...(await snapshotOf(target, generation.schema)), id, prevId };
  writeFileSync(file, `${JSON.stringify(snapshot, null, 2)}\n`);
  console.log(
    `${target.name}: write drizzle/${target.name}/${entry.tag}.sql (from ${target.generations[target.generations.indexOf(generation) - 1]?.name ?? 'empty'} to ${generation.name}), then run npm run db:generate`,
  );
}

async function generateAll(): Promise<void> {
  for (const target of Object.values(targets) as Target[]) {
    const dir = path.join(packageRoot, target.migrationsDir);
    const moved = absorbLegacyChecksums(dir);
    if (moved > 0)
      console.log(`${target.name}: moved ${moved} checksum(s) from meta/ to ${relative(bookkeepingFile(dir))}`);
    for (const generation of target.generations) {
      const tags = readJournal(dir).map((e) => e.tag);
      if (tags.some((tag) => tag.replace(/^\d+_/, '') === generation.name)) continue;
      // Written by hand, or a marker of an unchanged generation: drizzle-kit has nothing to add.
      if (await endsAtModule(target, dir, generation)) continue;
      console.log(`${target.name}: generating ${generation.name}`);
      const added = drizzleKit(target, generation, ['--name', generation.name]);
      if (added.length > 0) continue;
      // drizzle-kit adds nothing both for "no schema change" and when it fails but exits 0.
      const last = readJournal(dir).at(-1);
      const previous = last && snapshotFile(dir, last.idx);
      const unchanged =
        previous !== undefined &&
        existsSync(previous) &&
        canonical(JSON.parse(readFileSync(previous, 'utf8'))) ===
          canonical(await snapshotOf(target, generation.schema));
      if (!unchanged) {
        throw new GenerateError(
          `drizzle-kit wrote no migration for ${target.name} ${generation.name}, but ${generation.file} differs from the last snapshot; see drizzle-kit's message above. If it needed to ask whether a table or column was renamed, write the generation by hand: npm run db:generate -- --by-hand ${target.name} ${generation.name} <step>`,
        );
      }
      // No schema change (a version kept aligned): a marker migration records the generation.
      const name = `${generation.name}__unchanged`;
      const [entry] = drizzleKit(target, generation, ['--custom', '--name', name]);
      if (!entry?.tag.endsWith(name)) throw new GenerateError(`drizzle-kit did not create ${name} for ${target.name}`);
      writeFileSync(
        path.join(dir, `${entry.tag}.sql`),
        `-- ${target.name} ${generation.name}: no schema change; this marker records the generation in the ledger.\n`,
      );
    }
    const bookkeeping = readBookkeeping(dir);
    let added = 0;
    for (const file of handWrittenFiles(target, dir)) {
      if (bookkeeping.checksums[file]) continue;
      bookkeeping.checksums[file] = sha256(readFileSync(path.join(dir, file), 'utf8'));
      console.log(`${target.name}: recorded ${file}`);
      added++;
    }
    if (added > 0) writeBookkeeping(dir, bookkeeping);
  }
}

try {
  const [flag, ...rest] = process.argv.slice(2);
  if (flag === '--by-hand') await byHand(...rest);
  else if (flag !== undefined)
    throw new GenerateError(
      `unknown argument "${flag}"; usage: npm run db:generate [-- --by-hand <target> <generation> <step>]`,
    );
  else await generateAll();
} catch (error) {
  if (!(error instanceof GenerateError)) throw error;
  console.error(`db:generate: ${error.message}`);
  process.exitCode = 1;
}
