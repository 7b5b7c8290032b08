-- tatlock-user 0.3.20: the seed's tagged block, statement for statement (test/fixtures/tatlock/user-0.3.20.sql,
-- extracted by scripts/fixtures/tatlock.ts), so a database chatstore creates is the one the seed's SQL creates.
-- Written by hand (docs/decisions/007) so the DDL is the seed's to the letter: drizzle-kit would write its
-- UNIQUE column constraints as named unique indexes and its CHECK as a named constraint.
-- Add conversation_messages table for new schema
CREATE TABLE IF NOT EXISTS conversation_messages (
    message_id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    message_number INTEGER NOT NULL,
    role TEXT NOT NULL CHECK(role IN ('user', 'assistant')),
    content TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    FOREIGN KEY (conversation_id) REFERENCES conversations(conversation_id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS idx_messages_conversation_number
ON conversation_messages(conversation_id, message_number);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS idx_messages_timestamp
ON conversation_messages(timestamp);
--> statement-breakpoint
-- Add schema versioning to conversations table
-- schema_version = 1: uses memories table (old schema)
-- schema_version = 2: uses conversation_messages table (new schema)
ALTER TABLE conversations ADD COLUMN schema_version INTEGER DEFAULT 1;
--> statement-breakpoint
-- Add compact tracking fields to conversations table
ALTER TABLE conversations ADD COLUMN compact_summary TEXT;
--> statement-breakpoint
ALTER TABLE conversations ADD COLUMN compacted_up_to INTEGER DEFAULT 0;
