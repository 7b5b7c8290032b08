PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_conversation_topics` (
	`conversation_id` text,
	`topic_id` integer,
	`first_occurrence` text NOT NULL,
	`last_occurrence` text NOT NULL,
	`topic_count` integer DEFAULT 1,
	PRIMARY KEY(`conversation_id`, `topic_id`),
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`conversation_id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`topic_id`) REFERENCES `topics`(`topic_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_conversation_topics`("conversation_id", "topic_id", "first_occurrence", "last_occurrence", "topic_count") SELECT "conversation_id", "topic_id", "first_occurrence", "last_occurrence", "topic_count" FROM `conversation_topics`;--> statement-breakpoint
DROP TABLE `conversation_topics`;--> statement-breakpoint
ALTER TABLE `__new_conversation_topics` RENAME TO `conversation_topics`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
ALTER TABLE `memories` DROP COLUMN `full_conversation_history`;