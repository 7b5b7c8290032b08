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

/**
 * `parseInput` for a single argument (`getUser(db, username)`): a bad value is a `VALIDATION`
 * error naming `field`, as if it had been passed as `{ [field]: value }`.
 *
 * @example const username = parseField(Username, input, 'username', 'users');
 */
export function parseField<S extends z.ZodType>(
  schema: S,
  value: unknown,
  field: string,
  entity?: string,
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = [field, ...(issue?.path.map(String) ?? [])].join('.');
  throw new ChatstoreError('VALIDATION', `Invalid ${path}: ${issue?.message ?? 'invalid input'}`, {
    field: path,
    entity,
    cause: parsed.error,
  });
}
