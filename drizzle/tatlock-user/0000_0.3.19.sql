CREATE TABLE `conversation_compacts` (
	`compact_id` text PRIMARY KEY,
	`conversation_id` text NOT NULL,
	`compact_timestamp` text NOT NULL,
	`messages_up_to` integer NOT NULL,
	`compact_summary` text NOT NULL,
	`topics_covered` text,
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`conversation_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `idx_compacts_conversation` ON `conversation_compacts` (`conversation_id`);--> statement-breakpoint
CREATE INDEX `idx_compacts_timestamp` ON `conversation_compacts` (`compact_timestamp`);--> statement-breakpoint
CREATE TABLE `conversation_topics` (
	`conversation_id` text,
	`topic_id` integer,
	`first_occurrence` text NOT NULL,
	`last_occurrence` text NOT NULL,
	`topic_count` integer DEFAULT 1,
	PRIMARY KEY(`conversation_id`, `topic_id`),
	FOREIGN KEY (`conversation_id`) REFERENCES `memories`(`conversation_id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`topic_id`) REFERENCES `topics`(`topic_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `conversations` (
	`conversation_id` text PRIMARY KEY,
	`title` text,
	`started_at` TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
	`last_activity` TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
	`message_count` integer DEFAULT 0
);
--> statement-breakpoint
CREATE TABLE `memories` (
	`interaction_id` text PRIMARY KEY,
	`conversation_id` text NOT NULL,
	`timestamp` text NOT NULL,
	`user_prompt` text NOT NULL,
	`llm_reply` text NOT NULL,
	`full_conversation_history` text
);
--> statement-breakpoint
CREATE TABLE `memory_topics` (
	`interaction_id` text,
	`topic_id` integer,
	PRIMARY KEY(`interaction_id`, `topic_id`),
	FOREIGN KEY (`interaction_id`) REFERENCES `memories`(`interaction_id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`topic_id`) REFERENCES `topics`(`topic_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `personal_variables` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`key` text NOT NULL,
	`value` text NOT NULL,
	`created_at` TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
	`updated_at` TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
--> statement-breakpoint
CREATE TABLE `personal_variables_keys` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`key` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `short_term_storage` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`storage_key` text NOT NULL,
	`storage_value` text NOT NULL,
	`created_at` TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
	`expires_at` TIMESTAMP
);
--> statement-breakpoint
CREATE UNIQUE INDEX `short_term_storage_storage_key_unique` ON `short_term_storage` (`storage_key`);--> statement-breakpoint
CREATE TABLE `topics` (
	`topic_id` integer PRIMARY KEY AUTOINCREMENT,
	`topic_name` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `topics_topic_name_unique` ON `topics` (`topic_name`);