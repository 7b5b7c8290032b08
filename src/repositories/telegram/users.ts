/**
 * Users (seed 002, "users") and registration: "users.create() → authentication_data.store()
 * → sessions.create()", in one transaction.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { sessions, users } from '../../schema/telegram';
import { parseInput } from '../shared';
import { type CredentialsInfo, credentialsInfo, Plaintext } from './credentials';
import { writeCredentials } from './credentials-row';
import { encryptFor, Keyring } from './crypto';
import { TelegramId, UserId } from './ids';
import { mapped, notFound, type TelegramDb } from './internal';
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
