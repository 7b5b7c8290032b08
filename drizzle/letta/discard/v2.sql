-- letta v1 → v2 by the seed's own plan ("Drop existing tables (since we're not preserving
-- data)"): DELETES every v1 user, message and queue entry and starts v2 empty. Taken only on
-- request, instead of 0001_v2__move.sql (which keeps every row):
--   chatstore migrate letta --db <file> --discard-data --allow-data-loss
-- Without --allow-data-loss the engine lists the rows this would delete and stops.
DROP TABLE IF EXISTS `users`;
--> statement-breakpoint
DROP TABLE IF EXISTS `messages`;
--> statement-breakpoint
DROP TABLE IF EXISTS `queue`;
--> statement-breakpoint
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
CREATE TABLE `messages` (
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
CREATE TABLE `queue` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`letta_user_id` integer,
	`message_id` integer,
	`status` text,
	`attempt_count` integer DEFAULT 0,
	`timestamp` text DEFAULT CURRENT_TIMESTAMP
);
