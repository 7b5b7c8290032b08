/**
 * CHECK constraints written from the values they allow, so an enum's values are listed once:
 * the tuple (`messageRoles`) types the column and zod input, and the CHECK's SQL is made from it.
 * The SQL is the seeds' own text (`role IN ('user', 'assistant')`), so released generations keep
 * the constraint they shipped.
 *
 * No `import.meta` here: drizzle-kit loads schema modules through its CommonJS loader.
 */
import { type SQL, sql } from 'drizzle-orm';

/** `<expression> IN ('a', 'b', …)`, e.g. `oneOf('role', messageRoles)`. */
export function oneOf(expression: string, values: readonly string[]): SQL {
  const list = values.map((value) => `'${value.replaceAll("'", "''")}'`).join(', ');
  return sql.raw(`${expression} IN (${list})`);
}
