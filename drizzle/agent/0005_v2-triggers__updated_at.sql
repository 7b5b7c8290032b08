-- The seed's "Triggers: for automatic timestamps" (seed 003): an UPDATE that does not set the
-- row's modification time itself gets now(), so writes outside chatstore's repositories keep
-- chat_messages_v2.updated_at, context_templates.updated_at and agent_states.last_modified
-- current. An UPDATE that sets the column keeps its value (a backfill can write history).
CREATE OR REPLACE FUNCTION chatstore_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION chatstore_touch_last_modified() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.last_modified IS NOT DISTINCT FROM OLD.last_modified THEN
    NEW.last_modified := now();
  END IF;
  RETURN NEW;
END
$$;--> statement-breakpoint
CREATE OR REPLACE TRIGGER chat_messages_v2_updated_at BEFORE UPDATE ON chat_messages_v2
  FOR EACH ROW EXECUTE FUNCTION chatstore_touch_updated_at();--> statement-breakpoint
CREATE OR REPLACE TRIGGER context_templates_updated_at BEFORE UPDATE ON context_templates
  FOR EACH ROW EXECUTE FUNCTION chatstore_touch_updated_at();--> statement-breakpoint
CREATE OR REPLACE TRIGGER agent_states_last_modified BEFORE UPDATE ON agent_states
  FOR EACH ROW EXECUTE FUNCTION chatstore_touch_last_modified();
