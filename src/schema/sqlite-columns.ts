/**
 * SQLite column builders for schemas written by hand in the seeds, where drizzle's own builders
 * would declare something else. Used by the schema modules of SQLite targets; changing one
 * changes every released generation that uses it, so add a new builder instead.
 *
 * No `import.meta` here: drizzle-kit loads schema modules through its CommonJS loader.
 */
import { customType } from 'drizzle-orm/sqlite-core';

/** A column declared `TIMESTAMP`, as the seeds write it; values are text. */
export const timestamp = customType<{ data: string; driverData: string }>({ dataType: () => 'TIMESTAMP' });

/**
 * A primary key exactly as hand-written SQL declares it: drizzle's `primaryKey()` always adds
 * `NOT NULL`, which SQLite reports as a different nullability (`pragma table_info`), so a
 * database made from the seed would not match. `seedKey(integer('id').primaryKey({ autoIncrement: true }))`
 * declares `integer PRIMARY KEY AUTOINCREMENT`.
 */
export function seedKey<B>(builder: B): B {
  (builder as unknown as { config: { notNull: boolean } }).config.notNull = false;
  return builder;
}

/**
 * A column declared `BOOLEAN` (as the seeds write it), read and written as a JS boolean.
 * SQLite stores `true`/`false` as 1/0; drizzle's `integer({ mode: 'boolean' })` would declare
 * the column `integer`.
 */
export const boolean = customType<{ data: boolean; driverData: number }>({
  dataType: () => 'BOOLEAN',
  toDriver: (value) => (value ? 1 : 0),
  fromDriver: (value) => Boolean(value),
});
