/**
 * Hash throughput: `npx tsx packages/placement/bench/hash.ts` (from the repo root).
 *
 * Prints hashes per second for 8, 32 and 128-byte keys, three ways: the core XXH64 in 32-bit
 * arithmetic (no bigint), the public `hash64` (adds the bigint result), and
 * `hashDistributionKey` on a one-column key (adds length framing).
 *
 * This is a host program, not engine code: it reads the wall clock, which placement code
 * never does. The boundary checker exempts `bench/` from the engine determinism rule.
 */
import { performance } from 'node:perf_hooks';
import { hashDistributionKey } from '../src/hash/distributionKey';
import { hash64, hash64Into, lastHashLo } from '../src/hash/xxhash64';

const keySizesBytes = [8, 32, 128];
const keysPerSize = 1024;
const runMsMin = 400;

/** Deterministic key bytes, so runs compare. */
function keysOf(size: number): Uint8Array[] {
  const keys: Uint8Array[] = [];
  let x = 0x9e3779b9;
  for (let k = 0; k < keysPerSize; k++) {
    const key = new Uint8Array(size);
    for (let i = 0; i < size; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      key[i] = x & 0xff;
    }
    keys.push(key);
  }
  return keys;
}

/** Runs `hashAll` over the keys until runMsMin has passed; returns hashes per second. */
function measure(keys: readonly Uint8Array[], hashOne: (key: Uint8Array) => number): number {
  let sink = 0;
  // Warm-up, so the JIT has optimised hashOne before the clock starts.
  for (let round = 0; round < 200; round++) for (const key of keys) sink ^= hashOne(key);
  let hashes = 0;
  const start = performance.now();
  let elapsedMs = 0;
  while (elapsedMs < runMsMin) {
    for (let round = 0; round < 100; round++) for (const key of keys) sink ^= hashOne(key);
    hashes += 100 * keys.length;
    elapsedMs = performance.now() - start;
  }
  if (sink === 0.5) console.log('unreachable; keeps the work alive');
  return (hashes / elapsedMs) * 1000;
}

const variants: readonly [string, (key: Uint8Array) => number][] = [
  [
    'xxh64 core (hi/lo)',
    (key) => {
      hash64Into(key);
      return lastHashLo();
    },
  ],
  ['hash64 -> bigint', (key) => Number(hash64(key) & 0xffn)],
  ['hashDistributionKey', (key) => Number(hashDistributionKey([key]) & 0xffn)],
];

const format = (perSec: number) => `${(perSec / 1e6).toFixed(2)} M/s`.padStart(12);
console.log(`${'key size'.padEnd(10)}${variants.map(([name]) => name.padStart(24)).join('')}`);
for (const size of keySizesBytes) {
  const keys = keysOf(size);
  const cells = variants.map(([, fn]) => format(measure(keys, fn)).padStart(24));
  console.log(`${`${size} B`.padEnd(10)}${cells.join('')}`);
}
