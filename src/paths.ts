import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: migrations under `drizzle/` are read relative to it at run time. */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
