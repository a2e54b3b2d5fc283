import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Salted scrypt hashes of passwords and PINs, in one self-describing form:
 * `scrypt$N$r$p$salt$hash` (base64url). The hub stores account passwords and
 * station PINs this way; a station checks a supervisor's PIN against the hash
 * the hub sent, offline, with the same function.
 */

const scrypt = (secret: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => scryptCb(secret, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));

/** The largest cost a stored hash may ask for (a hash from elsewhere must not make a check take minutes or gigabytes). */
const MAX_COST = 2 ** 20;

export async function hashSecret(secret: string, cost: number): Promise<string> {
  const salt = randomBytes(16);
  const r = 8;
  const p = 1;
  const key = await scrypt(secret, salt, 32, { N: cost, r, p, maxmem: 256 * cost * r });
  return formatHash(cost, r, p, salt, key);
}

export const formatHash = (cost: number, r: number, p: number, salt: Buffer, key: Buffer): string =>
  `scrypt$${cost}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;

/** Whether `stored` is a hash this module can check (the form above, with sane parameters). */
export function isSecretHash(stored: string): boolean {
  const m = /^scrypt\$(\d{1,8})\$(\d{1,2})\$(\d{1,2})\$[A-Za-z0-9_-]{16,64}\$[A-Za-z0-9_-]{16,128}$/.exec(stored);
  if (!m) return false;
  const [n, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return n >= 2 && n <= MAX_COST && (n & (n - 1)) === 0 && r >= 1 && r <= 16 && p >= 1 && p <= 4;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  if (!isSecretHash(stored)) return false;
  const [, n, r, p, salt, key] = stored.split('$') as [string, string, string, string, string, string];
  const expected = Buffer.from(key, 'base64url');
  const got = await scrypt(secret, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 256 * Number(n) * Number(r) + 1024 * 1024,
  });
  return got.length === expected.length && timingSafeEqual(got, expected);
}
