-- Down from `task-queue` to `hardening`: drops the task queue, the rotated refresh-token digests
-- and `authentication_data.key_id`. Credentials stay, but without their key id chatstore can no
-- longer tell which key decrypts them: the engine refuses this while key_id holds values,
-- unless data loss is allowed.
DROP TABLE IF EXISTS "tasks";--> statement-breakpoint
DROP TABLE IF EXISTS "session_rotated_tokens";--> statement-breakpoint
ALTER TABLE "authentication_data" DROP COLUMN IF EXISTS "key_id";--> statement-breakpoint
DROP TYPE IF EXISTS "public"."taskpriority";--> statement-breakpoint
DROP TYPE IF EXISTS "public"."taskstatus";--> statement-breakpoint
DROP TYPE IF EXISTS "public"."tasktype";
