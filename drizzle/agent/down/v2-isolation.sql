-- Down from `v2-isolation` to `v2-triggers`: the row-level security of `0003_v2__rls` as it was
-- (no policy on users, chat_messages or chat_message_id_map; owners not bound). No rows change.
ALTER TABLE "context_snapshots" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "state_transitions" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "state_checkpoints" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "agent_states" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "memory_consolidations" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "agent_memories" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "message_versions" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "chat_messages_v2" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "conversation_sessions" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER POLICY "agent_state_transitions_policy" ON "state_transitions"
  USING ("agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid)
  WITH CHECK ("agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid);--> statement-breakpoint
ALTER POLICY "agent_state_checkpoints_policy" ON "state_checkpoints"
  USING ("agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid)
  WITH CHECK ("agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid);--> statement-breakpoint
ALTER POLICY "agent_memory_consolidations_policy" ON "memory_consolidations"
  USING ("agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid)
  WITH CHECK ("agent_id" = nullif(current_setting('chatstore.agent_id', true), '')::uuid);--> statement-breakpoint
DROP POLICY IF EXISTS "agent_context_snapshots_message_policy" ON "context_snapshots";--> statement-breakpoint
DROP POLICY IF EXISTS "agent_agent_memories_source_policy" ON "agent_memories";--> statement-breakpoint
DROP POLICY IF EXISTS "user_chat_message_id_map_policy" ON "chat_message_id_map";--> statement-breakpoint
ALTER TABLE "chat_message_id_map" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "chat_message_id_map" DISABLE ROW LEVEL SECURITY;--> statement-breakpoint
DROP POLICY IF EXISTS "user_chat_messages_policy" ON "chat_messages";--> statement-breakpoint
ALTER TABLE "chat_messages" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "chat_messages" DISABLE ROW LEVEL SECURITY;--> statement-breakpoint
DROP POLICY IF EXISTS "user_message_versions_sent_policy" ON "message_versions";--> statement-breakpoint
ALTER POLICY "user_message_versions_policy" ON "message_versions"
  USING (EXISTS (SELECT 1 FROM "chat_messages_v2" m WHERE m."id" = "message_versions"."message_id"))
  WITH CHECK (EXISTS (SELECT 1 FROM "chat_messages_v2" m WHERE m."id" = "message_versions"."message_id"));--> statement-breakpoint
DROP POLICY IF EXISTS "user_chat_messages_v2_sent_policy" ON "chat_messages_v2";--> statement-breakpoint
ALTER POLICY "user_chat_messages_v2_policy" ON "chat_messages_v2"
  USING ("sender_user_id" = nullif(current_setting('chatstore.user_id', true), '')::uuid
    OR EXISTS (SELECT 1 FROM "conversation_sessions" s WHERE s."id" = "chat_messages_v2"."session_id"))
  WITH CHECK ("sender_user_id" = nullif(current_setting('chatstore.user_id', true), '')::uuid
    OR EXISTS (SELECT 1 FROM "conversation_sessions" s WHERE s."id" = "chat_messages_v2"."session_id"));--> statement-breakpoint
DROP POLICY IF EXISTS "user_users_policy" ON "users";--> statement-breakpoint
ALTER TABLE "users" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "users" DISABLE ROW LEVEL SECURITY;
