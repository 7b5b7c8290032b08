/**
 * Users of the todo chatbot: create and look up, and the GDPR erasure of everything a user
 * owns (seed 004, "Data Retention": GDPR compliance for user data deletion).
 */
import { eq, inArray, or, type SQL, sql } from 'drizzle-orm';
import { createInsertSchema } from 'drizzle-zod';
import { z } from 'zod';
import { ChatstoreError } from '../../errors';
import { parseInput } from '../../kit';
import { requireRowsVisible, runTextOn, scopedWork } from '../../kit/rls';
import { conversationMetadata, conversations, messages, tasks, users } from '../../schema/todo';
import { mapped, notFound, type TodoDb } from './internal';

export type User = typeof users.$inferSelect;

/** A user id as the seed stores it: `VARCHAR(255)`, typically the auth provider's subject. */
export const UserId = z.string().min(1).max(255);

const userInsert = createInsertSchema(users, { id: (s) => s.min(1), email: () => z.email().max(320) });
export const CreateUserInput = userInsert
  .omit({ createdAt: true })
  // Here, not in createInsertSchema's refine: a refine callback there makes the column required.
  .extend({ name: userInsert.shape.name.unwrap().unwrap().trim().min(1).nullish() });
export type CreateUserInput = z.input<typeof CreateUserInput>;

/**
 * Creates a user. A taken id or email is a `CONFLICT` on `id` or `email`.
 *
 * @example
 * const user = await createUser(db, { id: 'auth0|42', email: 'ada@example.com', name: 'Ada' });
 */
export async function createUser(db: TodoDb, input: CreateUserInput): Promise<User> {
  const values = parseInput(CreateUserInput, input, 'users');
  const [user] = await mapped('users', () => db.insert(users).values(values).returning());
  return user as User;
}

/**
 * Finds a user by id, or `undefined`.
 *
 * @example
 * const user = await getUser(db, 'auth0|42');
 */
export async function getUser(db: TodoDb, userId: string): Promise<User | undefined> {
  const id = parseInput(UserId, userId, 'users');
  const [user] = await mapped('users', () => db.select().from(users).where(eq(users.id, id)).limit(1));
  return user;
}

/**
 * Finds a user by id; a missing one is `NOT_FOUND` on `userId`.
 *
 * @example
 * const user = await getUserOrThrow(db, 'auth0|42');
 */
export async function getUserOrThrow(db: TodoDb, userId: string): Promise<User> {
  const user = await getUser(db, userId);
  if (!user) throw notFound('users', 'userId', userId);
  return user;
}

/** Rows removed by `deleteUserData`, per table. */
export interface UserDataDeletion {
  messages: number;
  conversationMetadata: number;
  conversations: number;
  tasks: number;
  users: number;
}

/**
 * Erases a user and everything they own, in one transaction: messages (theirs and any in
 * their conversations), conversation metadata, conversations, tasks, then the user row.
 * Erasing an unknown user is not an error (the request may be repeated); all counts are 0.
 *
 * @example
 * const removed = await deleteUserData(db, 'auth0|42');
 * // { messages: 120, conversationMetadata: 3, conversations: 3, tasks: 9, users: 1 }
 */
export async function deleteUserData(db: TodoDb, userId: string): Promise<UserDataDeletion> {
  const id = parseInput(UserId, userId, 'users');
  return mapped('users', () =>
    db.transaction(async (tx) => {
      await requireRowsVisible(runTextOn(tx), scopedWork('Erasing the data', 'user', id, 'users'));
      const owned = tx.select({ id: conversations.id }).from(conversations).where(eq(conversations.userId, id));
      // Children first: the foreign keys to users have no ON DELETE action.
      const messageCount = await countDeleted(
        tx,
        'messages',
        tx
          .delete(messages)
          .where(or(eq(messages.userId, id), inArray(messages.conversationId, owned)))
          .returning({ id: messages.id })
          .getSQL(),
      );
      const metadataCount = await countDeleted(
        tx,
        'conversation_metadata',
        tx
          .delete(conversationMetadata)
          .where(inArray(conversationMetadata.conversationId, owned))
          .returning({ id: conversationMetadata.id })
          .getSQL(),
      );
      const conversationCount = await countDeleted(
        tx,
        'conversations',
        tx.delete(conversations).where(eq(conversations.userId, id)).returning({ id: conversations.id }).getSQL(),
      );
      const taskCount = await countDeleted(
        tx,
        'tasks',
        tx.delete(tasks).where(eq(tasks.userId, id)).returning({ id: tasks.id }).getSQL(),
      );
      const userCount = await countDeleted(
        tx,
        'users',
        tx.delete(users).where(eq(users.id, id)).returning({ id: users.id }).getSQL(),
      );
      return {
        messages: messageCount,
        conversationMetadata: metadataCount,
        conversations: conversationCount,
        tasks: taskCount,
        users: userCount,
      };
    }),
  );
}

// Counting in the database keeps a large erasure from shipping every deleted id back.
async function countDeleted(tx: TodoDb, entity: string, deleteReturning: SQL): Promise<number> {
  const deleted = tx.$with(`deleted_${entity}`, { id: sql<unknown>`id`.as('id') }).as(deleteReturning);
  const [row] = await tx.with(deleted).select({ n: sql<number>`count(*)::int` }).from(deleted);
  if (!row) throw new ChatstoreError('DATABASE_ERROR', `Counting deleted ${entity} returned no row`, { entity });
  return row.n;
}
