-- tatlock-user 0.3.22, step 1 of 2 (hand-written; runs before the generated 0006_0.3.22 drops
-- conversation_compacts). 0.3.21 already moved each conversation's latest compact into
-- conversations; an app still writing compacts since then would lose them, so the move runs again
-- (it changes nothing when nothing is new) and is verified. A failure rolls the step back.
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
BEGIN SELECT RAISE(ABORT, 'moving compacts to conversations: ' || NEW.what || '; nothing was changed'); END;
--> statement-breakpoint
INSERT INTO _verify SELECT 'a conversation''s latest compact was not moved', NOT EXISTS (
  SELECT 1 FROM (
    SELECT conversation_id, messages_up_to,
      row_number() OVER (PARTITION BY conversation_id ORDER BY compact_timestamp DESC, messages_up_to DESC) AS n
    FROM conversation_compacts
  ) AS k LEFT JOIN conversations c USING (conversation_id)
  WHERE k.n = 1 AND (c.compact_summary IS NULL OR coalesce(c.compacted_up_to, 0) < k.messages_up_to));
--> statement-breakpoint
DROP TABLE temp._verify;
