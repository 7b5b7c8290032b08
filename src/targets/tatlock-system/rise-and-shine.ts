/**
 * `rise_and_shine` (seed 001): the instructions Tatlock runs when it wakes up.
 */
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { parseField, parseInput } from '../../kit';
import { riseAndShine } from '../../schema/tatlock-system';
import { mapped, notFound, type SystemDb } from './internal';

export type RiseAndShine = typeof riseAndShine.$inferSelect;

export const AddInstructionInput = z.object({
  instruction: z.string().trim().min(1).max(10_000),
  enabled: z.boolean().default(true),
});
export type AddInstructionInput = z.input<typeof AddInstructionInput>;
export const InstructionId = z.number().int().positive();
export const SetInstructionEnabledInput = z.object({ id: InstructionId, enabled: z.boolean() });
export type SetInstructionEnabledInput = z.input<typeof SetInstructionEnabledInput>;
export const ListInstructionsInput = z.object({ all: z.boolean().default(false) });
export type ListInstructionsInput = z.input<typeof ListInstructionsInput>;

/**
 * Adds an instruction (enabled by default).
 *
 * @example addRiseAndShine(db, { instruction: 'Check the calendar for today.' });
 */
export function addRiseAndShine(db: SystemDb, input: AddInstructionInput): RiseAndShine {
  const { instruction, enabled } = parseInput(AddInstructionInput, input, 'rise_and_shine');
  return mapped('rise_and_shine', () =>
    db
      .insert(riseAndShine)
      .values({ instruction, enabled: enabled ? 1 : 0 })
      .returning()
      .get(),
  );
}

/**
 * The instructions in the order they were added; only enabled ones unless `all`.
 *
 * @example const todo = listRiseAndShine(db);
 */
export function listRiseAndShine(db: SystemDb, options: ListInstructionsInput = {}): RiseAndShine[] {
  const { all } = parseInput(ListInstructionsInput, options, 'rise_and_shine');
  return mapped('rise_and_shine', () =>
    db
      .select()
      .from(riseAndShine)
      .where(all ? undefined : eq(riseAndShine.enabled, 1))
      .orderBy(asc(riseAndShine.id))
      .all(),
  );
}

/**
 * Enables or disables an instruction; an unknown id is `NOT_FOUND` on `id`.
 *
 * @example setRiseAndShineEnabled(db, { id: 3, enabled: false });
 */
export function setRiseAndShineEnabled(db: SystemDb, input: SetInstructionEnabledInput): void {
  const { id, enabled } = parseInput(SetInstructionEnabledInput, input, 'rise_and_shine');
  const changed = mapped(
    'rise_and_shine',
    () =>
      db
        .update(riseAndShine)
        .set({ enabled: enabled ? 1 : 0 })
        .where(eq(riseAndShine.id, id))
        .run().changes,
  );
  if (changed === 0) throw notFound('rise_and_shine', 'id', id);
}

/**
 * Deletes an instruction; returns whether it existed.
 *
 * @example deleteRiseAndShine(db, 3);
 */
export function deleteRiseAndShine(db: SystemDb, id: number): boolean {
  const key = parseField(InstructionId, id, 'id', 'rise_and_shine');
  return mapped('rise_and_shine', () => db.delete(riseAndShine).where(eq(riseAndShine.id, key)).run().changes > 0);
}
