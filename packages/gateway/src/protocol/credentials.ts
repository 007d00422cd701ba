/**
 * Password cryptography for the two supported plugins. See README "Credential storage".
 *
 * mysql_native_password (challenge-response over SHA-1):
 *   client sends  SHA1(pw) XOR SHA1(scramble ‖ SHA1(SHA1(pw)))
 *   server stores SHA1(SHA1(pw)) and checks SHA1(response XOR SHA1(scramble ‖ stored)) = stored
 *
 * caching_sha2_password (challenge-response over SHA-256, with a full-auth fallback):
 *   fast auth:  client sends SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) ‖ scramble); the server
 *               needs SHA256(SHA256(pw)), which it keeps only in memory (the cache) after a
 *               full authentication proved the password
 *   full auth:  the client sends the password itself, in TLS or RSA-OAEP encrypted; the server
 *               checks it against the stored scrypt hash
 */
import {
  constants,
  createHash,
  privateDecrypt,
  scrypt as scryptCallback,
  timingSafeEqual,
} from 'node:crypto';

function sha1(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
}

function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

function xor(a: Uint8Array, b: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] ?? 0) ^ (b[i % b.length] ?? 0);
  return out;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

// ---- mysql_native_password ----

/** MySQL's own stored form: '*' + upper-case hex of SHA1(SHA1(password)); '' for no password. */
export function nativeCredential(password: string): string {
  if (password === '') return '';
  return (
    '*' +
    sha1(sha1(Buffer.from(password, 'utf8')))
      .toString('hex')
      .toUpperCase()
  );
}

/** Checks a mysql_native_password response against the stored credential. */
export function verifyNative(
  credential: string,
  scramble: Uint8Array,
  response: Uint8Array,
): boolean {
  if (credential === '') return response.length === 0;
  if (!/^\*[0-9A-Fa-f]{40}$/.test(credential) || response.length !== 20) return false;
  const stage2 = Buffer.from(credential.slice(1), 'hex');
  const stage1 = xor(response, sha1(scramble, stage2));
  return equal(sha1(stage1), stage2);
}

// ---- caching_sha2_password ----

export interface ScryptCost {
  /** CPU/memory cost (a power of two). */
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** OWASP's minimum for scrypt: ~40 ms and 16 MiB per full authentication. */
export const DEFAULT_SCRYPT_COST: ScryptCost = { N: 16384, r: 8, p: 1 };

const SCRYPT_KEY_BYTES = 32;
const SALT_BYTES = 16;

function scrypt(password: Buffer, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(
      password,
      salt,
      SCRYPT_KEY_BYTES,
      { N: cost.N, r: cost.r, p: cost.p, maxmem: 128 * cost.N * cost.r * 2 },
      (err, key) => {
        if (err) reject(err);
        else resolve(key);
      },
    );
  });
}

/**
 * The stored credential of a caching_sha2_password account:
 * `$scrypt$N=<N>,r=<r>,p=<p>$<salt base64>$<key base64>`, or '' for no password.
 * `salt` must be at least 16 random bytes (the caller owns randomness).
 */
export async function sha2Credential(
  password: string,
  salt: Uint8Array,
  cost: ScryptCost = DEFAULT_SCRYPT_COST,
): Promise<string> {
  if (password === '') return '';
  if (salt.length < SALT_BYTES) throw new Error(`salt must be at least ${SALT_BYTES} bytes`);
  const key = await scrypt(Buffer.from(password, 'utf8'), Buffer.from(salt), cost);
  const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
  return `$scrypt$N=${cost.N},r=${cost.r},p=${cost.p}$${b64(salt)}$${b64(key)}`;
}

const SCRYPT_FORMAT = /^\$scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

/** Checks a cleartext password (full authentication) against a stored scrypt credential. */
export async function verifySha2Password(credential: string, password: Buffer): Promise<boolean> {
  if (credential === '') return password.length === 0;
  const m = SCRYPT_FORMAT.exec(credential);
  if (m === null) return false;
  const cost = { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  const salt = Buffer.from(m[4] ?? '', 'base64');
  const expected = Buffer.from(m[5] ?? '', 'base64');
  const key = await scrypt(password, salt, cost);
  return equal(key, expected);
}

/** SHA256(SHA256(password)): what fast authentication checks against. */
export function sha2FastAuthDigest(password: Uint8Array): Buffer {
  return sha256(sha256(password));
}

/** Checks a fast-auth response (32 bytes) against the cached digest. */
export function verifySha2Scramble(
  digest: Uint8Array,
  scramble: Uint8Array,
  response: Uint8Array,
): boolean {
  if (response.length !== 32) return false;
  const stage1 = xor(response, sha256(digest, scramble));
  return equal(sha256(stage1), digest);
}

/**
 * Decrypts the RSA-OAEP full-authentication message: the password, NUL-terminated, XORed with
 * the scramble. Returns undefined when it does not decrypt.
 */
export function decryptSha2Password(
  privateKeyPem: string,
  scramble: Uint8Array,
  encrypted: Uint8Array,
): Buffer | undefined {
  let plain: Buffer;
  try {
    plain = privateDecrypt(
      { key: privateKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      encrypted,
    );
  } catch {
    return undefined;
  }
  return stripNul(xor(plain, scramble));
}

/** A cleartext password as the client sends it (NUL-terminated). */
export function stripNul(b: Buffer): Buffer {
  const end = b.indexOf(0);
  return end < 0 ? b : b.subarray(0, end);
}

/**
 * The fast-authentication cache: per account, SHA256(SHA256(password)) learnt from a
 * successful full authentication. An entry is valid only for the credential it was learnt
 * under, so a password change invalidates it without any notification. Bounded: the oldest
 * entry goes first.
 */
export class Sha2AuthCache {
  private readonly entries = new Map<string, { credential: string; digest: Buffer }>();

  constructor(private readonly maxEntries = 10_000) {}

  private static key(user: string, host: string): string {
    return `${user}\u0000${host}`;
  }

  get(user: string, host: string, credential: string): Buffer | undefined {
    const key = Sha2AuthCache.key(user, host);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.credential !== credential) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.digest;
  }

  set(user: string, host: string, credential: string, digest: Buffer): void {
    const key = Sha2AuthCache.key(user, host);
    this.entries.delete(key);
    this.entries.set(key, { credential, digest });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
  }

  /** Forgets an account (e.g. on DROP USER or a password change). */
  invalidate(user: string, host: string): void {
    this.entries.delete(Sha2AuthCache.key(user, host));
  }

  get size(): number {
    return this.entries.size;
  }
}
