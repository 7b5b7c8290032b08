/**
 * `npm run db:generate`: runs drizzle-kit for every generation of every target, in order,
 * skipping generations that already have their migration (released ones are frozen), then
 * records checksums of hand-written migrations that are new.
 *
 * A generation's migration is named after it (`0001_phase3`). For a hand-written step, run
 *   CHATSTORE_TARGET=<t> CHATSTORE_GENERATION=<g> npx drizzle-kit generate --custom --name <g>__<step>
 * fill in the SQL, then run this script again to record its checksum.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checksumsFile, handWrittenFiles, readChecksums } from '../src/migrate/check';
import { readJournal, sha256 } from '../src/migrate/migrations';
import { packageRoot } from '../src/paths';
import { targets } from '../src/targets';

for (const target of Object.values(targets)) {
  const dir = path.join(packageRoot, target.migrationsDir);
  for (const generation of target.generations) {
    const tags = readJournal(dir).map((e) => e.tag);
    if (tags.some((tag) => tag.replace(/^\d+_/, '') === generation.name)) continue;
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
