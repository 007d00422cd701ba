import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password hashes are `scrypt$N$r$p$salt$hash` (base64url parts), so the cost can be raised
 * later without invalidating stored hashes. N = 2^15 costs ~60 ms here: slow for an attacker,
 * unnoticeable for a person signing in.
 */
const params = { N: 1 << 15, r: 8, p: 1, keyLength: 32, saltLength: 16 } as const;
const maxmem = 128 * params.N * params.r * 2;

function derive(
  password: string,
  salt: Buffer,
  N: number,
  r: number,
  p: number,
  keyLength: number,
) {
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(password, salt, keyLength, { N, r, p, maxmem }, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(params.saltLength);
  const key = await derive(password, salt, params.N, params.r, params.p, params.keyLength);
  return [
    'scrypt',
    params.N,
    params.r,
    params.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, saltText, keyText] = parts;
  const expected = Buffer.from(keyText ?? '', 'base64url');
  const key = await derive(
    password,
    Buffer.from(saltText ?? '', 'base64url'),
    Number(n),
    Number(r),
    Number(p),
    expected.length,
  );
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A password for first start when none is given: 20 characters from a 64-symbol alphabet. */
export function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}
