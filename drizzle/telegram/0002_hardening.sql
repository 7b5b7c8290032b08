ALTER TABLE "authentication_data" ALTER COLUMN "id" SET DEFAULT gen_random_uuid();--> statement-breakpoint
ALTER TABLE "authentication_data" ALTER COLUMN "session_data" SET DEFAULT '{}'::jsonb;--> statement-breakpoint
ALTER TABLE "authentication_data" ALTER COLUMN "is_active" SET DEFAULT true;--> statement-breakpoint
ALTER TABLE "dialogs" ALTER COLUMN "id" SET DEFAULT gen_random_uuid();--> statement-breakpoint
ALTER TABLE "dialogs" ALTER COLUMN "unread_count" SET DEFAULT 0;--> statement-breakpoint
ALTER TABLE "dialogs" ALTER COLUMN "last_message" SET DEFAULT '{}'::jsonb;--> statement-breakpoint
ALTER TABLE "dialogs" ALTER COLUMN "is_processing_enabled" SET DEFAULT false;--> statement-breakpoint
ALTER TABLE "dialogs" ALTER COLUMN "auto_send_enabled" SET DEFAULT false;--> statement-breakpoint
ALTER TABLE "processed_responses" ALTER COLUMN "id" SET DEFAULT gen_random_uuid();--> statement-breakpoint
ALTER TABLE "processed_responses" ALTER COLUMN "status" SET DEFAULT 'PENDING_APPROVAL';--> statement-breakpoint
ALTER TABLE "sessions" ALTER COLUMN "id" SET DEFAULT gen_random_uuid();--> statement-breakpoint
ALTER TABLE "sessions" ALTER COLUMN "status" SET DEFAULT 'PENDING';--> statement-breakpoint
ALTER TABLE "sessions" ALTER COLUMN "token_type" SET DEFAULT 'ACCESS';--> statement-breakpoint
ALTER TABLE "sessions" ALTER COLUMN "session_metadata" SET DEFAULT '{}'::jsonb;--> statement-breakpoint
ALTER TABLE "sessions" ALTER COLUMN "device_info" SET DEFAULT '{}'::jsonb;--> statement-breakpoint
ALTER TABLE "user_selected_models" ALTER COLUMN "id" SET DEFAULT gen_random_uuid();--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "id" SET DEFAULT gen_random_uuid();--> statement-breakpoint
ALTER TABLE "authentication_data" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
CREATE INDEX "ix_authentication_data_user_id" ON "authentication_data" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_authentication_data_active_user" ON "authentication_data" USING btree ("user_id") WHERE is_active = true;--> statement-breakpoint
CREATE INDEX "ix_dialogs_due" ON "dialogs" USING btree ("last_processed_at" NULLS FIRST,"id") WHERE is_processing_enabled = true;--> statement-breakpoint
CREATE INDEX "ix_processed_responses_status" ON "processed_responses" USING btree ("status");--> statement-breakpoint
CREATE INDEX "ix_sessions_user_id" ON "sessions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "ix_sessions_expires_at" ON "sessions" USING btree ("expires_at");--> statement-breakpoint
ALTER TABLE "user_selected_models" ADD CONSTRAINT "user_selected_models_user_id_key" UNIQUE("user_id");