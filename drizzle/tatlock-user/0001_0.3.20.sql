CREATE TABLE `conversation_messages` (
	`message_id` text PRIMARY KEY,
	`conversation_id` text NOT NULL,
	`message_number` integer NOT NULL,
	`role` text NOT NULL,
	`content` text NOT NULL,
	`timestamp` text NOT NULL,
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`conversation_id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "conversation_messages_role_check" CHECK(role IN ('user', 'assistant'))
);
--> statement-breakpoint
CREATE INDEX `idx_messages_conversation_number` ON `conversation_messages` (`conversation_id`,`message_number`);--> statement-breakpoint
CREATE INDEX `idx_messages_timestamp` ON `conversation_messages` (`timestamp`);--> statement-breakpoint
ALTER TABLE `conversations` ADD `schema_version` integer DEFAULT 1;--> statement-breakpoint
ALTER TABLE `conversations` ADD `compact_summary` text;--> statement-breakpoint
ALTER TABLE `conversations` ADD `compacted_up_to` integer DEFAULT 0;