import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * chatstore's own record of a target's migrations, kept next to drizzle-kit's folder
 * (`drizzle/<target>.chatstore.json` beside `drizzle/<target>/`), never inside it: drizzle-kit
 * reads every JSON file in `meta/` as a snapshot and stops on anything else (decision 012).
 *
 * - `checksums`: hand-written files (custom migrations, down migrations, discard paths), which
 *   drizzle-kit cannot regenerate, pinned by sha256. `npm run db:generate` records new ones.
 * - `acknowledged`: lint findings a migration is meant to have, by file and rule id, with the
 *   reason. Released migrations cannot take a comment without changing their checksum (and the
 *   ledgers of databases in the field), generated ones cannot take one at all (`check` re-derives
 *   them byte for byte), so their acknowledgements live here.
 */
export interface Bookkeeping {
  checksums: Record<string, string>;
  acknowledged: Record<string, Record<string, string>>;
}

/** Where a migrations folder's bookkeeping lives: `drizzle/todo` → `drizzle/todo.chatstore.json`. */
export function bookkeepingFile(dir: string): string {
  return `${path.resolve(dir)}.chatstore.json`;
}

/** Where chatstore before decision 012 kept checksums; drizzle-kit cannot work with it there. */
export const legacyChecksumsFile = (dir: string) => path.join(dir, 'meta', 'chatstore-checksums.json');

export function readBookkeeping(dir: string): Bookkeeping {
  const file = bookkeepingFile(dir);
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<Bookkeeping>) : {};
  return { checksums: stored.checksums ?? {}, acknowledged: stored.acknowledged ?? {} };
}

export function writeBookkeeping(dir: string, bookkeeping: Bookkeeping): void {
  const sorted = <T>(record: Record<string, T>) =>
    Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
  const text = `${JSON.stringify({ checksums: sorted(bookkeeping.checksums), acknowledged: sorted(bookkeeping.acknowledged) }, null, 2)}\n`;
  // Written whole through a temporary file, so an interrupted run never leaves half a record.
  const file = bookkeepingFile(dir);
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

/**
 * Moves checksums from the old place inside `meta/` (a branch made before decision 012 may still
 * write one there) into the bookkeeping file. Returns how many entries it moved; a checksum that
 * disagrees with one already recorded is an error, not a choice to make silently.
 */
export function absorbLegacyChecksums(dir: string): number {
  const legacy = legacyChecksumsFile(dir);
  if (!existsSync(legacy)) return 0;
  const old = JSON.parse(readFileSync(legacy, 'utf8')) as Record<string, string>;
  const bookkeeping = readBookkeeping(dir);
  for (const [file, sum] of Object.entries(old)) {
    const recorded = bookkeeping.checksums[file];
    if (recorded && recorded !== sum) {
      throw new Error(
        `${path.relative(process.cwd(), legacy)} records ${file} as ${sum.slice(0, 12)}…, ${path.relative(process.cwd(), bookkeepingFile(dir))} as ${recorded.slice(0, 12)}…; keep the right one and delete the other`,
      );
    }
    bookkeeping.checksums[file] = sum;
  }
  writeBookkeeping(dir, bookkeeping);
  unlinkSync(legacy);
  return Object.keys(old).length;
}
