CREATE TABLE `groups` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`group_name` text NOT NULL,
	`description` text,
	`created_at` TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
--> statement-breakpoint
CREATE UNIQUE INDEX `groups_group_name_unique` ON `groups` (`group_name`);--> statement-breakpoint
CREATE TABLE `passwords` (
	`username` text PRIMARY KEY,
	`password_hash` text NOT NULL,
	`salt` text NOT NULL,
	`created_at` TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
	`updated_at` TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
	FOREIGN KEY (`username`) REFERENCES `users`(`username`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `rise_and_shine` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`instruction` text NOT NULL,
	`enabled` integer DEFAULT 1,
	`created_at` TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
--> statement-breakpoint
CREATE TABLE `roles` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`role_name` text NOT NULL,
	`description` text,
	`created_at` TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
--> statement-breakpoint
CREATE UNIQUE INDEX `roles_role_name_unique` ON `roles` (`role_name`);--> statement-breakpoint
CREATE TABLE `setting_options` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`setting_key` text NOT NULL,
	`option_value` text NOT NULL,
	`is_default` integer DEFAULT 0,
	`enabled` integer DEFAULT 1,
	FOREIGN KEY (`setting_key`) REFERENCES `system_settings`(`setting_key`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `setting_options_setting_key_option_value_unique` ON `setting_options` (`setting_key`,`option_value`);--> statement-breakpoint
CREATE TABLE `system_settings` (
	`setting_key` text PRIMARY KEY,
	`setting_value` text NOT NULL,
	`description` text,
	`created_at` TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
	`updated_at` TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
--> statement-breakpoint
CREATE TABLE `tool_parameters` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`tool_key` text NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`description` text,
	`is_required` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`tool_key`) REFERENCES `tools`(`tool_key`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `tools` (
	`tool_key` text PRIMARY KEY,
	`description` text NOT NULL,
	`module` text NOT NULL,
	`function_name` text NOT NULL,
	`enabled` integer DEFAULT 0 NOT NULL,
	`prompts` text
);
--> statement-breakpoint
CREATE TABLE `user_groups` (
	`username` text,
	`group_id` integer,
	`created_at` TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
	PRIMARY KEY(`username`, `group_id`),
	FOREIGN KEY (`username`) REFERENCES `users`(`username`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`group_id`) REFERENCES `groups`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `user_roles` (
	`username` text,
	`role_id` integer,
	`created_at` TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
	PRIMARY KEY(`username`, `role_id`),
	FOREIGN KEY (`username`) REFERENCES `users`(`username`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`role_id`) REFERENCES `roles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `users` (
	`username` text PRIMARY KEY,
	`first_name` text NOT NULL,
	`last_name` text NOT NULL,
	`email` text,
	`created_at` TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
	`updated_at` TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
