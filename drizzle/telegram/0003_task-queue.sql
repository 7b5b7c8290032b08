CREATE TYPE "public"."taskpriority" AS ENUM('LOW', 'NORMAL', 'HIGH');--> statement-breakpoint
CREATE TYPE "public"."taskstatus" AS ENUM('PENDING', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED');--> statement-breakpoint
CREATE TYPE "public"."tasktype" AS ENUM('DIALOG', 'USER', 'SYSTEM');--> statement-breakpoint
CREATE TABLE "session_rotated_tokens" (
	"token_digest" varchar(64) PRIMARY KEY NOT NULL,
	"session_id" uuid NOT NULL,
	"rotated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"type" "tasktype" NOT NULL,
	"priority" "taskpriority" DEFAULT 'NORMAL' NOT NULL,
	"status" "taskstatus" DEFAULT 'PENDING' NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"dialog_id" uuid,
	"user_id" uuid,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 3 NOT NULL,
	"run_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_by" varchar(255),
	"locked_at" timestamp with time zone,
	"heartbeat_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	CONSTRAINT "tasks_attempts_check" CHECK (attempts >= 0 AND max_attempts >= 1),
	CONSTRAINT "tasks_lock_check" CHECK ((status = 'PROCESSING') = (locked_by IS NOT NULL AND locked_at IS NOT NULL AND heartbeat_at IS NOT NULL))
);
--> statement-breakpoint
ALTER TABLE "authentication_data" ADD COLUMN "key_id" varchar(64);--> statement-breakpoint
ALTER TABLE "session_rotated_tokens" ADD CONSTRAINT "session_rotated_tokens_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_dialog_id_fkey" FOREIGN KEY ("dialog_id") REFERENCES "public"."dialogs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ix_session_rotated_tokens_session_id" ON "session_rotated_tokens" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "ix_tasks_claim" ON "tasks" USING btree ("priority" DESC NULLS LAST,"created_at","id") WHERE status = 'PENDING';--> statement-breakpoint
CREATE INDEX "ix_tasks_heartbeat" ON "tasks" USING btree ("heartbeat_at") WHERE status = 'PROCESSING';--> statement-breakpoint
CREATE INDEX "ix_tasks_dialog_id" ON "tasks" USING btree ("dialog_id");--> statement-breakpoint
CREATE INDEX "ix_tasks_user_id" ON "tasks" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_tasks_pending_dialog_type" ON "tasks" USING btree ("dialog_id","type") WHERE status = 'PENDING' AND dialog_id IS NOT NULL;