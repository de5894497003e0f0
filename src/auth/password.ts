/**
 * Password hashing with scrypt from node:crypto (memory-hard, no native addon to build on a Pi).
 * Encoded as `scrypt$N$r$p$salt$hash` (base64) so parameters can be raised later.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { commonPasswords } from './commonPasswords.ts';

const params = { N: 2 ** 15, r: 8, p: 1 } as const;
const keyLength = 32;
// N=2^15, r=8 needs 32 MiB; allow headroom.
const maxmem = 64 * 1024 * 1024;

export const minimumPasswordLength = 8;

export class WeakPasswordError extends Error {
  override name = 'WeakPasswordError';
}

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyLength, { ...options, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Throws WeakPasswordError with what to do instead. */
export function checkPasswordStrength(password: string, username?: string): void {
  if (password.length < minimumPasswordLength) {
    throw new WeakPasswordError(`the password is too short: use at least ${minimumPasswordLength} characters`);
  }
  const folded = password.toLowerCase();
  if (username !== undefined && folded === username.toLowerCase()) {
    throw new WeakPasswordError('the password is the user name: choose something else, e.g. a few unrelated words');
  }
  if (commonPasswords.has(folded)) {
    throw new WeakPasswordError('that password is one of the first that guessers try: choose something else, e.g. a few unrelated words');
  }
}

export async function hashPassword(password: string, options: { username?: string } = {}): Promise<string> {
  checkPasswordStrength(password, options.username);
  const salt = randomBytes(16);
  const key = await derive(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = encoded.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}
