/**
 * Web sessions (seed 002, "sessions"): create, look up by token, refresh with rotation, expire,
 * clean up. As in the application, `token_type` says what `token` holds (an access token),
 * `last_activity` is when the session was last used, and a session idle for 7 days is no longer
 * active. Each token type has its own lifetime (decision 018): `expires_at` is the access
 * token's, `refresh_expires_at` the refresh token's, so a refresh works after the access token
 * expired and until the refresh token does. chatstore stores the sha-256 digest of every token (hex, in `token` and
 * `refresh_token`), never the token: a leaked table does not let anyone in. A refresh rotates
 * the refresh token; presenting one that was already rotated revokes the whole session (its
 * holder and a thief cannot both keep using it).
 */
import { createHash } from 'node:crypto';
import { and, eq, inArray, lt, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { ChatstoreError } from '../../errors';
import { parseField, parseInput } from '../../kit';
import {
  type JsonObject,
  sessionRotatedTokens,
  type sessionStatuses,
  sessions,
  tokenTypes,
} from '../../schema/telegram';
import { mapped, notFound, SessionId, type TelegramDb, UserId } from './internal';

export type Session = typeof sessions.$inferSelect;
export type SessionStatus = (typeof sessionStatuses)[number];
export type TokenType = (typeof tokenTypes)[number];

/** A bearer token as the app issues it (a JWT): chatstore only ever stores its digest. */
export const Token = z.string().min(16, 'must be at least 16 characters').max(8192);
const JsonObjectSchema = z.record(z.string(), z.unknown()) as z.ZodType<JsonObject>;

/** The hex sha-256 digest stored for a token. */
export const tokenDigest = (token: string) =>
  createHash('sha256')
    .update(parseField(z.string(), token, 'token', 'sessions'), 'utf8')
    .digest('hex');

/**
 * How long each token type lives when no expiry is given, in seconds (seed 002: ACCESS is
 * "short-lived", REFRESH "long-lived"): 30 minutes, and 7 days (the application's idle rule).
 */
export const defaultTokenLifetimes: Readonly<Record<TokenType, number>> = { ACCESS: 30 * 60, REFRESH: 7 * 86_400 };

const LifetimeSeconds = z
  .number()
  .int()
  .min(1)
  .max(366 * 86_400);
/** Lifetimes per token type in seconds; either may be left out (its default), REFRESH ≥ ACCESS. */
export const TokenLifetimes = z
  .object({
    ACCESS: LifetimeSeconds.default(defaultTokenLifetimes.ACCESS),
    REFRESH: LifetimeSeconds.default(defaultTokenLifetimes.REFRESH),
  })
  .refine((l) => l.REFRESH >= l.ACCESS, { message: 'must be at least the ACCESS lifetime', path: ['REFRESH'] });
export type TokenLifetimes = z.input<typeof TokenLifetimes>;

const FutureDate = z.date().refine((d) => d.getTime() > Date.now(), 'must be in the future');

/** Expiries of a new token pair: either given, or now plus the token type's lifetime. */
const expiryFields = {
  /** When the access token expires; default now + `lifetimes.ACCESS`. */
  expiresAt: FutureDate.optional(),
  /**
   * When the refresh token expires (only with one); default now + `lifetimes.REFRESH`, and never
   * before the access token.
   */
  refreshExpiresAt: FutureDate.optional(),
  /** Lifetimes used for the expiries not given (default `defaultTokenLifetimes`). */
  lifetimes: TokenLifetimes.optional(),
};

/** A refresh token does not expire before its access token. */
function refreshNotBeforeAccess(
  v: { expiresAt?: Date | undefined; refreshExpiresAt?: Date | undefined },
  ctx: z.RefinementCtx,
) {
  if (v.expiresAt && v.refreshExpiresAt && v.refreshExpiresAt < v.expiresAt)
    ctx.addIssue({ code: 'custom', path: ['refreshExpiresAt'], message: 'must not be before expiresAt' });
}

const newSessionShape = {
  accessToken: Token,
  refreshToken: Token.optional(),
  ...expiryFields,
  sessionMetadata: JsonObjectSchema.optional(),
  deviceInfo: JsonObjectSchema.optional(),
};
function newSessionRules(v: z.output<z.ZodObject<typeof newSessionShape>>, ctx: z.RefinementCtx) {
  if (v.refreshExpiresAt && v.refreshToken === undefined)
    ctx.addIssue({ code: 'custom', path: ['refreshExpiresAt'], message: 'needs a refreshToken' });
  refreshNotBeforeAccess(v, ctx);
}
export const NewSessionFields = z.object(newSessionShape).superRefine(newSessionRules);
export const CreateSessionInput = z.object({ ...newSessionShape, userId: UserId }).superRefine(newSessionRules);
export type CreateSessionInput = z.input<typeof CreateSessionInput>;

/** The application's rule: a session unused for this long is no longer active. */
export const defaultMaxIdleSeconds = 7 * 86_400;

export const FindSessionInput = z.object({
  token: Token,
  type: z.enum(tokenTypes).default('ACCESS'),
  /** A session unused for longer is not active; default 7 days, as in the application. */
  maxIdleSeconds: z.number().int().min(1).default(defaultMaxIdleSeconds),
});
export type FindSessionInput = z.input<typeof FindSessionInput>;

export const RefreshSessionInput = z
  .object({
    /** The refresh token the client presents. */
    refreshToken: Token,
    accessToken: Token,
    newRefreshToken: Token,
    ...expiryFields,
  })
  .superRefine(refreshNotBeforeAccess);
export type RefreshSessionInput = z.input<typeof RefreshSessionInput>;

export const CleanupSessionsInput = z.object({
  /** Revoked and failed sessions are kept this long (for refresh-reuse detection). Default 1 day. */
  retainSeconds: z.number().int().min(0).default(86_400),
});
export type CleanupSessionsInput = z.input<typeof CleanupSessionsInput>;

/** `now() + seconds`, on the database's clock (which checks the expiries). */
const fromNow = (seconds: number) => sql<Date>`now() + make_interval(secs => ${seconds})`;

/**
 * The expiries of a token pair: the access token's, and the refresh token's (null without one),
 * defaulted from the lifetimes; a defaulted refresh expiry is never before the access token's.
 */
export function tokenExpiries(
  fields: {
    expiresAt?: Date | undefined;
    refreshExpiresAt?: Date | undefined;
    lifetimes?: z.output<typeof TokenLifetimes> | undefined;
  },
  hasRefreshToken: boolean,
) {
  const lifetimes = fields.lifetimes ?? defaultTokenLifetimes;
  const access =
    fields.expiresAt === undefined ? fromNow(lifetimes.ACCESS) : sql`${fields.expiresAt.toISOString()}::timestamptz`;
  const refreshExpiresAt = !hasRefreshToken
    ? null
    : (fields.refreshExpiresAt ?? sql<Date>`greatest(now() + make_interval(secs => ${lifetimes.REFRESH}), ${access})`);
  return { expiresAt: fields.expiresAt ?? fromNow(lifetimes.ACCESS), refreshExpiresAt };
}

/** The values of a new session row (digests, not tokens). Used by `registerUser` too. */
export function sessionValues(userId: string, fields: z.output<typeof NewSessionFields>) {
  return {
    userId,
    // Seed 002: "PENDING: Initial state when session is created". `settleSession` moves it on.
    status: 'PENDING' as const,
    token: tokenDigest(fields.accessToken),
    refreshToken: fields.refreshToken === undefined ? null : tokenDigest(fields.refreshToken),
    tokenType: 'ACCESS' as const,
    ...tokenExpiries(fields, fields.refreshToken !== undefined),
    sessionMetadata: fields.sessionMetadata ?? {},
    deviceInfo: fields.deviceInfo ?? {},
  };
}

/**
 * Creates a session for a user, storing the digests of its tokens. It starts `PENDING` (seed
 * 002: the initial state) and is not active until `settleSession` moves it to `AUTHENTICATED`
 * once the Telegram login completes. The access token expires at `expiresAt`, the refresh token
 * at `refreshExpiresAt`; either left out is now plus its type's lifetime (`lifetimes`, default
 * `defaultTokenLifetimes`: 30 minutes and 7 days). An unknown user is `FOREIGN_KEY` on `userId`;
 * a token already in use is `CONFLICT` on `accessToken`/`refreshToken`; a refresh expiry before
 * the access token's, or without a refresh token, is `VALIDATION` on `refreshExpiresAt`.
 *
 * @example
 * const pending = await createSession(db, {
 *   userId, accessToken: jwt, refreshToken: refreshJwt, lifetimes: { ACCESS: 900, REFRESH: 30 * 86_400 },
 * });
 * await settleSession(db, { sessionId: pending.id, status: 'AUTHENTICATED' }); // login completed
 */
export async function createSession(db: TelegramDb, input: CreateSessionInput): Promise<Session> {
  const { userId, ...fields } = parseInput(CreateSessionInput, input, 'sessions');
  const [session] = await mapped('sessions', () =>
    db.insert(sessions).values(sessionValues(userId, fields)).returning(),
  );
  return session as Session;
}

/** When a session's refresh token expires: its own expiry, or the session's on rows from before `send-retry`. */
const refreshExpiry = sql`coalesce(${sessions.refreshExpiresAt}, ${sessions.expiresAt})`;

/**
 * The authenticated, unexpired session a token belongs to, or `undefined` (unknown, expired,
 * revoked, still pending, or idle longer than `maxIdleSeconds`). Finding it is a use: its
 * `last_activity` moves to now, in the same statement.
 *
 * @example
 * const session = await findActiveSession(db, { token: bearer });
 * if (!session) return unauthorized();
 */
export async function findActiveSession(db: TelegramDb, input: FindSessionInput): Promise<Session | undefined> {
  const { token, type, maxIdleSeconds } = parseInput(FindSessionInput, input, 'sessions');
  const column = type === 'ACCESS' ? sessions.token : sessions.refreshToken;
  // Each token lives as long as its own type: the access token until `expires_at`, the refresh
  // token until `refresh_expires_at` (or `expires_at` on rows from before `send-retry`).
  const expiry = type === 'ACCESS' ? sessions.expiresAt : refreshExpiry;
  const [session] = await mapped('sessions', () =>
    db
      .update(sessions)
      .set({ lastActivity: sql`now()` })
      .where(
        and(
          eq(column, tokenDigest(token)),
          eq(sessions.status, 'AUTHENTICATED'),
          sql`${expiry} > now()`,
          sql`${sessions.lastActivity} > now() - make_interval(secs => ${maxIdleSeconds})`,
        ),
      )
      .returning(),
  );
  return session;
}

/**
 * Moves a `PENDING` session to `AUTHENTICATED` (login completed) or `ERROR` (login failed).
 * Any other transition is `INVALID_TRANSITION` on `status`.
 *
 * @example
 * await settleSession(db, { sessionId, status: 'AUTHENTICATED' });
 */
export async function settleSession(
  db: TelegramDb,
  input: { sessionId: string; status: 'AUTHENTICATED' | 'ERROR' },
): Promise<Session> {
  const { sessionId, status } = parseInput(
    z.object({ sessionId: SessionId, status: z.enum(['AUTHENTICATED', 'ERROR']) }),
    input,
    'sessions',
  );
  const [session] = await mapped('sessions', () =>
    db
      .update(sessions)
      .set({ status, updatedAt: sql`now()` })
      .where(and(eq(sessions.id, sessionId), eq(sessions.status, 'PENDING')))
      .returning(),
  );
  if (session) return session;
  const current = await getSessionOrThrow(db, sessionId);
  throw new ChatstoreError('INVALID_TRANSITION', `Session ${sessionId} is ${current.status}, not PENDING`, {
    entity: 'sessions',
    field: 'status',
  });
}

/**
 * A session by id; a missing one is `NOT_FOUND` on `sessionId`.
 *
 * @example
 * const session = await getSessionOrThrow(db, sessionId);
 */
export async function getSessionOrThrow(db: TelegramDb, sessionId: string): Promise<Session> {
  const id = parseInput(SessionId, sessionId, 'sessions');
  const [session] = await mapped('sessions', () => db.select().from(sessions).where(eq(sessions.id, id)).limit(1));
  if (!session) throw notFound('sessions', 'sessionId', id);
  return session;
}

/**
 * Rotates a session's tokens: the presented refresh token is retired (its digest remembered)
 * and the new access and refresh tokens take over, each with its own expiry (`expiresAt` and
 * `refreshExpiresAt`, or now plus `lifetimes.ACCESS` / `lifetimes.REFRESH`; to keep an absolute
 * end, pass the session's `refreshExpiresAt` again). The refresh token is checked against its
 * own expiry, so a refresh works after the access token expired, until the refresh token does.
 * Presenting a refresh token that was already rotated revokes the session (status `EXPIRED`)
 * and is `PERMISSION_DENIED` on `refreshToken`, as is refreshing with an expired refresh token
 * or a revoked session; an unknown token is `NOT_FOUND` on `refreshToken`. Of two racing
 * refreshes with the same token, one succeeds and the other revokes the session.
 *
 * @example
 * const session = await refreshSession(db, {
 *   refreshToken: presented, accessToken: newJwt, newRefreshToken: newRefreshJwt,
 *   lifetimes: { ACCESS: 15 * 60, REFRESH: 30 * 86_400 },
 * });
 */
export async function refreshSession(db: TelegramDb, input: RefreshSessionInput): Promise<Session> {
  const { refreshToken, accessToken, newRefreshToken, ...expiries } = parseInput(
    RefreshSessionInput,
    input,
    'sessions',
  );
  const presented = tokenDigest(refreshToken);
  const rotated = await mapped('sessions', () =>
    db.transaction(async (tx) => {
      const [session] = await tx
        .update(sessions)
        .set({
          token: tokenDigest(accessToken),
          refreshToken: tokenDigest(newRefreshToken),
          ...tokenExpiries(expiries, true),
          lastActivity: sql`now()`,
          updatedAt: sql`now()`,
        })
        .where(
          and(
            eq(sessions.refreshToken, presented),
            eq(sessions.status, 'AUTHENTICATED'),
            sql`${refreshExpiry} > now()`,
          ),
        )
        .returning();
      if (session) await tx.insert(sessionRotatedTokens).values({ tokenDigest: presented, sessionId: session.id });
      return session;
    }),
  );
  if (rotated) return rotated;
  const denied = (message: string) =>
    new ChatstoreError('PERMISSION_DENIED', message, { entity: 'sessions', field: 'refreshToken' });
  const [reused] = await mapped('sessions', () =>
    db
      .select({ sessionId: sessionRotatedTokens.sessionId })
      .from(sessionRotatedTokens)
      .where(eq(sessionRotatedTokens.tokenDigest, presented))
      .limit(1),
  );
  if (reused) {
    // Committed on its own: the revocation must stand although the call fails.
    await mapped('sessions', () =>
      db.update(sessions).set({ status: 'EXPIRED', updatedAt: sql`now()` }).where(eq(sessions.id, reused.sessionId)),
    );
    throw denied(`Refresh token was already used; session ${reused.sessionId} is revoked`);
  }
  const [stale] = await mapped('sessions', () =>
    db
      .select({ id: sessions.id, status: sessions.status })
      .from(sessions)
      .where(eq(sessions.refreshToken, presented))
      .limit(1),
  );
  if (stale)
    throw denied(
      stale.status === 'AUTHENTICATED'
        ? `The refresh token of session ${stale.id} has expired`
        : `Session ${stale.id} is ${stale.status}`,
    );
  throw notFound('sessions', 'refreshToken', '(presented token)');
}

/**
 * Ends a session now (logout or revocation): status `EXPIRED`. Idempotent; a missing session
 * is `NOT_FOUND` on `sessionId`.
 *
 * @example
 * await expireSession(db, sessionId);
 */
export async function expireSession(db: TelegramDb, sessionId: string): Promise<Session> {
  const id = parseInput(SessionId, sessionId, 'sessions');
  const [session] = await mapped('sessions', () =>
    db.update(sessions).set({ status: 'EXPIRED', updatedAt: sql`now()` }).where(eq(sessions.id, id)).returning(),
  );
  if (!session) throw notFound('sessions', 'sessionId', id);
  return session;
}

/**
 * Deletes sessions whose tokens have all expired (the access token's `expires_at` and the
 * refresh token's `refresh_expires_at` both past), and revoked or failed ones older than `retainSeconds`
 * (their rotated-token digests go with them). Returns how many were deleted.
 *
 * @example
 * const removed = await cleanupExpiredSessions(db); // e.g. from a nightly job
 */
export async function cleanupExpiredSessions(db: TelegramDb, input: CleanupSessionsInput = {}): Promise<number> {
  const { retainSeconds } = parseInput(CleanupSessionsInput, input, 'sessions');
  const deleted = await mapped('sessions', () =>
    db
      .delete(sessions)
      .where(
        or(
          and(lt(sessions.expiresAt, sql`now()`), sql`${refreshExpiry} < now()`),
          and(
            inArray(sessions.status, ['EXPIRED', 'ERROR']),
            lt(sessions.updatedAt, sql`now() - make_interval(secs => ${retainSeconds})`),
          ),
        ),
      )
      .returning({ id: sessions.id }),
  );
  return deleted.length;
}
