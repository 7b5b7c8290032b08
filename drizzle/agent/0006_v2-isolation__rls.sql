-- agent, generation `v2-isolation`: row-level security that isolates users (decision 019).
-- `0003_v2__rls` let a user write into another user's session (a message passed when its
-- sender was the acting user, whoever owned the session), left `users`, the legacy
-- `chat_messages` and `chat_message_id_map` without policies, and let table owners bypass
-- every policy. Now, with U = `chatstore.user_id` and G = `chatstore.agent_id` (transaction-
-- local settings, `asAgentUser`):
-- - `users`: only the row of U;
-- - `chat_messages_v2`: read and written in U's sessions; a new or changed row must be in a
--   session of U's and name no other user as its sender. A user still reads the messages they
--   sent outside their sessions (backfilled channel messages have no owning session);
-- - `message_versions`: of messages in U's sessions (read also for messages U sent), and
--   `changed_by` is U or nobody;
-- - legacy `chat_messages`: the rows U sent, and with no user sender, the rows G sent;
-- - `chat_message_id_map`: rows whose old and new message are both visible;
-- - the agent's tables (memories, consolidations, states, checkpoints, transitions, context
--   snapshots) stay G's; a new memory or context snapshot may point only at a message visible
--   to the actor, and checkpoints, consolidations and a transition's `from_state_id` only at
--   G's own rows (`to_state_id` is not checked: `commitState` inserts the state and its
--   transition in one statement, where the new state is not yet visible to the check);
-- - FORCE ROW LEVEL SECURITY on every table with a policy: a table owner that is not a
--   superuser is bound too. Superusers and BYPASSRLS roles still bypass RLS; `asAgentUser`
--   refuses to act as one.
-- `nullif(…, '')` because a setting once set in a session reads '' afterwards, not NULL.
-- workspaces, channels, agents, agent_datastores and context_templates hold no user's data
-- and stay without policies. The settings are trusted: docs/targets/agent.md, "Trust model".
ALTER TABLE "users" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "user_users_policy" ON "users"
  USING ("id" = nullif(current_setting('chatstore.user_id', true), '')::uuid)
  WITH CHECK ("id" = nullif(current_setting('chatstore.user_id', true), '')::uuid);--> statement-breakpoint
ALTER POLICY "user_chat_messages_v2_policy" ON "chat_messages_v2"
  USING (EXISTS (SELECT 1 FROM "conversation_sessions" s
    WHERE s."id" = "chat_messages_v2"."session_id"
      AND s."user_id" = nullif(current_setting('chatstore.user_id', true), '')::uuid))
  WITH CHECK (EXISTS (SELECT 1 FROM "conversation_sessions" s
      WHERE s."id" = "chat_messages_v2"."session_id"
        AND s."user_id" = nullif(current_setting('chatstore.user_id', true), '')::uuid)
    AND ("sender_user_id" IS NULL
      OR "sender_user_id" = nullif(current_setting('chatstore.user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "user_chat_messages_v2_sent_policy" ON "chat_messages_v2" FOR SELECT
  USING ("sender_user_id" = nullif(current_setting('chatstore.user_id', true), '')::uuid);--> statement-breakpoint
ALTER POLICY "user_message_versions_policy" ON "message_versions"
  USING (EXISTS (SELECT 1 FROM "chat_messages_v2" m JOIN "conversation_sessions" s ON s."id" = m."session_id"
    WHERE m."id" = "message_versions"."message_id"
      AND s."user_id" = nullif(current_setting('chatstore.user_id', true), '')::uuid))
  WITH CHECK (EXISTS (SELECT 1 FROM "chat_messages_v2" m JOIN "conversation_sessions" s ON s."id" = m."session_id"
      WHERE m."id" = "message_versions"."message_id"
        AND s."user_id" = nullif(current_setting('chatstore.user_id', true), '')::uuid)
    AND ("changed_by" IS NULL
      OR "changed_by" = nullif(current_setting('chatstore.user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "user_message_versions_sent_policy" ON "message_versions" FOR SELECT
  USING (EXISTS (SELECT 1 FROM "chat_messages_v2" m
    WHERE m."id" = "message_versions"."message_id"
      AND m."sender_user_id" = nullif(current_setting('chatstore.user_id', true), '')::uuid));--> statement-breakpoint
ALTER TABLE "chat_messages" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "user_chat_messages_policy" ON "chat_messages"
  USING ("sender_user_id" = nullif(current_setting('chatstore.user_id', true), '')::uuid
    OR ("sender_user_id" IS NULL
      AND "sender_agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid))
  WITH CHECK ("sender_user_id" = nullif(current_setting('chatstore.user_id', true), '')::uuid
    OR ("sender_user_id" IS NULL
      AND "sender_agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid));--> statement-breakpoint
ALTER TABLE "chat_message_id_map" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "user_chat_message_id_map_policy" ON "chat_message_id_map"
  USING (EXISTS (SELECT 1 FROM "chat_messages" o WHERE o."id" = "chat_message_id_map"."old_id")
    AND EXISTS (SELECT 1 FROM "chat_messages_v2" n WHERE n."id" = "chat_message_id_map"."new_id"))
  WITH CHECK (EXISTS (SELECT 1 FROM "chat_messages" o WHERE o."id" = "chat_message_id_map"."old_id")
    AND EXISTS (SELECT 1 FROM "chat_messages_v2" n WHERE n."id" = "chat_message_id_map"."new_id"));--> statement-breakpoint
CREATE POLICY "agent_agent_memories_source_policy" ON "agent_memories" AS RESTRICTIVE FOR INSERT
  WITH CHECK ("source_message_id" IS NULL
    OR EXISTS (SELECT 1 FROM "chat_messages_v2" m WHERE m."id" = "agent_memories"."source_message_id"));--> statement-breakpoint
CREATE POLICY "agent_context_snapshots_message_policy" ON "context_snapshots" AS RESTRICTIVE FOR INSERT
  WITH CHECK ("message_id" IS NULL
    OR EXISTS (SELECT 1 FROM "chat_messages_v2" m WHERE m."id" = "context_snapshots"."message_id"));--> statement-breakpoint
ALTER POLICY "agent_memory_consolidations_policy" ON "memory_consolidations"
  USING ("agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid)
  WITH CHECK ("agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid
    AND ("consolidated_memory_id" IS NULL
      OR EXISTS (SELECT 1 FROM "agent_memories" am WHERE am."id" = "memory_consolidations"."consolidated_memory_id")));--> statement-breakpoint
ALTER POLICY "agent_state_checkpoints_policy" ON "state_checkpoints"
  USING ("agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid)
  WITH CHECK ("agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid
    AND EXISTS (SELECT 1 FROM "agent_states" st WHERE st."id" = "state_checkpoints"."state_id"));--> statement-breakpoint
ALTER POLICY "agent_state_transitions_policy" ON "state_transitions"
  USING ("agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid)
  WITH CHECK ("agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid
    AND ("from_state_id" IS NULL
      OR EXISTS (SELECT 1 FROM "agent_states" st WHERE st."id" = "state_transitions"."from_state_id")));--> statement-breakpoint
ALTER TABLE "users" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "conversation_sessions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "chat_messages_v2" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "message_versions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "chat_messages" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "chat_message_id_map" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "agent_memories" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "memory_consolidations" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "agent_states" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "state_checkpoints" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "state_transitions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "context_snapshots" FORCE ROW LEVEL SECURITY;
