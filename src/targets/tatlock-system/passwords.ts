/**
 * Password hashing for `passwords` (seed 001): scrypt from `node:crypto`, memory-hard, with a
 * random 16-byte salt per user in `passwords.salt` (hex). The cost parameters travel in
 * `password_hash` (`scrypt$N$r$p$<base64>`), so they can be raised later without breaking old
 * hashes. Verification compares in constant time.
 */
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/** OWASP's minimum for scrypt: N = 2^17 (128 MiB), r = 8, p = 1. About 0.4 s on a 2-core machine. */
export const scryptCost = { N: 2 ** 17, r: 8, p: 1 } as const;
const keyLength = 32;

function derive(password: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r + 32 * 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, keyLength, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** A new salt and hash for a password. */
export async function hashPassword(password: string): Promise<{ passwordHash: string; salt: string }> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, scryptCost);
  const { N, r, p } = scryptCost;
  return { passwordHash: `scrypt$${N}$${r}$${p}$${key.toString('base64')}`, salt: salt.toString('hex') };
}

const stored = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)$/;

/**
 * Whether `password` matches a stored hash and salt. A hash chatstore did not write (another
 * scheme) never matches; reset such passwords with `setPassword`.
 */
export async function passwordMatches(password: string, passwordHash: string, salt: string): Promise<boolean> {
  const match = stored.exec(passwordHash);
  if (!match || !/^[0-9a-f]+$/i.test(salt)) {
    await wastePasswordCheck(password);
    return false;
  }
  const [, N, r, p, key] = match;
  const expected = Buffer.from(key ?? '', 'base64');
  const actual = await derive(password, Buffer.from(salt, 'hex'), { N: Number(N), r: Number(r), p: Number(p) });
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Work equal to one verification, for unknown users, so timing does not reveal who exists. */
export async function wastePasswordCheck(password: string): Promise<void> {
  await derive(password, randomBytes(16), scryptCost);
}
