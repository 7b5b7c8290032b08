-- Down from `hardening` to `initial`: the application's schema again. Its unique rules, indexes
-- and server defaults go; so do the `updated_at` columns of authentication_data and sessions,
-- which always hold values: the engine refuses this unless data loss is allowed.
ALTER TABLE "user_selected_models" DROP CONSTRAINT IF EXISTS "user_selected_models_user_id_key";--> statement-breakpoint
DROP INDEX IF EXISTS "ix_sessions_expires_at";--> statement-breakpoint
DROP INDEX IF EXISTS "ix_sessions_user_id";--> statement-breakpoint
DROP INDEX IF EXISTS "ix_processed_responses_status";--> statement-breakpoint
DROP INDEX IF EXISTS "ix_dialogs_due";--> statement-breakpoint
DROP INDEX IF EXISTS "uq_authentication_data_active_user";--> statement-breakpoint
DROP INDEX IF EXISTS "ix_authentication_data_user_id";--> statement-breakpoint
ALTER TABLE "sessions" DROP COLUMN IF EXISTS "updated_at";--> statement-breakpoint
ALTER TABLE "authentication_data" DROP COLUMN IF EXISTS "updated_at";--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "id" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "user_selected_models" ALTER COLUMN "id" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "sessions" ALTER COLUMN "device_info" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "sessions" ALTER COLUMN "session_metadata" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "sessions" ALTER COLUMN "token_type" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "sessions" ALTER COLUMN "status" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "sessions" ALTER COLUMN "id" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "processed_responses" ALTER COLUMN "status" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "processed_responses" ALTER COLUMN "id" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "dialogs" ALTER COLUMN "auto_send_enabled" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "dialogs" ALTER COLUMN "is_processing_enabled" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "dialogs" ALTER COLUMN "last_message" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "dialogs" ALTER COLUMN "unread_count" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "dialogs" ALTER COLUMN "id" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "authentication_data" ALTER COLUMN "is_active" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "authentication_data" ALTER COLUMN "session_data" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "authentication_data" ALTER COLUMN "id" DROP DEFAULT;
