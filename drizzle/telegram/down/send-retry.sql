-- Down from `send-retry` to `task-queue`: drops the refresh tokens' own expiry and the replies'
-- send attempt counts. A refresh token then expires with its session's `expires_at` again, and
-- a FAILED reply no longer says how often it was tried: the engine refuses this while either
-- column holds values, unless data loss is allowed.
ALTER TABLE "sessions" DROP CONSTRAINT IF EXISTS "sessions_refresh_expires_at_check";--> statement-breakpoint
ALTER TABLE "processed_responses" DROP CONSTRAINT IF EXISTS "processed_responses_send_attempts_check";--> statement-breakpoint
ALTER TABLE "sessions" DROP COLUMN IF EXISTS "refresh_expires_at";--> statement-breakpoint
ALTER TABLE "processed_responses" DROP COLUMN IF EXISTS "send_attempts";
