ALTER TABLE "conversations" ADD COLUMN "archived_at" timestamp;--> statement-breakpoint
CREATE INDEX "idx_messages_conversation_recent" ON "messages" USING btree ("conversation_id","created_at","id");--> statement-breakpoint
CREATE INDEX "idx_messages_content_fts" ON "messages" USING gin (to_tsvector('english'::regconfig, "content"));