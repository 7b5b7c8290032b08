-- Down from `isolation` to `archive-search`: the row-level security of `0002_phase3__rls` as it
-- was (no policy on users, messages checked by user_id only, owners not bound). No rows change.
ALTER TABLE "conversation_metadata" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "messages" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "conversations" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tasks" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "users" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER POLICY "user_messages_policy" ON "messages"
  USING ("user_id" = current_setting('chatstore.user_id', true))
  WITH CHECK ("user_id" = current_setting('chatstore.user_id', true));--> statement-breakpoint
DROP POLICY IF EXISTS "user_users_policy" ON "users";--> statement-breakpoint
ALTER TABLE "users" DISABLE ROW LEVEL SECURITY;
