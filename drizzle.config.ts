/**
 * One drizzle-kit config for every target and generation, chosen by environment:
 *   CHATSTORE_TARGET=todo CHATSTORE_GENERATION=phase3 npx drizzle-kit generate --name phase3
 * `npm run db:generate` sets both for each generation in order; use that.
 *
 * Commands that open a database (`studio`, `pull`) use CHATSTORE_DB (a location, as for the
 * CLI's --db), else DATABASE_URL for PostgreSQL targets, else the target's embedded default.
 */
import { type Config, defineConfig } from 'drizzle-kit';
import { defaultLocation, parseLocation } from './src/connect/location';
import { isTargetName, type Target, targetNames, targets } from './src/targets/registry';

const targetName = process.env.CHATSTORE_TARGET ?? '';
if (!isTargetName(targetName)) {
  throw new Error(`CHATSTORE_TARGET must be one of: ${targetNames.join(', ')} (got "${targetName}")`);
}
const target = targets[targetName];
const generations = target.generations.map((g) => g.name);
const generationName = process.env.CHATSTORE_GENERATION ?? generations.at(-1);
const generation = target.generations.find((g) => g.name === generationName);
if (!generation) {
  throw new Error(
    `CHATSTORE_GENERATION for ${targetName} must be one of: ${generations.join(', ')} (got "${generationName}")`,
  );
}

/** drizzle-kit's `dbCredentials` (and driver) for a chatstore location; none for a target without a default. */
function credentials(t: Target): Partial<Config> {
  const given =
    process.env.CHATSTORE_DB ||
    (t.dialect === 'postgresql' ? process.env.DATABASE_URL : undefined) ||
    (t.embeddedFile === null ? undefined : defaultLocation(t.name, t.dialect, undefined, t.embeddedFile));
  if (given === undefined) {
    // Only commands that open a database need one; generate and check must keep working.
    if (process.argv.includes('studio'))
      throw new Error(`${t.name} keeps one database per user: set CHATSTORE_DB to the file to open`);
    return {};
  }
  const location = parseLocation(given);
  if (location.dialect !== t.dialect)
    throw new Error(`${t.name} is ${t.dialect}, but CHATSTORE_DB is ${location.dialect}`);
  if (location.kind === 'postgres') return { dbCredentials: { url: location.url } } as Partial<Config>;
  if (location.kind === 'pglite') {
    if (location.dir === null) throw new Error('drizzle-kit cannot open pglite:memory:; give a pglite:<dir>');
    return { driver: 'pglite', dbCredentials: { url: location.dir } } as Partial<Config>;
  }
  return { dbCredentials: { url: location.file } } as Partial<Config>;
}

export default defineConfig({
  dialect: target.dialect,
  schema: generation.file,
  out: target.migrationsDir,
  strict: true,
  ...credentials(target),
} as Config);
