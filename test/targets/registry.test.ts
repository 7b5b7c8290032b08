/**
 * One registry, derived everywhere (decision 023): every list of targets outside
 * src/targets/registry.ts — package.json `exports`, the CLI's help and target commands, the
 * benchmarks, the fixture scripts, the guides, the README's table and the default data folder —
 * agrees with it, so adding a target without one of them fails here, naming what is missing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractors } from '../../scripts/extract-fixtures';
import { main } from '../../src/cli';
import { defaultDataDir } from '../../src/connect';
import { backfills, fanOutNames, fanOuts, targetClis } from '../../src/targets/commands';
import { familyNames, familyOf, isTargetName, type Target, targetNames, targets } from '../../src/targets/registry';

const root = path.resolve(import.meta.dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const filesIn = (dir: string) => readdirSync(path.join(root, dir));

async function help(...argv: string[]): Promise<string> {
  const out: string[] = [];
  await main(['help', ...argv], { out: (l) => out.push(l), err: () => {}, progress: false });
  return out.join('\n');
}

describe('the target registry', () => {
  it('has one family per fan-out or lone target', () => {
    expect(familyOf('tatlock-user')).toBe('tatlock');
    expect(familyOf('todo')).toBe('todo');
    for (const name of targetNames) expect(familyNames).toContain(familyOf(name));
  });

  it('matches package.json exports: three entries per target, beside "." and "./package.json"', () => {
    const exports = JSON.parse(read('package.json')).exports as Record<string, unknown>;
    const entry = (file: string) => ({ types: `./dist/${file}.d.ts`, default: `./dist/${file}.js` });
    const expected: Record<string, unknown> = { '.': entry('index'), './package.json': './package.json' };
    for (const name of targetNames) {
      expected[`./${name}`] = entry(`targets/${name}/index`);
      expected[`./${name}/schema`] = entry(`schema/${name}/index`);
      expected[`./${name}/schema/*`] = entry(`schema/${name}/*`);
      expect(existsSync(path.join(root, 'src', 'targets', name, 'index.ts')), `src/targets/${name}/index.ts`).toBe(
        true,
      );
      expect(existsSync(path.join(root, 'src', 'schema', name, 'index.ts')), `src/schema/${name}/index.ts`).toBe(true);
    }
    expect(exports).toEqual(expected);
  });

  it('names every target folder under src/targets/ and src/schema/', () => {
    const folders = (dir: string) =>
      readdirSync(path.join(root, dir), { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    // A family's shared code (src/targets/tatlock/) has no registry entry of its own.
    for (const folder of folders('src/targets'))
      expect(isTargetName(folder) || familyNames.some((f) => f === folder), `src/targets/${folder}`).toBe(true);
    expect(folders('src/schema').sort()).toEqual([...targetNames].sort());
  });

  it('is what the CLI registers target commands for and lists in its help', async () => {
    const fanOutsOfRegistry = new Set(
      targetNames.flatMap((name) => {
        const entry: Target = targets[name];
        return entry.fanOut === undefined ? [] : [entry.fanOut];
      }),
    );
    expect(new Set(fanOutNames)).toEqual(fanOutsOfRegistry);
    for (const key of Object.keys(targetClis))
      expect(isTargetName(key) || fanOutsOfRegistry.has(key), `targetClis.${key}`).toBe(true);
    const overview = await help();
    for (const name of fanOutNames) {
      expect(overview).toContain(`chatstore ${fanOuts[name].migrateHelp.line[0]}`);
      expect(overview).toContain(`| ${name} --dir D`);
      expect(await help('migrate')).toContain(`chatstore ${fanOuts[name].migrateHelp.form}`);
      expect(await help('status')).toContain(`chatstore status ${name} --dir <folder>`);
    }
    for (const { target } of backfills) {
      expect(overview).toContain(`chatstore backfill ${target} `);
      expect(await help('backfill')).toContain(`Usage: chatstore backfill ${target} `);
    }
    expect(overview).toContain(`under ./${defaultDataDir}/`);
  });

  it('has a benchmark per family, registered in bench/run.ts', () => {
    const run = read('bench/run.ts');
    for (const family of familyNames) {
      expect(existsSync(path.join(root, 'bench', family, 'run.ts')), `bench/${family}/run.ts`).toBe(true);
      expect(run, `bench/run.ts registers ${family}`).toContain(`${family}: () => import('./${family}/run')`);
    }
    const benchDirs = readdirSync(path.join(root, 'bench'), { withFileTypes: true }).filter((e) => e.isDirectory());
    expect(benchDirs.map((e) => e.name).sort()).toEqual([...familyNames].sort());
  });

  it('has a fixture script per family, registered in scripts/extract-fixtures.ts', () => {
    expect(Object.keys(extractors).sort()).toEqual([...familyNames].sort());
    // scripts/fixtures/<family>.ts extracts a seed's SQL; <family>-<what>.ts prepares other files of the family.
    for (const file of filesIn('scripts/fixtures'))
      expect(
        familyNames.some((f) => file === `${f}.ts` || file.startsWith(`${f}-`)),
        `scripts/fixtures/${file}`,
      ).toBe(true);
    for (const family of familyNames)
      expect(existsSync(path.join(root, 'scripts', 'fixtures', `${family}.ts`)), `scripts/fixtures/${family}.ts`).toBe(
        true,
      );
  });

  it('has a guide per family, each target a row of the README table linking it', () => {
    expect(
      filesIn('docs/targets')
        .filter((f) => f.endsWith('.md'))
        .sort(),
    ).toEqual(familyNames.map((f) => `${f}.md`).sort());
    const rows = read('README.md')
      .split('\n')
      .filter((line) => /^\| `[^`]+` \|/.test(line));
    expect(rows.map((row) => /^\| `([^`]+)`/.exec(row)?.[1])).toEqual(targetNames);
    for (const [i, name] of targetNames.entries()) {
      expect(rows[i], `README row of ${name}`).toContain(`(docs/targets/${familyOf(name)}.md)`);
      // The generations column ends at the latest generation.
      expect(rows[i]?.split('|')[3]?.trim(), `README row of ${name}`).toMatch(
        new RegExp(`\`${targets[name].generations.at(-1)?.name.replaceAll('.', '\\.')}\`$`),
      );
    }
  });

  it('keeps the default data folder in one place', () => {
    const sources = (dir: string): string[] =>
      readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? sources(`${dir}/${e.name}`) : e.name.endsWith('.ts') ? [`${dir}/${e.name}`] : [],
      );
    const found = [...sources('src'), ...sources('scripts'), ...sources('bench'), 'drizzle.config.ts'].filter(
      (file) => file !== 'src/connect/location.ts' && /(?<!\[)['"]data['"]/.test(read(file)),
    );
    expect(found, 'spell the data folder defaultDataDir (src/connect/location.ts)').toEqual([]);
  });
});
