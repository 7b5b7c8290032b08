CREATE TABLE `messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`user_id` integer,
	`role` text,
	`message` text,
	`timestamp` text,
	`processed` integer DEFAULT 0,
	`agent_response` text
);
--> statement-breakpoint
CREATE TABLE `queue` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`user_id` integer,
	`message_id` integer,
	`status` text,
	`attempts` integer DEFAULT 0,
	`timestamp` text DEFAULT CURRENT_TIMESTAMP
);
--> statement-breakpoint
CREATE TABLE `users` (
	`user_id` integer PRIMARY KEY,
	`username` text,
	`first_name` text,
	`last_active` text,
	`message_count` integer DEFAULT 0
);
