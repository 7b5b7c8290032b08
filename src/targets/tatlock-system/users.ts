/**
 * Users and their passwords (seed 001, `users` and `passwords`). Deleting a user cascades to
 * the password, role and group assignments (the seed's `ON DELETE CASCADE`; chatstore's
 * connections turn foreign keys on). The user's memory database file is not touched.
 */
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { ChatstoreError } from '../../errors';
import { parseField, parseInput } from '../../kit';
import { passwords, users } from '../../schema/tatlock-system';
import { NewUsername, refuseLookalike, Username } from '../tatlock/folder';
import { mapped, notFound, type SystemDb } from './internal';
import { hashPassword, passwordMatches, wastePasswordCheck } from './passwords';

export type User = typeof users.$inferSelect;

/** A password: 8 to 1024 characters. */
export const Password = z.string().min(8).max(1024);

export const CreateUserInput = z.object({
  username: NewUsername,
  firstName: z.string().trim().min(1).max(200),
  lastName: z.string().trim().min(1).max(200),
  email: z.email().max(320).nullish(),
  password: Password,
});
export type CreateUserInput = z.input<typeof CreateUserInput>;

export const UpdateUserInput = z
  .object({
    username: Username,
    firstName: z.string().trim().min(1).max(200).optional(),
    lastName: z.string().trim().min(1).max(200).optional(),
    /** `null` clears the email. */
    email: z.email().max(320).nullish(),
  })
  .strict()
  .refine((v) => v.firstName !== undefined || v.lastName !== undefined || v.email !== undefined, {
    message: 'give at least one of firstName, lastName, email',
    path: ['firstName'],
  });
export type UpdateUserInput = z.input<typeof UpdateUserInput>;

export const VerifyPasswordInput = z.object({ username: Username, password: z.string().max(1024) });
export type VerifyPasswordInput = z.input<typeof VerifyPasswordInput>;

export const ChangePasswordInput = z.object({
  username: Username,
  currentPassword: z.string().max(1024),
  newPassword: Password,
});
export type ChangePasswordInput = z.input<typeof ChangePasswordInput>;

export const SetPasswordInput = z.object({ username: Username, password: Password });
export type SetPasswordInput = z.input<typeof SetPasswordInput>;

/**
 * Creates a user and their password (scrypt, per-user salt) in one transaction. A taken
 * username, or one that differs from an existing user's only in case or Unicode form (`Alice`
 * beside `alice`), is a `CONFLICT` on `username`; a name mixing scripts or not in NFKC form is a
 * `VALIDATION` error (`NewUsername`).
 *
 * @example
 * const user = await createUser(db, { username: 'alice', firstName: 'Alice', lastName: 'Ng', password: 'correct horse' });
 */
export async function createUser(db: SystemDb, input: CreateUserInput): Promise<User> {
  const { password, ...profile } = parseInput(CreateUserInput, input, 'users');
  const secret = await hashPassword(password);
  return mapped('users', () =>
    db.transaction((tx) => {
      refuseLookalike(
        profile.username,
        tx
          .select({ username: users.username })
          .from(users)
          .all()
          .map((u) => u.username),
      );
      const user = tx
        .insert(users)
        .values({ ...profile, email: profile.email ?? null })
        .returning()
        .get();
      tx.insert(passwords)
        .values({ username: profile.username, ...secret })
        .run();
      return user;
    }),
  );
}

/**
 * A user, or `undefined`.
 *
 * @example const user = getUser(db, 'alice');
 */
export function getUser(db: SystemDb, username: string): User | undefined {
  const name = parseField(Username, username, 'username', 'users');
  return mapped('users', () => db.select().from(users).where(eq(users.username, name)).get());
}

/**
 * A user; a missing one is `NOT_FOUND` on `username`.
 *
 * @example const user = getUserOrThrow(db, 'alice');
 */
export function getUserOrThrow(db: SystemDb, username: string): User {
  const user = getUser(db, username);
  if (!user) throw notFound('users', 'username', username);
  return user;
}

/**
 * Every user, by username.
 *
 * @example const all = listUsers(db);
 */
export function listUsers(db: SystemDb): User[] {
  return mapped('users', () => db.select().from(users).orderBy(users.username).all());
}

/**
 * Changes a user's first name, last name and/or email (the seed's `users` columns; the username
 * is the key and does not change) and sets `updated_at` to now (`CURRENT_TIMESTAMP`, the seed's
 * format); returns the user as stored. Fields not given keep their value; `email: null` clears
 * it. Bad input is a `VALIDATION` error naming the field (`email`, `firstName`, …; no field at
 * all is one on `firstName`, an unknown one names it) and an unknown user `NOT_FOUND` on
 * `username`; either way nothing is written.
 *
 * @example const user = updateUser(db, { username: 'alice', lastName: 'Ng-Smith', email: 'alice@example.com' });
 */
export function updateUser(db: SystemDb, input: UpdateUserInput): User {
  const unknown =
    typeof input === 'object' && input !== null
      ? Object.keys(input).find((key) => !(key in UpdateUserInput.shape))
      : undefined;
  if (unknown !== undefined)
    throw new ChatstoreError('VALIDATION', `Invalid ${unknown}: not a field updateUser changes`, {
      field: unknown,
      entity: 'users',
    });
  const { username, ...fields } = parseInput(UpdateUserInput, input, 'users');
  const changes = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
  const row = mapped('users', () =>
    db
      .update(users)
      .set({ ...changes, updatedAt: sql`CURRENT_TIMESTAMP` })
      .where(eq(users.username, username))
      .returning()
      .get(),
  );
  if (!row) throw notFound('users', 'username', username);
  return row;
}

/**
 * Deletes a user with their password and role and group assignments; returns whether the user
 * existed.
 *
 * @example deleteUser(db, 'alice');
 */
export function deleteUser(db: SystemDb, username: string): boolean {
  const name = parseField(Username, username, 'username', 'users');
  return mapped('users', () => db.delete(users).where(eq(users.username, name)).run().changes > 0);
}

/**
 * Whether the password is the user's. Unknown users take as long as known ones and get `false`.
 *
 * @example if (!(await verifyPassword(db, { username: 'alice', password }))) throw new Error('login failed');
 */
export async function verifyPassword(db: SystemDb, input: VerifyPasswordInput): Promise<boolean> {
  const { username, password } = parseInput(VerifyPasswordInput, input, 'passwords');
  const row = mapped('passwords', () =>
    db
      .select({ passwordHash: passwords.passwordHash, salt: passwords.salt })
      .from(passwords)
      .where(eq(passwords.username, username))
      .get(),
  );
  if (!row) {
    await wastePasswordCheck(password);
    return false;
  }
  return passwordMatches(password, row.passwordHash, row.salt);
}

/**
 * Changes a user's password after checking the current one (`PERMISSION_DENIED` on
 * `currentPassword` if it is wrong, or the user does not exist). A new salt comes with it.
 *
 * @example await changePassword(db, { username: 'alice', currentPassword: 'old one!', newPassword: 'new one!!' });
 */
export async function changePassword(db: SystemDb, input: ChangePasswordInput): Promise<void> {
  const { username, currentPassword, newPassword } = parseInput(ChangePasswordInput, input, 'passwords');
  if (!(await verifyPassword(db, { username, password: currentPassword }))) {
    throw new ChatstoreError('PERMISSION_DENIED', 'The current password is wrong', {
      field: 'currentPassword',
      entity: 'passwords',
    });
  }
  await setPassword(db, { username, password: newPassword });
}

/**
 * Sets a user's password without the current one (an administrator's reset); creates the
 * password row if the user had none. An unknown user is `NOT_FOUND` on `username`.
 *
 * @example await setPassword(db, { username: 'alice', password: 'reset-by-admin' });
 */
export async function setPassword(db: SystemDb, input: SetPasswordInput): Promise<void> {
  const { username, password } = parseInput(SetPasswordInput, input, 'passwords');
  const secret = await hashPassword(password);
  mapped('passwords', () =>
    db.transaction((tx) => {
      if (!tx.select({ username: users.username }).from(users).where(eq(users.username, username)).get())
        throw notFound('users', 'username', username);
      tx.insert(passwords)
        .values({ username, ...secret })
        .onConflictDoUpdate({ target: passwords.username, set: { ...secret, updatedAt: sql`CURRENT_TIMESTAMP` } })
        .run();
    }),
  );
}
