// Where a storage point read goes: the engine operations MvccStore.get makes, timed one by one
// on one LMDB environment (no cluster). Diagnostic for README.md, not part of `bench:kv`.
// Run: npx tsx apps/server/bench/mvcc-read-parts.ts [--keys N] [--seconds S]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MvccCommand } from '@tessera/storage';
import { LmdbEngine, MvccStore } from '@tessera/storage';
import { keyOf, valueBytes, xorshift } from './raw-lmdb';

const monotonicNowMs = (): number => performance.now();
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i] ?? '', process.argv[i + 1] ?? '');
const keyCount = Number(args.get('--keys') ?? 100_000);
const phaseMs = Number(args.get('--seconds') ?? 1.5) * 1000;

/** Runs `op` on random key indexes for phaseMs; answers µs per op. */
function perOpUs(op: (i: number) => void): number {
  const next = xorshift(42);
  let n = 0;
  const start = monotonicNowMs();
  while (monotonicNowMs() - start < phaseMs) {
    for (let j = 0; j < 1000; j++) op(Math.floor(next() * keyCount));
    n += 1000;
  }
  return ((monotonicNowMs() - start) * 1000) / n;
}

const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-parts-'));
const engine = LmdbEngine.open({ path: dir });
try {
  const store = new MvccStore(engine);
  const space = 7;
  const setup = engine.newBatch();
  store.createSpace(setup, space);
  await engine.commit(setup);
  const value = new Uint8Array(valueBytes).fill(7);
  for (let i = 0, index = 1; i < keyCount; i += 10_000, index++) {
    const batch = engine.newBatch();
    const commands: MvccCommand[] = [];
    for (let j = i; j < Math.min(keyCount, i + 10_000); j++) {
      commands.push({ kind: 'putVersion', key: keyOf(j), commitTs: 10, op: 'put', value });
      batch.put(keyOf(j), value); // plain keys too, for the engine.get baseline
    }
    store.apply(batch, space, { index, term: 1, commands });
    await engine.commit(batch);
  }
  const results: [string, number][] = [
    ['engine.get, hit (the raw get)', perOpUs((i) => engine.get(keyOf(i)))],
    ['engine.get, miss', perOpUs((i) => engine.get(keyOf(keyCount + i)))],
    [
      'engine.range limit 1 (first entry at/after key)',
      perOpUs((i) => {
        for (const entry of engine.range({ start: keyOf(i), limit: 1 })) return entry;
        return undefined;
      }),
    ],
    [
      'engine.first (one seek: first entry in [key, end))',
      perOpUs((i) => engine.first(keyOf(i), keyOf(keyCount + i))),
    ],
    [
      'MvccStore.get (cached meta + lock get + first)',
      perOpUs((i) => store.get(space, keyOf(i), 20)),
    ],
  ];
  for (const [name, us] of results)
    console.log(`${name.padEnd(52)} ${us.toFixed(2).padStart(7)} µs`);
} finally {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
}
