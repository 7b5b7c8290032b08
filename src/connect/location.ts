import path from 'node:path';
import { ChatstoreError } from '../errors';
import type { Dialect } from '../targets';

/** Where a database lives, parsed from the strings users pass as `--db` or `DATABASE_URL`. */
export type Location =
  | { kind: 'postgres'; dialect: 'postgresql'; url: string }
  | { kind: 'pglite'; dialect: 'postgresql'; dir: string | null }
  | { kind: 'sqlite'; dialect: 'sqlite'; file: string };

const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

/**
 * Parses a location: `postgres://…` / `postgresql://…` (a server), `pglite:<dir>` or
 * `pglite:memory:` (embedded PostgreSQL), or a file path (SQLite; `:memory:` too).
 *
 * @example parseLocation('pglite:./data/todo') // { kind: 'pglite', dir: '/abs/data/todo' }
 */
export function parseLocation(location: string): Location {
  const trimmed = location.trim();
  if (trimmed === '') {
    throw new ChatstoreError('UNKNOWN_SCHEME', 'The database location is empty', { field: 'location' });
  }
  const match = scheme.exec(trimmed);
  const name = match?.[1]?.toLowerCase();
  // A one-letter "scheme" is a Windows drive letter, i.e. a file path.
  if (!match || name === undefined || name.length === 1) {
    return { kind: 'sqlite', dialect: 'sqlite', file: trimmed === ':memory:' ? trimmed : path.resolve(trimmed) };
  }
  if (name === 'postgres' || name === 'postgresql') {
    return { kind: 'postgres', dialect: 'postgresql', url: trimmed };
  }
  if (name === 'pglite') {
    const rest = trimmed.slice(match[0].length);
    if (rest === 'memory:' || rest === 'memory://') return { kind: 'pglite', dialect: 'postgresql', dir: null };
    // A bare `pglite:` is more likely a folder left out than a wish for a throw-away database.
    if (rest.trim() === '') {
      throw new ChatstoreError(
        'VALIDATION',
        'pglite: needs a folder (pglite:./data/todo) or memory: (pglite:memory:, gone on close)',
        { field: 'location' },
      );
    }
    return { kind: 'pglite', dialect: 'postgresql', dir: path.resolve(rest) };
  }
  if (name === 'file' || name === 'sqlite') {
    return {
      kind: 'sqlite',
      dialect: 'sqlite',
      file: path.resolve(trimmed.slice(match[0].length).replace(/^\/\//, '')),
    };
  }
  throw new ChatstoreError(
    'UNKNOWN_SCHEME',
    `Unknown location scheme "${name}:" in "${redact(trimmed)}"; use postgres://…, pglite:<dir>, pglite:memory: or a SQLite file path`,
    { field: 'location' },
  );
}

/**
 * The embedded default for a target when no location is given: `./data/<target>` (PGlite) or
 * `./data/<target>.db` (SQLite), or the SQLite target's own `embeddedFile` under the data folder.
 * `embeddedFile: null` means the target has no single default database (one file per user).
 */
export function defaultLocation(
  target: string,
  dialect: Dialect,
  dataDir = 'data',
  embeddedFile?: string | null,
): string {
  if (embeddedFile === null) {
    throw new ChatstoreError(
      'VALIDATION',
      `Target ${target} keeps one database per user and has no default: pass its file as the location`,
      { field: 'location' },
    );
  }
  if (dialect === 'postgresql') return `pglite:${path.join(dataDir, target)}`;
  return path.join(dataDir, embeddedFile ?? `${target}.db`);
}

/** A location as it may be printed: passwords in URLs (user-info or `?password=`) are masked. */
export function redact(location: string): string {
  return location.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@').replace(/([?&]password=)[^&#]*/gi, '$1***');
}
