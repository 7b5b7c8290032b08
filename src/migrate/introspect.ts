/**
 * A live schema read as flat facts (`SchemaFacts`) and two schemas compared key by key. The
 * catalog queries are each dialect's (src/migrate/dialects/); comparing is the same for both.
 */
import type { SqlClient } from '../connect/sql-client';
import { dialectOf } from './dialects';
import type { SchemaFacts } from './dialects/dialect';
import { ledgerTable } from './ledger';

export type { SchemaFacts } from './dialects/dialect';
export { checkClauses, normalizeSql } from './dialects/sqlite';

/** Tables of the database other than chatstore's ledger. */
export async function userTables(client: SqlClient): Promise<string[]> {
  return (await dialectOf(client).tables(client)).filter((name) => name !== ledgerTable);
}

/** Reads tables, columns, types, nullability, defaults, keys, indexes, checks (and on PostgreSQL enums, policies, extensions). */
export async function introspect(client: SqlClient): Promise<SchemaFacts> {
  return dialectOf(client).introspect(client, ledgerTable);
}

export interface SchemaDifference {
  key: string;
  expected?: string;
  actual?: string;
}

export function diffSchemas(expected: SchemaFacts, actual: SchemaFacts): SchemaDifference[] {
  const keys = [...new Set([...expected.keys(), ...actual.keys()])].sort();
  return keys
    .filter((key) => expected.get(key) !== actual.get(key))
    .map((key) => ({ key, expected: expected.get(key), actual: actual.get(key) }));
}

export function formatDifferences(differences: readonly SchemaDifference[]): string {
  return differences
    .map(({ key, expected, actual }) => {
      if (actual === undefined) return `  - missing   ${key}: ${expected}`;
      if (expected === undefined) return `  + unexpected ${key}: ${actual}`;
      return `  ~ differs   ${key}\n      expected: ${expected}\n      actual:   ${actual}`;
    })
    .join('\n');
}
