// Raw LmdbEngine figures, measured the way packages/storage/bench/kv-raw.ts measures them (same
// keys, values, generator and loops). kv-raw.ts is a script with top-level effects and no
// exports, so its measuring functions are mirrored here to run in the benchmark's own process.
// Keep the two in step; better still, export them from storage/bench and import them here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbEngine, MvccStore } from '@tessera/storage';

/** Benchmarks are host programs: they may read the wall clock (bench/ is exempt). */
const monotonicNowMs = (): number => performance.now();

export const valueBytes = 100;

export interface RawOptions {
  readonly keyCount: number;
  readonly phaseMs: number;
  /** Concurrent writers of the batched (group-commit) phase. */
  readonly writers: number;
}

export interface RawFigures {
  readonly randomGetPerSec: number;
  readonly durableCommitOneWriterPerSec: number;
  readonly durablePutBatchedPerSec: number;
  readonly mvccTxnPerSec: number;
  /** MvccStore.get (space meta + lock + newest version) at random keys: the storage read path. */
  readonly mvccGetPerSec: number;
}

/** 16-byte keys, big-endian index in the last 4 bytes (as kv-raw.ts). */
export function keyOf(i: number): Uint8Array {
  const k = new Uint8Array(16);
  new DataView(k.buffer).setUint32(12, i);
  k[0] = 0x7a;
  return k;
}

/** xorshift32: a fixed-seed generator, so runs read the same key sequence. */
export function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

async function load(engine: LmdbEngine, keyCount: number): Promise<void> {
  const value = new Uint8Array(valueBytes).fill(7);
  for (let i = 0; i < keyCount; i += 10_000) {
    const batch = engine.newBatch();
    for (let j = i; j < Math.min(keyCount, i + 10_000); j++) batch.put(keyOf(j), value);
    await engine.commit(batch);
  }
}

function randomGets(engine: LmdbEngine, o: RawOptions): number {
  const next = xorshift(42);
  let n = 0;
  const start = monotonicNowMs();
  while (monotonicNowMs() - start < o.phaseMs) {
    for (let i = 0; i < 1000; i++) {
      if (engine.get(keyOf(Math.floor(next() * o.keyCount))) === undefined)
        throw new Error('missing key');
    }
    n += 1000;
  }
  return (n / (monotonicNowMs() - start)) * 1000;
}

async function durableCommits(engine: LmdbEngine, o: RawOptions, lanes: number): Promise<number> {
  const value = new Uint8Array(valueBytes).fill(9);
  let n = 0;
  const start = monotonicNowMs();
  const lane = async (id: number): Promise<void> => {
    let i = 0;
    while (monotonicNowMs() - start < o.phaseMs) {
      const batch = engine.newBatch();
      batch.put(keyOf(o.keyCount + id * 1_000_000 + (i++ % 1_000_000)), value);
      await engine.commit(batch);
      n++;
    }
  };
  await Promise.all(Array.from({ length: lanes }, (_, id) => lane(id)));
  return (n / (monotonicNowMs() - start)) * 1000;
}

/** Percolator txns straight on MvccStore: per txn a prewrite batch then a commit batch. */
async function mvccTxns(engine: LmdbEngine, o: RawOptions, lanes: number): Promise<number> {
  const store = new MvccStore(engine);
  const setup = engine.newBatch();
  for (let space = 1; space <= lanes; space++) store.createSpace(setup, space);
  await engine.commit(setup);
  const value = new Uint8Array(valueBytes).fill(5);
  let n = 0;
  let ts = 1;
  const start = monotonicNowMs();
  const lane = async (space: number): Promise<void> => {
    let index = 0;
    while (monotonicNowMs() - start < o.phaseMs) {
      const key = keyOf(index);
      const startTs = ts++;
      const prewrite = engine.newBatch();
      store.apply(prewrite, space, {
        index: ++index,
        term: 1,
        commands: [{ kind: 'prewrite', key, startTs, primary: key, op: 'put', value }],
      });
      await engine.commit(prewrite);
      const commit = engine.newBatch();
      store.apply(commit, space, {
        index: ++index,
        term: 1,
        commands: [{ kind: 'commit', key, startTs, commitTs: ts++ }],
      });
      await engine.commit(commit);
      n++;
    }
  };
  await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i + 1)));
  return (n / (monotonicNowMs() - start)) * 1000;
}

/** Loads keyOf(0..keyCount) as versions of one MVCC space, then reads them at random. */
async function mvccGets(engine: LmdbEngine, o: RawOptions): Promise<number> {
  const store = new MvccStore(engine);
  const space = 100_000;
  const setup = engine.newBatch();
  store.createSpace(setup, space);
  await engine.commit(setup);
  const value = new Uint8Array(valueBytes).fill(7);
  let index = 0;
  for (let i = 0; i < o.keyCount; i += 10_000) {
    const batch = engine.newBatch();
    const commands = [];
    for (let j = i; j < Math.min(o.keyCount, i + 10_000); j++) {
      commands.push({
        kind: 'putVersion' as const,
        key: keyOf(j),
        commitTs: 10,
        op: 'put' as const,
        value,
      });
    }
    store.apply(batch, space, { index: ++index, term: 1, commands });
    await engine.commit(batch);
  }
  const next = xorshift(42);
  let n = 0;
  const start = monotonicNowMs();
  while (monotonicNowMs() - start < o.phaseMs) {
    for (let i = 0; i < 1000; i++) {
      const r = store.get(space, keyOf(Math.floor(next() * o.keyCount)), 20);
      if (r.kind !== 'value') throw new Error(`mvcc get answered ${r.kind}`);
    }
    n += 1000;
  }
  return (n / (monotonicNowMs() - start)) * 1000;
}

/** Runs every raw phase on a fresh LMDB environment in a temp dir, removed afterwards. */
export async function measureRaw(o: RawOptions): Promise<RawFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-raw-'));
  const engine = LmdbEngine.open({ path: dir });
  try {
    await load(engine, o.keyCount);
    const randomGetPerSec = randomGets(engine, o);
    const durableCommitOneWriterPerSec = await durableCommits(engine, o, 1);
    const durablePutBatchedPerSec = await durableCommits(engine, o, o.writers);
    const mvccTxnPerSec = await mvccTxns(engine, o, o.writers);
    const mvccGetPerSec = await mvccGets(engine, o);
    return {
      randomGetPerSec,
      durableCommitOneWriterPerSec,
      durablePutBatchedPerSec,
      mvccTxnPerSec,
      mvccGetPerSec,
    };
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
