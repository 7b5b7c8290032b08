/**
 * The JSON kept in letta's TEXT columns, as zod schemas: repositories validate with them, the
 * schema modules type the columns with them (`$type<…>()`). Not frozen like the generation
 * modules: a new optional key changes no DDL. Never make an existing key stricter.
 */
import { z } from 'zod';
import { jsonValue } from '../json';

/** `letta_users.agent_preferences`: how the Letta agent should treat this user. */
export const AgentPreferences = z.strictObject({
  /** The Letta agent that serves this user, when each user has their own. */
  agentId: z.string().trim().min(1).max(200).optional(),
  /** The model the agent should use for this user, e.g. `openai/gpt-4o-mini`. */
  model: z.string().trim().min(1).max(200).optional(),
  /** BCP 47 tag of the language the agent answers in, e.g. `en` or `pt-BR`. */
  language: z
    .string()
    .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 language tag such as en or pt-BR')
    .optional(),
  /** IANA time zone, e.g. `Europe/Berlin`. */
  timezone: z.string().trim().min(1).max(64).optional(),
  responseStyle: z.enum(['concise', 'balanced', 'detailed']).optional(),
  /** Whether the agent may keep long-term memories about the user. */
  memory: z.boolean().optional(),
});
export type AgentPreferences = z.infer<typeof AgentPreferences>;

/**
 * `platform_profiles.metadata`: platform-specific data, a JSON object. Profiles moved from v1
 * carry `v1MessageCount`, the counter the v1 bot kept in `users.message_count`.
 */
export const ProfileMetadata = z.record(z.string().min(1).max(100), jsonValue);
export type ProfileMetadata = z.infer<typeof ProfileMetadata>;
