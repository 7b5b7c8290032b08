/**
 * One drizzle-kit config for every target and generation, chosen by environment:
 *   CHATSTORE_TARGET=todo CHATSTORE_GENERATION=phase3 npx drizzle-kit generate --name phase3
 * `npm run db:generate` sets both for each generation in order; use that.
 */
import { defineConfig } from 'drizzle-kit';
import { isTargetName, targetNames, targets } from './src/targets';

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

export default defineConfig({
  dialect: target.dialect,
  schema: generation.file,
  out: target.migrationsDir,
  strict: true,
});
