-- Down from `archive-search` to `phase3`: the two indexes go (they are derived), and with them
-- `archived_at` (refused without --allow-data-loss while a conversation is archived).
DROP INDEX IF EXISTS "idx_messages_content_fts";--> statement-breakpoint
DROP INDEX IF EXISTS "idx_messages_conversation_recent";--> statement-breakpoint
ALTER TABLE "conversations" DROP COLUMN IF EXISTS "archived_at";
