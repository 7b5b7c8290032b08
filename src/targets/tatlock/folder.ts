/**
 * Where a Tatlock installation keeps its databases: in the specification's layout one folder
 * holding `system.db` and one `{username}_longterm.db` per user; in the layout the application
 * itself uses, `hippocampus/system.db` and `hippocampus/longterm/{username}.db`. Usernames come from users, so they are validated before
 * they become part of a path: nothing a user can choose may resolve outside the folder.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { defaultDataDir } from '../../connect/location';
import { ChatstoreError } from '../../errors';
import { parseField } from '../../kit';

/** The data folder `migrate --all` and the library use when none is given: `./data/tatlock`. */
export const defaultTatlockDir = path.join(defaultDataDir, 'tatlock');
export const systemDatabaseName = 'system.db';
const userSuffix = '_longterm.db';

/**
 * A username that is safe as part of a file name: letters, digits and `_ . @ + -`, not starting
 * with a dot, at most 64 characters. So no separators (`/`, `\`), no `..`, no NUL or other
 * control characters, no absolute paths, no drive letters.
 */
export const Username = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\p{L}\p{N}_@+-][\p{L}\p{N}_.@+-]*$/u, {
    message: 'only letters, digits and _ . @ + - are allowed, and it must not start with a dot',
  });

/**
 * What two usernames share when one could pass for the other: NFKC-normalised and case-folded
 * (`Alice`, `alice`, `ALICE` and `ａｌｉｃｅ` all give `alice`; the Kelvin sign `K` gives `k`).
 * On the case-insensitive file systems of macOS and Windows such names would also share a file.
 */
export function usernameKey(username: string): string {
  return username.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

const scripts = [
  'Latin',
  'Cyrillic',
  'Greek',
  'Armenian',
  'Georgian',
  'Hebrew',
  'Arabic',
  'Devanagari',
  'Bengali',
  'Thai',
  'Hangul',
  'Han',
  'Hiragana',
  'Katakana',
].map((name) => ({ name, letter: new RegExp(`\\p{Script=${name}}`, 'u') }));
// Scripts that one language writes together.
const writtenTogether = [new Set(['Han', 'Hiragana', 'Katakana']), new Set(['Han', 'Hangul'])];

/** The scripts of `username`'s letters, e.g. `['Latin', 'Cyrillic']` for a Cyrillic `а` in `аlice`. */
function scriptsOf(username: string): string[] {
  const found = new Set<string>();
  for (const char of username) {
    if (!/\p{L}/u.test(char)) continue;
    found.add(scripts.find((s) => s.letter.test(char))?.name ?? 'other');
  }
  return [...found];
}

/**
 * A username a new user may take: a valid `Username`, already in NFKC form (no compatibility
 * look-alikes such as the Kelvin sign or full-width letters), and written in one script (no
 * `аlice` with a Cyrillic `а`). Lookups of existing users accept any valid `Username`.
 */
export const NewUsername = Username.superRefine((name, ctx) => {
  if (name.normalize('NFKC') !== name) {
    ctx.addIssue({ code: 'custom', message: `must be in NFKC form (it would read as "${name.normalize('NFKC')}")` });
  }
  const used = scriptsOf(name);
  if (used.length > 1 && !writtenTogether.some((set) => used.every((s) => set.has(s)))) {
    ctx.addIssue({
      code: 'custom',
      message: `must not mix scripts (${used.join(' and ')}): it could pass for another name`,
    });
  }
});

/**
 * Refuses `username` when one of `existing` differs from it only in case or Unicode form: a
 * `CONFLICT` on `username` naming the other.
 */
export function refuseLookalike(username: string, existing: Iterable<string>): void {
  const key = usernameKey(username);
  for (const other of existing) {
    if (other !== username && usernameKey(other) === key) {
      throw new ChatstoreError(
        'CONFLICT',
        `Username ${JSON.stringify(username)} differs from the existing ${JSON.stringify(other)} only in case or Unicode form`,
        { field: 'username', entity: 'users' },
      );
    }
  }
}

/** The usernames of the `{username}_longterm.db` files in `dir`; none when `dir` does not exist. */
export function usernamesIn(dir: string): string[] {
  return listUserDatabases(dir).flatMap((u) => (u.username === null ? [] : [u.username]));
}

/** Validates a username; a bad one is a `VALIDATION` error on `username`, and no file is touched. */
export function parseUsername(username: unknown): string {
  return parseField(Username, username, 'username', 'users');
}

/**
 * The file of a user's memory database inside `dir`. Validates the username, and checks that the
 * resolved path is still directly inside `dir`.
 *
 * @example userDatabaseFile('data/tatlock', 'alice') // '/abs/data/tatlock/alice_longterm.db'
 */
export function userDatabaseFile(dir: string, username: unknown): string {
  const name = parseUsername(username);
  const folder = path.resolve(dir);
  const file = path.resolve(folder, `${name}${userSuffix}`);
  if (path.dirname(file) !== folder) {
    throw new ChatstoreError('VALIDATION', `Invalid username: ${JSON.stringify(name)} leaves the data folder`, {
      field: 'username',
      entity: 'users',
    });
  }
  return file;
}

/** The options of `openSystemDatabase` and `openUserDatabase`. */
export const OpenOptions = z.object({ dataDir: z.string().min(1).optional() }).strict();

/** The installation's folder from those options (`VALIDATION` on a bad one); default `./data/tatlock`. */
export function dataDirOf(options: unknown): string {
  return parseField(OpenOptions, options, 'options', 'users').dataDir ?? defaultTatlockDir;
}

/** The system database of the installation in `dir`. */
export function systemDatabaseFile(dir: string): string {
  return path.resolve(dir, systemDatabaseName);
}

export interface UserDatabaseEntry {
  /** The username the file name carries, or `null` if it is not a valid username. */
  username: string | null;
  file: string;
}

/** Every `*_longterm.db` in `dir`, sorted by name; a missing folder has none. */
export function listUserDatabases(dir: string): UserDatabaseEntry[] {
  return listFiles(dir, userSuffix);
}

function readNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ChatstoreError('UNWRITABLE_PATH', `Cannot read folder "${dir}": ${(error as Error).message}`, {
      field: 'dir',
      cause: error,
    });
  }
}

/** A Tatlock installation's files, in either layout. */
export interface TatlockFolder {
  /** `specification`: `system.db` + `{username}_longterm.db`; `application`: `system.db` + `longterm/{username}.db`. */
  layout: 'specification' | 'application';
  /** The folder holding `system.db` (for the application's layout, its `hippocampus/`). */
  root: string;
  systemFile: string;
  users: UserDatabaseEntry[];
}

const isFolder = (p: string) => existsSync(p) && statSync(p).isDirectory();

/**
 * Finds the databases of the installation in `dir`: the application's data folder (with
 * `hippocampus/`), its `hippocampus/` itself (with `longterm/`), or a folder in the
 * specification's layout.
 *
 * @example resolveTatlockFolder('/srv/tatlock-app').users.map((u) => u.username)
 */
export function resolveTatlockFolder(dir: string): TatlockFolder {
  const folder = path.resolve(dir);
  const hippocampus = path.join(folder, 'hippocampus');
  const root =
    isFolder(path.join(hippocampus, 'longterm')) || existsSync(path.join(hippocampus, systemDatabaseName))
      ? hippocampus
      : folder;
  const longterm = path.join(root, 'longterm');
  if (root === hippocampus || isFolder(longterm)) {
    return { layout: 'application', root, systemFile: systemDatabaseFile(root), users: listFiles(longterm, '.db') };
  }
  return { layout: 'specification', root, systemFile: systemDatabaseFile(root), users: listUserDatabases(root) };
}

function listFiles(dir: string, suffix: string): UserDatabaseEntry[] {
  return readNames(dir)
    .filter((name) => name.endsWith(suffix) && name.length > suffix.length)
    .sort()
    .map((name) => {
      const username = name.slice(0, -suffix.length);
      return { username: Username.safeParse(username).success ? username : null, file: path.resolve(dir, name) };
    });
}
