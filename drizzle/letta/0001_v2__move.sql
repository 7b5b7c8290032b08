-- letta v1 → v2, written by hand (docs/targets/letta.md, "The move to v2"). drizzle-kit's own
-- v2 migration would drop `users` and rebuild `messages` and `queue` without their user ids; the
-- seed's plan drops everything. This move keeps every row: each Telegram id v1 knows (in users,
-- messages or queue) becomes one letta_users row and one `telegram` platform profile with the
-- same id; messages and queue entries point at them; `attempts` becomes `attempt_count`;
-- message and queue ids, processed flags and agent responses stay as they were. The counts are
-- verified before the v1 tables go: a mismatch fails a CHECK, and the engine rolls the whole
-- migration back, leaving v1 untouched. The seed's discard path is discard/v2.sql.
--
-- 1. Every Telegram id v1 knows, numbered in id order: the new user id, also the profile id.
--    `first_seen` is the timestamp of the id's first message, for created_at. `user_id` has
--    INTEGER affinity like v1's columns, so joins on it use its index.
CREATE TEMP TABLE `_letta_move_users` (
	`user_id` integer NOT NULL UNIQUE,
	`id` integer NOT NULL UNIQUE,
	`first_seen` text
);
--> statement-breakpoint
INSERT INTO `_letta_move_users` (`user_id`, `id`, `first_seen`)
WITH `ids` AS (
	SELECT `user_id` FROM `users`
	UNION SELECT `user_id` FROM `messages` WHERE `user_id` IS NOT NULL
	UNION SELECT `user_id` FROM `queue` WHERE `user_id` IS NOT NULL
), `firsts` AS (
	SELECT `user_id`, min(`id`) AS `message_id` FROM `messages`
	WHERE `user_id` IS NOT NULL AND `timestamp` IS NOT NULL GROUP BY `user_id`
)
SELECT `ids`.`user_id`, row_number() OVER (ORDER BY `ids`.`user_id`), `m`.`timestamp`
FROM `ids`
LEFT JOIN `firsts` ON `firsts`.`user_id` = `ids`.`user_id`
LEFT JOIN `messages` AS `m` ON `m`.`id` = `firsts`.`message_id`;
--> statement-breakpoint
-- 2. The master users and their Telegram profiles. v1's `message_count` (a counter the bot
--    kept, not always the number of messages) stays in the profile's metadata.
CREATE TABLE `letta_users` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`created_at` text DEFAULT CURRENT_TIMESTAMP,
	`last_active` text,
	`agent_preferences` text,
	`conversation_history_limit` integer DEFAULT 10,
	`custom_instructions` text,
	`is_active` BOOLEAN DEFAULT true
);
--> statement-breakpoint
CREATE TABLE `platform_profiles` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`letta_user_id` integer,
	`platform` text,
	`platform_user_id` text,
	`username` text,
	`display_name` text,
	`metadata` text,
	`created_at` text DEFAULT CURRENT_TIMESTAMP,
	`last_active` text,
	UNIQUE(`platform`, `platform_user_id`)
);
--> statement-breakpoint
INSERT INTO `letta_users` (`id`, `created_at`, `last_active`)
SELECT `mu`.`id`, coalesce(`mu`.`first_seen`, `u`.`last_active`, CURRENT_TIMESTAMP), `u`.`last_active`
FROM `_letta_move_users` AS `mu` LEFT JOIN `users` AS `u` ON `u`.`user_id` = `mu`.`user_id`
ORDER BY `mu`.`id`;
--> statement-breakpoint
INSERT INTO `platform_profiles`
	(`id`, `letta_user_id`, `platform`, `platform_user_id`, `username`, `display_name`, `metadata`, `created_at`, `last_active`)
SELECT `mu`.`id`, `mu`.`id`, 'telegram', CAST(`mu`.`user_id` AS TEXT), `u`.`username`, `u`.`first_name`,
	CASE WHEN `u`.`message_count` IS NOT NULL THEN json_object('v1MessageCount', `u`.`message_count`) END,
	coalesce(`mu`.`first_seen`, `u`.`last_active`, CURRENT_TIMESTAMP), `u`.`last_active`
FROM `_letta_move_users` AS `mu` LEFT JOIN `users` AS `u` ON `u`.`user_id` = `mu`.`user_id`
ORDER BY `mu`.`id`;
--> statement-breakpoint
-- 3. messages and queue in v2's column order, ids kept (queue.message_id still points right).
CREATE TABLE `__new_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`letta_user_id` integer,
	`platform_profile_id` integer,
	`role` text,
	`message` text,
	`timestamp` text,
	`processed` integer DEFAULT 0,
	`agent_response` text
);
--> statement-breakpoint
INSERT INTO `__new_messages`
	(`id`, `letta_user_id`, `platform_profile_id`, `role`, `message`, `timestamp`, `processed`, `agent_response`)
SELECT `m`.`id`, `mu`.`id`, `mu`.`id`, `m`.`role`, `m`.`message`, `m`.`timestamp`, `m`.`processed`, `m`.`agent_response`
FROM `messages` AS `m` LEFT JOIN `_letta_move_users` AS `mu` ON `mu`.`user_id` = `m`.`user_id`
ORDER BY `m`.`id`;
--> statement-breakpoint
CREATE TABLE `__new_queue` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`letta_user_id` integer,
	`message_id` integer,
	`status` text,
	`attempt_count` integer DEFAULT 0,
	`timestamp` text DEFAULT CURRENT_TIMESTAMP
);
--> statement-breakpoint
INSERT INTO `__new_queue` (`id`, `letta_user_id`, `message_id`, `status`, `attempt_count`, `timestamp`)
SELECT `q`.`id`, `mu`.`id`, `q`.`message_id`, `q`.`status`, `q`.`attempts`, `q`.`timestamp`
FROM `queue` AS `q` LEFT JOIN `_letta_move_users` AS `mu` ON `mu`.`user_id` = `q`.`user_id`
ORDER BY `q`.`id`;
--> statement-breakpoint
-- AUTOINCREMENT never reuses an id: the new tables continue from v1's high-water marks, also
-- where v1 deleted its newest rows.
INSERT INTO `sqlite_sequence` (`name`, `seq`)
SELECT `t`.`name`, 0 FROM (SELECT '__new_messages' AS `name` UNION ALL SELECT '__new_queue') AS `t`
WHERE NOT EXISTS (SELECT 1 FROM `sqlite_sequence` AS `s` WHERE `s`.`name` = `t`.`name`);
--> statement-breakpoint
UPDATE `sqlite_sequence`
SET `seq` = max(`seq`, coalesce((SELECT max(`old`.`seq`) FROM `sqlite_sequence` AS `old`
	WHERE `old`.`name` = substr(`sqlite_sequence`.`name`, 7)), 0))
WHERE `name` IN ('__new_messages', '__new_queue');
--> statement-breakpoint
-- 4. Verify before anything of v1 is dropped. A failed CHECK names what did not add up.
CREATE TEMP TABLE `_letta_move_verified` (
	`users_kept` integer CONSTRAINT `every v1 user has a letta user and a telegram profile` CHECK (`users_kept` = 1),
	`messages_kept` integer CONSTRAINT `every v1 message was copied with its user` CHECK (`messages_kept` = 1),
	`queue_kept` integer CONSTRAINT `every v1 queue entry was copied with its user and attempts` CHECK (`queue_kept` = 1)
);
--> statement-breakpoint
INSERT INTO `_letta_move_verified` (`users_kept`, `messages_kept`, `queue_kept`)
SELECT
	(SELECT count(*) FROM `letta_users`) = (SELECT count(*) FROM `_letta_move_users`)
	AND (SELECT count(*) FROM `platform_profiles`) = (SELECT count(*) FROM `_letta_move_users`)
	AND (SELECT count(*) FROM `users` AS `u` JOIN `platform_profiles` AS `p`
		ON `p`.`platform` = 'telegram' AND `p`.`platform_user_id` = CAST(`u`.`user_id` AS TEXT)
		AND `p`.`username` IS `u`.`username` AND `p`.`display_name` IS `u`.`first_name`
		AND `p`.`last_active` IS `u`.`last_active`) = (SELECT count(*) FROM `users`),
	(SELECT count(*) FROM `__new_messages`) = (SELECT count(*) FROM `messages`)
	AND (SELECT count(`letta_user_id`) FROM `__new_messages`) = (SELECT count(`user_id`) FROM `messages`)
	AND (SELECT count(`platform_profile_id`) FROM `__new_messages`) = (SELECT count(`user_id`) FROM `messages`)
	AND (SELECT total(`processed`) FROM `__new_messages`) = (SELECT total(`processed`) FROM `messages`)
	AND (SELECT count(`agent_response`) FROM `__new_messages`) = (SELECT count(`agent_response`) FROM `messages`),
	(SELECT count(*) FROM `__new_queue`) = (SELECT count(*) FROM `queue`)
	AND (SELECT count(`letta_user_id`) FROM `__new_queue`) = (SELECT count(`user_id`) FROM `queue`)
	AND (SELECT total(`attempt_count`) FROM `__new_queue`) = (SELECT total(`attempts`) FROM `queue`);
--> statement-breakpoint
-- 5. Only now: v1's tables go, the new ones take their names.
DROP TABLE `users`;
--> statement-breakpoint
DROP TABLE `messages`;
--> statement-breakpoint
DROP TABLE `queue`;
--> statement-breakpoint
ALTER TABLE `__new_messages` RENAME TO `messages`;
--> statement-breakpoint
ALTER TABLE `__new_queue` RENAME TO `queue`;
--> statement-breakpoint
DROP TABLE `_letta_move_verified`;
--> statement-breakpoint
DROP TABLE `_letta_move_users`;
