CREATE TYPE "public"."dialogtype" AS ENUM('PRIVATE', 'GROUP', 'CHANNEL');--> statement-breakpoint
CREATE TYPE "public"."processingstatus" AS ENUM('PENDING_APPROVAL', 'APPROVED', 'REJECTED', 'SENT', 'FAILED');--> statement-breakpoint
CREATE TYPE "public"."sessionstatus" AS ENUM('PENDING', 'AUTHENTICATED', 'ERROR', 'EXPIRED');--> statement-breakpoint
CREATE TYPE "public"."tokentype" AS ENUM('ACCESS', 'REFRESH');--> statement-breakpoint
CREATE TABLE "authentication_data" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"telegram_id" bigint NOT NULL,
	"session_data" jsonb,
	"encrypted_credentials" "bytea",
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_active_at" timestamp with time zone,
	"is_active" boolean,
	CONSTRAINT "authentication_data_telegram_id_key" UNIQUE("telegram_id")
);
--> statement-breakpoint
CREATE TABLE "dialogs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"telegram_dialog_id" varchar(255) NOT NULL,
	"user_id" uuid NOT NULL,
	"name" varchar(255) NOT NULL,
	"type" "dialogtype" NOT NULL,
	"unread_count" integer,
	"last_message" jsonb,
	"is_processing_enabled" boolean NOT NULL,
	"auto_send_enabled" boolean NOT NULL,
	"last_processed_message_id" varchar(255),
	"last_processed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "uq_dialog_user_telegram" UNIQUE("user_id","telegram_dialog_id")
);
--> statement-breakpoint
CREATE TABLE "processed_responses" (
	"id" uuid PRIMARY KEY NOT NULL,
	"dialog_id" uuid NOT NULL,
	"last_message_id" varchar(255) NOT NULL,
	"last_message_timestamp" timestamp with time zone NOT NULL,
	"suggested_response" text NOT NULL,
	"edited_response" text,
	"status" "processingstatus" NOT NULL,
	"model_name" varchar(255) NOT NULL,
	"processed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"approved_at" timestamp with time zone,
	"sent_at" timestamp with time zone,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "uq_dialog_response" UNIQUE("dialog_id")
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"status" "sessionstatus" NOT NULL,
	"token" varchar(500) NOT NULL,
	"refresh_token" varchar(500),
	"token_type" "tokentype" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"last_activity" timestamp with time zone DEFAULT now() NOT NULL,
	"session_metadata" jsonb NOT NULL,
	"device_info" jsonb NOT NULL,
	CONSTRAINT "sessions_token_key" UNIQUE("token"),
	CONSTRAINT "sessions_refresh_token_key" UNIQUE("refresh_token")
);
--> statement-breakpoint
CREATE TABLE "user_selected_models" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"model_name" varchar(255) NOT NULL,
	"system_prompt" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY NOT NULL,
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
ALTER TABLE "user_selected_models" ADD CONSTRAINT "user_selected_models_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;