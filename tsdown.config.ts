/**
 * The package build (decision 011): ESM JavaScript, declarations and declaration maps in
 * dist/, one output file per source module (unbundled), so dist/ mirrors src/ and every schema
 * generation stays importable on its own.
 */
import { existsSync, readdirSync } from 'node:fs';
import { defineConfig } from 'tsdown';

const dirs = (folder: string) =>
  readdirSync(folder, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);

export default defineConfig({
  entry: [
    'src/index.ts',
    'src/main.ts',
    ...dirs('src/targets')
      .filter((t) => existsSync(`src/targets/${t}/index.ts`))
      .map((t) => `src/targets/${t}/index.ts`),
    ...dirs('src/schema').flatMap((t) =>
      readdirSync(`src/schema/${t}`)
        .filter((f) => f.endsWith('.ts'))
        .map((f) => `src/schema/${t}/${f}`),
    ),
  ],
  outDir: 'dist',
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  unbundle: true,
  fixedExtension: false,
  // Declaration maps lead go-to-definition into src/, which the package ships; they switch on
  // JavaScript maps too, which then point at the same files instead of embedding copies.
  dts: { sourcemap: true, tsconfig: 'tsconfig.build.json' },
  outputOptions: { sourcemapExcludeSources: true },
  clean: true,
});
