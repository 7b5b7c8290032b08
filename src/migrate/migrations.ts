import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ChatstoreError } from '../errors';
import { packageRootOrThrow } from '../paths';
import type { Target } from './target';

/** One migration file from drizzle-kit's journal, ready to apply. */
export interface Migration {
  /** Journal tag, e.g. `0001_phase3` or `0002_phase3__rls`. */
  readonly tag: string;
  readonly generation: string;
  /** Position in the journal (0-based). */
  readonly index: number;
  readonly sql: string;
  readonly sha256: string;
  readonly statements: readonly string[];
  /** drizzle-kit wrapped a SQLite table rebuild in `PRAGMA foreign_keys=OFF/ON`. */
  readonly rebuildsTables: boolean;
  /** Written by hand (`drizzle-kit generate --custom`): no snapshot change of its own. */
  readonly custom: boolean;
}

/**
 * A generation's hand-written script: its down migration (back to the generation before) or its
 * discard path (to it, without the data).
 */
export interface DownMigration {
  readonly generation: string;
  readonly file: string;
  readonly sql: string;
  readonly sha256: string;
  readonly statements: readonly string[];
  readonly rebuildsTables: boolean;
}

export interface MigrationSet {
  readonly target: Target;
  readonly dir: string;
  readonly migrations: readonly Migration[];
  readonly downs: ReadonlyMap<string, DownMigration>;
  /**
   * Hand-written alternatives to a generation's migrations that discard data instead of moving
   * it (e.g. a seed's drop-and-recreate), from `drizzle/<target>/discard/<generation>.sql`.
   * Taken only with `migrate(…, { discardData: true })`.
   */
  readonly discards?: ReadonlyMap<string, DownMigration>;
}

export interface JournalEntry {
  idx: number;
  tag: string;
  when: number;
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** `0002_phase3__rls` → `phase3`: a tag names its generation, then an optional `__step`. */
export function generationOfTag(tag: string): string {
  return tag.replace(/^\d+_/, '').split('__')[0] ?? '';
}

const breakpoint = '--> statement-breakpoint';
const foreignKeyPragma = /^PRAGMA\s+foreign_keys\s*=\s*(ON|OFF)\s*;?$/i;

/** Splits a migration at drizzle-kit's breakpoints, dropping comment-only pieces. */
export function splitStatements(text: string): string[] {
  return text
    .split(breakpoint)
    .map((s) => s.trim())
    .filter((s) => s.replace(/--.*$/gm, '').trim() !== '');
}

export function readJournal(dir: string): JournalEntry[] {
  const file = path.join(dir, 'meta', '_journal.json');
  if (!existsSync(file)) return [];
  return (JSON.parse(readFileSync(file, 'utf8')) as { entries: JournalEntry[] }).entries;
}

/**
 * Reads a target's committed migrations (journal order), its down migrations and discard paths.
 * `root` defaults to the package root; tests point it at a copy. A missing folder or journal is
 * `MIGRATIONS_NOT_FOUND`: applying nothing and reporting success would leave an empty database.
 */
export function loadMigrations(target: Target, root?: string): MigrationSet {
  return loadMigrationsFrom(target, path.join(root ?? packageRootOrThrow(), target.migrationsDir));
}

/**
 * `loadMigrations` from a copy of chatstore's `drizzle/` folder (`migrationsFolder`), e.g. one
 * shipped next to a bundled app.
 */
export function loadMigrationsFromFolder(target: Target, migrationsFolder: string): MigrationSet {
  return loadMigrationsFrom(target, path.join(migrationsFolder, path.basename(target.migrationsDir)));
}

function loadMigrationsFrom(target: Target, dir: string): MigrationSet {
  if (!existsSync(path.join(dir, 'meta', '_journal.json'))) {
    throw new ChatstoreError(
      'MIGRATIONS_NOT_FOUND',
      `No migrations for ${target.name} in ${dir} (meta/_journal.json is missing); point migrationsFolder at a copy of chatstore's drizzle/ folder`,
      { entity: target.name, field: 'migrationsFolder' },
    );
  }
  const known = new Set(target.generations.map((g) => g.name));
  const migrations = readJournal(dir).map((entry, index): Migration => {
    if (!known.has(generationOfTag(entry.tag))) {
      throw new ChatstoreError(
        'UNKNOWN_GENERATION',
        `Migration ${entry.tag} of ${target.name} names generation "${generationOfTag(entry.tag)}", which is not in the target's registry entry (src/targets/<target>/target.ts)`,
        { entity: target.name },
      );
    }
    const file = path.join(dir, `${entry.tag}.sql`);
    if (!existsSync(file)) {
      throw new ChatstoreError(
        'MISSING_MIGRATION',
        `Journal of ${target.name} lists ${entry.tag}, but ${file} is missing`,
        {
          entity: target.name,
        },
      );
    }
    return migrationFromSql(entry.tag, index, readFileSync(file, 'utf8'));
  });
  const scripts = (folder: 'down' | 'discard') => {
    const found = new Map<string, DownMigration>();
    for (const { name } of target.generations) {
      const file = path.join(dir, folder, `${name}.sql`);
      if (existsSync(file)) found.set(name, downFromSql(name, file, readFileSync(file, 'utf8')));
    }
    return found;
  };
  return { target, dir, migrations, downs: scripts('down'), discards: scripts('discard') };
}

/**
 * Statements to run, without drizzle-kit's `PRAGMA foreign_keys` lines: those are no-ops
 * inside a transaction, so the engine switches foreign keys off around it instead.
 */
function parseSql(sql: string) {
  const all = splitStatements(sql);
  const statements = all.filter((s) => !foreignKeyPragma.test(s));
  return { sql, sha256: sha256(sql), statements, rebuildsTables: statements.length !== all.length };
}

/** A migration from its tag, journal position and SQL text. */
export function migrationFromSql(tag: string, index: number, sql: string): Migration {
  return { tag, generation: generationOfTag(tag), index, custom: tag.includes('__'), ...parseSql(sql) };
}

/** A down migration from its generation, file and SQL text. */
export function downFromSql(generation: string, file: string, sql: string): DownMigration {
  return { generation, file, ...parseSql(sql) };
}
