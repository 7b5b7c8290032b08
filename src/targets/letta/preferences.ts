/**
 * How the Letta agent treats a user (seed 000, v2 "Letta-agent specific metadata"): agent
 * preferences (JSON, typed by `AgentPreferences`), custom instructions, how many past messages
 * the agent sees, and whether the user is active.
 */
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { parseInput } from '../../kit';
import { lettaUsers } from '../../schema/letta';
import { AgentPreferences } from '../../schema/letta/json';
import { type LettaUser, LettaUserIdInput, RowId } from './identity';
import { type LettaDb, mapped, notFound, prepared } from './internal';

export { AgentPreferences } from '../../schema/letta/json';

export type Preferences = Pick<
  LettaUser,
  'agentPreferences' | 'customInstructions' | 'conversationHistoryLimit' | 'isActive'
>;

/** How many past messages the agent is given; the seed's default is 10. */
export const ConversationHistoryLimit = z.int().min(0).max(1000);

export const UpdatePreferencesInput = z
  .object({
    lettaUserId: RowId,
    /** Replaces the stored preferences; `null` clears them. */
    agentPreferences: AgentPreferences.nullable().optional(),
    customInstructions: z.string().trim().min(1).max(20_000).nullable().optional(),
    conversationHistoryLimit: ConversationHistoryLimit.optional(),
    isActive: z.boolean().optional(),
  })
  .refine(({ lettaUserId: _, ...changes }) => Object.values(changes).some((v) => v !== undefined), {
    message: 'give at least one of agentPreferences, customInstructions, conversationHistoryLimit, isActive',
  });
export type UpdatePreferencesInput = z.input<typeof UpdatePreferencesInput>;

const preferenceColumns = {
  agentPreferences: lettaUsers.agentPreferences,
  customInstructions: lettaUsers.customInstructions,
  conversationHistoryLimit: lettaUsers.conversationHistoryLimit,
  isActive: lettaUsers.isActive,
};

const statements = prepared((db) => ({
  get: db
    .select(preferenceColumns)
    .from(lettaUsers)
    .where(eq(lettaUsers.id, sql.placeholder('id')))
    .prepare(),
}));

/**
 * A Letta user's preferences; `NOT_FOUND` on `lettaUserId` for an unknown user.
 *
 * @example
 * const { agentPreferences, conversationHistoryLimit } = getPreferences(db, 7);
 */
export function getPreferences(db: LettaDb, lettaUserId: number): Preferences {
  const { lettaUserId: id } = parseInput(LettaUserIdInput, { lettaUserId }, 'letta_users');
  const row = mapped('letta_users', () => statements(db).get.get({ id }));
  if (!row) throw notFound('letta_users', 'lettaUserId', id);
  return row;
}

/**
 * Changes the preferences given (others stay): `agentPreferences` is validated by the
 * `AgentPreferences` schema and replaces the stored object (`null` clears it);
 * `customInstructions` `null` clears them. Returns the preferences as stored.
 *
 * @example
 * updatePreferences(db, {
 *   lettaUserId: 7,
 *   agentPreferences: { language: 'de', responseStyle: 'concise' },
 *   conversationHistoryLimit: 20,
 * });
 */
export function updatePreferences(db: LettaDb, input: UpdatePreferencesInput): Preferences {
  const { lettaUserId, ...changes } = parseInput(UpdatePreferencesInput, input, 'letta_users');
  const row = mapped('letta_users', () =>
    db.update(lettaUsers).set(changes).where(eq(lettaUsers.id, lettaUserId)).returning(preferenceColumns).get(),
  );
  if (!row) throw notFound('letta_users', 'lettaUserId', lettaUserId);
  return row;
}
