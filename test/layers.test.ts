/**
 * The import graph of src/ (decision 020): each layer imports only layers below it, and no
 * module imports itself back through others. Read src/ top-down in this order.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

/** Lowest first. A module may import its own layer's modules and any lower layer's. */
const layers: [name: string, matches: (file: string) => boolean][] = [
  ['base', (f) => f === 'src/errors.ts' || f === 'src/paths.ts'],
  ['schema', (f) => f.startsWith('src/schema/')],
  ['connect', (f) => f.startsWith('src/connect/')],
  ['migrate', (f) => f.startsWith('src/migrate/')],
  ['kit', (f) => f.startsWith('src/kit/')],
  ['targets', (f) => f.startsWith('src/targets/')],
  ['cli', (f) => f.startsWith('src/cli/')],
  ['entry', (f) => f === 'src/index.ts' || f === 'src/main.ts'],
];
/** Layers that sit side by side: neither may import the other. */
const siblings = [['migrate', 'kit']];

function layerOf(file: string): number {
  const index = layers.findIndex(([, matches]) => matches(file));
  if (index < 0) throw new Error(`${file} is in no layer: add it to test/layers.test.ts`);
  return index;
}

function sources(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(`${dir}/${e.name}`) : e.name.endsWith('.ts') ? [`${dir}/${e.name}`] : [],
  );
}

/** Every relative import (static, re-export or dynamic) of `file`, as repository paths. */
function importsOf(file: string, known: Set<string>): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const specs = [...text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']*|\.{1,2})'/g)].map((m) => m[1] as string);
  return specs.map((spec) => {
    const base = path.posix.join(path.posix.dirname(file), spec);
    const found = [`${base}.ts`, `${base}/index.ts`, base].find((c) => known.has(c));
    if (!found) throw new Error(`${file} imports "${spec}", which is not a source file`);
    return found;
  });
}

const files = sources('src');
const known = new Set(files);
const graph = new Map(files.map((f) => [f, importsOf(f, known)]));

/** Imports that go up a layer, or across to a sibling layer. */
function upwardImports(edges: Map<string, string[]>): string[] {
  const upward: string[] = [];
  for (const [file, imports] of edges) {
    for (const imported of imports) {
      const [from, to] = [layerOf(file), layerOf(imported)];
      const names = [layers[from]?.[0] ?? '', layers[to]?.[0] ?? ''] as const;
      const sideways = from !== to && siblings.some((pair) => pair.includes(names[0]) && pair.includes(names[1]));
      if (to > from || sideways) upward.push(`${file} (${names[0]}) → ${imported} (${names[1]})`);
    }
  }
  return upward;
}

/** Every cycle found by a depth-first walk, as `a → b → a`. */
function cyclesOf(edges: Map<string, string[]>): string[] {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (file: string, trail: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...trail.slice(trail.indexOf(file)), file].join(' → '));
      return;
    }
    state.set(file, 'open');
    for (const next of edges.get(file) ?? []) visit(next, [...trail, file]);
    state.set(file, 'done');
  };
  for (const file of edges.keys()) visit(file, []);
  return cycles;
}

describe('the layers of src/', () => {
  it('import only downward', () => {
    expect(upwardImports(graph)).toEqual([]);
  });

  it('have no import cycles', () => {
    expect(cyclesOf(graph)).toEqual([]);
  });

  it('the checks find what they look for', () => {
    const engine = 'src/migrate/engine.ts';
    const todo = 'src/targets/todo/index.ts';
    expect(upwardImports(new Map([[engine, [todo]]]))).toEqual([`${engine} (migrate) → ${todo} (targets)`]);
    expect(upwardImports(new Map([['src/kit/index.ts', [engine]]]))).toHaveLength(1);
    expect(
      cyclesOf(
        new Map([
          [engine, [todo]],
          [todo, [engine]],
        ]),
      ),
    ).toEqual([`${engine} → ${todo} → ${engine}`]);
  });
});
