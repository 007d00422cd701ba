import { describe, expect, it } from 'vitest';
import { hash64 } from './xxhash64';

const prime32 = 2654435761n;
const prime64 = 11400714785074694797n;
const mask64 = (1n << 64n) - 1n;

/** The buffer of xxHash's cli/xsum_sanity_check.c: top byte of a multiplicative sequence. */
function sanityBuffer(length: number): Uint8Array {
  const out = new Uint8Array(length);
  let gen = prime32;
  for (let i = 0; i < length; i++) {
    out[i] = Number(gen >> 56n);
    gen = (gen * prime64) & mask64;
  }
  return out;
}

/** A plain BigInt XXH64, written straight from the spec, to cross-check the 32-bit version. */
function referenceXxh64(bytes: Uint8Array, seed = 0n): bigint {
  const p1 = 0x9e3779b185ebca87n;
  const p2 = 0xc2b2ae3d27d4eb4fn;
  const p3 = 0x165667b19e3779f9n;
  const p4 = 0x85ebca77c2b2ae63n;
  const p5 = 0x27d4eb2f165667c5n;
  const m = (x: bigint) => x & mask64;
  const rotl = (x: bigint, r: bigint) => m((x << r) | (x >> (64n - r)));
  const read = (at: number, n: number) => {
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]!);
    return v;
  };
  const round = (acc: bigint, input: bigint) => m(rotl(m(acc + m(input * p2)), 31n) * p1);
  const merge = (acc: bigint, v: bigint) => m(m((acc ^ round(0n, v)) * p1) + p4);
  let at = 0;
  let h: bigint;
  if (bytes.length >= 32) {
    const v = [m(seed + p1 + p2), m(seed + p2), seed, m(seed - p1)];
    for (; at + 32 <= bytes.length; at += 32) {
      for (let lane = 0; lane < 4; lane++) v[lane] = round(v[lane]!, read(at + lane * 8, 8));
    }
    h = m(rotl(v[0]!, 1n) + rotl(v[1]!, 7n) + rotl(v[2]!, 12n) + rotl(v[3]!, 18n));
    for (const lane of v) h = merge(h, lane);
  } else {
    h = m(seed + p5);
  }
  h = m(h + BigInt(bytes.length));
  for (; at + 8 <= bytes.length; at += 8) h = m(rotl(h ^ round(0n, read(at, 8)), 27n) * p1 + p4);
  if (at + 4 <= bytes.length) {
    h = m(rotl(h ^ m(read(at, 4) * p1), 23n) * p2 + p3);
    at += 4;
  }
  for (; at < bytes.length; at++) h = m(rotl(h ^ m(BigInt(bytes[at]!) * p5), 11n) * p1);
  h = m((h ^ (h >> 33n)) * p2);
  h = m((h ^ (h >> 29n)) * p3);
  return h ^ (h >> 32n);
}

describe('hash64 (XXH64)', () => {
  // Published vectors: xxHash cli/xsum_sanity_check.c (XSUM_XXH64_testdata).
  const vectors: readonly [length: number, seed: bigint, expected: bigint][] = [
    [0, 0n, 0xef46db3751d8e999n],
    [0, prime32, 0xac75fda2929b17efn],
    [1, 0n, 0xe934a84adb052768n],
    [1, prime32, 0x5014607643a9b4c3n],
    [4, 0n, 0x9136a0dca57457een],
    [14, 0n, 0x8282dcc4994e35c8n],
    [14, prime32, 0xc3bd6bf63deb6df0n],
    [222, 0n, 0xb641ae8cb691c174n],
    [222, prime32, 0x20cb8ab7ae10c14an],
  ];
  const buffer = sanityBuffer(222);

  it.each(vectors)('matches the published vector for length %i, seed %i', (len, seed, want) => {
    expect(hash64(buffer.subarray(0, len), seed)).toBe(want);
  });

  it('matches a BigInt transcription of the spec for every length up to 100', () => {
    for (let len = 0; len <= 100; len++) {
      const bytes = buffer.subarray(222 - len);
      expect(hash64(bytes), `length ${len}`).toBe(referenceXxh64(bytes));
      expect(hash64(bytes, 0xffff_ffff_ffff_fffen)).toBe(
        referenceXxh64(bytes, 0xffff_ffff_ffff_fffen),
      );
    }
  });

  it('returns a value in [0, 2^64)', () => {
    for (let len = 0; len < 64; len++) {
      const h = hash64(buffer.subarray(0, len));
      expect(h >= 0n && h <= mask64).toBe(true);
    }
  });
});
