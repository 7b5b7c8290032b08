import type { FamilyName } from '../src/targets/registry';

/**
 * `npm run bench [-- <target>…]`: every target's benchmark (or the named ones), each beside the
 * raw driver in the same run. Figures go to stdout and bench/RESULTS.md. One per family of the
 * registry (`tatlock` for both Tatlock targets): the type makes a missing one a compile error,
 * test/targets/registry.test.ts a missing bench/<family>/run.ts.
 */
const benches: Record<FamilyName, () => Promise<void>> = {
  agent: () => import('./agent/run').then((m) => m.main()),
  letta: () => import('./letta/run').then((m) => m.main()),
  telegram: () => import('./telegram/run').then((m) => m.main()),
  tatlock: () => import('./tatlock/run').then((m) => m.main()),
  todo: () => import('./todo/run').then((m) => m.main()),
};

/**
 * Benchmarks across targets, not one family's: run only when named (`npm run bench -- curves`),
 * never by a plain `npm run bench` (the cost curves load up to 10M messages).
 */
const extras: Record<string, () => Promise<void>> = {
  curves: () => import('./curves').then((m) => m.main()),
};

const wanted = process.argv.slice(2);
const isBench = (name: string): name is FamilyName => Object.hasOwn(benches, name);
const isExtra = (name: string) => Object.hasOwn(extras, name);
const unknown = wanted.filter((name) => !isBench(name) && !isExtra(name));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown benchmark(s): ${unknown.join(', ')}; one of: ${[...Object.keys(benches), ...Object.keys(extras)].join(', ')}\n`,
  );
  process.exit(2);
}
for (const name of wanted.length > 0 ? wanted : Object.keys(benches)) {
  process.stdout.write(`\n== bench ${name} ==\n`);
  await (isBench(name) ? benches[name] : (extras[name] as () => Promise<void>))();
}
