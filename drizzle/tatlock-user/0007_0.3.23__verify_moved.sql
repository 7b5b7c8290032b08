-- tatlock-user 0.3.23, step 1 of 2 (hand-written; runs before the generated 0008_0.3.23 drops
-- memories and memory_topics). 0.3.21 moved every memory to conversation_messages and every
-- topic link to conversation_topics. Links written since are linked again here (a no-op when
-- nothing is new); a memory whose conversation was never moved stops the upgrade instead of
-- being dropped. A failure rolls the step back and leaves the file as it was.
INSERT INTO conversation_topics (conversation_id, topic_id, first_occurrence, last_occurrence, topic_count)
SELECT m.conversation_id, mt.topic_id, min(m.timestamp), max(m.timestamp), count(*)
FROM memory_topics mt
JOIN memories m ON m.interaction_id = mt.interaction_id
JOIN topics t ON t.topic_id = mt.topic_id
JOIN conversations c ON c.conversation_id = m.conversation_id
WHERE true -- SQLite: an upsert's SELECT needs a WHERE, or ON CONFLICT may parse as a join
GROUP BY m.conversation_id, mt.topic_id
ON CONFLICT (conversation_id, topic_id) DO UPDATE SET
  first_occurrence = min(first_occurrence, excluded.first_occurrence),
  last_occurrence = max(last_occurrence, excluded.last_occurrence),
  topic_count = max(coalesce(topic_count, 0), excluded.topic_count);
--> statement-breakpoint
CREATE TEMP TABLE _verify (what TEXT NOT NULL, ok INTEGER NOT NULL);
--> statement-breakpoint
CREATE TEMP TRIGGER _verify_ok BEFORE INSERT ON _verify WHEN NEW.ok IS NOT 1
BEGIN SELECT RAISE(ABORT, 'before dropping memories: ' || NEW.what || '; nothing was changed'); END;
--> statement-breakpoint
INSERT INTO _verify SELECT 'a memory belongs to a conversation that was not moved to conversation_messages', NOT EXISTS (
  SELECT 1 FROM memories m LEFT JOIN conversations c USING (conversation_id) WHERE c.schema_version IS NOT 2);
--> statement-breakpoint
INSERT INTO _verify SELECT 'a memory has no user and assistant message with its prompt and reply', NOT EXISTS (
  SELECT 1 FROM memories m
  WHERE NOT EXISTS (SELECT 1 FROM conversation_messages x WHERE x.message_id = m.interaction_id || ':user'
      AND x.conversation_id = m.conversation_id AND x.role = 'user' AND x.content = m.user_prompt)
    OR NOT EXISTS (SELECT 1 FROM conversation_messages x WHERE x.message_id = m.interaction_id || ':assistant'
      AND x.conversation_id = m.conversation_id AND x.role = 'assistant' AND x.content = m.llm_reply));
--> statement-breakpoint
INSERT INTO _verify SELECT 'a memory''s topic is not linked to its conversation', NOT EXISTS (
  SELECT 1 FROM memory_topics mt
  JOIN memories m ON m.interaction_id = mt.interaction_id
  JOIN topics t ON t.topic_id = mt.topic_id
  WHERE NOT EXISTS (SELECT 1 FROM conversation_topics ct
    WHERE ct.conversation_id = m.conversation_id AND ct.topic_id = mt.topic_id));
--> statement-breakpoint
DROP TABLE temp._verify;
