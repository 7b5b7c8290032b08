DROP TABLE `memories`;--> statement-breakpoint
DROP TABLE `memory_topics`;