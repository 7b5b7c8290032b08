-- Down from `v2` to `v1`: the seed's "Rollback: Scripts to revert if needed". Drops the v2
-- tables (their policies go with them), children first. `v1`'s tables, chat_messages above
-- all, are not touched. The `vector` extension stays: other objects may use it.
DROP TABLE IF EXISTS "chat_message_id_map";--> statement-breakpoint
DROP TABLE IF EXISTS "message_versions";--> statement-breakpoint
DROP TABLE IF EXISTS "context_snapshots";--> statement-breakpoint
DROP TABLE IF EXISTS "memory_consolidations";--> statement-breakpoint
DROP TABLE IF EXISTS "agent_memories";--> statement-breakpoint
DROP TABLE IF EXISTS "state_checkpoints";--> statement-breakpoint
DROP TABLE IF EXISTS "state_transitions";--> statement-breakpoint
DROP TABLE IF EXISTS "agent_states";--> statement-breakpoint
DROP TABLE IF EXISTS "context_templates";--> statement-breakpoint
DROP TABLE IF EXISTS "chat_messages_v2";--> statement-breakpoint
-- After chat_messages_v2: its row-level security policy reads conversation_sessions.
DROP TABLE IF EXISTS "conversation_sessions";
