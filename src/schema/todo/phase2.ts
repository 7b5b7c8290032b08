/**
 * todo, generation `phase2` (seed 004, "Existing Tables"): the app's users and their tasks.
 * Frozen: a released generation never changes; add a new generation instead.
 *
 * Constraint names are written out as PostgreSQL derives them from the seed's SQL
 * (`tasks_user_id_fkey`, …) so a database created by hand from the seed is indistinguishable.
 */
import { sql } from 'drizzle-orm';
import { boolean, foreignKey, pgTable, serial, text, timestamp, varchar } from 'drizzle-orm/pg-core';

export const users = pgTable('users', {
  id: varchar('id', { length: 255 }).primaryKey(),
  email: varchar('email', { length: 320 }).notNull().unique('users_email_key'),
  name: varchar('name', { length: 200 }),
  createdAt: timestamp('created_at').default(sql`CURRENT_TIMESTAMP`).notNull(),
});

export const tasks = pgTable(
  'tasks',
  {
    id: serial('id').primaryKey(),
    userId: varchar('user_id', { length: 255 }).notNull(),
    title: varchar('title', { length: 200 }).notNull(),
    description: text('description'),
    completed: boolean('completed').default(false),
    createdAt: timestamp('created_at').default(sql`CURRENT_TIMESTAMP`),
    updatedAt: timestamp('updated_at'),
    completedAt: timestamp('completed_at'),
  },
  (t) => [foreignKey({ name: 'tasks_user_id_fkey', columns: [t.userId], foreignColumns: [users.id] })],
);
