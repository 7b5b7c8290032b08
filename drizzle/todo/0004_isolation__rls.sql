-- todo, generation `isolation`: row-level security that isolates users (decision 019).
-- `0002_phase3__rls` left three gaps: `users` had no policy (every e-mail readable), a message
-- was checked by its own `user_id` only (a user could write into another's conversation), and
-- table owners bypassed every policy. Now:
-- - `users`: a user sees and writes only their own row;
-- - `messages`: read and written only when both the message and its conversation are the
--   acting user's (the parent's ownership is part of every check);
-- - FORCE ROW LEVEL SECURITY on every table with a policy, so a table owner that is not a
--   superuser is bound as well. Superusers and BYPASSRLS roles still bypass RLS; `asUser`
--   refuses to act as one.
-- The acting user is the transaction-local setting `chatstore.user_id` (`asUser`); with no
-- setting nothing matches. The setting is trusted: see docs/targets/todo.md, "Trust model".
ALTER TABLE "users" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "user_users_policy" ON "users"
  USING ("id" = current_setting('chatstore.user_id', true))
  WITH CHECK ("id" = current_setting('chatstore.user_id', true));--> statement-breakpoint
ALTER POLICY "user_messages_policy" ON "messages"
  USING ("user_id" = current_setting('chatstore.user_id', true)
    AND EXISTS (SELECT 1 FROM "conversations" c
      WHERE c."id" = "messages"."conversation_id"
        AND c."user_id" = current_setting('chatstore.user_id', true)))
  WITH CHECK ("user_id" = current_setting('chatstore.user_id', true)
    AND EXISTS (SELECT 1 FROM "conversations" c
      WHERE c."id" = "messages"."conversation_id"
        AND c."user_id" = current_setting('chatstore.user_id', true)));--> statement-breakpoint
ALTER TABLE "users" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tasks" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "conversations" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "messages" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "conversation_metadata" FORCE ROW LEVEL SECURITY;
