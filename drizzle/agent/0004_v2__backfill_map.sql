-- The seed's "ID mapping: Track old to new ID relationships" for the move from chat_messages to
-- chat_messages_v2: one row per backfilled (or dual-written) message. Hand-written, outside
-- the `v2` schema module, so a database built from the seed's SQL still adopts as `v2` and
-- gets this table from `migrate`. Typed in src/schema/agent/backfill.ts.
CREATE TABLE "chat_message_id_map" (
	"old_id" uuid PRIMARY KEY NOT NULL,
	"new_id" uuid NOT NULL,
	"migrated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chat_message_id_map_new_id_key" UNIQUE("new_id")
);--> statement-breakpoint
ALTER TABLE "chat_message_id_map" ADD CONSTRAINT "chat_message_id_map_old_id_fkey" FOREIGN KEY ("old_id") REFERENCES "public"."chat_messages"("id") ON DELETE cascade;--> statement-breakpoint
ALTER TABLE "chat_message_id_map" ADD CONSTRAINT "chat_message_id_map_new_id_fkey" FOREIGN KEY ("new_id") REFERENCES "public"."chat_messages_v2"("id") ON DELETE cascade;
