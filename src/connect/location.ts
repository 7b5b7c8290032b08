import path from 'node:path';
import { ChatstoreError } from '../errors';
export type Dialect = 'postgresql' | 'sqlite';

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

/** The folder embedded defaults live in when no other is given, relative to the working directory. */
export const defaultDataDir = 'data';

/**
 * The embedded default for a target when no location is given: `./data/<target>` (PGlite) or
 * `./data/<target>.db` (SQLite), or the SQLite target's own `embeddedFile` under the data folder.
 * `embeddedFile: null` means the target has no single default database (one file per user).
 */
export function defaultLocation(
  target: string,
  dialect: Dialect,
  dataDir = defaultDataDir,
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

const maskText = '***';

/** Query parameters whose value is a secret (or may be): `password`, `sslpassword`, `token`, … */
const secretParameter = /pass|pwd|secret|token|credential|auth|key/i;

/** `scheme://` up to the end of the URL: whitespace or a quote ends a URL inside a message. */
const urlPattern = /\b([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^\s"'`<>]*)/g;
const wholeUrl = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([\s\S]*)$/;

/**
 * A location, or any text that contains locations, as it may be printed: in every
 * `scheme://…` URL the password is masked — user-info is everything up to the URL's last `@`,
 * so an `@` or `/` inside the password is masked too, and an empty user (`postgres://:pw@h`)
 * as well — and so is the value of every query parameter that names a secret (`password`,
 * `sslpassword`, `token`, …). Anything else is left as it was.
 *
 * @example redact('postgres://app:p@ss@db/chat?sslpassword=x') // 'postgres://app:***@db/chat?sslpassword=***'
 */
export function redact(location: string): string {
  // A whole location is one URL, whatever its password holds (spaces and quotes too).
  const whole = wholeUrl.exec(location);
  if (whole) return maskUrl(whole[1] ?? '', whole[2] ?? '');
  return location.replace(urlPattern, (_, scheme: string, rest: string) => maskUrl(scheme, rest));
}

function maskUrl(scheme: string, rest: string): string {
  let out = rest;
  const at = out.lastIndexOf('@');
  if (at >= 0) {
    // The user name cannot hold a raw ':', so the password starts at the first one.
    const userinfo = out.slice(0, at);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) out = `${userinfo.slice(0, colon + 1)}${maskText}${out.slice(at)}`;
  }
  return scheme + maskQuery(out);
}

/** Masks secret-named parameters of the query (and fragment) of a URL's remainder. */
function maskQuery(rest: string): string {
  const start = rest.search(/[?#]/);
  if (start < 0) return rest;
  return (
    rest.slice(0, start) +
    rest
      .slice(start)
      .replace(/([?&#;])([^=&#;]*)=([^&#;]*)/g, (whole, sep: string, name: string) =>
        secretParameter.test(safeDecode(name)) ? `${sep}${name}=${maskText}` : whole,
      )
  );
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Secrets shorter than this are masked only where `redact` finds them by position. */
const minSecretLength = 3;

/**
 * The secrets a location carries: its password and secret-named query values, as written, as
 * decoded, and as JSON would escape them. `redact` masks them inside the URL; `scrub` also
 * where a driver echoes them on their own.
 */
export function secretsOf(location: string): string[] {
  const found = new Set<string>();
  const add = (value: string) => {
    for (const form of [value, safeDecode(value)]) {
      for (const variant of [form, JSON.stringify(form).slice(1, -1)]) {
        if (variant.length >= minSecretLength) found.add(variant);
      }
    }
  };
  const whole = wholeUrl.exec(location);
  for (const match of whole ? [whole] : location.matchAll(urlPattern)) {
    const rest = match[2] ?? '';
    const at = rest.lastIndexOf('@');
    const userinfo = at >= 0 ? rest.slice(0, at) : '';
    const colon = userinfo.indexOf(':');
    if (colon >= 0) {
      const password = userinfo.slice(colon + 1);
      add(password);
      // A driver that splits at the first '@' (or '/') may echo a piece of the password.
      for (const piece of password.split(/[@/?#:]/)) add(piece);
    }
    const query = rest.slice(Math.max(0, at)).search(/[?#]/);
    if (query >= 0) {
      for (const [, name = '', value = ''] of rest
        .slice(Math.max(0, at) + query)
        .matchAll(/[?&#;]([^=&#;]*)=([^&#;]*)/g))
        if (secretParameter.test(safeDecode(name))) add(value);
    }
  }
  // Longest first, so a secret that contains another is masked whole.
  return [...found].sort((a, b) => b.length - a.length);
}

/**
 * `text` as it may be printed, given the locations it may concern: every URL redacted
 * (`redact`), then every secret those locations carry masked wherever it still appears — a
 * driver's error message can echo a password, or a piece of it, outside any URL.
 *
 * @example scrub(`getaddrinfo ENOTFOUND ss@db`, 'postgres://app:p@ss@db/x') // 'getaddrinfo ENOTFOUND ***@db'
 */
export function scrub(text: string, ...locations: (string | undefined)[]): string {
  let out = redact(text);
  for (const location of locations) {
    if (!location) continue;
    for (const secret of secretsOf(location)) out = out.split(secret).join(maskText);
  }
  return out;
}
