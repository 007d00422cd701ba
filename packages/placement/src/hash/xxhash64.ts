/**
 * XXH64 (https://github.com/Cyan4973/xxHash, spec in doc/xxhash_spec.md) in 32-bit arithmetic.
 *
 * Why not BigInt: BigInt multiplication allocates, and hashing sits on the path of every
 * routed row; 64-bit lanes are kept here as (hi, lo) pairs of 32-bit words and the result is
 * turned into a bigint once, at the end. The words are *signed* int32 (`| 0`), not uint32:
 * V8 passes int32 unboxed across calls it does not inline, while a uint32 above 2^31 becomes a
 * heap-allocated number. With the register file below and `round` written out, this made
 * 128-byte keys about 3x faster than uint32 words in plain variables (Node 20).
 *
 * Why a module-level register file: returning a pair from each 64-bit operation would
 * allocate an object per step, and a plain `let` may box its number on every write; an
 * Int32Array stores raw words. Every operation leaves its result in
 * `reg[hiAt]`/`reg[loAt]`. The module is single-threaded and no function here yields, so the
 * registers never leak between calls.
 */

const prime1Hi = 0x9e3779b1 | 0;
const prime1Lo = 0x85ebca87 | 0;
const prime2Hi = 0xc2b2ae3d | 0;
const prime2Lo = 0x27d4eb4f | 0;
const prime3Hi = 0x165667b1 | 0;
const prime3Lo = 0x9e3779f9 | 0;
const prime4Hi = 0x85ebca77 | 0;
const prime4Lo = 0xc2b2ae63 | 0;
const prime5Hi = 0x27d4eb2f | 0;
const prime5Lo = 0x165667c5 | 0;

const stripeBytes = 32;
const twoTo32 = 0x1_0000_0000;

/** Result registers of the 64-bit helpers: the two int32 halves. */
const reg = new Int32Array(2);
const hiAt = 0;
const loAt = 1;

function rh(): number {
  return reg[hiAt] ?? 0;
}
function rl(): number {
  return reg[loAt] ?? 0;
}

/** (aHi:aLo) * (bHi:bLo) mod 2^64. The low product is split into 16-bit limbs to stay exact. */
function mul(aHi: number, aLo: number, bHi: number, bLo: number): void {
  const a0 = aLo & 0xffff;
  const a1 = aLo >>> 16;
  const b0 = bLo & 0xffff;
  const b1 = bLo >>> 16;
  const p00 = a0 * b0;
  const p10 = a1 * b0;
  const p01 = a0 * b1;
  const middle = (p00 >>> 16) + (p10 & 0xffff) + (p01 & 0xffff);
  reg[loAt] = (middle << 16) | (p00 & 0xffff);
  reg[hiAt] =
    (a1 * b1 +
      (p10 >>> 16) +
      (p01 >>> 16) +
      (middle >>> 16) +
      Math.imul(aHi, bLo) +
      Math.imul(aLo, bHi)) |
    0;
}

function add(aHi: number, aLo: number, bHi: number, bLo: number): void {
  const sum = (aLo >>> 0) + (bLo >>> 0);
  reg[loAt] = sum | 0;
  reg[hiAt] = (aHi + bHi + (sum >= twoTo32 ? 1 : 0)) | 0;
}

/** Rotate left by 0 < r < 32 (the only amounts XXH64 uses). */
function rotl(aHi: number, aLo: number, r: number): void {
  reg[hiAt] = (aHi << r) | (aLo >>> (32 - r));
  reg[loAt] = (aLo << r) | (aHi >>> (32 - r));
}

const prime1Lo0 = prime1Lo & 0xffff;
const prime1Lo1 = prime1Lo >>> 16;
const prime2Lo0 = prime2Lo & 0xffff;
const prime2Lo1 = prime2Lo >>> 16;

/**
 * acc = rotl(acc + input * PRIME2, 31) * PRIME1
 *
 * The hot loop of long keys, written out without calls: V8 would not inline mul/add/rotl
 * here (the caller exhausts its inlining budget), and the calls cost more than the math.
 */
function round(accHi: number, accLo: number, inHi: number, inLo: number): void {
  // t = input * PRIME2, as in mul()
  let a0 = inLo & 0xffff;
  let a1 = inLo >>> 16;
  let p00 = a0 * prime2Lo0;
  let p10 = a1 * prime2Lo0;
  let p01 = a0 * prime2Lo1;
  let middle = (p00 >>> 16) + (p10 & 0xffff) + (p01 & 0xffff);
  const tLo = (middle << 16) | (p00 & 0xffff);
  const tHi =
    (a1 * prime2Lo1 +
      (p10 >>> 16) +
      (p01 >>> 16) +
      (middle >>> 16) +
      Math.imul(inHi, prime2Lo) +
      Math.imul(inLo, prime2Hi)) |
    0;
  // s = acc + t
  const sum = (accLo >>> 0) + (tLo >>> 0);
  const sLo = sum | 0;
  const sHi = (accHi + tHi + (sum >= twoTo32 ? 1 : 0)) | 0;
  // r = rotl(s, 31)
  const rHi = (sHi << 31) | (sLo >>> 1);
  const rLo = (sLo << 31) | (sHi >>> 1);
  // r * PRIME1
  a0 = rLo & 0xffff;
  a1 = rLo >>> 16;
  p00 = a0 * prime1Lo0;
  p10 = a1 * prime1Lo0;
  p01 = a0 * prime1Lo1;
  middle = (p00 >>> 16) + (p10 & 0xffff) + (p01 & 0xffff);
  reg[loAt] = (middle << 16) | (p00 & 0xffff);
  reg[hiAt] =
    a1 * prime1Lo1 +
    (p10 >>> 16) +
    (p01 >>> 16) +
    (middle >>> 16) +
    Math.imul(rHi, prime1Lo) +
    Math.imul(rLo, prime1Hi);
}

/** acc = (acc ^ round(0, value)) * PRIME1 + PRIME4 */
function mergeRound(accHi: number, accLo: number, vHi: number, vLo: number): void {
  round(0, 0, vHi, vLo);
  mul((accHi ^ rh()) | 0, (accLo ^ rl()) | 0, prime1Hi, prime1Lo);
  add(rh(), rl(), prime4Hi, prime4Lo);
}

/** Four bytes little-endian, as an int32 word (see the note on signed words above). */
function u32le(bytes: Uint8Array, at: number): number {
  return (
    (bytes[at] ?? 0) |
    ((bytes[at + 1] ?? 0) << 8) |
    ((bytes[at + 2] ?? 0) << 16) |
    ((bytes[at + 3] ?? 0) << 24)
  );
}

/**
 * XXH64 of `bytes`, as (hi, lo) in the module registers. Exported only for the benchmark,
 * which measures the cost of the bigint conversion separately.
 */
export function hash64Into(bytes: Uint8Array, seedHi = 0, seedLo = 0): void {
  const length = bytes.length;
  let at = 0;
  if (length >= stripeBytes) {
    at = consumeStripes(bytes, seedHi, seedLo);
  } else {
    add(seedHi, seedLo, prime5Hi, prime5Lo);
  }
  // h += length (lengths stay far below 2^53, so the high word is exact)
  add(rh(), rl(), Math.floor(length / twoTo32) | 0, length | 0);
  consumeTail(bytes, at);
  avalanche();
}

/*
 * The phases of XXH64 are separate functions on purpose: V8 inlines helpers only into callers
 * that are still under an inlining budget, which one large function exhausted.
 */

/** The four-lane accumulation over whole 32-byte stripes, converged into h (in reg). */
function consumeStripes(bytes: Uint8Array, seedHi: number, seedLo: number): number {
  add(seedHi, seedLo, prime1Hi, prime1Lo);
  add(rh(), rl(), prime2Hi, prime2Lo);
  let v1Hi = rh();
  let v1Lo = rl();
  add(seedHi, seedLo, prime2Hi, prime2Lo);
  let v2Hi = rh();
  let v2Lo = rl();
  let v3Hi = seedHi;
  let v3Lo = seedLo;
  // seed - PRIME1 == seed + (2^64 - PRIME1)
  add(seedHi, seedLo, ~prime1Hi | 0, ((~prime1Lo | 0) + 1) | 0);
  let v4Hi = rh();
  let v4Lo = rl();
  const lastStripe = bytes.length - stripeBytes;
  let at = 0;
  for (; at <= lastStripe; at += stripeBytes) {
    round(v1Hi, v1Lo, u32le(bytes, at + 4), u32le(bytes, at));
    v1Hi = rh();
    v1Lo = rl();
    round(v2Hi, v2Lo, u32le(bytes, at + 12), u32le(bytes, at + 8));
    v2Hi = rh();
    v2Lo = rl();
    round(v3Hi, v3Lo, u32le(bytes, at + 20), u32le(bytes, at + 16));
    v3Hi = rh();
    v3Lo = rl();
    round(v4Hi, v4Lo, u32le(bytes, at + 28), u32le(bytes, at + 24));
    v4Hi = rh();
    v4Lo = rl();
  }
  converge(v1Hi, v1Lo, v2Hi, v2Lo, v3Hi, v3Lo, v4Hi, v4Lo);
  return at;
}

function converge(
  v1Hi: number,
  v1Lo: number,
  v2Hi: number,
  v2Lo: number,
  v3Hi: number,
  v3Lo: number,
  v4Hi: number,
  v4Lo: number,
): void {
  rotl(v1Hi, v1Lo, 1);
  let hHi = rh();
  let hLo = rl();
  rotl(v2Hi, v2Lo, 7);
  add(hHi, hLo, rh(), rl());
  hHi = rh();
  hLo = rl();
  rotl(v3Hi, v3Lo, 12);
  add(hHi, hLo, rh(), rl());
  hHi = rh();
  hLo = rl();
  rotl(v4Hi, v4Lo, 18);
  add(hHi, hLo, rh(), rl());
  mergeRound(rh(), rl(), v1Hi, v1Lo);
  mergeRound(rh(), rl(), v2Hi, v2Lo);
  mergeRound(rh(), rl(), v3Hi, v3Lo);
  mergeRound(rh(), rl(), v4Hi, v4Lo);
}

/** The remaining bytes after the stripes: 8 at a time, then 4, then one by one. */
function consumeTail(bytes: Uint8Array, from: number): void {
  const length = bytes.length;
  let at = from;
  let hHi: number;
  let hLo: number;
  for (; at + 8 <= length; at += 8) {
    hHi = rh();
    hLo = rl();
    round(0, 0, u32le(bytes, at + 4), u32le(bytes, at));
    rotl((hHi ^ rh()) | 0, (hLo ^ rl()) | 0, 27);
    mul(rh(), rl(), prime1Hi, prime1Lo);
    add(rh(), rl(), prime4Hi, prime4Lo);
  }
  if (at + 4 <= length) {
    hHi = rh();
    hLo = rl();
    mul(0, u32le(bytes, at), prime1Hi, prime1Lo);
    rotl((hHi ^ rh()) | 0, (hLo ^ rl()) | 0, 23);
    mul(rh(), rl(), prime2Hi, prime2Lo);
    add(rh(), rl(), prime3Hi, prime3Lo);
    at += 4;
  }
  for (; at < length; at++) {
    hHi = rh();
    hLo = rl();
    mul(0, bytes[at] ?? 0, prime5Hi, prime5Lo);
    rotl((hHi ^ rh()) | 0, (hLo ^ rl()) | 0, 11);
    mul(rh(), rl(), prime1Hi, prime1Lo);
  }
}

function avalanche(): void {
  // h ^= h >> 33
  mul(rh(), (rl() ^ (rh() >>> 1)) | 0, prime2Hi, prime2Lo);
  // h ^= h >> 29 (the shifted value spans both words)
  mul((rh() ^ (rh() >>> 29)) | 0, (rl() ^ ((rl() >>> 29) | (rh() << 3))) | 0, prime3Hi, prime3Lo);
  // h ^= h >> 32
  reg[loAt] = (rl() ^ rh()) | 0;
}

/** The low 32 bits of the last `hash64Into` (for the benchmark). */
export function lastHashLo(): number {
  return rl() >>> 0;
}

const twoTo32n = 0x1_0000_0000n;

/**
 * XXH64 of `bytes` with an optional seed, as a bigint in [0, 2^64). Same input, same output,
 * on every platform: the algorithm reads bytes little-endian explicitly.
 */
export function hash64(bytes: Uint8Array, seed = 0n): bigint {
  if (seed === 0n) {
    hash64Into(bytes);
  } else {
    const s = BigInt.asUintN(64, seed);
    hash64Into(bytes, Number(s / twoTo32n), Number(s % twoTo32n));
  }
  return (BigInt(rh() >>> 0) << 32n) | BigInt(rl() >>> 0);
}
