/**
 * Personal variables (seed 001, `personal_variables` and `personal_variables_keys`): facts the
 * user told Tatlock (`hometown = Porto`), and the list of keys in use. The seed puts no unique
 * constraint on `key`; chatstore keeps one value per key (setting a key updates every row with it).
 */
import { desc, eq, inArray, max, sql } from 'drizzle-orm';
import { z } from 'zod';
import { parseField, parseInput } from '../../kit';
import { personalVariables, personalVariablesKeys } from '../../schema/tatlock-user';
import { mapped, type UserDb } from './internal';

export type PersonalVariable = typeof personalVariables.$inferSelect;

export const VariableKey = z.string().trim().min(1).max(200);
export const SetVariableInput = z.object({ key: VariableKey, value: z.string().max(100_000) });
export type SetVariableInput = z.input<typeof SetVariableInput>;

/**
 * Sets a personal variable, creating it (and its key) if new; one transaction.
 *
 * @example setPersonalVariable(db, { key: 'hometown', value: 'Porto' });
 */
export function setPersonalVariable(db: UserDb, input: SetVariableInput): void {
  const { key, value } = parseInput(SetVariableInput, input, 'personal_variables');
  mapped('personal_variables', () =>
    db.transaction((tx) => {
      const updated = tx
        .update(personalVariables)
        .set({ value, updatedAt: sql`CURRENT_TIMESTAMP` })
        .where(eq(personalVariables.key, key))
        .run();
      if (updated.changes === 0) tx.insert(personalVariables).values({ key, value }).run();
      const known = tx
        .select({ id: personalVariablesKeys.id })
        .from(personalVariablesKeys)
        .where(eq(personalVariablesKeys.key, key))
        .get();
      if (!known) tx.insert(personalVariablesKeys).values({ key }).run();
    }),
  );
}

/**
 * A personal variable's value, or `undefined`.
 *
 * @example const hometown = getPersonalVariable(db, 'hometown'); // 'Porto'
 */
export function getPersonalVariable(db: UserDb, key: string): string | undefined {
  const name = parseField(VariableKey, key, 'key', 'personal_variables');
  return mapped(
    'personal_variables',
    () =>
      db
        .select({ value: personalVariables.value })
        .from(personalVariables)
        .where(eq(personalVariables.key, name))
        .orderBy(desc(personalVariables.id))
        .get()?.value,
  );
}

/**
 * Every personal variable (one per key, the latest), by key.
 *
 * @example const vars = listPersonalVariables(db);
 */
export function listPersonalVariables(db: UserDb): PersonalVariable[] {
  return mapped('personal_variables', () =>
    db
      .select()
      .from(personalVariables)
      .where(
        inArray(
          personalVariables.id,
          db
            .select({ id: max(personalVariables.id) })
            .from(personalVariables)
            .groupBy(personalVariables.key),
        ),
      )
      .orderBy(personalVariables.key)
      .all(),
  );
}

/**
 * Deletes a personal variable (its key stays known); returns whether it existed.
 *
 * @example deletePersonalVariable(db, 'hometown');
 */
export function deletePersonalVariable(db: UserDb, key: string): boolean {
  const name = parseField(VariableKey, key, 'key', 'personal_variables');
  return mapped(
    'personal_variables',
    () => db.delete(personalVariables).where(eq(personalVariables.key, name)).run().changes > 0,
  );
}

/**
 * The keys of personal variables in use, by name.
 *
 * @example const keys = listPersonalVariableKeys(db); // ['favourite_colour', 'hometown']
 */
export function listPersonalVariableKeys(db: UserDb): string[] {
  return mapped('personal_variables_keys', () =>
    db
      .selectDistinct({ key: personalVariablesKeys.key })
      .from(personalVariablesKeys)
      .orderBy(personalVariablesKeys.key)
      .all()
      .map((r) => r.key),
  );
}
