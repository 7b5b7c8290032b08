import type { Dialect } from '../connect/location';
import type { Bookkeeping } from './bookkeeping';
import type { Migration, MigrationSet } from './migrations';

/**
 * Migration lint: statements that lose data, or lock or rewrite a table that already holds rows.
 * Heuristic by design (regular expressions over drizzle-kit's and hand-written SQL): it flags for
 * a human to decide, it does not prove anything. Decision 012.
 */
export const lintRules = {
  'drop-table': {
    dialects: ['postgresql', 'sqlite'],
    explanation: 'drops a table and every row in it',
  },
  'drop-column': {
    dialects: ['postgresql', 'sqlite'],
    explanation: 'drops a column and every value in it; code still reading it breaks',
  },
  'type-change': {
    dialects: ['postgresql'],
    explanation:
      'changes a column type: rewrites the table under an ACCESS EXCLUSIVE lock and may fail or truncate values',
  },
  'set-not-null': {
    dialects: ['postgresql'],
    explanation:
      'SET NOT NULL on an existing table scans every row under an ACCESS EXCLUSIVE lock, and fails if a NULL remains',
  },
  'index-not-concurrent': {
    dialects: ['postgresql'],
    explanation:
      'CREATE INDEX on an existing table blocks writes to it while the index builds (CONCURRENTLY cannot run inside a migration transaction)',
  },
  'fk-not-valid': {
    dialects: ['postgresql'],
    explanation:
      'a foreign key added to an existing table without NOT VALID checks every row while holding a lock on both tables',
  },
  rename: {
    dialects: ['postgresql', 'sqlite'],
    explanation: 'renames a table or column: code using the old name breaks the moment it commits',
  },
  'sqlite-rebuild': {
    dialects: ['sqlite'],
    explanation: 'rebuilds a table (copy, drop, rename): rewrites every row and holds the write lock throughout',
  },
} as const satisfies Record<string, { dialects: readonly Dialect[]; explanation: string }>;

export type LintRuleId = keyof typeof lintRules;

/** Whether `rule` is linted on `dialect` (its `dialects` in `lintRules`). */
const ruleApplies = (rule: LintRuleId, dialect: Dialect) =>
  (lintRules[rule].dialects as readonly Dialect[]).includes(dialect);
export const lintRuleIds = Object.keys(lintRules) as LintRuleId[];

export interface LintFinding {
  rule: LintRuleId;
  /** Migration tag, e.g. `0002_v2`. */
  tag: string;
  /** Statement (1-based, at drizzle-kit's breakpoints) that triggered it. */
  statement: number;
  /** The table (and column) concerned. */
  subject: string;
  explanation: string;
  /** Why it is intended: from a `-- chatstore-lint allow <rule>: <why>` comment or the bookkeeping file. */
  acknowledged?: string;
}

/** `-- chatstore-lint allow drop-column, rename: why` anywhere in a migration. */
const allowComment = /--\s*chatstore-lint\s+allow\s+([a-z-]+(?:\s*,\s*[a-z-]+)*)\s*(?::\s*(.*))?$/gim;

/** Rules a migration acknowledges in its own comments, with the reason given. */
export function inlineAcknowledgements(sql: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of sql.matchAll(allowComment)) {
    for (const rule of (match[1] ?? '').split(',')) found.set(rule.trim(), match[2]?.trim() || 'acknowledged');
  }
  return found;
}

const ident = String.raw`[\`"[]?(\w+)[\`"\]]?`;
const table = String.raw`(?:only\s+)?(?:if\s+exists\s+)?(?:[\`"[]?\w+[\`"\]]?\.)?${ident}`;
const patterns = {
  createTable: new RegExp(
    String.raw`^create\s+(?:temp(?:orary)?\s+)?table\s+(?:if\s+not\s+exists\s+)?(?:[\`"[]?\w+[\`"\]]?\.)?${ident}(?:\s|\(|$)`,
    'i',
  ),
  dropTable: new RegExp(String.raw`^drop\s+table\s+(?:if\s+exists\s+)?(?:[\`"[]?\w+[\`"\]]?\.)?${ident}`, 'i'),
  alterTable: new RegExp(String.raw`^alter\s+table\s+${table}\s+([\s\S]*)$`, 'i'),
  dropColumn: new RegExp(String.raw`^drop\s+column\s+(?:if\s+exists\s+)?${ident}`, 'i'),
  typeChange: new RegExp(String.raw`alter\s+column\s+${ident}\s+(?:set\s+data\s+)?type\b`, 'i'),
  setNotNull: new RegExp(String.raw`alter\s+column\s+${ident}\s+set\s+not\s+null`, 'i'),
  renameTo: new RegExp(String.raw`^rename\s+to\s+${ident}`, 'i'),
  renameColumn: new RegExp(String.raw`^rename\s+(?:column\s+)?${ident}\s+to\s+${ident}`, 'i'),
  addForeignKey: /\bforeign\s+key\b[\s\S]*\breferences\b/i,
  notValid: /\bnot\s+valid\b/i,
  createIndex: new RegExp(String.raw`^create\s+(?:unique\s+)?index\s+(concurrently\s+)?[\s\S]*?\bon\s+${table}`, 'i'),
};

/** A statement as lint reads it: comments gone, whitespace collapsed. */
const clean = (statement: string) => statement.replace(/--.*$/gm, '').replace(/\s+/g, ' ').trim();

/** Hand-written statements may hold several SQL statements; lint looks at each. */
const pieces = (statement: string) =>
  clean(statement)
    .split(/;\s*/)
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Lints one migration, given the tables that exist before it. Returns its findings and adds
 * the tables it creates to `existing`.
 */
export function lintMigration(dialect: Dialect, migration: Migration, existing: Set<string>): LintFinding[] {
  const findings: LintFinding[] = [];
  const created = new Set<string>();
  const isOld = (name: string) => existing.has(name) && !created.has(name);
  const statements = migration.statements.map((s, i) => ({ n: i + 1, parts: pieces(s) }));
  // A table dropped and replaced by a renamed copy in the same migration is a rebuild.
  const renamedInto = new Set<string>();
  for (const { parts } of statements)
    for (const part of parts) {
      const alter = patterns.alterTable.exec(part);
      const into = alter && patterns.renameTo.exec(alter[2] ?? '')?.[1];
      if (into) renamedInto.add(into);
    }
  const rebuilt = new Set<string>();
  const add = (rule: LintRuleId, statement: number, subject: string) => {
    if (!ruleApplies(rule, dialect)) return;
    findings.push({ rule, tag: migration.tag, statement, subject, explanation: lintRules[rule].explanation });
  };
  for (const { n, parts } of statements) {
    for (const part of parts) {
      const createdName = patterns.createTable.exec(part)?.[1];
      if (createdName) {
        created.add(createdName);
        continue;
      }
      const dropped = patterns.dropTable.exec(part)?.[1];
      if (dropped) {
        if (renamedInto.has(dropped) && isOld(dropped)) {
          rebuilt.add(dropped);
          // Where the dialect has no rebuild rule (PostgreSQL alters in place), a rebuild is a drop.
          if (ruleApplies('sqlite-rebuild', dialect)) add('sqlite-rebuild', n, dropped);
          else add('drop-table', n, dropped);
        } else if (isOld(dropped)) add('drop-table', n, dropped);
        existing.delete(dropped);
        created.delete(dropped);
        continue;
      }
      const index = patterns.createIndex.exec(part);
      if (index) {
        if (!index[1] && index[2] && isOld(index[2])) add('index-not-concurrent', n, index[2]);
        continue;
      }
      const alter = patterns.alterTable.exec(part);
      if (!alter) continue;
      const name = alter[1] ?? '';
      const action = alter[2] ?? '';
      const renamed = patterns.renameTo.exec(action)?.[1];
      if (renamed) {
        // The copy of a rebuild taking the old table's place is part of the rebuild.
        if (!rebuilt.has(renamed)) add('rename', n, `${name} → ${renamed}`);
        if (created.delete(name) || rebuilt.has(renamed)) created.add(renamed);
        else if (existing.delete(name)) existing.add(renamed);
        continue;
      }
      const column = patterns.renameColumn.exec(action);
      if (column && !/^rename\s+constraint\b/i.test(action)) {
        add('rename', n, `${name}.${column[1]} → ${column[2]}`);
        continue;
      }
      if (!isOld(name)) continue;
      const droppedColumn = patterns.dropColumn.exec(action.replace(/^drop\s+(?=if\s+exists\s)/i, 'drop column '));
      if (/^drop\s+column\b/i.test(action) && droppedColumn) add('drop-column', n, `${name}.${droppedColumn[1]}`);
      const typed = patterns.typeChange.exec(action);
      if (typed) add('type-change', n, `${name}.${typed[1]}`);
      const notNull = patterns.setNotNull.exec(action);
      if (notNull) add('set-not-null', n, `${name}.${notNull[1]}`);
      if (patterns.addForeignKey.test(action) && !patterns.notValid.test(action)) add('fk-not-valid', n, name);
    }
  }
  for (const name of created) existing.add(name);
  return findings;
}

/**
 * Lints every migration of a set in journal order and marks what is acknowledged, by a comment
 * in the migration or in the target's bookkeeping file (`acknowledged[<tag>.sql][<rule>]`).
 */
export function lintSet(set: MigrationSet, bookkeeping?: Bookkeeping): LintFinding[] {
  const existing = new Set<string>();
  return set.migrations.flatMap((migration) => {
    const inline = inlineAcknowledgements(migration.sql);
    const recorded = bookkeeping?.acknowledged[`${migration.tag}.sql`] ?? {};
    return lintMigration(set.target.dialect, migration, existing).map((f) => {
      const why = inline.get(f.rule) ?? recorded[f.rule];
      return why === undefined ? f : { ...f, acknowledged: why };
    });
  });
}

/**
 * Acknowledgements that match no finding: a misspelt rule id, or a migration that no longer
 * does what its acknowledgement says. Reported by `chatstore check` so they do not pile up.
 */
export function staleAcknowledgements(set: MigrationSet, findings: readonly LintFinding[], bookkeeping?: Bookkeeping) {
  const stale: string[] = [];
  const has = (tag: string, rule: string) => findings.some((f) => f.tag === tag && f.rule === rule);
  for (const migration of set.migrations) {
    for (const rule of inlineAcknowledgements(migration.sql).keys())
      if (!has(migration.tag, rule)) stale.push(`${migration.tag}.sql acknowledges ${rule}, which it does not trigger`);
  }
  for (const [file, rules] of Object.entries(bookkeeping?.acknowledged ?? {})) {
    for (const rule of Object.keys(rules))
      if (!has(file.replace(/\.sql$/, ''), rule))
        stale.push(`the bookkeeping file acknowledges ${rule} for ${file}, which does not trigger it`);
  }
  return stale;
}

/** One line per finding, for check, status and --dry-run. */
export function formatFinding(f: LintFinding): string {
  const where = `${f.tag}.sql statement ${f.statement}`;
  return f.acknowledged === undefined
    ? `${where}: [${f.rule}] ${f.subject}: ${f.explanation}`
    : `${where}: [${f.rule}] ${f.subject} (acknowledged: ${f.acknowledged})`;
}
