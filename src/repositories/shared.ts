import type { z } from 'zod';
import { ChatstoreError } from '../errors';

/**
 * Parses repository input with its zod schema before anything touches the database.
 * The first issue becomes a `VALIDATION` error naming the field (`title`, `messages.0.role`).
 *
 * @example const input = parseInput(StartConversationInput, args);
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, entity?: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.map(String).join('.') || 'input';
  throw new ChatstoreError('VALIDATION', `Invalid ${field}: ${issue?.message ?? 'invalid input'}`, {
    field,
    entity,
    cause: parsed.error,
  });
}

/** Anything with drizzle's `transaction()`: a database handle or an open transaction. */
interface Transactional<Tx> {
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
}

/**
 * Runs `fn` in a transaction, joining the caller's if `db` already is one (drizzle opens a
 * savepoint then), so repository calls compose and tests can roll everything back.
 *
 * @example await withTransaction(db, async (tx) => { await a(tx); await b(tx); });
 */
export function withTransaction<Tx, T>(db: Transactional<Tx>, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(fn);
}
