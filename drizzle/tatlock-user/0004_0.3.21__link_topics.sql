-- tatlock-user 0.3.21, step 3 of 3 (hand-written; runs after the generated 0003_0.3.21 pointed
-- conversation_topics.conversation_id at conversations, so it can be written with foreign keys
-- on). Every topic link of a memory (memory_topics) becomes reachable through
-- conversation_topics: one row per conversation and topic, first/last occurrence the earliest and
-- latest memory timestamps, topic_count the number of memories. Rows Tatlock already wrote are
-- widened, never narrowed. Verified before commit; a failure rolls the step back.
INSERT INTO conversation_topics (conversation_id, topic_id, first_occurrence, last_occurrence, topic_count)
SELECT m.conversation_id, mt.topic_id, min(m.timestamp), max(m.timestamp), count(*)
FROM memory_topics mt
JOIN memories m ON m.interaction_id = mt.interaction_id
JOIN topics t ON t.topic_id = mt.topic_id
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
BEGIN SELECT RAISE(ABORT, 'linking topics to conversations: ' || NEW.what || '; nothing was changed'); END;
--> statement-breakpoint
INSERT INTO _verify SELECT 'a memory''s topic is not linked to its conversation', NOT EXISTS (
  SELECT 1 FROM memory_topics mt
  JOIN memories m ON m.interaction_id = mt.interaction_id
  JOIN topics t ON t.topic_id = mt.topic_id
  WHERE NOT EXISTS (SELECT 1 FROM conversation_topics ct
    WHERE ct.conversation_id = m.conversation_id AND ct.topic_id = mt.topic_id
      AND ct.first_occurrence <= m.timestamp AND ct.last_occurrence >= m.timestamp));
--> statement-breakpoint
DROP TABLE temp._verify;
