-- Down from `phase3` to `phase2`: the seed's "Rollback Plan", plus undoing the row-level
-- security that `0002_phase3__rls` put on `tasks`. Tasks and users stay intact.
DROP POLICY IF EXISTS "user_tasks_policy" ON "tasks";--> statement-breakpoint
ALTER TABLE "tasks" DISABLE ROW LEVEL SECURITY;--> statement-breakpoint
DROP TABLE IF EXISTS "messages";--> statement-breakpoint
DROP TABLE IF EXISTS "conversation_metadata";--> statement-breakpoint
DROP TABLE IF EXISTS "conversations";
