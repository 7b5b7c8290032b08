/**
 * Users (seed 002, "users") and registration: "users.create() → authentication_data.store()
 * → sessions.create()", in one transaction.
 */
import { eq, inArray, or } from 'drizzle-orm';
import { z } from 'zod';
import { parseInput } from '../../kit';
import {
  authenticationData,
  dialogs,
  processedResponses,
  sessionRotatedTokens,
  sessions,
  tasks,
  userSelectedModels,
  users,
} from '../../schema/telegram';
import { type CredentialsInfo, credentialsInfo, Plaintext } from './credentials';
import { writeCredentials } from './credentials-row';
import { encryptFor, Keyring } from './crypto';
import { mapped, notFound, type TelegramDb, TelegramId, UserId } from './internal';
import { NewSessionFields, type Session, sessionValues } from './sessions';

export type User = typeof users.$inferSelect;

const Name = z.string().trim().min(1).max(255).nullish();

export const RegisterUserInput = z.object({
  telegramId: TelegramId,
  username: Name,
  firstName: Name,
  lastName: Name,
  /** The Telegram session data the background worker needs; stored encrypted only. */
  credentials: Plaintext,
  keyring: Keyring,
  session: NewSessionFields,
});
export type RegisterUserInput = z.input<typeof RegisterUserInput>;

export interface Registration {
  user: User;
  credentials: CredentialsInfo;
  session: Session;
}

/**
 * Registers a Telegram user: the user row, their credentials encrypted with the keyring's
 * current key, and their first web session, in one transaction (all or nothing). The session
 * starts `PENDING`, as every session does; `settleSession` makes it `AUTHENTICATED` once the
 * login completes. A Telegram user registers once: a second registration is `CONFLICT` on
 * `telegramId`.
 *
 * @example
 * const { user, session } = await registerUser(db, {
 *   telegramId: 123456789, username: 'ada', firstName: 'Ada',
 *   credentials: telethonSessionString,
 *   keyring: { currentKeyId: 'k1', keys: { k1: process.env.CREDENTIALS_KEY } },
 *   session: { accessToken: jwt, refreshToken, expiresAt },
 * });
 * await settleSession(db, { sessionId: session.id, status: 'AUTHENTICATED' });
 */
export async function registerUser(db: TelegramDb, input: RegisterUserInput): Promise<Registration> {
  const { credentials, keyring, session, ...profile } = parseInput(RegisterUserInput, input, 'users');
  return mapped('users', () =>
    db.transaction(async (tx) => {
      const [user] = await tx.insert(users).values(profile).returning();
      if (!user) throw new Error('insert into users returned no row');
      const { keyId, ciphertext } = encryptFor(keyring, user.id, credentials);
      const stored = await writeCredentials(tx, { userId: user.id, telegramId: user.telegramId, keyId, ciphertext });
      const [created] = await tx.insert(sessions).values(sessionValues(user.id, session)).returning();
      if (!created) throw new Error('registration insert returned no row');
      return { user, credentials: credentialsInfo(stored), session: created };
    }),
  );
}

/**
 * The user with this Telegram id, or `undefined`.
 *
 * @example
 * const user = await getUserByTelegramId(db, 123456789);
 */
export async function getUserByTelegramId(db: TelegramDb, telegramId: number): Promise<User | undefined> {
  const id = parseInput(TelegramId, telegramId, 'users');
  const [user] = await mapped('users', () => db.select().from(users).where(eq(users.telegramId, id)).limit(1));
  return user;
}

/**
 * A user by id; a missing one is `NOT_FOUND` on `userId`.
 *
 * @example
 * const user = await getUserOrThrow(db, userId);
 */
export async function getUserOrThrow(db: TelegramDb, userId: string): Promise<User> {
  const id = parseInput(UserId, userId, 'users');
  const [user] = await mapped('users', () => db.select().from(users).where(eq(users.id, id)).limit(1));
  if (!user) throw notFound('users', 'userId', id);
  return user;
}

export const DeleteUserInput = z.object({ userId: UserId });
export type DeleteUserInput = z.input<typeof DeleteUserInput>;

/** How many rows `deleteUser` removed, per kind. */
export interface DeletedUser {
  userId: string;
  sessions: number;
  /** Digests of refresh tokens the user's sessions rotated. */
  rotatedTokens: number;
  credentials: number;
  dialogs: number;
  responses: number;
  modelPreferences: number;
  /** Queued tasks for the user or one of their dialogs, whatever their status. */
  tasks: number;
}

/**
 * Deletes a user and everything of theirs (seed 002: keeping little "simplifies privacy
 * compliance"): their queued tasks (for the user or any of their dialogs, in any status), their
 * dialogs' responses, their dialogs, their sessions with the digests of rotated refresh tokens,
 * their credentials and their model preference, then the user row — in one transaction, so it
 * is all or nothing. The user row is locked first, so a concurrent write for this user (a new
 * dialog, session or task) waits and then fails with `FOREIGN_KEY` instead of leaving a row
 * behind. A missing user is `NOT_FOUND` on `userId`. A worker still holding one of the deleted
 * tasks gets `NOT_FOUND` when it completes or fails it.
 *
 * @example
 * const removed = await deleteUser(db, { userId });
 * // { userId, sessions: 2, rotatedTokens: 1, credentials: 1, dialogs: 3, responses: 2, modelPreferences: 1, tasks: 4 }
 */
export async function deleteUser(db: TelegramDb, input: DeleteUserInput): Promise<DeletedUser> {
  const { userId } = parseInput(DeleteUserInput, input, 'users');
  return mapped('users', () =>
    db.transaction(async (tx) => {
      const [locked] = await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update');
      if (!locked) throw notFound('users', 'userId', userId);
      const theirDialogs = tx.select({ id: dialogs.id }).from(dialogs).where(eq(dialogs.userId, userId));
      const theirSessions = tx.select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, userId));
      const count = async (rows: Promise<unknown[]>) => (await rows).length;
      const deletedTasks = await count(
        tx
          .delete(tasks)
          .where(or(eq(tasks.userId, userId), inArray(tasks.dialogId, theirDialogs)))
          .returning({ id: tasks.id }),
      );
      const responses = await count(
        tx
          .delete(processedResponses)
          .where(inArray(processedResponses.dialogId, theirDialogs))
          .returning({ id: processedResponses.id }),
      );
      const deletedDialogs = await count(
        tx.delete(dialogs).where(eq(dialogs.userId, userId)).returning({ id: dialogs.id }),
      );
      const rotatedTokens = await count(
        tx
          .delete(sessionRotatedTokens)
          .where(inArray(sessionRotatedTokens.sessionId, theirSessions))
          .returning({ id: sessionRotatedTokens.tokenDigest }),
      );
      const deletedSessions = await count(
        tx.delete(sessions).where(eq(sessions.userId, userId)).returning({ id: sessions.id }),
      );
      const credentials = await count(
        tx
          .delete(authenticationData)
          .where(eq(authenticationData.userId, userId))
          .returning({ id: authenticationData.id }),
      );
      const modelPreferences = await count(
        tx
          .delete(userSelectedModels)
          .where(eq(userSelectedModels.userId, userId))
          .returning({ id: userSelectedModels.id }),
      );
      await tx.delete(users).where(eq(users.id, userId));
      return {
        userId,
        sessions: deletedSessions,
        rotatedTokens,
        credentials,
        dialogs: deletedDialogs,
        responses,
        modelPreferences,
        tasks: deletedTasks,
      };
    }),
  );
}
