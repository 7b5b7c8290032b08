ALTER TABLE "processed_responses" ADD COLUMN "send_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "refresh_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "processed_responses" ADD CONSTRAINT "processed_responses_send_attempts_check" CHECK (send_attempts >= 0);--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_refresh_expires_at_check" CHECK (refresh_expires_at IS NULL OR refresh_token IS NOT NULL);