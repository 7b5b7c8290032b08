/**
 * What the migration engine knows of a target: its dialect, its generations oldest first, and
 * where its migrations are. The registry of chatstore's own targets is src/targets/registry.ts.
 *
 * No `import.meta` here: drizzle-kit loads this file through its CommonJS loader.
 */
import type { Dialect } from '../connect/location';

export interface Generation {
  /** Name used in migration tags (`0001_phase3`), `--to`, and the ledger. */
  readonly name: string;
  /** Schema module path, relative to the package root (for drizzle-kit). */
  readonly file: string;
  /** The module's exports (tables, enums), for drizzle-kit's API in `chatstore check`. */
  readonly schema: Record<string, unknown>;
}

/**
 * A change a later version of the application makes to one of the target's generations, which
 * chatstore recognises but does not model: `adopt` names the version instead of only listing
 * differences.
 */
export interface FieldVersion {
  /** Names the application version in the refusal, e.g. `Telegram Dialog AI Processor 6d4fd6e (…)`. */
  readonly version: string;
  /** The generation the version's schema differs from. */
  readonly generation: string;
  /** Schema facts (`table users / column telegram_id`, see introspect.ts) the version changes. */
  readonly keys: readonly string[];
}

export interface Target {
  readonly name: string;
  readonly dialect: Dialect;
  /** The seed document under `shared/seeds/` that specifies this target. */
  readonly seed: string;
  readonly description: string;
  readonly generations: readonly Generation[];
  /** drizzle-kit output folder, relative to the package root. */
  readonly migrationsDir: string;
  /**
   * SQLite targets: the embedded default, relative to the data folder (default `<target>.db`);
   * `null` when the target has no single default database (one file per user).
   */
  readonly embeddedFile?: string | null;
  /**
   * A pseudo-target whose fan-out (`chatstore migrate <fanOut> --dir D`) covers this target's
   * files; `migrate --all` runs the fan-out over `./data/<fanOut>` instead of one default file.
   */
  readonly fanOut?: string;
  /** PostgreSQL extensions the target's migrations create; PGlite loads them (`vector`: pgvector). */
  readonly extensions?: readonly 'vector'[];
  /** Later versions of the application that `adopt` recognises by name (and refuses). */
  readonly fieldVersions?: readonly FieldVersion[];
  /**
   * Differences from a generation's schema that `adopt` accepts (exact key, expected and actual
   * text): shapes of legacy databases the seed allows but chatstore's own DDL is stricter than.
   * Nothing is changed in the adopted database.
   */
  readonly adoptTolerates?: readonly { key: string; expected?: string; actual?: string }[];
}

/** A generation of `target` whose schema module is `src/schema/<target>/<file>.ts`. */
export function generation<S extends Record<string, unknown>>(
  target: string,
  name: string,
  schema: S,
  file = name,
): Generation & { readonly schema: S } {
  return { name, schema, file: `src/schema/${target}/${file}.ts` };
}
