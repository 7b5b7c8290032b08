/**
 * tatlock-system, generation `0.3.19` (seed 001, "System Database Schema (0.3.19)"): the one
 * `system.db` of a Tatlock installation — users and their passwords, roles and groups, the tool
 * registry, `rise_and_shine` instructions and system settings with their allowed options.
 * Generation `0.3.20` changes nothing (versions stay aligned with tatlock-user) and uses this
 * module too. Frozen: a released generation never changes; add a new generation instead.
 */
import { sql } from 'drizzle-orm';
import { foreignKey, integer, primaryKey, sqliteTable, text, unique } from 'drizzle-orm/sqlite-core';
import { seedKey, timestamp } from '../sqlite-columns';

export const users = sqliteTable('users', {
  username: seedKey(text('username').primaryKey()),
  firstName: text('first_name').notNull(),
  lastName: text('last_name').notNull(),
  email: text('email'),
  createdAt: timestamp('created_at').default(sql`CURRENT_TIMESTAMP`),
  updatedAt: timestamp('updated_at').default(sql`CURRENT_TIMESTAMP`),
});

export const passwords = sqliteTable(
  'passwords',
  {
    username: seedKey(text('username').primaryKey()),
    passwordHash: text('password_hash').notNull(),
    salt: text('salt').notNull(),
    createdAt: timestamp('created_at').default(sql`CURRENT_TIMESTAMP`),
    updatedAt: timestamp('updated_at').default(sql`CURRENT_TIMESTAMP`),
  },
  (t) => [foreignKey({ columns: [t.username], foreignColumns: [users.username] }).onDelete('cascade')],
);

export const roles = sqliteTable('roles', {
  id: seedKey(integer('id').primaryKey({ autoIncrement: true })),
  roleName: text('role_name').unique().notNull(),
  description: text('description'),
  createdAt: timestamp('created_at').default(sql`CURRENT_TIMESTAMP`),
});

export const groups = sqliteTable('groups', {
  id: seedKey(integer('id').primaryKey({ autoIncrement: true })),
  groupName: text('group_name').unique().notNull(),
  description: text('description'),
  createdAt: timestamp('created_at').default(sql`CURRENT_TIMESTAMP`),
});

export const userRoles = sqliteTable(
  'user_roles',
  {
    username: text('username'),
    roleId: integer('role_id'),
    createdAt: timestamp('created_at').default(sql`CURRENT_TIMESTAMP`),
  },
  (t) => [
    primaryKey({ columns: [t.username, t.roleId] }),
    foreignKey({ columns: [t.username], foreignColumns: [users.username] }).onDelete('cascade'),
    foreignKey({ columns: [t.roleId], foreignColumns: [roles.id] }).onDelete('cascade'),
  ],
);

export const userGroups = sqliteTable(
  'user_groups',
  {
    username: text('username'),
    groupId: integer('group_id'),
    createdAt: timestamp('created_at').default(sql`CURRENT_TIMESTAMP`),
  },
  (t) => [
    primaryKey({ columns: [t.username, t.groupId] }),
    foreignKey({ columns: [t.username], foreignColumns: [users.username] }).onDelete('cascade'),
    foreignKey({ columns: [t.groupId], foreignColumns: [groups.id] }).onDelete('cascade'),
  ],
);

export const tools = sqliteTable('tools', {
  toolKey: seedKey(text('tool_key').primaryKey()),
  description: text('description').notNull(),
  module: text('module').notNull(),
  functionName: text('function_name').notNull(),
  enabled: integer('enabled').default(0).notNull(),
  prompts: text('prompts'),
});

export const toolParameters = sqliteTable(
  'tool_parameters',
  {
    id: seedKey(integer('id').primaryKey({ autoIncrement: true })),
    toolKey: text('tool_key').notNull(),
    name: text('name').notNull(),
    type: text('type').notNull(),
    description: text('description'),
    isRequired: integer('is_required').default(0).notNull(),
  },
  (t) => [foreignKey({ columns: [t.toolKey], foreignColumns: [tools.toolKey] }).onDelete('cascade')],
);

export const riseAndShine = sqliteTable('rise_and_shine', {
  id: seedKey(integer('id').primaryKey({ autoIncrement: true })),
  instruction: text('instruction').notNull(),
  enabled: integer('enabled').default(1),
  createdAt: timestamp('created_at').default(sql`CURRENT_TIMESTAMP`),
});

export const systemSettings = sqliteTable('system_settings', {
  settingKey: seedKey(text('setting_key').primaryKey()),
  settingValue: text('setting_value').notNull(),
  description: text('description'),
  createdAt: timestamp('created_at').default(sql`CURRENT_TIMESTAMP`),
  updatedAt: timestamp('updated_at').default(sql`CURRENT_TIMESTAMP`),
});

export const settingOptions = sqliteTable(
  'setting_options',
  {
    id: seedKey(integer('id').primaryKey({ autoIncrement: true })),
    settingKey: text('setting_key').notNull(),
    optionValue: text('option_value').notNull(),
    isDefault: integer('is_default').default(0),
    enabled: integer('enabled').default(1),
  },
  (t) => [
    unique().on(t.settingKey, t.optionValue),
    foreignKey({ columns: [t.settingKey], foreignColumns: [systemSettings.settingKey] }).onDelete('cascade'),
  ],
);
