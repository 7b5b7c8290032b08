-- Row-level security for the agent target (seed 003, "Access Control: Row-Level Security:
-- Based on user_id/agent_id"). Two transaction-local session settings, set by `asAgentUser()`:
-- `chatstore.user_id` scopes conversation data (sessions, messages, their versions),
-- `chatstore.agent_id` scopes an agent's own data (memories, consolidations, states,
-- checkpoints, transitions, context snapshots). `nullif(…, '')` because a setting that was
-- set once in a session reads '' afterwards, not NULL. Table owners bypass RLS; apps connect
-- as (or SET ROLE to) a non-owner role. context_templates are shared and have no policy.
ALTER TABLE "agent_memories" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "agent_agent_memories_policy" ON "agent_memories"
  USING ("agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid)
  WITH CHECK ("agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid);--> statement-breakpoint
ALTER TABLE "memory_consolidations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "agent_memory_consolidations_policy" ON "memory_consolidations"
  USING ("agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid)
  WITH CHECK ("agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid);--> statement-breakpoint
ALTER TABLE "agent_states" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "agent_agent_states_policy" ON "agent_states"
  USING ("agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid)
  WITH CHECK ("agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid);--> statement-breakpoint
ALTER TABLE "state_checkpoints" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "agent_state_checkpoints_policy" ON "state_checkpoints"
  USING ("agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid)
  WITH CHECK ("agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid);--> statement-breakpoint
ALTER TABLE "state_transitions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "agent_state_transitions_policy" ON "state_transitions"
  USING ("agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid)
  WITH CHECK ("agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid);--> statement-breakpoint
ALTER TABLE "context_snapshots" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "agent_context_snapshots_policy" ON "context_snapshots"
  USING ("agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid)
  WITH CHECK ("agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid);--> statement-breakpoint
ALTER TABLE "conversation_sessions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "user_conversation_sessions_policy" ON "conversation_sessions"
  USING ("user_id" = nullif(current_setting('chatstore.user_id', true), '')::uuid)
  WITH CHECK ("user_id" = nullif(current_setting('chatstore.user_id', true), '')::uuid);--> statement-breakpoint
ALTER TABLE "chat_messages_v2" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "user_chat_messages_v2_policy" ON "chat_messages_v2"
  USING ("sender_user_id" = nullif(current_setting('chatstore.user_id', true), '')::uuid
    OR EXISTS (SELECT 1 FROM "conversation_sessions" s WHERE s."id" = "chat_messages_v2"."session_id"))
  WITH CHECK ("sender_user_id" = nullif(current_setting('chatstore.user_id', true), '')::uuid
    OR EXISTS (SELECT 1 FROM "conversation_sessions" s WHERE s."id" = "chat_messages_v2"."session_id"));--> statement-breakpoint
ALTER TABLE "message_versions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "user_message_versions_policy" ON "message_versions"
  USING (EXISTS (SELECT 1 FROM "chat_messages_v2" m WHERE m."id" = "message_versions"."message_id"))
  WITH CHECK (EXISTS (SELECT 1 FROM "chat_messages_v2" m WHERE m."id" = "message_versions"."message_id"));
