-- Down from `v2-triggers` to `v2`: the triggers and their functions go; no data changes.
DROP TRIGGER IF EXISTS agent_states_last_modified ON agent_states;--> statement-breakpoint
DROP TRIGGER IF EXISTS context_templates_updated_at ON context_templates;--> statement-breakpoint
DROP TRIGGER IF EXISTS chat_messages_v2_updated_at ON chat_messages_v2;--> statement-breakpoint
DROP FUNCTION IF EXISTS chatstore_touch_last_modified();--> statement-breakpoint
DROP FUNCTION IF EXISTS chatstore_touch_updated_at();
