/**
 * AES-256-GCM for Telegram credentials (node:crypto). The application supplies a keyring: the
 * id of the key to encrypt with and every key still needed to decrypt. Each ciphertext records
 * the id of its key beside it (`authentication_data.key_id`), so keys rotate without a flag day.
 *
 * Stored bytes: version (0x01) ‖ 12-byte IV ‖ 16-byte tag ‖ ciphertext. The additional
 * authenticated data binds a ciphertext to its user and key id, so rows cannot be swapped.
 * Plaintext and keys never appear in errors or logs.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ChatstoreError } from '../../errors';
import { parseInput } from '../../kit';

const version = 0x01;
const ivLength = 12;
const tagLength = 16;

/** A key id as stored in `key_id`: short and printable, e.g. `2025-01` or `kms:v3`. */
export const KeyId = z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 . _ : -');

/** 32 bytes, as a Buffer/Uint8Array or base64 text. */
const Key = z
  .union([z.instanceof(Uint8Array), z.string().transform((s) => Buffer.from(s, 'base64'))])
  .transform((k) => Buffer.from(k))
  .refine((k) => k.length === 32, 'must be a 32-byte AES-256 key');

export const Keyring = z
  .object({
    /** The key new ciphertexts are written with. */
    currentKeyId: KeyId,
    keys: z.record(KeyId, Key),
  })
  .refine((k) => Object.hasOwn(k.keys, k.currentKeyId), {
    message: 'must contain the key named by currentKeyId',
    path: ['currentKeyId'],
  });
export type Keyring = z.input<typeof Keyring>;
export type ParsedKeyring = z.output<typeof Keyring>;

const aad = (userId: string, keyId: string) => Buffer.from(`chatstore/telegram/credentials/${userId}/${keyId}`);

const EncryptArgs = z.object({ keyring: Keyring, userId: z.string(), plaintext: z.string() });
const DecryptArgs = z.object({
  keyring: Keyring,
  userId: z.string(),
  keyId: z.string().nullable(),
  ciphertext: z.instanceof(Uint8Array).transform((b) => Buffer.from(b)),
});

/** Encrypts `plaintext` for `userId` with the keyring's current key. */
export function encryptFor(keyringInput: Keyring | ParsedKeyring, userIdInput: string, plaintextInput: string) {
  const { keyring, userId, plaintext } = parseInput(
    EncryptArgs,
    { keyring: keyringInput, userId: userIdInput, plaintext: plaintextInput },
    'authentication_data',
  );
  const keyId = keyring.currentKeyId;
  const key = keyring.keys[keyId] as Buffer;
  const iv = randomBytes(ivLength);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: tagLength });
  cipher.setAAD(aad(userId, keyId));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { keyId, ciphertext: Buffer.concat([Buffer.from([version]), iv, cipher.getAuthTag(), body]) };
}

/**
 * Decrypts what `encryptFor` wrote. A row without key id (written before chatstore), a key id
 * missing from the keyring, a wrong key or tampered bytes: `DECRYPTION_FAILED` on `keyring`.
 */
export function decryptFor(
  keyringInput: Keyring | ParsedKeyring,
  userIdInput: string,
  keyIdInput: string | null,
  ciphertextInput: Uint8Array,
): string {
  const { keyring, userId, keyId, ciphertext } = parseInput(
    DecryptArgs,
    { keyring: keyringInput, userId: userIdInput, keyId: keyIdInput, ciphertext: ciphertextInput },
    'authentication_data',
  );
  const fail = (why: string) =>
    new ChatstoreError('DECRYPTION_FAILED', `Cannot decrypt the credentials of user ${userId}: ${why}`, {
      entity: 'authentication_data',
      field: 'keyring',
    });
  if (keyId === null) throw fail('they carry no key id (written before chatstore); store them again');
  const key = keyring.keys[keyId];
  if (!key) throw fail(`key "${keyId}" is not in the keyring`);
  if (ciphertext.length < 1 + ivLength + tagLength || ciphertext[0] !== version) {
    throw fail('the stored bytes are not in chatstore format');
  }
  const iv = ciphertext.subarray(1, 1 + ivLength);
  const tag = ciphertext.subarray(1 + ivLength, 1 + ivLength + tagLength);
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: tagLength });
  decipher.setAAD(aad(userId, keyId));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext.subarray(1 + ivLength + tagLength)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw fail(`key "${keyId}" does not open them (wrong key or altered data)`);
  }
}
