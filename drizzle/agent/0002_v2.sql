CREATE TABLE "agent_memories" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agent_id" uuid NOT NULL,
	"memory_type" varchar(20) NOT NULL,
	"content" jsonb NOT NULL,
	"embeddings" vector(1536),
	"importance" double precision DEFAULT 0.5,
	"decay_rate" double precision DEFAULT 0.1,
	"access_count" integer DEFAULT 0,
	"related_memories" uuid[],
	"source_message_id" uuid,
	"last_accessed" timestamp with time zone DEFAULT now(),
	"created_at" timestamp with time zone DEFAULT now(),
	"expires_at" timestamp with time zone,
	CONSTRAINT "agent_memories_memory_type_check" CHECK (memory_type IN ('episodic', 'semantic', 'procedural', 'working')),
	CONSTRAINT "agent_memories_importance_check" CHECK (importance >= 0 AND importance <= 1),
	CONSTRAINT "check_memory_content" CHECK (CASE memory_type
      WHEN 'episodic' THEN content ? 'event' AND content ? 'temporal'
      WHEN 'semantic' THEN content ? 'concept' AND content ? 'definition'
      WHEN 'procedural' THEN content ? 'skill' AND content ? 'steps'
      WHEN 'working' THEN content ? 'items' AND content ? 'capacity'
      ELSE false
    END)
);
--> statement-breakpoint
CREATE TABLE "agent_states" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agent_id" uuid NOT NULL,
	"version" varchar(10) NOT NULL,
	"local_state" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"shared_state" jsonb DEFAULT '{}'::jsonb,
	"session_state" jsonb DEFAULT '{}'::jsonb,
	"persistent_state" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"state_hash" varchar(64) NOT NULL,
	"modification_count" integer DEFAULT 0,
	"valid_from" timestamp with time zone DEFAULT now(),
	"valid_until" timestamp with time zone,
	"is_current" boolean DEFAULT true,
	"created_at" timestamp with time zone DEFAULT now(),
	"last_modified" timestamp with time zone DEFAULT now()
);
--> statement-breakpoint
CREATE TABLE "chat_messages_v2" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" varchar(10) DEFAULT '1.0.0' NOT NULL,
	"conversation_id" uuid NOT NULL,
	"session_id" uuid NOT NULL,
	"parent_message_id" uuid,
	"channel_id" uuid,
	"sender_user_id" uuid,
	"sender_agent_id" uuid,
	"role" varchar(20) NOT NULL,
	"content" jsonb NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb,
	"context" jsonb DEFAULT '{}'::jsonb,
	"tools" jsonb,
	"memory_refs" uuid[],
	"state_snapshot_id" uuid,
	"audit" jsonb,
	"created_at" timestamp with time zone DEFAULT now(),
	"updated_at" timestamp with time zone DEFAULT now(),
	CONSTRAINT "chat_messages_v2_role_check" CHECK (role IN ('system', 'user', 'assistant', 'tool')),
	CONSTRAINT "check_content_structure" CHECK (content ? 'type' AND content->>'type' IN ('text', 'structured', 'multimodal', 'tool_result'))
);
--> statement-breakpoint
CREATE TABLE "context_snapshots" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"message_id" uuid,
	"agent_id" uuid,
	"snapshot_data" jsonb NOT NULL,
	"total_tokens" integer,
	"compression_ratio" double precision,
	"segment_count" integer,
	"build_time_ms" integer,
	"optimization_count" integer,
	"created_at" timestamp with time zone DEFAULT now()
);
--> statement-breakpoint
CREATE TABLE "context_templates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" varchar(100) NOT NULL,
	"description" text,
	"segments" jsonb NOT NULL,
	"variables" jsonb,
	"total_tokens" integer,
	"use_count" integer DEFAULT 0,
	"use_cases" text[],
	"agent_types" text[],
	"created_at" timestamp with time zone DEFAULT now(),
	"updated_at" timestamp with time zone DEFAULT now(),
	CONSTRAINT "context_templates_name_key" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "conversation_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"conversation_id" uuid NOT NULL,
	"user_id" uuid,
	"agent_id" uuid,
	"started_at" timestamp with time zone DEFAULT now(),
	"ended_at" timestamp with time zone,
	"last_active" timestamp with time zone DEFAULT now(),
	"message_count" integer DEFAULT 0,
	"total_tokens_used" integer DEFAULT 0,
	"tool_calls_count" integer DEFAULT 0,
	"session_state" jsonb DEFAULT '{}'::jsonb,
	"interruption_context" jsonb,
	"status" varchar(20) DEFAULT 'active',
	CONSTRAINT "conversation_sessions_status_check" CHECK (status IN ('active', 'paused', 'completed', 'abandoned'))
);
--> statement-breakpoint
CREATE TABLE "memory_consolidations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agent_id" uuid NOT NULL,
	"source_memories" uuid[] NOT NULL,
	"consolidated_memory_id" uuid,
	"consolidation_type" varchar(20),
	"tokens_saved" integer,
	"created_at" timestamp with time zone DEFAULT now(),
	CONSTRAINT "memory_consolidations_consolidation_type_check" CHECK (consolidation_type IN ('merge', 'summarize', 'abstract'))
);
--> statement-breakpoint
CREATE TABLE "message_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"message_id" uuid NOT NULL,
	"version_number" integer NOT NULL,
	"content" jsonb NOT NULL,
	"metadata" jsonb,
	"changed_by" uuid,
	"change_reason" text,
	"created_at" timestamp with time zone DEFAULT now(),
	CONSTRAINT "message_versions_message_id_version_number_key" UNIQUE("message_id","version_number")
);
--> statement-breakpoint
CREATE TABLE "state_checkpoints" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agent_id" uuid NOT NULL,
	"state_id" uuid NOT NULL,
	"checkpoint_type" varchar(20),
	"trigger_reason" text,
	"state_data" jsonb NOT NULL,
	"compression_type" varchar(10),
	"size_bytes" integer,
	"restoration_time_ms" integer,
	"restoration_count" integer DEFAULT 0,
	"retention_policy" varchar(20),
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now(),
	CONSTRAINT "state_checkpoints_checkpoint_type_check" CHECK (checkpoint_type IN ('manual', 'automatic', 'error_recovery', 'milestone')),
	CONSTRAINT "state_checkpoints_retention_policy_check" CHECK (retention_policy IN ('temporary', 'permanent', 'archive'))
);
--> statement-breakpoint
CREATE TABLE "state_transitions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agent_id" uuid NOT NULL,
	"from_state_id" uuid,
	"to_state_id" uuid NOT NULL,
	"transition_type" varchar(20),
	"trigger" varchar(50),
	"changes" jsonb NOT NULL,
	"rollback_available" boolean DEFAULT true,
	"rollback_data" jsonb,
	"created_at" timestamp with time zone DEFAULT now(),
	CONSTRAINT "state_transitions_transition_type_check" CHECK (transition_type IN ('update', 'merge', 'reset', 'restore'))
);
--> statement-breakpoint
ALTER TABLE "agent_memories" ADD CONSTRAINT "agent_memories_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_memories" ADD CONSTRAINT "agent_memories_source_message_id_fkey" FOREIGN KEY ("source_message_id") REFERENCES "public"."chat_messages_v2"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_states" ADD CONSTRAINT "agent_states_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_messages_v2" ADD CONSTRAINT "chat_messages_v2_parent_message_id_fkey" FOREIGN KEY ("parent_message_id") REFERENCES "public"."chat_messages_v2"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_messages_v2" ADD CONSTRAINT "chat_messages_v2_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_messages_v2" ADD CONSTRAINT "chat_messages_v2_sender_user_id_fkey" FOREIGN KEY ("sender_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_messages_v2" ADD CONSTRAINT "chat_messages_v2_sender_agent_id_fkey" FOREIGN KEY ("sender_agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "context_snapshots" ADD CONSTRAINT "context_snapshots_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "public"."chat_messages_v2"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "context_snapshots" ADD CONSTRAINT "context_snapshots_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversation_sessions" ADD CONSTRAINT "conversation_sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversation_sessions" ADD CONSTRAINT "conversation_sessions_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memory_consolidations" ADD CONSTRAINT "memory_consolidations_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memory_consolidations" ADD CONSTRAINT "memory_consolidations_consolidated_memory_id_fkey" FOREIGN KEY ("consolidated_memory_id") REFERENCES "public"."agent_memories"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_versions" ADD CONSTRAINT "message_versions_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "public"."chat_messages_v2"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_versions" ADD CONSTRAINT "message_versions_changed_by_fkey" FOREIGN KEY ("changed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "state_checkpoints" ADD CONSTRAINT "state_checkpoints_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "state_checkpoints" ADD CONSTRAINT "state_checkpoints_state_id_fkey" FOREIGN KEY ("state_id") REFERENCES "public"."agent_states"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "state_transitions" ADD CONSTRAINT "state_transitions_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "state_transitions" ADD CONSTRAINT "state_transitions_from_state_id_fkey" FOREIGN KEY ("from_state_id") REFERENCES "public"."agent_states"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "state_transitions" ADD CONSTRAINT "state_transitions_to_state_id_fkey" FOREIGN KEY ("to_state_id") REFERENCES "public"."agent_states"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_memories_agent_type" ON "agent_memories" USING btree ("agent_id","memory_type");--> statement-breakpoint
CREATE INDEX "idx_memories_importance" ON "agent_memories" USING btree ("importance" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "idx_memories_embedding" ON "agent_memories" USING hnsw ("embeddings" vector_cosine_ops);--> statement-breakpoint
CREATE INDEX "idx_memories_content_gin" ON "agent_memories" USING gin ("content");--> statement-breakpoint
CREATE UNIQUE INDEX "unique_current_state" ON "agent_states" USING btree ("agent_id","is_current") WHERE is_current = true;--> statement-breakpoint
CREATE INDEX "idx_states_agent_current" ON "agent_states" USING btree ("agent_id") WHERE is_current = true;--> statement-breakpoint
CREATE INDEX "idx_states_valid_range" ON "agent_states" USING btree ("valid_from","valid_until");--> statement-breakpoint
CREATE INDEX "idx_messages_conversation" ON "chat_messages_v2" USING btree ("conversation_id","created_at");--> statement-breakpoint
CREATE INDEX "idx_messages_session" ON "chat_messages_v2" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "idx_messages_channel" ON "chat_messages_v2" USING btree ("channel_id");--> statement-breakpoint
CREATE INDEX "idx_messages_content_gin" ON "chat_messages_v2" USING gin ("content");--> statement-breakpoint
CREATE INDEX "idx_messages_metadata_gin" ON "chat_messages_v2" USING gin ("metadata");