-- tatlock-user 0.3.21, step 1 of 3 (hand-written; runs before the generated 0003_0.3.21 drops
-- memories.full_conversation_history). Moves every conversation still on the old schema
-- (conversations.schema_version = 1 or unset, or present in memories without a conversations
-- row) to conversation_messages, and each conversation's latest compact into conversations.
-- Counts are verified at the end: a mismatch raises, and the engine rolls the whole migration
-- back (it runs in one BEGIN IMMEDIATE transaction), leaving the file as it was.

-- Tatlock wrote with foreign keys off, so memories, compacts, topic links and messages may name
-- a conversation that has no conversations row. Give each one a row (on the old schema, so it
-- is moved below): nothing may point at a missing conversation once 0.3.21 enforces the keys.
INSERT INTO conversations (conversation_id, schema_version)
SELECT DISTINCT conversation_id, 1 FROM (
  SELECT conversation_id FROM memories
  UNION SELECT conversation_id FROM conversation_compacts
  UNION SELECT conversation_id FROM conversation_topics
  UNION SELECT conversation_id FROM conversation_messages
) AS referenced
WHERE conversation_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.conversation_id = referenced.conversation_id);
--> statement-breakpoint
CREATE TEMP TABLE _before AS
SELECT (SELECT count(*) FROM conversation_messages) AS messages, (SELECT count(*) FROM memories) AS memories;
--> statement-breakpoint
-- The conversations to move, with what they hold before the move.
CREATE TEMP TABLE _move AS
SELECT c.conversation_id,
  (SELECT count(*) FROM memories m WHERE m.conversation_id = c.conversation_id) AS memories,
  (SELECT count(*) FROM conversation_messages x WHERE x.conversation_id = c.conversation_id) AS existing,
  (SELECT coalesce(max(x.message_number), 0) FROM conversation_messages x WHERE x.conversation_id = c.conversation_id) AS numbered
FROM conversations c
WHERE c.schema_version IS NOT 2;
--> statement-breakpoint
-- Each memory becomes two messages, numbered in timestamp order (ties in insertion order) after
-- any the conversation already has: its user_prompt as `user`, its llm_reply as `assistant`.
-- Ids derive from the interaction, so every message can be traced back to its memory.
INSERT INTO conversation_messages (message_id, conversation_id, message_number, role, content, timestamp)
SELECT m.interaction_id || ':' || r.role, m.conversation_id,
  mv.numbered + 2 * m.n - (r.role = 'user'), r.role,
  CASE r.role WHEN 'user' THEN m.user_prompt ELSE m.llm_reply END, m.timestamp
FROM (
  SELECT interaction_id, conversation_id, timestamp, user_prompt, llm_reply,
    row_number() OVER (PARTITION BY conversation_id ORDER BY timestamp, rowid) AS n
  FROM memories
) AS m
JOIN _move mv ON mv.conversation_id = m.conversation_id
CROSS JOIN (SELECT 'user' AS role UNION ALL SELECT 'assistant') AS r
ORDER BY m.conversation_id, m.n, r.role DESC;
--> statement-breakpoint
UPDATE conversations SET
  message_count = (SELECT count(*) FROM conversation_messages x WHERE x.conversation_id = conversations.conversation_id),
  started_at = coalesce(
    (SELECT min(x.timestamp) FROM conversation_messages x WHERE x.conversation_id = conversations.conversation_id),
    started_at),
  last_activity = coalesce(
    (SELECT max(x.timestamp) FROM conversation_messages x WHERE x.conversation_id = conversations.conversation_id),
    last_activity),
  schema_version = 2
WHERE conversation_id IN (SELECT conversation_id FROM _move);
--> statement-breakpoint
-- The latest compact (by compact_timestamp, as Tatlock reads them) of every conversation, unless
-- the conversation already records a compact at least as far along.
UPDATE conversations SET compact_summary = k.compact_summary, compacted_up_to = k.messages_up_to
FROM (
  SELECT conversation_id, compact_summary, messages_up_to,
    row_number() OVER (PARTITION BY conversation_id ORDER BY compact_timestamp DESC, messages_up_to DESC) AS n
  FROM conversation_compacts
) AS k
WHERE k.n = 1 AND k.conversation_id = conversations.conversation_id
  AND (conversations.compact_summary IS NULL OR coalesce(conversations.compacted_up_to, 0) <= k.messages_up_to);
--> statement-breakpoint
CREATE TEMP TABLE _verify (what TEXT NOT NULL, ok INTEGER NOT NULL);
--> statement-breakpoint
CREATE TEMP TRIGGER _verify_ok BEFORE INSERT ON _verify WHEN NEW.ok IS NOT 1
BEGIN SELECT RAISE(ABORT, 'moving to conversation_messages: ' || NEW.what || '; nothing was changed'); END;
--> statement-breakpoint
INSERT INTO _verify SELECT 'the number of messages is not the number before plus two per memory moved',
  (SELECT count(*) FROM conversation_messages) = (SELECT messages FROM _before) + 2 * (SELECT coalesce(sum(memories), 0) FROM _move);
--> statement-breakpoint
INSERT INTO _verify SELECT 'memories changed during the move', (SELECT count(*) FROM memories) = (SELECT memories FROM _before);
--> statement-breakpoint
INSERT INTO _verify SELECT 'a memory has no user and assistant message with its prompt and reply', NOT EXISTS (
  SELECT 1 FROM memories m JOIN _move USING (conversation_id)
  WHERE NOT EXISTS (SELECT 1 FROM conversation_messages x WHERE x.message_id = m.interaction_id || ':user'
      AND x.conversation_id = m.conversation_id AND x.role = 'user' AND x.content = m.user_prompt)
    OR NOT EXISTS (SELECT 1 FROM conversation_messages x WHERE x.message_id = m.interaction_id || ':assistant'
      AND x.conversation_id = m.conversation_id AND x.role = 'assistant' AND x.content = m.llm_reply));
--> statement-breakpoint
INSERT INTO _verify SELECT 'a moved conversation does not count its messages or is not on schema 2', NOT EXISTS (
  SELECT 1 FROM _move mv JOIN conversations c USING (conversation_id)
  WHERE c.message_count IS NOT mv.existing + 2 * mv.memories OR c.schema_version IS NOT 2);
--> statement-breakpoint
INSERT INTO _verify SELECT 'message numbers repeat within a conversation', NOT EXISTS (
  SELECT 1 FROM conversation_messages GROUP BY conversation_id, message_number HAVING count(*) > 1);
--> statement-breakpoint
INSERT INTO _verify SELECT 'a conversation still has memories on the old schema', NOT EXISTS (
  SELECT 1 FROM memories m LEFT JOIN conversations c USING (conversation_id) WHERE c.schema_version IS NOT 2);
--> statement-breakpoint
INSERT INTO _verify SELECT 'a conversation''s latest compact was not moved', NOT EXISTS (
  SELECT 1 FROM (
    SELECT conversation_id, messages_up_to,
      row_number() OVER (PARTITION BY conversation_id ORDER BY compact_timestamp DESC, messages_up_to DESC) AS n
    FROM conversation_compacts
  ) AS k JOIN conversations c USING (conversation_id)
  WHERE k.n = 1 AND (c.compact_summary IS NULL OR coalesce(c.compacted_up_to, 0) < k.messages_up_to));
--> statement-breakpoint
DROP TABLE temp._verify;
--> statement-breakpoint
DROP TABLE temp._move;
--> statement-breakpoint
DROP TABLE temp._before;
