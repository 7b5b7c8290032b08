CREATE TYPE "public"."dialogtype" AS ENUM('PRIVATE', 'GROUP', 'CHANNEL');--> statement-breakpoint
CREATE TYPE "public"."processingstatus" AS ENUM('PENDING_APPROVAL', 'APPROVED', 'REJECTED', 'SENT', 'FAILED');--> statement-breakpoint
CREATE TYPE "public"."sessionstatus" AS ENUM('PENDING', 'AUTHENTICATED', 'ERROR', 'EXPIRED');--> statement-breakpoint
CREATE TYPE "public"."tokentype" AS ENUM('ACCESS', 'REFRESH');--> statement-breakpoint
CREATE TABLE "authentication_data" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"encrypted_credentials" "bytea" NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dialogs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"telegram_dialog_id" varchar(255) NOT NULL,
	"type" "dialogtype" NOT NULL,
	"is_processing_enabled" boolean DEFAULT false NOT NULL,
	"auto_send_enabled" boolean DEFAULT false NOT NULL,
	"last_processed_message_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dialogs_user_id_telegram_dialog_id_key" UNIQUE("user_id","telegram_dialog_id")
);
--> statement-breakpoint
CREATE TABLE "processed_responses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"dialog_id" uuid NOT NULL,
	"last_message_id" varchar(255) NOT NULL,
	"last_message_timestamp" timestamp with time zone NOT NULL,
	"suggested_response" text NOT NULL,
	"edited_response" text,
	"status" "processingstatus" DEFAULT 'PENDING_APPROVAL' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"status" "sessionstatus" DEFAULT 'PENDING' NOT NULL,
	"token" varchar(500) NOT NULL,
	"refresh_token" varchar(500),
	"expires_at" timestamp with time zone NOT NULL,
	"session_metadata" jsonb,
	"device_info" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sessions_token_key" UNIQUE("token"),
	CONSTRAINT "sessions_refresh_token_key" UNIQUE("refresh_token")
);
--> statement-breakpoint
CREATE TABLE "user_selected_models" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"model_name" varchar(255) NOT NULL,
	"system_prompt" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_selected_models_user_id_key" UNIQUE("user_id")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"telegram_id" bigint NOT NULL,
	"username" varchar(255),
	"first_name" varchar(255),
	"last_name" varchar(255),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_telegram_id_key" UNIQUE("telegram_id")
);
--> statement-breakpoint
ALTER TABLE "authentication_data" ADD CONSTRAINT "authentication_data_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dialogs" ADD CONSTRAINT "dialogs_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "processed_responses" ADD CONSTRAINT "processed_responses_dialog_id_fkey" FOREIGN KEY ("dialog_id") REFERENCES "public"."dialogs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_selected_models" ADD CONSTRAINT "user_selected_models_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ix_authentication_data_user_id" ON "authentication_data" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_authentication_data_active_user" ON "authentication_data" USING btree ("user_id") WHERE is_active = true;--> statement-breakpoint
CREATE INDEX "ix_dialogs_user_id" ON "dialogs" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "ix_processed_responses_dialog_id" ON "processed_responses" USING btree ("dialog_id");--> statement-breakpoint
CREATE INDEX "ix_processed_responses_status" ON "processed_responses" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_processed_responses_active_dialog" ON "processed_responses" USING btree ("dialog_id") WHERE status IN ('PENDING_APPROVAL', 'APPROVED');--> statement-breakpoint
CREATE INDEX "ix_sessions_user_id" ON "sessions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "ix_sessions_expires_at" ON "sessions" USING btree ("expires_at");