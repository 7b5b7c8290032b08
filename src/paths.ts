import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChatstoreError } from './errors';

const packageName = 'chatstore';

function isPackageRoot(dir: string): boolean {
  const file = path.join(dir, 'package.json');
  if (!existsSync(file)) return false;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === packageName;
  } catch {
    return false;
  }
}

let cached: string | null | undefined;

/**
 * chatstore's package root, where `drizzle/` lives, or null when it cannot be found. From the
 * sources or `dist/`, the first folder up with chatstore's package.json; inside an app's bundle
 * (this module's URL is the bundle's), the installed package as Node resolves it from there.
 */
export function findPackageRoot(): string | null {
  if (cached !== undefined) return cached;
  const here = fileURLToPath(import.meta.url);
  for (let dir = path.dirname(here); ; dir = path.dirname(dir)) {
    if (isPackageRoot(dir)) {
      cached = dir;
      return dir;
    }
    if (path.dirname(dir) === dir) break;
  }
  try {
    cached = path.dirname(createRequire(here).resolve(`${packageName}/package.json`));
  } catch {
    cached = null;
  }
  return cached;
}

/** The package root, or `MIGRATIONS_NOT_FOUND` saying how to point chatstore at its migrations. */
export function packageRootOrThrow(): string {
  const root = findPackageRoot();
  if (root === null) {
    throw new ChatstoreError(
      'MIGRATIONS_NOT_FOUND',
      "Cannot find chatstore's package (and its drizzle/ migrations) from this module; install chatstore next to the app or pass migrationsFolder: a copy of chatstore's drizzle/ folder",
      { field: 'migrationsFolder' },
    );
  }
  return root;
}

/** The package root for development tools (check, generate), which always run inside the package. */
export const packageRoot: string =
  findPackageRoot() ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
