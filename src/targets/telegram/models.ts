/** Model preferences (seed 002, "user_selected_models"): one LLM choice and system prompt per user. */
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { parseInput } from '../../kit';
import { userSelectedModels } from '../../schema/telegram';
import { mapped, type TelegramDb, UserId } from './internal';

export type ModelPreference = typeof userSelectedModels.$inferSelect;

export const SetModelPreferenceInput = z.object({
  userId: UserId,
  modelName: z.string().trim().min(1).max(255),
  /** `null` clears a custom prompt; omitted keeps the current one. */
  systemPrompt: z.string().max(100_000).nullish(),
});
export type SetModelPreferenceInput = z.input<typeof SetModelPreferenceInput>;

/**
 * Sets a user's model (and optionally system prompt), creating the preference on first use.
 * An unknown user is `FOREIGN_KEY` on `userId`.
 *
 * @example
 * await setModelPreference(db, { userId, modelName: 'gpt-4o-mini', systemPrompt: 'Reply briefly.' });
 */
export async function setModelPreference(db: TelegramDb, input: SetModelPreferenceInput): Promise<ModelPreference> {
  const { userId, modelName, systemPrompt } = parseInput(SetModelPreferenceInput, input, 'user_selected_models');
  const [row] = await mapped('user_selected_models', () =>
    db
      .insert(userSelectedModels)
      .values({ userId, modelName, systemPrompt })
      .onConflictDoUpdate({
        target: userSelectedModels.userId,
        set: { modelName, ...(systemPrompt === undefined ? {} : { systemPrompt }), updatedAt: sql`now()` },
      })
      .returning(),
  );
  return row as ModelPreference;
}

/**
 * A user's model preference, or `undefined` when they have not chosen one.
 *
 * @example
 * const preference = await getModelPreference(db, userId);
 */
export async function getModelPreference(db: TelegramDb, userId: string): Promise<ModelPreference | undefined> {
  const id = parseInput(UserId, userId, 'user_selected_models');
  const [row] = await mapped('user_selected_models', () =>
    db.select().from(userSelectedModels).where(eq(userSelectedModels.userId, id)).limit(1),
  );
  return row;
}
