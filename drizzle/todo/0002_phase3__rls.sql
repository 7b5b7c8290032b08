-- Row-level security for the todo chatbot (seed 004, "Row-Level Security (Future)").
-- The seed's Supabase `auth.uid()` becomes the session setting `chatstore.user_id`, set per
-- transaction by `asUser()`. Table owners bypass RLS; the app connects as a non-owner role.
ALTER TABLE "tasks" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "user_tasks_policy" ON "tasks"
  USING ("user_id" = current_setting('chatstore.user_id', true))
  WITH CHECK ("user_id" = current_setting('chatstore.user_id', true));--> statement-breakpoint
ALTER TABLE "conversations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "user_conversations_policy" ON "conversations"
  USING ("user_id" = current_setting('chatstore.user_id', true))
  WITH CHECK ("user_id" = current_setting('chatstore.user_id', true));--> statement-breakpoint
ALTER TABLE "messages" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "user_messages_policy" ON "messages"
  USING ("user_id" = current_setting('chatstore.user_id', true))
  WITH CHECK ("user_id" = current_setting('chatstore.user_id', true));--> statement-breakpoint
ALTER TABLE "conversation_metadata" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "user_conversation_metadata_policy" ON "conversation_metadata"
  USING (EXISTS (
    SELECT 1 FROM "conversations" c
    WHERE c."id" = "conversation_metadata"."conversation_id"
      AND c."user_id" = current_setting('chatstore.user_id', true)))
  WITH CHECK (EXISTS (
    SELECT 1 FROM "conversations" c
    WHERE c."id" = "conversation_metadata"."conversation_id"
      AND c."user_id" = current_setting('chatstore.user_id', true)));
