/**
 * Mermaid ER diagrams drawn from the schema modules: tables, their key columns (primary, foreign
 * and single-column unique keys) and foreign keys. `chatstore diagram <target>` prints one; the
 * target guides under docs/targets/ embed them between markers, and a test fails when an embedded
 * diagram no longer matches its module (`npm run docs:diagrams` redraws them). Decision 012.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Column, is } from 'drizzle-orm';
import { PgTable, getTableConfig as pgTableConfig } from 'drizzle-orm/pg-core';
import { SQLiteTable, getTableConfig as sqliteTableConfig } from 'drizzle-orm/sqlite-core';
import { ChatstoreError } from '../errors';
import { packageRoot } from '../paths';
import {
  familyOf,
  type Generation,
  isTargetName,
  type Target,
  type TargetName,
  targetNames,
  targets,
} from '../targets/registry';

interface TableShape {
  name: string;
  columns: { name: string; type: string; keys: string[]; notNull: boolean }[];
  foreignKeys: { columns: string[]; table: string; unique: boolean; notNull: boolean }[];
}

/** A word Mermaid accepts as an attribute type: `varchar(255)` → `varchar`, `timestamp with time zone` → `timestamp_with_time_zone`. */
const mermaidType = (sql: string) =>
  sql
    .replace(/\(.*?\)/g, '')
    .trim()
    .replace(/[^A-Za-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '') || 'unknown';

function shapeOf(table: PgTable | SQLiteTable): TableShape {
  const config = is(table, PgTable) ? pgTableConfig(table) : sqliteTableConfig(table as SQLiteTable);
  const columns = config.columns as Column[];
  const primary = new Set<string>(columns.filter((c) => c.primary).map((c) => c.name));
  for (const pk of config.primaryKeys) for (const c of pk.columns) primary.add(c.name);
  const unique = new Set<string>(columns.filter((c) => c.isUnique).map((c) => c.name));
  for (const u of config.uniqueConstraints) if (u.columns.length === 1) unique.add(u.columns[0]?.name ?? '');
  for (const index of config.indexes) {
    const parts = (index.config.columns as { name?: string }[]).map((c) => c.name);
    if (index.config.unique && parts.length === 1 && parts[0] && !index.config.where) unique.add(parts[0]);
  }
  const foreignKeys = config.foreignKeys.map((fk) => {
    const ref = fk.reference();
    const names = ref.columns.map((c) => c.name);
    const single = names.length === 1 ? names[0] : undefined;
    const isPrimary = names.length === primary.size && names.every((n) => primary.has(n));
    return {
      columns: names,
      table: is(ref.foreignTable, PgTable)
        ? pgTableConfig(ref.foreignTable).name
        : sqliteTableConfig(ref.foreignTable as SQLiteTable).name,
      unique: isPrimary || (single !== undefined && unique.has(single)),
      notNull: ref.columns.every((c) => c.notNull),
    };
  });
  const foreign = new Set(foreignKeys.flatMap((fk) => fk.columns));
  return {
    name: config.name,
    columns: columns
      .map((c) => ({
        name: c.name,
        type: mermaidType(c.getSQLType()),
        notNull: c.notNull,
        keys: [
          primary.has(c.name) && 'PK',
          foreign.has(c.name) && 'FK',
          unique.has(c.name) && !primary.has(c.name) && 'UK',
        ].filter((k): k is string => typeof k === 'string'),
      }))
      .filter((c) => c.keys.length > 0),
    foreignKeys,
  };
}

/**
 * The Mermaid `erDiagram` of a generation's schema module (default: the target's latest).
 *
 * @example console.log(diagram(targets.todo)); // erDiagram\n  conversations { … }\n  users ||--o{ tasks : "user_id"
 */
export function diagram(target: Target, generationName?: string): string {
  const generation: Generation | undefined = generationName
    ? target.generations.find((g) => g.name === generationName)
    : target.generations.at(-1);
  if (!generation) {
    throw new ChatstoreError(
      'UNKNOWN_GENERATION',
      `Unknown generation "${generationName}" for ${target.name}; one of: ${target.generations.map((g) => g.name).join(', ')}`,
      { field: 'generation' },
    );
  }
  const tables = Object.values(generation.schema)
    .filter((value): value is PgTable | SQLiteTable => is(value, PgTable) || is(value, SQLiteTable))
    .map(shapeOf)
    .sort((a, b) => a.name.localeCompare(b.name));
  const lines = ['erDiagram'];
  for (const table of tables) {
    if (table.columns.length === 0) {
      lines.push(`  ${table.name} {`, '  }');
      continue;
    }
    lines.push(`  ${table.name} {`);
    for (const c of table.columns) lines.push(`    ${c.type} ${c.name} ${c.keys.join(', ')}`);
    lines.push('  }');
  }
  const relations = tables.flatMap((t) =>
    t.foreignKeys.map(
      (fk) =>
        `  ${fk.table} ${fk.notNull ? '||' : '|o'}--${fk.unique ? 'o|' : 'o{'} ${t.name} : "${fk.columns.join(', ')}"`,
    ),
  );
  lines.push(...relations.sort());
  return `${lines.join('\n')}\n`;
}

/** The guide that documents a target: docs/targets/<target>.md, or its family's (tatlock-user → tatlock.md). */
export function guideOf(target: Target, root = packageRoot): string {
  const own = path.join(root, 'docs', 'targets', `${target.name}.md`);
  const family = isTargetName(target.name) ? familyOf(target.name) : target.name;
  return existsSync(own) ? own : path.join(root, 'docs', 'targets', `${family}.md`);
}

const start = (name: string) =>
  `<!-- diagram ${name}: drawn by \`chatstore diagram ${name}\`; run \`npm run docs:diagrams\` after changing the schema -->`;
const end = '<!-- /diagram -->';
const block = (name: string, text: string) => `${start(name)}\n\`\`\`mermaid\n${text}\`\`\`\n${end}`;

/** The diagram a guide embeds for a target, or undefined when it has none. */
export function embeddedDiagram(guide: string, name: string): string | undefined {
  const text = readFileSync(guide, 'utf8');
  const from = text.indexOf(start(name));
  if (from < 0) return undefined;
  const to = text.indexOf(end, from);
  return text
    .slice(from + start(name).length, to)
    .replace(/^\n```mermaid\n/, '')
    .replace(/```\n$/, '');
}

/** Targets whose guide's embedded diagram differs from the one their latest module draws. */
export function staleDiagrams(root = packageRoot): TargetName[] {
  return targetNames.filter((name) => {
    const guide = guideOf(targets[name], root);
    return !existsSync(guide) || embeddedDiagram(guide, name) !== diagram(targets[name]);
  });
}

/**
 * Writes each target's current diagram into its guide: replaces the embedded block, or appends a
 * "Schema diagram" section. Returns the guides it changed.
 */
export function updateDiagrams(root = packageRoot): string[] {
  const changed = new Set<string>();
  for (const name of staleDiagrams(root)) {
    const guide = guideOf(targets[name], root);
    const text = readFileSync(guide, 'utf8');
    const from = text.indexOf(start(name));
    const next =
      from < 0
        ? `${text.trimEnd()}\n\n## Schema diagram: ${name}\n\nTables with their key columns (PK, FK, UK) and foreign keys, at generation ${targets[name].generations.at(-1)?.name}.\n\n${block(name, diagram(targets[name]))}\n`
        : `${text.slice(0, from)}${block(name, diagram(targets[name]))}${text.slice(text.indexOf(end, from) + end.length)}`;
    writeFileSync(guide, next);
    changed.add(path.relative(root, guide));
  }
  return [...changed];
}
