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
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  canonical,
  checksumsFile,
  handWrittenFiles,
  readChecksums,
  snapshotFile,
  snapshotOf,
} from '../src/migrate/check';
import { generationOfTag, readJournal, sha256 } from '../src/migrate/migrations';
import { packageRoot } from '../src/paths';
import { type Generation, isTargetName, type Target, targets } from '../src/targets';

/** The generation's last migration already leaves the schema its module describes. */
async function endsAtModule(target: Target, dir: string, generation: Generation): Promise<boolean> {
  const last = readJournal(dir)
    .filter((e) => generationOfTag(e.tag) === generation.name)
    .at(-1);
  const file = last && snapshotFile(dir, last.idx);
  if (!file || !existsSync(file)) return false;
  return canonical(JSON.parse(readFileSync(file, 'utf8'))) === canonical(await snapshotOf(target, generation.schema));
}

/** `--by-hand <target> <generation> <step>`: an empty hand-written migration carrying the generation's snapshot. */
async function byHand(targetName = '', generationName = '', step = ''): Promise<void> {
  const target: Target | undefined = isTargetName(targetName) ? targets[targetName] : undefined;
  const generation = target?.generations.find((g) => g.name === generationName);
  if (!target || !generation || !/^[a-z0-9_-]+$/.test(step)) {
    throw new Error('usage: npm run db:generate -- --by-hand <target> <generation> <step>');
  }
  const name = `${generation.name}__${step}`;
  execFileSync('npx', ['drizzle-kit', 'generate', '--custom', '--name', name], {
    cwd: packageRoot,
    stdio: 'inherit',
    env: { ...process.env, CHATSTORE_TARGET: target.name, CHATSTORE_GENERATION: generation.name },
  });
  const dir = path.join(packageRoot, target.migrationsDir);
  const entry = readJournal(dir).at(-1);
  if (!entry?.tag.endsWith(name)) throw new Error(`drizzle-kit did not create ${name}`);
  // drizzle-kit gives a custom migration the previous snapshot; this one makes the generation.
  const file = snapshotFile(dir, entry.idx);
  const { id, prevId } = JSON.parse(readFileSync(file, 'utf8')) as { id: string; prevId: string };
  const snapshot = { ...(await snapshotOf(target, generation.schema)), id, prevId };
  writeFileSync(file, `${JSON.stringify(snapshot, null, 2)}\n`);
  console.log(
    `${target.name}: write drizzle/${target.name}/${entry.tag}.sql (from ${target.generations[target.generations.indexOf(generation) - 1]?.name ?? 'empty'} to ${generation.name}), then run npm run db:generate`,
  );
}

const [flag, ...rest] = process.argv.slice(2);
if (flag === '--by-hand') {
  await byHand(...rest);
  process.exit(0);
}

for (const target of Object.values(targets)) {
  const dir = path.join(packageRoot, target.migrationsDir);
  for (const generation of target.generations) {
    const tags = readJournal(dir).map((e) => e.tag);
    if (tags.some((tag) => tag.replace(/^\d+_/, '') === generation.name)) continue;
    // Written by hand, or a marker of an unchanged generation: drizzle-kit has nothing to add.
    if (await endsAtModule(target, dir, generation)) continue;
    console.log(`${target.name}: generating ${generation.name}`);
    const env = { ...process.env, CHATSTORE_TARGET: target.name, CHATSTORE_GENERATION: generation.name };
    execFileSync('npx', ['drizzle-kit', 'generate', '--name', generation.name], {
      cwd: packageRoot,
      stdio: 'inherit',
      env,
    });
    if (readJournal(dir).length === tags.length) {
      // No schema change (a version kept aligned): a marker migration records the generation.
      const name = `${generation.name}__unchanged`;
      execFileSync('npx', ['drizzle-kit', 'generate', '--custom', '--name', name], {
        cwd: packageRoot,
        stdio: 'inherit',
        env,
      });
      const entry = readJournal(dir).at(-1);
      writeFileSync(
        path.join(dir, `${entry?.tag}.sql`),
        `-- ${target.name} ${generation.name}: no schema change; this marker records the generation in the ledger.\n`,
      );
    }
  }
  const checksums = readChecksums(dir);
  let added = 0;
  for (const file of handWrittenFiles(target, dir)) {
    if (checksums[file]) continue;
    checksums[file] = sha256(readFileSync(path.join(dir, file), 'utf8'));
    console.log(`${target.name}: recorded ${file}`);
    added++;
  }
  if (added > 0) writeFileSync(path.join(dir, checksumsFile), `${JSON.stringify(checksums, null, 2)}\n`);
}
